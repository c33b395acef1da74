"""How a feed build reads the store: many articles, each once, a feed's worth at a time.

:func:`feed_rows` finds a category feed's rows the cheaper of two ways (the store has no
index of a category's articles by date). A feed shows ``limit`` articles, and a build needs
each one's categories and other publications (for the feed's digest) and, when the feed is
rendered, the article itself. Asked article by article (:meth:`Store.categories_of`,
:meth:`Store.also_published`, :meth:`Store.get`) that is four statements per article;
:func:`categories`, :func:`also_published` and :func:`stored_articles` ask the same for a
whole feed at once, with the same answers in the same order.

A crawl writes articles at random places in the indexes, so its connection keeps a large
SQLite page cache (64 MiB, :func:`newsfeed.store.dialect.connect`). A build reads each
article's row once and the same few index pages over and over: the cache only fills with
article pages never read again, which was about 30 MiB of a 100,000-article build's peak
memory (``make bench``). :func:`build_page_cache` holds it small for the reads of a build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from newsfeed.items import Article, Link
from newsfeed.store.db import FeedRow, Store, StoredArticle

CHUNK = 500
"""Guids per statement (an ``IN`` list; old SQLite builds allow 999 variables)."""

BUILD_PAGE_CACHE_KIB = 8 * 1024
"""SQLite's page cache while a build reads: room for the indexes' hot pages."""


@contextmanager
def build_page_cache(store: Store, kib: int = BUILD_PAGE_CACHE_KIB) -> Iterator[None]:
    """Within the block, ``store``'s SQLite page cache is at most ``kib`` KiB (restored
    after). PostgreSQL caches on its server: nothing to do there."""
    if store.backend != "sqlite":
        yield
        return
    before = int(store.db.execute("PRAGMA cache_size").fetchone()[0])
    store.db.execute(f"PRAGMA cache_size={-int(kib)}")
    try:
        yield
    finally:
        store.db.execute(f"PRAGMA cache_size={before}")


WALK_COST = 2
"""How much more a row costs when a category's rows are read by guid than when the portal's
are walked newest first (measured at 100,000 articles: 3.5 against 1.9 µs a row)."""


def feed_rows(
    store: Store,
    *,
    portal: str,
    category: str,
    limit: int,
    sizes: dict[str, int] | None = None,
) -> list[FeedRow]:
    """:meth:`Store.feed_rows` of one category feed, the same rows in the same order, read the
    cheaper way.

    :meth:`Store.feed_rows` walks the portal's articles newest first (``articles_portal``)
    until ``limit`` of them are in the category: about ``limit x portal / category`` rows,
    cheap for a category with much of the portal's news, but the whole portal for a small
    one (a portal of 49 categories: 2,450 rows and 9 ms for each 50-article feed). Reading
    the category's own rows (``categories_feed``) and sorting them costs its size instead.
    Both counts come from covering indexes. ``sizes``: the portals' counts, kept by the
    caller for a build (a portal of 49 categories is counted once, not 49 times; a count a
    crawl has since changed only picks the other of two queries with the same rows).
    """
    if store.backend == "sqlite":
        in_category = _count(
            store,
            "SELECT COUNT(*) FROM article_categories WHERE portal = ? AND category = ?",
            (portal, category),
        )
        sizes = {} if sizes is None else sizes
        in_portal = sizes.get(portal)
        if in_portal is None:
            in_portal = sizes[portal] = _count(
                store, "SELECT COUNT(*) FROM articles WHERE portal = ?", (portal,)
            )
        if WALK_COST * in_category * in_category < limit * in_portal:
            rows = store.db.execute(
                f"SELECT {FeedRow.COLUMNS} FROM articles a WHERE a.guid IN ("
                " SELECT b.guid FROM article_categories c CROSS JOIN articles b"
                " ON b.guid = c.guid WHERE c.portal = ? AND c.category = ? AND b.portal = ?"
                " ORDER BY b.sort_key DESC, b.guid LIMIT ?)"
                " ORDER BY a.sort_key DESC, a.guid",
                (portal, category, portal, limit),
            )
            return [FeedRow.of_row(row) for row in rows]
    # PostgreSQL's planner has the statistics to choose by itself
    return store.feed_rows(portal=portal, category=category, limit=limit)


def _count(store: Store, sql: str, args: tuple[str, ...]) -> int:
    return int(store.db.execute(sql, args).fetchone()[0])


def categories(store: Store, guids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Per guid, :meth:`Store.categories_of` (empty for an article with none or gone)."""
    found: dict[str, list[str]] = {guid: [] for guid in guids}
    for chunk, marks in _chunks(found):
        rows = store.db.execute(
            f"SELECT guid, category FROM article_categories WHERE guid IN ({marks})"
            " ORDER BY guid, category",
            chunk,
        )
        for row in rows:
            found[str(row[0])].append(str(row[1]))
    return {guid: tuple(names) for guid, names in found.items()}


def also_published(store: Store, guids: Sequence[str]) -> dict[str, tuple[Link, ...]]:
    """Per guid, :meth:`Store.also_published`: the other portals' copies, in its order."""
    found: dict[str, list[Link]] = {guid: [] for guid in guids}
    for chunk, marks in _chunks(found):
        rows = store.db.execute(
            "SELECT n.guid, a.canonical_url, json_extract(a.data, '$.title')"
            " FROM near_duplicates n"
            " JOIN near_duplicates m ON m.cluster_id = n.cluster_id AND m.guid != n.guid"
            " JOIN articles a ON a.guid = m.guid"
            " JOIN articles self ON self.guid = n.guid"
            f" WHERE n.guid IN ({marks}) AND a.portal IS NOT self.portal"
            " ORDER BY n.guid, a.portal, a.sort_key DESC, a.guid",
            chunk,
        )
        for row in rows:
            found[str(row[0])].append(Link(url=str(row[1]), title=str(row[2] or "")))
    return {guid: tuple(links) for guid, links in found.items()}


def stored_articles(
    store: Store, guids: Sequence[str], known: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, StoredArticle]:
    """Per guid still stored, :meth:`Store.get` (an article deleted meanwhile is absent).

    ``known``: the guids' categories when the caller has read them already (the builder, for
    a feed's digest: the feed then shows the categories its digest was made of)."""
    if known is not None and all(guid in known for guid in guids):
        names = {guid: known[guid] for guid in guids}
    else:
        names = categories(store, guids)
    found: dict[str, StoredArticle] = {}
    for chunk, marks in _chunks(names):
        rows = store.db.execute(
            "SELECT guid, data, first_seen, last_seen, changed FROM articles"
            f" WHERE guid IN ({marks})",
            chunk,
        )
        for row in rows:
            data = json.loads(row[1])
            data["categories"] = names[str(row[0])]
            found[str(row[0])] = StoredArticle(
                article=Article.from_dict(data),
                first_seen=datetime.fromisoformat(row[2]),
                last_seen=datetime.fromisoformat(row[3]),
                changed=datetime.fromisoformat(row[4]) if row[4] else None,
            )
    return found


def _chunks(guids: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    """The distinct guids ``CHUNK`` at a time, with the statement's ``?`` marks."""
    unique = list(dict.fromkeys(guids))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        yield chunk, ",".join("?" * len(chunk))
