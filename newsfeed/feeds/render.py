"""RSS 2.0, Atom 1.0, JSON Feed 1.1 and OPML files from stored articles.

The only module that imports feedgen. feedgen writes each feed's channel; the items are
written here, once per build each, and spliced into every feed and format they are in (an
article is in its category feeds, its portal's ``all`` and a topic feed): feedgen builds and
serializes every entry of every feed again, which was most of a build's time. The items are
the elements and the order feedgen 1.0 wrote, escaped as libxml2 escapes (the tests compare
with lxml's own serialization), so the files kept their bytes. JSON Feed is written with
orjson, in the layout of ``json.dumps(indent=2)``.

Every output is a pure function of its input: no clock, no locale, no random temp names in the
bytes, so a rebuild from an unchanged store writes nothing (``atomic_write`` compares first) and
feed readers and HTTP caches see an unchanged file.

Decisions a reader of the feeds may need to know:

* Item order: newest first by the *effective date* (``published``; a bare date is that day at
  00:00 +07:00; no date at all falls back to ``first_seen``), ties broken by guid.
* Feed date (RSS ``lastBuildDate``/``pubDate``, Atom ``updated``): the newest item date, where an
  item's date is its last change or its effective date, whichever is newer. A feed with no items
  has :data:`EMPTY_FEED_DATE`, a fixed instant, so that it too is byte-stable.
* Enclosures: the article's attachments, or its lead image (first image, media type from a fixed
  extension table) when it has none. RSS 2.0 allows one ``<enclosure>`` per item, so RSS carries
  the first of them with ``length="0"`` (the RSS Advisory Board's value for "unknown"; the length
  attribute is required there). Atom carries every one as ``link rel="enclosure"`` without a
  ``length`` (optional in RFC 4287, and we do not know it).
* Authors: RSS ``<author>`` must be an e-mail address, which portals never give, so RSS uses
  ``<dc:creator>``. Atom entries get ``<author><name>`` when the article names one; the feed
  always has an author (the portal, from the feed title) so that RFC 4287 §4.1.1 holds for
  entries without one. JSON Feed items have ``authors`` the same way (item, else feed).
* Related links: the page's own list and the article's other publications (``also_published``)
  are ``link rel="related"`` in Atom, a list at the end of the content everywhere, and
  ``_newsfeed.related`` / ``_newsfeed.also_published`` in JSON Feed.
* Aggregate feeds (a portal's ``all``, a topic across provinces) carry the same items with the
  same ids as the category feeds. An item of a topic feed names its portal: Atom ``author``
  and JSON ``authors`` fall back to the portal's name (what the portal feeds inherit from their
  feed-level author), RSS has ``<source>`` pointing at the portal's ``all`` feed.
* JSON Feed: ``date_modified`` only when the article really changed after publication;
  ``image`` is the lead image; ``attachments`` are the linked documents with their media type.
"""

from __future__ import annotations

import html
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, cast
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import lxml.html
import lxml.html.defs
import orjson
from feedgen.feed import FeedGenerator
from lxml import etree

from newsfeed.feeds.stylesheet import STYLESHEET, STYLESHEET_XSL, stylesheet_pi
from newsfeed.files import atomic_write
from newsfeed.items import Article, Link
from newsfeed.timezone import LOCAL_TZ

log = logging.getLogger(__name__)


EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
"""The date of a feed with no items. A fixed instant keeps empty feeds byte-stable; one far in
the past tells readers nothing new is there, and it is still a plausible date to validators."""

ABOUT_URL = "https://github.com/newsfeed-vn/newsfeed#feeds"
"""What the ``_newsfeed`` JSON Feed extension means (JSON Feed 1.1 asks for an ``about``)."""

GENERATOR = "newsfeed"
"""The ``<generator>`` text: no version, so an upgrade alone does not change every feed."""

SUMMARY_CHARS = 300
"""Length of the summary cut from the body text when the article has no lead."""

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_FEED_TYPE = "application/feed+json"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

FORMATS: dict[str, tuple[str, str]] = {
    "rss": (".rss.xml", RSS_TYPE),
    "atom": (".atom.xml", ATOM_TYPE),
    "json": (".json", JSON_FEED_TYPE),
}
"""Format key -> (file suffix after the feed's path, media type), in the order files are written."""

# C0 controls other than tab, LF and CR are not allowed in XML 1.0 (lxml refuses them), nor are
# lone surrogates, U+FFFE and U+FFFF. C1 controls are allowed but never meant in Vietnamese text
# (they come from mis-decoded Windows-1252) and some readers choke on them, so they go too.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")

