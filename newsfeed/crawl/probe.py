"""``newsfeed probe URL``: what a site a user wants to follow yields, and a draft profile for it.

The probe fetches the home page (:mod:`newsfeed.crawl.fetch`), fingerprints it
(:mod:`newsfeed.platforms.fingerprint`), finds the categories of the topics every province
has (leadership, news, direction) in its menus by label, diacritics and case aside, the way a
crawl finds a category named by label (:func:`newsfeed.portals.discovery.find_category_url`),
then fetches one listing page and one article of each and extracts them as the crawl would
(the platform's rules, the generic listing as fallback, per-field fallback). It tells what
each field got and drafts a profile (:func:`draft_profile`) the user can put in the profiles
folder and edit.

The probe passes (:attr:`ProbeResult.ok`) when at least one article has a title, a date and a
body: then a crawl of the drafted profile yields feed items.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import tomlkit
from parsel import Selector

from newsfeed.crawl.fetch import Fetcher, FetchError, Page
from newsfeed.extraction.text import fold
from newsfeed.items import Article
from newsfeed.platforms import get_platform
from newsfeed.platforms.choice import GENERIC, choose_platform, read_listing
from newsfeed.platforms.extract import response_for
from newsfeed.platforms.fallback import with_fallback
from newsfeed.platforms.fingerprint import Fingerprint, fingerprint
from newsfeed.portals import (
    PLATFORM_KEYS,
    Portal,
    ProfileError,
    Registry,
    portal_from_dict,
)
from newsfeed.portals.discovery import find_category_url, menu_link_texts, normalize_label
from newsfeed.portals.topics import TOPICS
from newsfeed.timezone import LOCAL_TZ

PROBED_TOPICS = ("leadership", "news", "direction")
"""The topics of the shared taxonomy a probe looks for in the menus: every province has them."""

FIELDS = ("title", "published", "author", "summary", "body", "images", "related")
"""The columns of the probe's table: what a feed item shows of an article."""

