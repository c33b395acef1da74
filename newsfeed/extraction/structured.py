"""What a page declares about itself, read once for both engines: JSON-LD, meta, itemprops.

JSON-LD ``NewsArticle`` / ``Article`` / ``ReportageNewsArticle`` (also in ``@graph`` and lists),
read leniently (:func:`load_jsonld`: the malformed JSON-LD Vietnamese CMSes print), Open Graph
/ ``article:*`` meta and itemprops. The platform adapters fall back on it for a field their
selectors miss; the generic fallback reads it first.

**The site name is not an author.** JSON-LD authors and ``meta[name=author]`` on Vietnamese news
sites are very often the newspaper itself ("Báo Đồng Nai", "VnExpress"); a name equal to
og:site_name, the JSON-LD publisher, the ``<title>`` suffix or the host name (compared without
case, diacritics, spaces) is dropped (:func:`acceptable_author`), and so is an Organization.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any

from parsel import Selector

from newsfeed.extraction.dates import ParsedDate, parse_iso_date
from newsfeed.extraction.select import jsonld_texts, meta_elements, title_text
from newsfeed.extraction.text import clean_text, fold, is_cms_account, normalize_author
from newsfeed.extraction.urls import host_of

_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "backgroundnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
        "scholarlyarticle",
    }
)
_ORGANIZATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "governmentorganization", "website"}
)
# Words that open the name of a publication or an office, never of a person (compared folded).
_ORG_PREFIX_RE = re.compile(
    r"^(?:bao|tap chi|dai |cong thong tin|cong ttdt|cong tt|trang thong tin|trang tin|toa soan"
    r"|ban bien tap|so |uy ban|ubnd|truyen hinh|phat thanh)"
)
TITLE_SEPARATORS_RE = re.compile(r"\s+(?:[-|–—»:]|::)\s+")
"""Between a headline and the site name in ``<title>``: " - ", " | ", " – ", " :: "."""
_MAX_AUTHOR_TEXT = 80
_MAX_AUTHOR_WORDS = 8
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")
_WRAPPER_RE = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")


def load_jsonld(raw: str) -> list[Any]:
    """Every JSON value in one ``<script type="application/ld+json">``, read leniently.

    CMS templates break JSON-LD in a few ways (seen on Vietnamese news sites): a trailing comma
    after the last property, raw newlines or tabs inside strings, HTML comments or CDATA around
    the script, entity-escaped quotes, two objects one after the other. Each is repaired; what
    still does not parse is skipped.
    """
    text = _WRAPPER_RE.sub("", raw.strip()).strip()
    if not text:
        return []
    attempts = [text, _TRAILING_COMMA_RE.sub(r"\1", _CONTROL_RE.sub(" ", text))]
    if "&quot;" in text:
        attempts.append(_TRAILING_COMMA_RE.sub(r"\1", unescape(attempts[1])))
    for attempt in attempts:
        values = _decode_all(attempt)
        if values:
            return values
    return []


def _decode_all(text: str) -> list[Any]:
    decoder = json.JSONDecoder(strict=False)  # strict=False: raw control characters in strings
    values: list[Any] = []
    index = 0
    while index < len(text):
        while index < len(text) and text[index] in " \t\r\n;,":
            index += 1
        if index >= len(text):
            break
        try:
            value, index = decoder.raw_decode(text, index)
        except ValueError:
            return values
        values.append(value)
    return values


def _jsonld_nodes(values: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Every object of the top level, of lists and of ``@graph``, in document order."""
    for value in values:
        if isinstance(value, list):
            yield from _jsonld_nodes(value)
        elif isinstance(value, dict):
            yield value
            graph = value.get("@graph")
            if isinstance(graph, list | dict):
                yield from _jsonld_nodes(graph if isinstance(graph, list) else [graph])


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].casefold() for k in kinds if isinstance(k, str)}


def _str(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, str):
        # some CMSes put markup or entities in JSON-LD strings
        text = clean_text(unescape(re.sub(r"<[^>]+>", " ", value)))
        return text or None
    return None


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    organization: bool