# A fixed table rather than the mimetypes module, whose answers depend on the machine's
# /etc/mime.types and would make the bytes differ between hosts.
_IMAGE_TYPES = {
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".jpe": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where an item of an aggregate feed comes from: its portal."""

    name: str
    """The portal's name; the item's author where the article names none."""
    link: str
    """The portal's home page."""
    feed: str | None = None
    """Path (stem) of the portal's own feed in the same folder, e.g. ``sotttt_hanoi/all``."""
    province: str | None = None
    """The portal's province, put before the item's title (``[Hà Nội] …``): in a feed mixing
    provinces the title is all most readers show (newsboat shows no ``<source>``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One stored article as a feed item."""

    article: Article
    first_seen: datetime
    """Aware; when the store first saw the article (the date of an article with none)."""
    changed: datetime | None = None
    """Aware; the last real content change, or None if it never changed."""
    also_published: tuple[Link, ...] = ()
    """The same news published elsewhere (near-duplicates on other portals), shown as
    "Cũng đăng trên" and as related links."""
    source: Source | None = None
    """The portal, for items of feeds that mix portals (topic feeds); None elsewhere."""
    categories: tuple[str, ...] | None = None
    """The article's categories as readers see them (the portal's Vietnamese category names,
    e.g. "Hoạt động lãnh đạo"); None: the article's category keys as they are."""
    passage: tuple[tuple[str, bool], ...] = ()
    """Watch feeds: the matching passage as (text, is a match) parts; it is the summary, the
    matches in ``<mark><strong>`` (RSS, Atom) or between « » (JSON Feed's plain-text summary)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    """One feed: its place in the feeds folder, its channel data and its items."""

    path: str
    """Relative stem inside the feeds folder, e.g. ``sotttt_hanoi/tin_tuc_su_kien``."""
    title: str
    """``"<portal name> – <category name>"`` for a category feed."""
    description: str
    link: str
    """The category page on the portal (HTML)."""
    language: str
    entries: tuple[FeedEntry, ...]
    """In any order: the builder sorts, deduplicates by guid and (in ``write_feeds``) limits."""
    portal: str | None = None
    category: str | None = None
    """None for an aggregate feed (a portal's ``all``, a topic); only category feeds go to OPML."""
    topic: str | None = None
    """The shared-taxonomy topic of a topic feed (or of the category)."""
    publisher: str | None = None
    """Feed-level author: the portal's name (the builder sets it); the portal key if unset."""
    watch: str | None = None
    """The watch key of a watch feed (``watch/<key>``); listed in the OPML like a category."""
    parent: str | None = None
    """The key of the portal's parent (a commune's province portal): the OPML nests the
    portal's group in its parent's."""
    parent_name: str | None = None
    """The parent portal's name, for its OPML group when it has no feed of its own yet."""


@dataclass(frozen=True, slots=True)
class _Enclosure:
    url: str
    type: str
    title: str | None


@dataclass(frozen=True, slots=True)
class _Item:
    """An article made ready for both formats, so RSS and Atom cannot disagree."""

    guid: str
    title: str
    url: str
    published: datetime
    updated: datetime
    summary: str | None
    summary_html: str | None
    """The summary as HTML when it has marked matches (watch feeds), else None."""
    content: str | None
    author: str | None
    categories: tuple[str, ...]
    related: tuple[tuple[str, str], ...]
    also_published: tuple[tuple[str, str], ...]
    enclosures: tuple[_Enclosure, ...]
    attachments: tuple[_Enclosure, ...]
    image: str | None
    source: Source | None

    @property
    def byline(self) -> str | None:
        """The Atom / JSON author: the article's, else its portal's in a mixed feed."""
        return self.author or (_text(self.source.name) or None if self.source else None)


# --------------------------------------------------------------------------- public API


def render_rss(
    spec: FeedSpec,
    self_url: str,
    *,
    base_url: str | None = None,
    cache: ItemCache | None = None,
) -> bytes:
    """The RSS 2.0 document of ``spec`` (every entry, newest first), served at ``self_url``.

    ``base_url`` (the feeds folder's URL) resolves the entries' source feeds; without it an
    item of a mixed feed has no ``<source>``.
    """
    return render_prepared(
        "rss", spec, prepare(spec.entries, base_url=base_url, cache=cache), self_url
    )


def render_atom(
    spec: FeedSpec,
    self_url: str,
    *,
    base_url: str | None = None,
    cache: ItemCache | None = None,
) -> bytes:
    """The Atom 1.0 document of ``spec`` (every entry, newest first), served at ``self_url``.

    ``base_url`` is accepted for symmetry with :func:`render_rss`; Atom names an item's portal
    by its author, which needs no URL.
    """
    return render_prepared(
        "atom", spec, prepare(spec.entries, base_url=base_url, cache=cache), self_url
    )


def render_json(
    spec: FeedSpec,
    self_url: str,
    *,
    base_url: str | None = None,
    cache: ItemCache | None = None,
) -> bytes:
    """The JSON Feed 1.1 document of ``spec`` (every entry, newest first), at ``self_url``.

    Keys keep a fixed order and the text is UTF-8 (not ``\\u`` escapes), so the bytes are
    stable and readable.
    """
    return render_prepared(
        "json", spec, prepare(spec.entries, base_url=base_url, cache=cache), self_url
    )


@dataclass(frozen=True, slots=True)
class Prepared:
    """A feed's items, ranked and made ready once for all three formats."""

    items: tuple[_Fragments, ...]
    """Newest first, at most the limit asked for, as each format writes them."""
    date: datetime
    """The feed's date: its newest item date (last change or publication), else
    :data:`EMPTY_FEED_DATE`."""
    latest: datetime | None
    """The publication date of the newest item of all the entries (a change to an old one is
    not news); None if there is none."""
    count: int
    """How many items the feed holds."""


def prepare(
    entries: Iterable[FeedEntry],
    *,
    limit: int | None = None,
    base_url: str | None = None,
    cache: ItemCache | None = None,
) -> Prepared:
    """``entries`` ranked once (one per guid, newest first), the ``limit`` newest made items.

    ``base_url``: the feeds folder's URL (an aggregate feed's items link their source feed);
    ``cache``: items already made in this build (it must have been made for this ``base_url``).
    """
    ranked = _ranked(entries)
    if limit is not None:
        ranked = ranked[:limit]
    if cache is None:
        cache = ItemCache(base_url, size=0)
    elif cache.base_url != (None if base_url is None else _base_url(base_url)):
        raise ValueError("the item cache was made for another base URL")
    items = tuple(
        item
        for e, published, updated in ranked
        if (item := _made(cache, e, published, updated)) is not None
    )
    return Prepared(
        items=items,
        date=max((i.updated for i in items), default=EMPTY_FEED_DATE),
        latest=ranked[0][1] if ranked else None,
        count=len(items),
    )


_ITEM_ERRORS = (ValueError, TypeError, KeyError, AttributeError, etree.LxmlError)
"""What a stored article no code path foresaw could raise while its item is made."""


def _made(
    cache: ItemCache, entry: FeedEntry, published: datetime, updated: datetime
) -> _Fragments | None:
    """``entry``'s item; None, with a warning naming the article, when it cannot be made: one
    stored article must not stop every feed of the build, as :func:`_ranked` leaves out one
    without a URL."""
    try:
        return cache.item(entry, published, updated)
    except _ITEM_ERRORS as exc:
        log.warning(
            "skipping %s: its feed item could not be made (%s: %s)",
            entry.article.guid,
            type(exc).__name__,
            exc,
        )
        return None


def render_prepared(fmt: str, spec: FeedSpec, prepared: Prepared, self_url: str) -> bytes:
    """The document of format ``fmt`` (a :data:`FORMATS` key) of the feed ``spec`` whose items
    are ``prepared`` (``spec.entries`` is not read), served at ``self_url``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown feed format {fmt!r}")
    if fmt == "json":
        return _json_document(spec, prepared, self_url)
    fg = _channel(spec, self_url, prepared.date, RSS_TYPE if fmt == "rss" else ATOM_TYPE)
    if fmt == "rss":
        # Only the RSS document gets the Dublin Core namespace, for dc:creator.
        fg.load_extension("dc", atom=False, rss=True)
        fg.pubDate(prepared.date)
        head = _bytes(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))
        document = _splice(head, b"</channel>", [item.rss for item in prepared.items])
    else:
        fg.id(_uri(self_url))
        # Always a feed-level author: entries without one inherit it (RFC 4287 §4.1.1).
        fg.author(name=_publisher(spec))
        head = _bytes(fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True))
        document = _splice(head, b"</feed>", [item.atom for item in prepared.items])
    return _styled(document, spec)


def render_opml(feeds: Sequence[tuple[FeedSpec, str, str]], title: str) -> bytes:
    """An OPML 2.0 subscription list: one outline per feed, grouped by portal.

    ``feeds`` holds ``(spec, rss_url, atom_url)``. Each feed is listed once, by its RSS URL
    (``type="rss"``): a reader importing the file subscribes to every ``xmlUrl``, so listing the
    Atom twin as well would subscribe everyone twice to the same news. ``atom_url`` is accepted
    so that callers pass one tuple shape everywhere, and is not written.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _text(title) or GENERATOR
    body = etree.SubElement(root, "body")

    groups: dict[str, list[tuple[FeedSpec, str]]] = {}
    loose: list[tuple[FeedSpec, str]] = []
    for spec, rss_url, _atom_url in sorted(feeds, key=lambda f: (f[0].portal or "", f[0].path)):
        if spec.portal:
            groups.setdefault(spec.portal, []).append((spec, rss_url))
        else:
            loose.append((spec, rss_url))
    # a child portal's group (a commune's site) goes inside its parent's (its province's)
    elements: dict[str, etree._Element] = {}

    def group_of(portal: str, name: str) -> etree._Element:
        if portal not in elements:
            # text only: with a title too, the W3C validator wants a type on a mere group
            elements[portal] = etree.SubElement(body, "outline", text=name)
        return elements[portal]

    for portal, members in groups.items():
        if members[0][0].parent is None:
            group = group_of(portal, _publisher(members[0][0]))
            for spec, rss_url in members:
                _opml_feed(group, spec, rss_url)
    for members in groups.values():
        first = members[0][0]
        if first.parent is not None:
            parent = group_of(first.parent, _text(first.parent_name or "") or first.parent)
            group = etree.SubElement(parent, "outline", text=_publisher(first))
            for spec, rss_url in members:
                _opml_feed(group, spec, rss_url)
    for spec, rss_url in loose:
        _opml_feed(body, spec, rss_url)
    if not len(body):
        # OPML 2.0 requires at least one outline in <body>.
        etree.SubElement(body, "outline", text="Chưa có nguồn tin nào", isComment="true")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


class ItemCache:
    """Items made once per build, shared by every feed and format they appear in.

    An article is in its category feeds, its portal's ``all`` feed and a topic feed, each in
    three formats: without this it would be prepared (sanitized, its URLs escaped, its content
    assembled) and serialized up to nine times. Keyed by the whole entry, so an item that
    differs between feeds (a topic feed's names its portal, a watch feed's marks a passage) is
    its own. Only the serialized fragments are kept (not the articles), the least recently
    used dropped past ``size``, so memory stays bounded however many feeds.
    """

    def __init__(self, base_url: str | None = None, *, size: int = 4096) -> None:
        self.base_url = None if base_url is None else _base_url(base_url)
        """The feeds folder's URL the items were made for (their source feeds' links)."""
        self.size = size
        self.prepared = 0
        """How many items were made (the rest were shared)."""
        self._items: OrderedDict[FeedEntry, _Fragments] = OrderedDict()

    def item(self, entry: FeedEntry, published: datetime, updated: datetime) -> _Fragments:
        """``entry`` as an item (``published``/``updated`` are derived from it)."""
        found = self._items.get(entry)
        if found is not None:
            self._items.move_to_end(entry)
            return found
        made = _fragments(_item(entry, published, updated), self.base_url)
        self.prepared += 1
        if self.size:
            self._items[entry] = made
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return made


def write_feeds(
    specs: Sequence[FeedSpec], out_dir: Path, base_url: str, *, limit: int = 50
) -> list[Path]:
    """Write ``<path>.rss.xml``, ``<path>.atom.xml`` and ``<path>.json`` per spec, and
    ``index.opml``.

    Each feed holds the ``limit`` newest items. Everything is rendered before the first file is
    written, so a bad spec fails the build with the folder untouched; each file is then replaced
    atomically (and left alone when its bytes are unchanged). Returns every file of the set,
    written or already up to date, in a fixed order: per spec RSS, Atom, JSON, then the OPML and
    ``feed.xsl`` (what a browser shows for the RSS and Atom files). Files of feeds no longer in
    ``specs`` are left in place.

    ``index.opml`` lists the category feeds (specs with a ``category``) and the watch feeds
    (``watch``): importing it subscribes to each article once per category it is listed
    under, not once more per aggregate feed it is also in; a watch is a subject the user
    chose to follow, so it is listed too.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    base = _base_url(base_url)
    outputs: list[tuple[Path, bytes]] = []
    listed: list[tuple[FeedSpec, str, str]] = []
    seen: set[str] = set()
    cache = ItemCache(base)
    for spec in specs:
        stem = _checked_path(spec.path)
        if stem in seen:
            raise ValueError(f"two feeds share the path {stem!r}")
        seen.add(stem)
        prepared = prepare(spec.entries, limit=limit, base_url=base, cache=cache)
        for fmt, (suffix, _type) in FORMATS.items():
            data = render_prepared(fmt, spec, prepared, feed_url(base, stem, fmt))
            outputs.append((out_dir / f"{stem}{suffix}", data))
        if spec.category is not None or spec.watch is not None:
            listed.append((spec, feed_url(base, stem, "rss"), feed_url(base, stem, "atom")))
    outputs.append((out_dir / "index.opml", render_opml(listed, "newsfeed")))
    outputs.append((out_dir / STYLESHEET, STYLESHEET_XSL.encode("utf-8")))
    for path, data in outputs:
        atomic_write(path, data)
    return [path for path, _ in outputs]


def feed_url(base_url: str, path: str, fmt: str) -> str:
    """The public URL of feed ``path`` in format ``fmt`` (``rss``, ``atom``, ``json``)."""
    return _base_url(base_url) + quote(_checked_path(path), safe="/") + FORMATS[fmt][0]


def feed_file(path: str, fmt: str) -> str:
    """The file name of feed ``path`` in format ``fmt``, relative to the feeds folder."""
    return _checked_path(path) + FORMATS[fmt][0]


def feed_date(entries: Iterable[FeedEntry], limit: int | None = None) -> datetime | None:
    """The date the feed of ``entries`` (its ``limit`` newest) carries; None if it has none."""
    ranked = _ranked(entries)
    if limit is not None:
        ranked = ranked[:limit]
    return max((updated for _, _, updated in ranked), default=None)


def latest_news(entries: Iterable[FeedEntry]) -> datetime | None:
    """The publication date of the newest item (a change to an old one is not news)."""
    ranked = _ranked(entries)
    return ranked[0][1] if ranked else None


# --------------------------------------------------------------------------- items


def _ranked(entries: Iterable[FeedEntry]) -> list[tuple[FeedEntry, datetime, datetime]]:
    """(entry, effective date, updated date), one per guid, newest first, ties by guid."""
    best: dict[str, tuple[FeedEntry, datetime, datetime]] = {}
    for entry in entries:
        if _article_url(entry.article) is None:
            # The contract promises an absolute URL; an item without one could not link to
            # its page, and failing the whole build over one row would stop every feed.
            log.warning(
                "skipping %s: no absolute http(s) URL (%r)", entry.article.guid, entry.article.url
            )
            continue
        published = _effective_date(entry)
        updated = max(published, _aware(entry.changed)) if entry.changed else published
        guid = entry.article.guid
        kept = best.get(guid)
        # A guid twice in one feed is an error for validators; keep its newest version.
        if kept is None or (updated, published) > (kept[2], kept[1]):
            best[guid] = (entry, published, updated)
    return sorted(best.values(), key=lambda r: (-r[1].timestamp(), r[0].article.guid))


def _item(entry: FeedEntry, published: datetime, updated: datetime) -> _Item:
    article = entry.article
    base = _article_url(article)
    if base is None:  # _ranked drops these; kept as a guard for the type checker
        raise ValueError(f"article {article.guid!r} has no absolute http(s) URL")
    # The body is parsed once, for its links, its text and its images (not once for each).
    body, root = _absolute_html(_clean(article.body_html), base)
    lead_text = _text(article.summary or "")
    summary = lead_text or _excerpt(article.body_text)
    if not summary and root is not None:
        summary = _excerpt(root.text_content())
    related = _unique_links(
        (url, _text(link.title) or url)
        for link in article.related_links
        if (url := _http_url(link.url, base))
    )
    also_published = _unique_links(
        (url, _text(link.title) or url)
        for link in entry.also_published
        if (url := _http_url(link.url)) and url != base
    )
    attachments = tuple(
        _Enclosure(url, _media_type(a.type), _text(a.title) or None)
        for a in article.attachments
        if (url := _http_url(a.url, base))
    )
    lead = _lead_image(article, base)
    enclosures = attachments
    if not enclosures and lead is not None and (lead_type := _image_type(lead[0])):
        enclosures = (_Enclosure(lead[0], lead_type, lead[1]),)
    title = _text(article.title) or summary[:80] or base
    if entry.source and (province := _text(entry.source.province or "")):
        title = f"[{province}] {title}"
    summary_html = None
    if entry.passage:
        summary = _text("".join(f"«{t}»" if hit else t for t, hit in entry.passage))
        summary_html = "".join(
            # <strong> inside: sanitizers that drop <mark> (feedparser's) keep it
            f"<mark><strong>{html.escape(_clean(t), quote=False)}</strong></mark>"
            if hit
            else html.escape(_clean(t), quote=False)
            for t, hit in entry.passage
        )
    return _Item(
        guid=_text(article.guid),
        title=title,
        url=base,
        published=published,
        updated=updated,
        summary=summary or None,
        summary_html=summary_html,
        content=_content_html(
            body,
            root,
            base,
            lead_text=lead_text,
            lead=lead,
            related=related,
            also_published=also_published,
            attachments=attachments,
        )
        or None,
        author=_text(article.author or "") or None,
        categories=tuple(
            dict.fromkeys(
                c
                for c in map(
                    _text,
                    article.categories if entry.categories is None else entry.categories,
                )
                if c
            )
        ),
        related=related,
        also_published=also_published,
        enclosures=enclosures,
        attachments=attachments,
        image=lead[0] if lead is not None else None,
        source=entry.source,
    )


def _json_item(item: _Item, dates: _Dates, base_url: str | None) -> dict[str, Any]:
    """One JSON Feed item; optional members are left out rather than given as null."""
    data: dict[str, Any] = {"id": item.guid, "url": item.url, "title": item.title}
    if item.content:
        data["content_html"] = item.content
    else:
        # JSON Feed 1.1 requires content_html or content_text.
        data["content_text"] = item.summary or item.title
    if item.summary:
        data["summary"] = item.summary
    if item.image:
        data["image"] = item.image
    data["date_published"] = dates.published
    if item.updated > item.published:
        data["date_modified"] = dates.updated
    if item.byline:
        data["authors"] = [{"name": item.byline}]
    if item.categories:
        data["tags"] = list(item.categories)
    if item.attachments:
        data["attachments"] = [
            {"url": a.url, "mime_type": a.type, **({"title": a.title} if a.title else {})}
            for a in item.attachments
        ]
    extension: dict[str, Any] = {}
    if item.related:
        extension["related"] = [{"url": u, "title": t} for u, t in item.related]
    if item.also_published:
        extension["also_published"] = [{"url": u, "title": t} for u, t in item.also_published]
    if item.source:
        source: dict[str, str] = {"title": _text(item.source.name)}
        if home := _http_url(item.source.link):
            source["home_page_url"] = home
        if item.source.feed and base_url:
            source["feed_url"] = feed_url(base_url, item.source.feed, "json")
        extension["source"] = source
    if extension:
        # JSON Feed 1.1 extensions: an object whose key starts with "_", with an "about" URL.
        data["_newsfeed"] = {"about": ABOUT_URL, **extension}
    return data


def _unique_links(links: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Links in order, each URL once (the first title wins)."""
    seen: dict[str, str] = {}
    for url, title in links:
        seen.setdefault(url, title)
    return tuple(seen.items())


def _article_url(article: Article) -> str | None:
    return _http_url(article.url) or _http_url(article.canonical_url)


def _effective_date(entry: FeedEntry) -> datetime:
    parsed = _parse_date(entry.article.published)
    return parsed if parsed is not None else _aware(entry.first_seen)


def _parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time at +07:00; a bare date is that day's midnight there."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # The portals print local time; the Article contract keeps it at +07:00.
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(LOCAL_TZ).replace(microsecond=0)


def _aware(value: datetime) -> datetime:
    """At +07:00 and whole seconds, so RFC 822 and RFC 3339 say the same instant."""
    if value.tzinfo is None:
        # The store's timestamps are meant to be aware; a naive one is taken as UTC.
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ).replace(microsecond=0)


# --------------------------------------------------------------------------- item fragments


@dataclass(frozen=True, slots=True)
class _Fragments:
    """An item as each format writes it, made once per build and spliced into every feed it
    is in (a category feed, its portal's ``all``, a topic feed)."""

    updated: datetime
    rss: bytes
    """``<item>`` at the depth of an RSS channel's items (indented and ended as lxml's
    ``pretty_print`` would place it)."""
    atom: bytes
    """``<entry>``, at the depth of an Atom feed's entries."""
    json: bytes
    """The JSON Feed item object, indented as an element of the ``items`` array."""


def _fragments(item: _Item, base_url: str | None) -> _Fragments:
    # What the formats share is made once: the body, the longest text by far, escaped for
    # RSS and Atom; the dates in RFC 3339 (Atom, JSON Feed; RSS's RFC 822 is cut from it).
    content = _xml_text(item.content) if item.content else b""
    dates = _Dates(item.published.isoformat(), item.updated.isoformat())
    return _Fragments(
        updated=item.updated,
        rss=_rss_item(item, content, dates, base_url),
        atom=_atom_entry(item, content, dates),
        json=b"    " + _dumps(_json_item(item, dates, base_url)).replace(b"\n", b"\n    "),
    )


class _Dates(NamedTuple):
    """An item's dates in RFC 3339, at +07:00 and whole seconds (see :func:`_aware`)."""

    published: str
    updated: str


def _rss_item(item: _Item, content: bytes, dates: _Dates, base_url: str | None) -> bytes:
    """An RSS 2.0 ``<item>`` (``content``: the escaped body): the elements feedgen 1.0
    wrote, in its order, indented as lxml's ``pretty_print`` places a channel's items."""
    if item.summary_html:
        description = item.summary_html
    elif item.summary:
        # RSS readers take <description> as HTML, so the plain-text lead is escaped once
        # more; otherwise a "<" or "&" in it would be read as markup.
        description = html.escape(item.summary, quote=False)
    else:
        description = ""
    head = f"    <item>\n      <title>{_x(item.title)}</title>\n      <link>{_x(item.url)}</link>\n"
    if description:
        head += f"      <description>{_x(description)}</description>\n"
        body = b"      <content:encoded>" + content + b"</content:encoded>\n" if content else b""
    else:
        body = b"      <description>" + content + b"</description>\n" if content else b""
    tail = [f'      <guid isPermaLink="false">{_x(item.guid)}</guid>\n']
    tail.extend(f"      <category>{_x(c)}</category>\n" for c in item.categories)
    if item.enclosures:
        # one enclosure per RSS item; length 0 is the RSS Advisory Board's "unknown"
        first = item.enclosures[0]
        tail.append(
            f'      <enclosure url="{_xa(first.url)}" length="0" type="{_xa(first.type)}"/>\n'
        )
    tail.append(f"      <pubDate>{_rfc822(item.published, dates.published)}</pubDate>\n")
    if item.source and item.source.feed and base_url:
        url = feed_url(base_url, item.source.feed, "rss")
        tail.append(f'      <source url="{_xa(url)}">{_x(_text(item.source.name))}</source>\n')
    if item.author:
        tail.append(f"      <dc:creator>{_x(item.author)}</dc:creator>\n")
    tail.append("    </item>\n")
    return head.encode("utf-8") + body + "".join(tail).encode("utf-8")


def _atom_entry(item: _Item, content: bytes, dates: _Dates) -> bytes:
    """An Atom ``<entry>`` (``content``: the escaped body), at the depth of a feed's entries."""
    head = (
        f"  <entry>\n    <id>{_x(item.guid)}</id>\n    <title>{_x(item.title)}</title>\n"
        f"    <updated>{dates.updated}</updated>\n"
    )
    if item.byline:
        head += f"    <author>\n      <name>{_x(item.byline)}</name>\n    </author>\n"
    body = b'    <content type="html">' + content + b"</content>\n" if content else b""
    # no rel: "alternate" (RFC 4287 §4.2.7.2)
    tail = [f'    <link href="{_xa(item.url)}"/>\n']
    if item.summary_html:
        tail.append(f'    <summary type="html">{_x(item.summary_html)}</summary>\n')
    elif item.summary:
        tail.append(f"    <summary>{_x(item.summary)}</summary>\n")
    tail.extend(f'    <category term="{_xa(c)}"/>\n' for c in item.categories)
    tail.append(f"    <published>{dates.published}</published>\n")
    for url, title in _unique_links((*item.related, *item.also_published)):
        tail.append(_atom_link(url, "related", "text/html", title))
    for enc in item.enclosures:
        tail.append(_atom_link(enc.url, "enclosure", enc.type, enc.title))
    tail.append("  </entry>\n")
    return head.encode("utf-8") + body + "".join(tail).encode("utf-8")


def _atom_link(href: str, rel: str, type_: str, title: str | None) -> str:
    # The validators reject a blank title attribute, so an empty one is left out.
    titled = f' title="{_xa(title)}"' if title else ""
    return f'    <link href="{_xa(href)}" rel="{rel}" type="{_xa(type_)}"{titled}/>\n'


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc822(value: datetime, rfc3339: str) -> str:
    """``value`` (whose RFC 3339 spelling is ``rfc3339``) as an RFC 822 date, ``Wed, 27 Aug
    2025 09:20:00 +0700``: English names whatever the locale (``%a`` and ``%b`` follow it)."""
    day, month = _DAYS[value.weekday()], _MONTHS[value.month - 1]
    if len(rfc3339) == 25:  # 2025-08-27T09:20:00+07:00: cut, much cheaper than strftime
        date, time, zone = rfc3339[8:10], rfc3339[11:19], rfc3339[19:22] + rfc3339[23:25]
        return f"{day}, {date} {month} {rfc3339[:4]} {time} {zone}"
    return f"{day}, {value.day:02d} {month} {value:%Y %H:%M:%S %z}"


_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
"""What libxml2 escapes in character data; CR too, which end-of-line normalization would
otherwise read as LF."""
_ATTRIBUTE_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#9;"))
"""What it escapes in a double-quoted attribute value: attribute-value normalization would
read a raw line break or tab as a space."""
_TEXT_ESCAPES_UTF8 = tuple((char.encode(), escape.encode()) for char, escape in _TEXT_ESCAPES)


def _x(value: str) -> str:
    """``value`` as XML character data, escaped as libxml2 writes it. ``value`` must be clean
    (:func:`_clean`): XML 1.0 has no escape for what that removes."""
    for char, escape in _TEXT_ESCAPES:
        if char in value:
            value = value.replace(char, escape)
    return value


def _xa(value: str) -> str:
    """``value`` as a double-quoted XML attribute value, escaped as libxml2 writes it."""
    for char, escape in _ATTRIBUTE_ESCAPES:
        if char in value:
            value = value.replace(char, escape)
    return value


def _xml_text(value: str) -> bytes:
    """:func:`_x` of a long text, in UTF-8: replacing in the encoded bytes is about twice as
    fast as in the string and then encoding it."""
    data = value.encode("utf-8")
    for char, escape in _TEXT_ESCAPES_UTF8:
        if char in data:
            data = data.replace(char, escape)
    return data


def _splice(document: bytes, closing: bytes, fragments: Sequence[bytes]) -> bytes:
    """``fragments`` inserted on the lines before the last ``closing`` tag of ``document``."""
    at = document.rindex(closing)
    line = document.rindex(b"\n", 0, at) + 1
    return document[:line] + b"".join(fragments) + document[line:]


def _json_document(spec: FeedSpec, prepared: Prepared, self_url: str) -> bytes:
    link = _http_url(spec.link)
    self_link = _http_url(self_url)
    if link is None or self_link is None:
        raise ValueError(f"feed {spec.path!r}: link and self URL must be absolute http(s) URLs")
    title = _text(spec.title) or link
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": link,
        "feed_url": self_link,
        "description": _text(spec.description) or title,
        "language": _text(spec.language) or "vi",
        "authors": [{"name": _publisher(spec)}],
    }
    head = _dumps(feed)
    if not head.endswith(b"\n}"):
        raise ValueError("orjson wrote an unexpected JSON layout")
    items = b",\n".join(item.json for item in prepared.items)
    listed = b"[\n" + items + b"\n  ]" if items else b"[]"
    return head[:-2] + b',\n  "items": ' + listed + b"\n}\n"