# which key a category of each topic gets in the draft (the bundled profiles' most common)
_CATEGORY_KEYS = {
    "leadership": "hoat_dong_lanh_dao",
    "news": "tin_tuc_su_kien",
    "direction": "chi_dao_dieu_hanh",
}
# leadership and direction before news: "Tin tức" also heads menus that hold the other two
_SEARCH_ORDER = ("leadership", "direction", "news")
_PROVINCE_RE = re.compile(
    r"\b(?:tỉnh|thành phố|TP\.?)\s+([A-ZÀ-Ỹ][^\-–|,.:]*?)\s*(?:$|[\-–|,.:])", re.IGNORECASE
)
_SUFFIXES = (".gov.vn", ".org.vn", ".com.vn", ".edu.vn", ".vn", ".com", ".org", ".net")


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryProbe:
    """One category found in the menus, and what its first listing page and article gave."""

    topic: str
    name: str
    """The menu entry's text, as the portal prints it."""
    url: str
    listing_items: int = 0
    article_url: str | None = None
    article: Article | None = None
    fallback: tuple[str, ...] = ()
    """Fields of the article that only the generic extractor found."""
    problem: str | None = None

    @property
    def complete(self) -> bool:
        """The article has what a feed item needs: a title, a date and a body."""
        a = self.article
        return a is not None and bool(a.title and a.published and a.body_text)

    def fields(self) -> dict[str, str]:
        """What each field of :data:`FIELDS` got, short, for the table."""
        a = self.article
        if a is None:
            return dict.fromkeys(FIELDS, "-")
        return {
            "title": _short(a.title),
            "published": a.published or "-",
            "author": _short(a.author),
            "summary": _short(a.summary),
            "body": f"{len(a.body_text)} chars" if a.body_text else "-",
            "images": str(len(a.images)),
            "related": str(len(a.related_links)),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    url: str
    """The home page, after redirects."""
    name: str
    detected: Fingerprint
    platform: str
    """The platform the draft names: the detected family's adapter, else generic."""
    categories: tuple[CategoryProbe, ...] = ()
    menu: tuple[str, ...] = ()
    """The menu entries seen, for a probe that found no category."""
    problem: str | None = None
    """Why the site cannot be read (home page unreachable, ...), one line."""

    @property
    def ok(self) -> bool:
        return self.problem is None and any(c.complete for c in self.categories)

    @property
    def reason(self) -> str:
        """One line: what the probe found, or why it fails."""
        if self.problem:
            return self.problem
        if not self.categories:
            seen = "; ".join(self.menu[:12]) or "none"
            labels = ", ".join(f'"{TOPICS[t].vi}"' for t in PROBED_TOPICS)
            return f"no category like {labels} in the menus of {self.url} (menu: {seen})"
        good = [c for c in self.categories if c.complete]
        if good:
            return (
                f"{len(good)} of {len(self.categories)} categories yield articles with title,"
                f" date and body (platform {self.platform})"
            )
        return "no article with title, date and body: " + "; ".join(
            f"{c.topic}: {c.problem or _missing(c.article)}" for c in self.categories
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "ok": self.ok,
            "reason": self.reason,
            "detected": self.detected.to_dict(),
            "platform": self.platform,
            "categories": [
                {
                    "topic": c.topic,
                    "name": c.name,
                    "url": c.url,
                    "listing_items": c.listing_items,
                    "article_url": c.article_url,
                    "fields": c.fields(),
                    "fields_from_fallback": list(c.fallback),
                    "complete": c.complete,
                    "problem": c.problem,
                }
                for c in self.categories
            ],
        }


def _missing(article: Article | None) -> str:
    if article is None:
        return "no article"
    names = [n for n, v in (("title", article.title), ("date", article.published)) if not v]
    if not article.body_text:
        names.append("body")
    return "no " + ", ".join(names)


def _short(value: str | None, width: int = 40) -> str:
    if not value:
        return "-"
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


def topic_labels(topic: str, registry: Registry | None = None) -> list[str]:
    """Menu labels of ``topic``: the taxonomy's own, then those the bundled profiles print for
    it, the most common first (what portals of every family call it)."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for portal in registry if registry is not None else Registry():
        for category in portal.categories:
            if category.topic != topic:
                continue
            for label in (category.name, *category.labels):
                norm = normalize_label(label)
                if norm:
                    counts[norm] += 1
                    first.setdefault(norm, label)
    ordered = [TOPICS[topic].vi]
    seen = {normalize_label(TOPICS[topic].vi)}
    for norm, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if norm not in seen:
            seen.add(norm)
            ordered.append(first[norm])
    return ordered


def _link_text(sel: Selector, page_url: str, url: str) -> str | None:
    for anchor in sel.xpath("//a[@href]"):
        try:
            target = urljoin(page_url, anchor.attrib.get("href", "").strip())
        except ValueError:  # "http://[x": a link no URL parser reads links nowhere
            continue
        if target.rstrip("/") == url.rstrip("/"):
            text = " ".join(" ".join(anchor.xpath(".//text()").getall()).split())
            if text:
                return text
    return None


def find_categories(
    sel: Selector, page_url: str, *, registry: Registry | None = None
) -> list[tuple[str, str, str]]:
    """(topic, menu text, URL) of each probed topic the page's menus link to, one URL once."""
    found: dict[str, tuple[str, str]] = {}
    taken: set[str] = set()
    for topic in _SEARCH_ORDER:
        url = find_category_url(sel, page_url, topic_labels(topic, registry))
        if url is None or url.rstrip("/") in taken:
            continue
        taken.add(url.rstrip("/"))
        found[topic] = (_link_text(sel, page_url, url) or TOPICS[topic].vi, url)
    return [(t, *found[t]) for t in PROBED_TOPICS if t in found]


def probe_site(
    url: str,
    fetcher: Fetcher,
    *,
    registry: Registry | None = None,
) -> ProbeResult:
    """Probe the site whose home page is ``url`` (see the module docstring)."""
    registry = registry if registry is not None else Registry()
    try:
        home = fetch_html(fetcher, url)
    except FetchError as exc:
        return ProbeResult(
            url=url, name="", detected=fingerprint(""), platform=GENERIC, problem=str(exc)
        )
    response = response_for(home.body, home.url, home.content_type)
    sel = response.selector
    detected = fingerprint(response.text, home.url)
    platform = detected.family if detected.family in PLATFORM_KEYS else GENERIC
    name = site_name(sel) or home.url
    found = find_categories(sel, home.url, registry=registry)
    probes = tuple(
        _probe_category(fetcher, topic, label, curl, platform=platform, home=home.url, name=name)
        for topic, label, curl in found
    )
    return ProbeResult(
        url=home.url,
        name=name,
        detected=detected,
        platform=platform,
        categories=probes,
        menu=tuple(menu_link_texts(sel)),
    )


def fetch_html(fetcher: Fetcher, url: str) -> Page:
    """The HTML page at ``url`` (robots.txt obeyed); FetchError saying why not."""
    if not fetcher.allowed(url):
        raise FetchError(f"{url}: robots.txt does not let newsfeed fetch it")
    page = fetcher.get(url)
    if page.status != 200:
        raise FetchError(f"{url} answered HTTP {page.status}")
    kind = (page.content_type or "text/html").split(";")[0].strip().lower()
    if kind not in ("text/html", "application/xhtml+xml") or not page.body.strip():
        raise FetchError(f"{url} is not an HTML page ({kind})")
    return page


def _probe_category(
    fetcher: Fetcher, topic: str, label: str, url: str, *, platform: str, home: str, name: str
) -> CategoryProbe:
    probe = CategoryProbe(topic=topic, name=label, url=url)
    try:
        page = fetch_html(fetcher, url)
    except FetchError as exc:
        return _replace(probe, problem=str(exc))
    response = response_for(page.body, page.url, page.content_type)
    choice = choose_platform(platform, fingerprint(response.text, page.url))
    listing, _ = read_listing(get_platform(choice.used), response.selector, page.url)
    items = [i for i in listing.items if i.url.rstrip("/") != page.url.rstrip("/")]
    if not items:
        return _replace(probe, problem="the listing shows no article links")
    probe = _replace(probe, listing_items=len(items), article_url=items[0].url)
    try:
        article_page = fetch_html(fetcher, items[0].url)
    except FetchError as exc:
        return _replace(probe, problem=str(exc))
    portal = _draft_portal(home, name, platform, [(topic, label, url)])
    article_response = response_for(article_page.body, article_page.url, article_page.content_type)
    adapter = get_platform(choice.used)
    article = adapter.extract(article_response.selector, article_page.url, portal)
    article, filled = with_fallback(article, article_response.selector, article_page.url)
    return _replace(probe, article=article, fallback=filled)


def _replace(probe: CategoryProbe, **changes: Any) -> CategoryProbe:
    return replace(probe, **changes)


def site_name(sel: Selector) -> str:
    """The site's name as its home page prints it: ``og:site_name``, else the title."""
    for query in ("//meta[@property='og:site_name']/@content", "//title/text()"):
        value = " ".join((sel.xpath(query).get() or "").split())
        if value:
            return value
    return ""


def province_of(name: str) -> str | None:
    """The province a site's name says ("Cổng TTĐT tỉnh Cà Mau" -> "Cà Mau"), or None."""
    match = _PROVINCE_RE.search(name)
    return match.group(1).strip() if match else None


def key_for_url(url: str) -> str:
    """A profile key from the site's host: ``tanphu.camau.gov.vn`` -> ``tanphu_camau``."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").lower().removeprefix("www.")
    for suffix in _SUFFIXES:
        if host.endswith(suffix) and host != suffix.lstrip("."):
            host = host.removesuffix(suffix)
            break
    if parts.port and parts.port not in (80, 443):
        host = f"{host}_{parts.port}"
    key = re.sub(r"[^a-z0-9]+", "_", fold(host)).strip("_")
    return key if re.match(r"^[a-z]", key) else f"site_{key}"


def _draft_portal(
    home: str, name: str, platform: str, categories: Sequence[tuple[str, str, str]]
) -> Portal:
    """The portal the probe extracts an article for, as the draft will name it."""
    return portal_from_dict(
        {
            "key": key_for_url(home),
            "name": name or home,
            "province": province_of(name) or name or home,
            "base_url": home,
            "platform": platform,
            "categories": [
                {"key": _CATEGORY_KEYS[t], "name": label, "url": url, "topic": t}
                for t, label, url in categories
            ],
        },
        source="probe draft",
    )


def draft_data(
    result: ProbeResult,
    *,
    key: str | None = None,
    province: str | None = None,
    parent: Portal | None = None,
) -> dict[str, Any]:
    """The profile a probe drafts: the site, the detected platform and every category whose
    listing shows articles (also one whose article missed a field: the user can fix that with
    ``[overrides]``)."""
    parts = urlsplit(result.url)
    base = f"{parts.scheme}://{parts.netloc}"
    data: dict[str, Any] = {
        "key": key or key_for_url(base),
        "name": result.name or parts.netloc,
        "province": province
        or (parent.province if parent else None)
        or province_of(result.name)
        or result.name
        or parts.netloc,
        "base_url": base,
        "platform": result.platform,
    }
    if parent is not None:
        data["parent"] = parent.key
    data["categories"] = [
        {"key": _CATEGORY_KEYS[c.topic], "name": c.name, "url": c.url, "topic": c.topic}
        for c in result.categories
        if c.listing_items  # a menu link to a missing or empty page is not a category
    ]
    return data


def draft_profile(
    result: ProbeResult,
    *,
    key: str | None = None,
    province: str | None = None,
    parent: Portal | None = None,
    now: datetime | None = None,
) -> tuple[str, str]:
    """(key, TOML text) of the profile drafted from ``result``; the text loads as a profile
    (:class:`ProfileError` otherwise, e.g. when no category was found)."""
    data = draft_data(result, key=key, province=province, parent=parent)
    portal_from_dict(data, source=f"draft of {result.url}")  # what is written must load
    when = (now or datetime.now(LOCAL_TZ)).date().isoformat()
    evidence = ", ".join(result.detected.evidence[:3]) or "no CMS traces"
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Drafted by `newsfeed probe {result.url}` on {when}."))
    doc.add(
        tomlkit.comment(
            f"Platform: {result.platform}"
            f" (the home page shows {result.detected.family}: {evidence})."
        )
    )
    doc.add(tomlkit.comment("Check name and province; `newsfeed probe` again after an edit."))
    for name in ("key", "name", "province", "base_url", "platform", "parent"):
        if name in data:
            doc.add(name, data[name])
    for category in data["categories"]:
        table = tomlkit.table()
        for name, value in category.items():
            table.add(name, value)
        aot = doc.get("categories")
        if aot is None:
            aot = tomlkit.aot()
            aot.append(table)
            doc.add(tomlkit.nl())
            doc.add("categories", aot)
        else:
            aot.append(table)
    return str(data["key"]), tomlkit.dumps(doc)


def format_table(result: ProbeResult) -> str:
    """The probe as a person reads it: the site, then one row per category and its article."""
    lines = [
        f"site      {result.url}",
        f"name      {result.name or '-'}",
        f"detected  {result.detected.family}"
        + (f" ({', '.join(result.detected.evidence[:3])})" if result.detected.evidence else ""),
        f"platform  {result.platform}",
    ]
    if result.categories:
        header: tuple[str, ...] = ("topic", "listed", *FIELDS)
        rows: list[tuple[str, ...]] = [header]
        for c in result.categories:
            values = c.fields()
            rows.append((c.topic, str(c.listing_items), *(values[f] for f in FIELDS)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines.append("")
        for row in rows:
            lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        lines.append("")
        for c in result.categories:
            lines.append(f"{c.topic}: {c.name} <{c.url}>")
            if c.article_url:
                lines.append(f"  article {c.article_url}")
            if c.fallback:
                lines.append(f"  from the generic extractor: {', '.join(c.fallback)}")
            if c.problem:
                lines.append(f"  problem: {c.problem}")
    return "\n".join(lines)


__all__ = [
    "FIELDS",
    "PROBED_TOPICS",
    "CategoryProbe",
    "ProbeResult",
    "ProfileError",
    "draft_profile",
    "fetch_html",
    "find_categories",
    "format_table",
    "key_for_url",
    "probe_site",
    "province_of",
    "site_name",
    "topic_labels",
]
