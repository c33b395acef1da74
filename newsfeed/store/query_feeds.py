"""How a feed build reads the store: many articles, each once.

A crawl writes articles at random places in the indexes, so its connection keeps a large
SQLite page cache (64 MiB, :func:`newsfeed.store.dialect.connect`). A build reads each
article's row once and the same few index pages over and over: the cache only fills with
article pages never read again, which was about 30 MiB of a 100,000-article build's peak
memory (``make bench``). :func:`build_page_cache` holds it small for the reads of a build.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from newsfeed.store.db import Store

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