def _dumps(value: dict[str, Any]) -> bytes:
    """JSON with two-space indents, keys in their order, UTF-8 text: ``json.dumps(value,
    ensure_ascii=False, indent=2)``'s bytes, a dozen times faster."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


# --------------------------------------------------------------------------- HTML


def _content_html(
    body: str,
    root: lxml.html.HtmlElement | None,
    base: str,
    *,
    lead_text: str = "",
    lead: tuple[str, str | None] | None,
    related: Sequence[tuple[str, str]],
    also_published: Sequence[tuple[str, str]],
    attachments: Sequence[_Enclosure],
) -> str:
    """The full article for readers: the lead paragraph (sapo, unless the body starts with
    it), lead image (if the body lacks it), body, related links, the other places it was
    published, files.

    Readers that show the full content hide the summary, so a lead kept only in
    ``<description>`` / ``<summary>`` would never be read. ``root``: ``body`` parsed (None
    when it is blank)."""
    parts: list[str] = []
    if lead_text and not _starts_with(root, lead_text):
        parts.append(f'<p class="lead"><strong>{html.escape(lead_text, quote=False)}</strong></p>')
    if lead is not None and lead[0] not in _image_sources(root, base):
        url, caption = lead
        alt = html.escape(caption or "")
        figure = f'<figure><img src="{html.escape(url)}" alt="{alt}"/>'
        if caption:
            figure += f"<figcaption>{html.escape(caption, quote=False)}</figcaption>"
        parts.append(figure + "</figure>")
    if body.strip():
        parts.append(body)
    if related:
        parts.append("<h3>Tin liên quan</h3>" + _html_list(related))
    if also_published:
        parts.append("<h3>Cũng đăng trên</h3>" + _html_list(also_published))
    if attachments:
        parts.append(
            "<h3>Tệp đính kèm</h3>" + _html_list([(a.url, a.title or a.url) for a in attachments])
        )
    return "\n".join(parts)


def _starts_with(root: lxml.html.HtmlElement | None, text: str) -> bool:
    """Whether the body's text begins with ``text`` (one line, as :func:`_text` makes it),
    case aside."""
    if root is None:
        return False
    size = len(text) + 10
    start = _text_head(root.itertext(), size)[:size].casefold()
    return start.startswith(text.casefold().rstrip(" .…"))


def _html_list(links: Iterable[tuple[str, str]]) -> str:
    rows = "".join(
        f'<li><a href="{html.escape(url)}">{html.escape(title, quote=False)}</a></li>'
        for url, title in links
    )
    return f"<ul>{rows}</ul>"


def _absolute_html(body: str, base: str) -> tuple[str, lxml.html.HtmlElement | None]:
    """``body`` with every relative link resolved against the article URL, and that body
    parsed (the ``body`` element holding it; None when the body is blank).

    Returned unchanged (not re-serialized) when it has no relative link, which is the case the
    Article contract promises, so the bytes are the sanitizer's.
    """
    if not body.strip():
        return "", None
    root = _fragment(body)
    if _all_absolute(root):
        return body, root
    root.rewrite_links(lambda link: _joined(base, link))
    inner = html.escape(root.text or "", quote=False)
    inner += "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    # parsed again, as the body now is (the rewritten tree need not be what its bytes parse to)
    return inner, (_fragment(inner) if inner.strip() else None)


_FULL_HTML_RE = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)
_HTML_PARSER = lxml.html.HTMLParser()


def _fragment(body: str) -> lxml.html.HtmlElement:
    """The ``body`` element of ``body`` parsed as a fragment: the tree
    ``lxml.html.fragment_fromstring(body, create_parent=...)`` builds (the same parser, the
    same wrapping), without its Python-side checks, which cost as much as the parse."""
    document = body if _FULL_HTML_RE.match(body) else f"<html><body>{body}</body></html>"
    root = etree.fromstring(document, _HTML_PARSER)
    found = root.find("body")
    if found is None:  # a whole document without a body: an empty one
        found = etree.SubElement(root, "body")
    return found


_LINKS = etree.XPath(
    "//object | //meta | //param | //style | //*[@style]"
    " | //@*[contains($names, concat(' ', name(), ' '))]",
    smart_strings=False,
)
"""Every attribute lxml's ``iterlinks`` reads as a link on any element, and the elements
whose links it finds elsewhere (object's codebase, a refresh, CSS ``url()``), which sanitized
bodies never have: one evaluation instead of ``iterlinks``' Python loop over every element."""
_LINK_NAMES = " " + " ".join(sorted(lxml.html.defs.link_attrs)) + " "


def _all_absolute(root: lxml.html.HtmlElement) -> bool:
    """Whether every link lxml's ``iterlinks`` finds in ``root`` has a scheme."""
    found = cast(list[object], _LINKS(root, names=_LINK_NAMES))
    if all(isinstance(value, str) for value in found):
        links = cast(list[str], found)
    else:  # a rare element: iterlinks itself
        links = [link for _, _, link, _ in root.iterlinks()]
    return all(map(_has_scheme, links))


def _has_scheme(link: str) -> bool:
    try:
        return bool(urlsplit(link.strip()).scheme)
    except ValueError:  # "http://[": no join makes it a URL, so it is left as it is
        return True


def _joined(base: str, link: str) -> str:
    """``link`` resolved against ``base``; as it is when no parser reads it."""
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return link


def _image_sources(root: lxml.html.HtmlElement | None, base: str) -> set[str]:
    """The body's image URLs, spelled as ``_http_url`` spells the lead image's."""
    if root is None:
        return set()
    return {
        url for img in root.iter("img") if (src := img.get("src")) and (url := _http_url(src, base))
    }


def _lead_image(article: Article, base: str) -> tuple[str, str | None] | None:
    for image in article.images[:1]:
        url = _http_url(image.url, base)
        if url:
            return url, _text(image.caption or "") or None
    return None


def _image_type(url: str) -> str | None:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return _IMAGE_TYPES.get(suffix)


def _media_type(value: str) -> str:
    value = _text(value).lower()
    return value if _MEDIA_TYPE_RE.match(value) else "application/octet-stream"


# --------------------------------------------------------------------------- text and URLs


def _clean(value: str) -> str:
    # Most text has none of them. isprintable() answers a title at once; a body holds line
    # breaks (allowed, but not printable), so it takes the regex scan. str.translate, which
    # dropped the breaks for a second isprintable(), is ten times slower than the scan on
    # Vietnamese text (185 against 19 us for 2 KB), and a build cleans every body.
    if value.isprintable() or _CONTROL_RE.search(value) is None:
        return value
    return _CONTROL_RE.sub("", value)


def _text(value: str) -> str:
    """One line of text for a title, name or attribute: no controls, whitespace collapsed."""
    # str.split() splits on the characters the regex \s matches (str.isspace), so this is
    # sub(r"\s+", " ").strip(), without the regex.
    return " ".join(_clean(value).split())


def _text_head(pieces: Iterable[str], size: int) -> str:
    """The start of ``_text("".join(pieces))``: all of it, or a prefix longer than ``size``,
    from as few pieces (a body's text nodes) and characters as will do.

    A body's text is thousands of characters and a summary or a comparison needs the first
    few hundred. ``_text`` of a prefix is a prefix of ``_text`` of the whole (controls go one
    by one, a cut run of spaces is still one space, and the strip at the end removes at most
    that space), so growing prefixes are tried, the first a little longer than ``size``
    (enough unless the start is mostly runs of spaces).
    """
    read: list[str] = []
    length = 0
    cut = size + 16
    for piece in pieces:
        read.append(piece)
        length += len(piece)
        while length > cut:
            head = _text("".join(read)[:cut])
            if len(head) > size:
                return head
            cut *= 4
    return _text("".join(read))


def _excerpt(text: str) -> str:
    text = _text_head((text,), SUMMARY_CHARS)
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS]
    space = cut.rfind(" ")
    if space > SUMMARY_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


