"""newsfeed.store.query_feeds: how a feed build reads the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed.store.db import Store
from newsfeed.store.query_feeds import BUILD_PAGE_CACHE_KIB, build_page_cache


def cache_size(store: Store) -> int:
    return int(store.db.execute("PRAGMA cache_size").fetchone()[0])


def test_the_page_cache_is_small_while_a_build_reads_and_restored_after(tmp_path: Path) -> None:
    with Store(tmp_path / "newsfeed.sqlite3") as store:
        crawl = cache_size(store)
        assert crawl < -BUILD_PAGE_CACHE_KIB  # the crawl's, in KiB (negative: KiB, not pages)
        with build_page_cache(store):
            assert cache_size(store) == -BUILD_PAGE_CACHE_KIB
        assert cache_size(store) == crawl
        with pytest.raises(RuntimeError), build_page_cache(store, kib=1024):
            assert cache_size(store) == -1024
            raise RuntimeError("the build failed")
        assert cache_size(store) == crawl