class StructuredData:
    """What the page declares about itself: JSON-LD, Open Graph / ``article:*`` meta, itemprops.

    ``site_names``: names the caller knows the site by (a portal's name), never an author.
    """

    def __init__(self, sel: Selector, url: str, *, site_names: Iterable[str] = ()) -> None:
        self.sel = sel
        self._known_sites = tuple(n for n in site_names if n)
        nodes: list[dict[str, Any]] = []
        for raw in jsonld_texts(sel):
            nodes.extend(_jsonld_nodes(load_jsonld(raw)))
        self.article = next((n for n in nodes if _types(n) & _ARTICLE_TYPES), None)
        if self.article is None:
            # a WebPage or an untyped object that still names a headline or a date
            self.article = next((n for n in nodes if "headline" in n or "datePublished" in n), None)
        self.nodes = nodes
        self._url = url

    def meta(self, *names: str) -> str | None:
        """The content of the first ``<meta>`` whose property, name or itemprop is one of
        ``names`` (tried in order), unescaped and cleaned."""
        for name in names:
            value = self._meta.get(name)
            if value and clean_text(value):
                return clean_text(unescape(value))
        return None

    @functools.cached_property
    def _meta(self) -> dict[str, str]:
        """Each property, name and itemprop mapped to the content of its first ``<meta>``:
        one pass over the page's meta elements instead of one document scan per name."""
        found: dict[str, str] = {}
        for element in meta_elements(self.sel):
            content = element.get("content")
            if content is None:
                continue
            for attribute in ("property", "name", "itemprop"):
                key = element.get(attribute)
                if key is not None:
                    found.setdefault(key, content)
        return found

    def jsonld(self, key: str) -> str | None:
        return _str(self.article.get(key)) if self.article else None

    def declared_title(self) -> str | None:
        """The headline the page declares (JSON-LD, Open Graph, Twitter card), if any."""
        return self.jsonld("headline") or self.meta("og:title") or self.meta("twitter:title")

    def titles(self) -> list[str]:
        """Every title candidate, best first, down to the ``<title>`` (site name and all)."""
        found = [
            self.jsonld("headline"),
            self.meta("og:title"),
            self.meta("twitter:title"),
            self.jsonld("name"),
            clean_text(title_text(self.sel)) or None,
        ]
        return [t for t in found if t]

    def site_names(self) -> list[str]:
        names = [self.meta("og:site_name"), self.meta("application-name")]
        publisher = self.article.get("publisher") if self.article else None
        for entry in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(entry, dict):
                names.append(_str(entry.get("name")))
        for node in self.nodes:
            if _types(node) & {"website", "newsmediaorganization", "organization"}:
                names.append(_str(node.get("name")))
        title = clean_text(title_text(self.sel))
        parts = TITLE_SEPARATORS_RE.split(title)
        headline = fold(self.jsonld("headline") or self.meta("og:title") or "")
        if len(parts) >= 2 and len(parts[-1].split()) <= 6 and fold(parts[-1]) not in headline:
            names.append(parts[-1])
        return [n for n in names if n]

    @functools.cached_property
    def site_keys(self) -> set[str]:
        """The site's names and host, squashed: made on first use, since only an author
        candidate is compared with them and most pages' author comes from a byline first."""
        host = host_of(self._url)
        keys = {_squash(host), _squash(host.split(".")[0])}
        keys.update(_squash(n) for n in (*self.site_names(), *self._known_sites))
        return {k for k in keys if k}

    def is_site(self, name: str) -> bool:
        """True when ``name`` is the site itself, compared without case, diacritics, spaces."""
        key = _squash(name)
        if not key:
            return True
        for site in self.site_keys:
            if key == site or (len(site) >= 5 and site in key):
                return True
            if len(key) >= 5 and key in site and len(key) >= 0.6 * len(site):
                return True
        return False

    def authors(self) -> list[Person]:
        found: list[Person] = []
        author = self.article.get("author") if self.article else None
        by_id = {n["@id"]: n for n in self.nodes if isinstance(n.get("@id"), str)}
        for entry in author if isinstance(author, list) else [author]:
            if isinstance(entry, dict) and "name" not in entry and entry.get("@id") in by_id:
                # Yoast-style graphs name the author in a Person node referenced by @id
                entry = by_id[entry["@id"]]
            if isinstance(entry, dict):
                name = _str(entry.get("name"))
                if name:
                    found.append(Person(name, bool(_types(entry) & _ORGANIZATION_TYPES)))
            elif (name := _str(entry)) is not None:
                found.append(Person(name, organization=False))
        for name in (self.meta("author"), self.meta("article:author"), self.meta("dc.creator")):
            if name:
                found.append(Person(name, organization=False))
        return [p for p in found if not p.name.startswith("http")]

    def published(self) -> list[tuple[ParsedDate | None, str]]:
        """The declared publication dates, best first: JSON-LD, then meta (ISO 8601 only)."""
        meta = parse_iso_date(
            self.meta(
                "article:published_time",
                "datePublished",
                "og:published_time",
                "pubdate",
                "publishdate",
                "dc.date.issued",
                "dc.date",
            )
        )
        return [(parse_iso_date(self.jsonld("datePublished")), "jsonld"), (meta, "meta")]

    def modified(self) -> ParsedDate | None:
        """The declared modification date: JSON-LD, then meta."""
        return parse_iso_date(self.jsonld("dateModified")) or parse_iso_date(
            self.meta("article:modified_time", "dateModified", "og:updated_time")
        )

    def description(self) -> str | None:
        return (
            self.jsonld("description")
            or self.meta("og:description")
            or self.meta("description")
            or self.meta("twitter:description")
        )


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def acceptable_author(name: str | None, data: StructuredData, title: str) -> str | None:
    """``name`` as an author, or None: not the site, not the headline, not a sentence."""
    if not name:
        return None
    name = normalize_author(name)
    if (
        not name
        or len(name) > _MAX_AUTHOR_TEXT
        or len(name.split()) > _MAX_AUTHOR_WORDS
        or data.is_site(name)
        or fold(name) == fold(title)
    ):
        return None
    return name


def declared_author(data: StructuredData, title: str) -> str | None:
    """A person named by JSON-LD or meta: not an Organization, not the site, not an account."""
    for person in data.authors():
        if person.organization or _ORG_PREFIX_RE.match(fold(person.name)):
            continue
        name = acceptable_author(person.name, data, title)
        if name is not None and not is_cms_account(name):
            return name
    return None


__all__ = [
    "TITLE_SEPARATORS_RE",
    "Person",
    "StructuredData",
    "acceptable_author",
    "declared_author",
    "load_jsonld",
]
