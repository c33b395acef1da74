"""Watch feeds: ``watch/<key>``, every article that matches a watch's query, across portals.

A watch (``[[watch]]`` in ``newsfeed.toml``, :class:`newsfeed.config.Watch`) follows a name or
a subject rather than a portal: the full-text index proposes the newest candidates, the
Vietnamese matcher (:mod:`newsfeed.store.query`) keeps those that really match, and each item's
summary is the passage that matched, the match marked. Items keep the id they have in every
other feed, and name their portal as topic feeds do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from newsfeed.config import ConfigError, Watch
from newsfeed.extraction.text import fold
from newsfeed.feeds.render import FeedEntry, FeedSpec, Source
from newsfeed.portals import Portal
from newsfeed.portals.topics import TOPICS
from newsfeed.store import fulltext
from newsfeed.store.db import Store
from newsfeed.store.query import Query, QueryError, parse_query

WATCH_DIR = "watch"
"""The folder of the watch feeds: ``watch/<key>``."""


def watch_anchor(key: str) -> str:
    """The id of a watch's entry in ``index.html`` (the watch feed's home page)."""
    return f"watch-{key}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Where a watch looks: None means everywhere."""

    portals: tuple[str, ...] | None = None
    feeds: tuple[tuple[str, str], ...] | None = None
    """(portal, category) pairs of the watch's topics."""


def watch_query(watch: Watch, *, where: str | None = None) -> Query:
    """The watch's parsed query; :class:`ConfigError` naming the watch (or ``where``)."""
    try:
        return parse_query(watch.query, fold=watch.fold)
    except QueryError as exc:
        raise ConfigError(f"{where or _where(watch)}: bad query: {exc}") from None


def _where(watch: Watch) -> str:
    return f"[[watch]] {watch.key!r}"


def check_watch(watch: Watch, known: Sequence[Portal], *, where: str | None = None) -> None:
    """The query, portals, provinces and topics of ``watch`` exist among ``known`` portals;
    :class:`ConfigError` with a one-line reason otherwise."""
    where = where or _where(watch)
    watch_query(watch, where=where)
    keys = {p.key for p in known}
    for key in watch.portals:
        if key not in keys:
            raise ConfigError(f"{where}: unknown portal {key!r} (see `newsfeed portals`)")
    provinces = {fold(p.province) for p in known}
    for province in watch.provinces:
        if fold(province) not in provinces:
            raise ConfigError(
                f"{where}: no portal of the province {province!r} (see `newsfeed portals --json`)"
            )
    for topic in watch.topics:
        if topic not in TOPICS:
            raise ConfigError(f"{where}: unknown topic {topic!r} (known: {', '.join(TOPICS)})")


def check_watches(watches: Iterable[Watch], known: Sequence[Portal]) -> None:
    """Every watch, before anything is built or written."""
    for watch in watches:
        check_watch(watch, known)


def watch_scope(watch: Watch, portals: Sequence[Portal]) -> Scope:
    """The portals and categories of ``portals`` that ``watch`` covers (None: all)."""
    provinces = {fold(v) for v in watch.provinces}
    chosen = [
        p
        for p in portals
        if (not watch.portals or p.key in watch.portals)
        and (not provinces or fold(p.province) in provinces)
    ]
    restricted = bool(watch.portals or watch.provinces)
    feeds = None
    if watch.topics:
        feeds = tuple(
            (p.key, c.key) for p in chosen for c in p.categories if c.topic in watch.topics
        )
    return Scope(portals=tuple(p.key for p in chosen) if restricted else None, feeds=feeds)


def watch_specs(
    store: Store,
    watches: Sequence[Watch],
    portals: Sequence[Portal],
    *,
    limit: int,
    base_url: str,
) -> list[FeedSpec]:
    """One feed per watch (even one with no match yet: its subscribers wait for news)."""
    if not watches:  # no watch: the full-text index is not needed (nor rebuilt)
        return []
    by_key = {p.key: p for p in portals}
    fulltext.ensure_current(store.db)
    specs: list[FeedSpec] = []
    for watch in watches:
        query = watch_query(watch)
        scope = watch_scope(watch, portals)
        hits = fulltext.search(
            store.db, query, limit=limit, portals=scope.portals, feeds=scope.feeds
        )
        entries: list[FeedEntry] = []
        for hit in hits:
            stored = store.get(hit.guid)
            if stored is None:
                continue
            portal = by_key.get(stored.article.portal or "")
            source = (
                Source(
                    name=portal.name,
                    link=portal.base_url,
                    feed=f"{portal.key}/all",
                    province=portal.province,
                )
                if portal is not None
                else None
            )
            entries.append(
                FeedEntry(
                    article=stored.article,
                    first_seen=stored.first_seen,
                    changed=stored.changed,
                    also_published=tuple(store.also_published(hit.guid)),
                    categories=portal.category_names(stored.article.categories)
                    if portal is not None
                    else None,
                    source=source,
                    passage=hit.passage.parts,
                )
            )
        where = ", ".join(watch.provinces) or "các tỉnh, thành phố"
        specs.append(
            FeedSpec(
                path=f"{WATCH_DIR}/{watch.key}",
                title=f"Theo dõi: {watch.name}",
                description=f"Tin có “{watch.query}” trên cổng thông tin {where}",
                link=urljoin(_folder(base_url), f"index.html#{watch_anchor(watch.key)}"),
                language="vi",
                publisher="newsfeed",
                watch=watch.key,
                entries=tuple(entries),
            )
        )
    return specs


def _folder(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"
