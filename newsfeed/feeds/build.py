"""Feeds from the store: per portal and category, per portal, per topic; then the index page.

Feeds are built from the store, not from one run's items, so a feed holds the newest N articles
of its category whatever run found them. Three kinds of feed, each in RSS, Atom and JSON Feed:

* ``<portal>/<category>``: one category of one portal, for every category with articles;
* ``<portal>/all``: every article of one portal, whatever category listed it;
* ``topics/<topic>``: one topic of the shared taxonomy (``Category.topic``) across all portals.

An article has the same id in all of them, and lists the other portals' copies of it (the
store's near-duplicate clusters) as "Cũng đăng trên" / related links.

A category keyed ``all`` or a portal keyed ``topics`` would collide with these paths: the
category feed wins and the aggregate is skipped with a warning.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from newsfeed.config import Watch
from newsfeed.feeds.health import health_entry
from newsfeed.feeds.render import FeedEntry, FeedSpec, Source
from newsfeed.feeds.writer import entries_digest
from newsfeed.items import Article, Link
from newsfeed.monitor.checks import CRITICAL
from newsfeed.portals import Portal, Registry
from newsfeed.portals.topics import TOPICS, topic_label
from newsfeed.store import query_feeds
from newsfeed.store.db import FeedRow, Store
from newsfeed.store.query_feeds import build_page_cache

log = logging.getLogger(__name__)

ALL_FEED = "all"
"""The stem of a portal's feed of all its categories: ``<portal>/all``."""
TOPICS_DIR = "topics"
"""The folder of the topic feeds: ``topics/<topic>``."""


def topic_anchor(topic: str) -> str:
    """The id of a topic's section in ``index.html`` (topic feeds link there)."""
    return f"topic-{topic}"


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    """A feed before its articles are loaded: channel data, a digest of what it will show
    (from the store's ids and content hashes alone), and how to load its entries."""

    spec: FeedSpec
    """Channel data; ``entries`` empty."""
    digest: str
    load: Callable[[], tuple[FeedEntry, ...]]
    rows: FeedRows | None = None
    """What ``load`` loads, as data: a worker process of the build loads it from its own
    store connection (:mod:`newsfeed.feeds.pool`)."""


@dataclass(frozen=True, slots=True)
class FeedRows:
    """A feed as planned, in data that crosses to another process: its rows, the entries
    given whole (a health item), each row's source (a topic feed), and the categories and
    other publications of its articles that its digest was made of."""

    found: tuple[FeedRow, ...]
    extra: tuple[FeedEntry, ...]
    sources: tuple[Source, ...] | None
    categories: Mapping[str, tuple[str, ...]]
    also_published: Mapping[str, tuple[Link, ...]]


class EntryLoader:
    """Feed entries of :class:`FeedRows`, from a store: each feed's articles in one statement;
    the category names of each portal and set of keys asked once per build."""

    def __init__(self, store: Store, portals: Mapping[str, Portal]) -> None:
        self.store = store
        self.portals = portals
        self._names: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def __call__(self, rows: FeedRows) -> tuple[FeedEntry, ...]:
        entries: list[FeedEntry] = []
        articles = query_feeds.stored_articles(
            self.store, [row.guid for row in rows.found], rows.categories
        )
        for i, row in enumerate(rows.found):
            stored = articles.get(row.guid)
            if stored is None:  # deleted since it was planned
                continue
            portal = self.portals.get(stored.article.portal or "")
            entries.append(
                FeedEntry(
                    article=stored.article,
                    first_seen=stored.first_seen,
                    changed=stored.changed,
                    categories=self._category_names(portal, stored.article.categories),
                    also_published=rows.also_published[row.guid],
                    source=rows.sources[i] if rows.sources is not None else None,
                )
            )
        return (*entries, *rows.extra)

    def _category_names(
        self, portal: Portal | None, keys: tuple[str, ...]
    ) -> tuple[str, ...] | None:
        """:meth:`Portal.category_names`, asked once per portal and set of keys."""
        if portal is None:
            return None
        known = self._names.get((portal.key, keys))
        if known is None:
            known = self._names[(portal.key, keys)] = portal.category_names(keys)
        return known


def feed_specs(
    store: Store,
    portals: Registry | Iterable[Portal],
    *,
    limit: int,
    base_url: str = "http://localhost:8080/",
    health: Mapping[str, Article] | None = None,
) -> list[FeedSpec]:
    """Every feed with at least one stored article: categories, then portals, then topics
    (:func:`feed_plans`, each loaded)."""
    return [
        replace(plan.spec, entries=plan.load())
        for plan in feed_plans(store, portals, limit=limit, base_url=base_url, health=health)
    ]