@lru_cache(maxsize=8192)
def _http_url(value: str, base: str | None = None) -> str | None:
    """An absolute http(s) URI (non-ASCII escaped), resolved against ``base``; else None.

    Cached: an article's URL is asked each time a feed of it is ranked and rendered.
    """
    value = _text(value)
    if not value:
        return None
    try:
        if base is not None:
            value = urljoin(base, value)
        if _PLAIN_URI_RE.fullmatch(value):
            return value
        parts = urlsplit(value)
        if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
            return None
        return _escaped_uri(_text(value))  # _uri, its plain-URI test already failed above
    except ValueError:  # "http://[x": a stored link no parser reads is no link, not a failed build
        return None


_URI_CHARS = r"A-Za-z0-9!$&'()*+,;=:@/%~._\-"
_PLAIN_URI_RE = re.compile(
    rf"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[{_URI_CHARS}]*)?"
    rf"(?:\?[{_URI_CHARS}?]+)?(?:#[{_URI_CHARS}?]+)?"
)
"""An http(s) URI that :func:`_uri` gives back as it is: a lower-case scheme, an ASCII host
and port, and nothing that needs escaping (every character here is one ``quote`` keeps with
:func:`_uri`'s safe set; no empty query or fragment, which ``urlunsplit`` would drop). Most
article URLs are: their check is a regex match instead of a split, three quotes and a join."""


def _uri(value: str) -> str:
    """An IRI as a URI: IDNA host, UTF-8 percent-escapes elsewhere, existing escapes kept.

    The RSS validator and some readers reject raw non-ASCII or spaces in URLs; Atom allows
    IRIs, but one spelling for both formats keeps them identical.
    """
    value = _text(value)
    if _PLAIN_URI_RE.fullmatch(value):
        return value
    return _escaped_uri(value)


def _escaped_uri(value: str) -> str:
    parts = urlsplit(value)
    netloc = parts.netloc
    if not netloc.isascii():
        host = parts.hostname or ""
        idna_host = host.encode("idna").decode("ascii")
        netloc = netloc.replace(host, idna_host) if host in netloc else idna_host
    safe = "!$&'()*+,;=:@/?%~-._"
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe),
            quote(parts.fragment, safe=safe),
        )
    )


def _base_url(base_url: str) -> str:
    parts = urlsplit(_text(base_url))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    base = _uri(_text(base_url))
    return base if base.endswith("/") else base + "/"


def _checked_path(path: str) -> str:
    """The spec path as a safe relative POSIX stem: it names files and is joined into URLs."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or pure.is_absolute()
        or any(part in {"", ".", ".."} for part in path.split("/"))
    ):
        raise ValueError(f"feed path must be a relative stem like 'portal/category': {path!r}")
    return str(pure)


def _publisher(spec: FeedSpec) -> str:
    """The feed's author: ``spec.publisher`` (the builder sets it), else the portal key."""
    if spec.publisher and (publisher := _text(spec.publisher)):
        return publisher
    return spec.portal or GENERATOR