def feed_plans(
    store: Store,
    portals: Registry | Iterable[Portal],
    *,
    limit: int,
    base_url: str = "http://localhost:8080/",
    health: Mapping[str, Article] | None = None,
) -> Iterator[PlannedFeed]:
    """Every feed with at least one stored article: categories, then portals, then topics.

    Lazily: a category feed is planned from its rows (ids, hashes, dates) only, and its
    articles are loaded when (and if) the writer renders it. ``base_url`` (the feeds folder's
    public URL) gives the topic feeds their home page, the topic's section of ``index.html``;
    a topic has no page on any portal. ``health``: per portal key, an item telling readers the
    portal's feed is degraded (:func:`health_items`); it goes into that portal's own feeds, not
    into the topic feeds.

    A topic feed is the newest of its categories' feeds; it is planned from their rows, the
    ``2 x limit`` newest by the store's order (the renderer then keeps ``limit``).

    The store's page cache is held small meanwhile (:func:`build_page_cache`): memory stays
    flat however many articles are read.
    """
    with build_page_cache(store):
        yield from _plans(store, portals, limit=limit, base_url=base_url, health=health or {})


def _plans(
    store: Store,
    portals: Iterable[Portal],
    *,
    limit: int,
    base_url: str,
    health: Mapping[str, Article],
) -> Iterator[PlannedFeed]:
    portals = list(portals)
    rows = _Rows(store, {p.key: p for p in portals})
    aggregates: list[PlannedFeed] = []
    by_topic: dict[str, dict[str, tuple[FeedRow, Source]]] = {}
    taken: set[str] = set()
    parents = {p.key: p.name for p in portals}
    for portal in portals:
        source = Source(
            name=portal.name,
            link=portal.base_url,
            feed=f"{portal.key}/{ALL_FEED}",
            province=portal.province,
        )
        warning = _health_entry(health.get(portal.key))
        for category in portal.categories:
            found = query_feeds.feed_rows(
                store, portal=portal.key, category=category.key, limit=limit, sizes=rows.sizes
            )
            if not found:
                continue
            spec = FeedSpec(
                path=f"{portal.key}/{category.key}",
                title=f"{portal.name} – {category.name}",
                description=f"{category.name} – {portal.name} ({portal.province})",
                # A category found from the portal's menu at run time has no URL here.
                link=category.url or portal.base_url,
                language=portal.language,
                portal=portal.key,
                category=category.key,
                topic=category.topic,
                publisher=portal.name,
                entries=(),
                parent=portal.parent,
                parent_name=parents.get(portal.parent or ""),
            )
            taken.add(spec.path)
            yield rows.plan(spec, found, warning)
            if category.topic:
                members = by_topic.setdefault(category.topic, {})
                for row in found:
                    members.setdefault(row.guid, (row, source))
        found = store.feed_rows(portal=portal.key, limit=limit)
        if found:
            spec = FeedSpec(
                path=f"{portal.key}/{ALL_FEED}",
                title=f"{portal.name} – Tất cả tin",
                description=f"Mọi chuyên mục – {portal.name} ({portal.province})",
                link=portal.base_url,
                language=portal.language,
                portal=portal.key,
                publisher=portal.name,
                entries=(),
                parent=portal.parent,
                parent_name=parents.get(portal.parent or ""),
            )
            aggregates.append(rows.plan(spec, found, warning))
    for plan in aggregates:
        if plan.spec.path in taken:
            log.warning(
                "feed %s is also a category feed; the aggregate is not written", plan.spec.path
            )
        else:
            yield plan
    for topic in sorted(by_topic, key=_topic_order):
        vi, en = topic_label(topic)
        newest = sorted(by_topic.pop(topic).values(), key=lambda m: m[0].guid)
        newest.sort(key=lambda m: m[0].sort_key, reverse=True)  # stable: ties by guid
        newest = newest[: 2 * limit]
        spec = FeedSpec(
            path=f"{TOPICS_DIR}/{topic}",
            title=f"{vi} – các tỉnh, thành phố",
            description=f"{vi} ({en}): tin từ cổng thông tin các tỉnh, thành phố",
            link=urljoin(_folder(base_url), f"index.html#{topic_anchor(topic)}"),
            language="vi",
            topic=topic,
            publisher="newsfeed",
            entries=(),
        )
        if spec.path in taken:
            log.warning("feed %s is also a category feed; the aggregate is not written", spec.path)
            continue
        found = [row for row, _source in newest]
        sources = tuple(source for _row, source in newest)
        yield rows.plan(spec, found, (), sources)