# --------------------------------------------------------------------------- feedgen glue


def _channel(spec: FeedSpec, self_url: str, feed_date: datetime, self_type: str) -> Any:
    """A FeedGenerator with the channel fields both formats share."""
    link = _http_url(spec.link)
    self_link = _http_url(self_url)
    if link is None or self_link is None:
        raise ValueError(f"feed {spec.path!r}: link and self URL must be absolute http(s) URLs")
    title = _text(spec.title) or link
    fg = FeedGenerator()
    fg.title(title)
    # feedgen takes the RSS <link> from the last link given, so the alternate goes last.
    fg.link(href=self_link, rel="self", type=self_type)
    fg.link(href=link, rel="alternate", type="text/html")
    # RSS requires a non-empty channel description.
    fg.description(_text(spec.description) or title)
    fg.language(_text(spec.language) or "vi")
    fg.generator(GENERATOR)
    # feedgen defaults this date to now(); the newest item's date keeps the bytes stable.
    # It is both Atom <updated> and RSS <lastBuildDate>.
    fg.updated(feed_date)
    return fg


def _styled(document: bytes, spec: FeedSpec) -> bytes:
    """``document`` with the browser stylesheet's processing instruction after the XML
    declaration (:mod:`newsfeed.feeds.stylesheet`); readers and validators ignore it."""
    declaration, newline, rest = document.partition(b"\n")
    if not declaration.startswith(b"<?xml "):
        raise ValueError("feedgen wrote no XML declaration")
    return declaration + newline + stylesheet_pi(_checked_path(spec.path)) + rest


def _bytes(value: Any) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"feedgen returned {type(value).__name__}, expected bytes")
    return value


def _opml_feed(parent: etree._Element, spec: FeedSpec, rss_url: str) -> None:
    title = _text(spec.title) or spec.path
    attrs = {"type": "rss", "text": title, "title": title, "xmlUrl": rss_url}
    if html_url := _http_url(spec.link):
        attrs["htmlUrl"] = html_url
    if description := _text(spec.description):
        attrs["description"] = description
    if language := _text(spec.language):
        attrs["language"] = language
    attrs["version"] = "RSS"
    etree.SubElement(parent, "outline", attrs)


__all__ = [
    "EMPTY_FEED_DATE",
    "FORMATS",
    "GENERATOR",
    "JSON_FEED_VERSION",
    "FeedEntry",
    "FeedSpec",
    "ItemCache",
    "Prepared",
    "Source",
    "feed_date",
    "feed_file",
    "feed_url",
    "latest_news",
    "prepare",
    "render_atom",
    "render_json",
    "render_opml",
    "render_prepared",
    "render_rss",
    "write_feeds",
]