class _Rows:
    """Digests and entries of feeds from the store's rows, shared by every feed of a build:
    each article's categories and other publications are asked once, a feed's worth in one
    statement (:mod:`newsfeed.store.query_feeds`)."""

    def __init__(self, store: Store, portals: Mapping[str, Portal]) -> None:
        self.store = store
        self.portals = portals
        self.entries = _OtherPublications(store)
        self.loader = EntryLoader(store, portals)
        self.categories: dict[str, tuple[str, ...]] = {}
        self.sizes: dict[str, int] = {}
        """Per portal, its article count (:func:`query_feeds.feed_rows`)."""

    def digest(
        self,
        found: Sequence[FeedRow],
        extra: tuple[FeedEntry, ...],
        sources: Sequence[Source] | None = None,
    ) -> str:
        h = hashlib.sha256()
        missing = [row.guid for row in found if row.guid not in self.categories]
        if missing:
            self.categories.update(query_feeds.categories(self.store, missing))
            self.entries.prefetch(missing)
        for i, row in enumerate(found):
            source = sources[i] if sources is not None else None
            part = (
                row.guid,
                row.content_hash,
                row.first_seen,
                row.changed,
                self.categories[row.guid],
                self.entries.also_published(row.guid),
                source,
            )
            h.update(repr(part).encode("utf-8", "surrogatepass") + b"\0")
        h.update(entries_digest(extra).encode())
        return h.hexdigest()

    def plan(
        self,
        spec: FeedSpec,
        found: Sequence[FeedRow],
        extra: tuple[FeedEntry, ...],
        sources: Sequence[Source] | None = None,
    ) -> PlannedFeed:
        digest = self.digest(found, extra, sources)
        rows = FeedRows(
            found=tuple(found),
            extra=extra,
            sources=None if sources is None else tuple(sources),
            categories={row.guid: self.categories[row.guid] for row in found},
            also_published={row.guid: self.entries.also_published(row.guid) for row in found},
        )
        return PlannedFeed(spec, digest, partial(self.loader, rows), rows)


def _health_entry(article: Article | None) -> tuple[FeedEntry, ...]:
    if article is None:
        return ()
    # dated the local midnight of its day, like the article's own date
    when = datetime.fromisoformat(article.published or "")
    return (FeedEntry(article=article, first_seen=when),)


@cache
def _planner_digest() -> str:
    """The code that decides which feeds exist and what goes in them (this package and the
    store's, a few hundred KiB read once): a change to it re-plans every feed, as a change
    to the renderer re-renders them (:func:`newsfeed.feeds.writer.code_digest`)."""
    h = hashlib.sha256()
    for package in (Path(__file__).parent, Path(query_feeds.__file__).parent):
        for source in sorted(package.glob("*.py")):
            h.update(source.name.encode() + b"\0" + source.read_bytes())
    return h.hexdigest()


def build_key(
    store: Store,
    portals: Iterable[Portal],
    *,
    health: Mapping[str, Article],
    watches: Iterable[Watch],
    base_url: str,
) -> str:
    """Every input of a build's feeds but the render settings, in one string
    (:meth:`newsfeed.feeds.writer.FeedWriter.replay`): the store's generation (read first, so
    a change committed while the feeds are read makes the next build's key differ), the
    portals and their categories, the day's health items, the watches and the code that
    plans the feeds. Two builds with the same key write the same feeds."""
    h = hashlib.sha256(store.generation().encode())
    for part in (
        _planner_digest(),
        base_url,
        repr(list(portals)),
        repr(sorted(health.items())),
        repr(list(watches)),
    ):
        h.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def health_items(
    health: Mapping[str, Mapping[str, Any]],
    portals: Iterable[Portal],
    *,
    base_url: str,
    day: date,
    machine: bool = False,
) -> dict[str, Article]:
    """Per critical portal, the day's "feed degraded" item (guid stable for the day).
    ``machine``: no portal could be reached at all; the items do not blame the portals."""
    status_url = urljoin(_folder(base_url), "status.html")
    items: dict[str, Article] = {}
    for portal in portals:
        entry = health.get(portal.key)
        if not entry:
            continue
        item = health_entry(
            portal.key,
            {"portals": {portal.key: entry}},
            day,
            link=status_url,
            categories=[c.key for c in portal.categories],
            machine=machine,
        )
        if item is not None:
            items[portal.key] = item
    return items


def long_critical(entry: Mapping[str, Any], *, now: datetime, runs: int, hours: float) -> bool:
    """Whether a portal has been CRITICAL long enough to tell the public: ``runs`` crawls in a
    row, or ``hours`` since its first critical crawl. One failed run is not news."""
    if entry.get("status") != CRITICAL:
        return False
    if int(entry.get("critical_runs") or 0) >= runs:
        return True
    since = entry.get("critical_since")
    if not since:
        return False
    try:
        return (now - datetime.fromisoformat(str(since))).total_seconds() >= hours * 3600
    except ValueError:
        return False


class _OtherPublications:
    """The other portals' copies of each article, asked once per article per build (an
    article is in several feeds); feed entries are :class:`EntryLoader`'s."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.elsewhere: dict[str, tuple[Link, ...]] = {}

    def prefetch(self, guids: Sequence[str]) -> None:
        """Ask the other publications of ``guids`` (those not known yet) at once."""
        missing = [guid for guid in guids if guid not in self.elsewhere]
        if missing:
            self.elsewhere.update(query_feeds.also_published(self.store, missing))

    def also_published(self, guid: str) -> tuple[Link, ...]:
        if guid not in self.elsewhere:
            self.elsewhere[guid] = tuple(self.store.also_published(guid))
        return self.elsewhere[guid]


def _topic_order(topic: str) -> tuple[int, str]:
    """Known topics in the taxonomy's order, then the others alphabetically."""
    order = list(TOPICS)
    return (order.index(topic), topic) if topic in TOPICS else (len(order), topic)


def _folder(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"
