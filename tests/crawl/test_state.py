"""CrawlState: the crawl's one Store connection; a finished run saves its notes, no other does.

What a run may claim for the next (a listing page's validators turn it into a 304; a completed
pagination lets the next run stop at known articles) is saved only by the close hook of a run
that finished, and never for a page or category that failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed.crawl.state import CrawlState
from newsfeed.store.db import Store, Validators, utcnow

PAGE = "https://tinhx.gov.vn/tin-tuc?page=1"
FAILED_PAGE = "https://tinhx.gov.vn/thong-bao?page=1"


def noted(store: Store) -> CrawlState:
    state = CrawlState(store)
    state.listing_fetched(PAGE, Validators(etag='"v1"'))
    state.listing_fetched(FAILED_PAGE, Validators(etag='"v2"'))
    state.listing_incomplete(FAILED_PAGE)
    state.category_crawled("tinh_x", "tin_tuc")
    state.category_crawled("tinh_x", "thong_bao")
    state.category_failed("tinh_x", "thong_bao")
    return state


@pytest.mark.parametrize("reason", ["shutdown", "closespider_timeout", "cancelled"])
def test_a_run_that_did_not_finish_saves_no_notes(tmp_path: Path, reason: str) -> None:
    path = tmp_path / "store.sqlite3"
    noted(Store(path)).spider_closed(None, reason)
    with Store(path) as store:
        assert store.validators(PAGE) is None
        assert store.completed_categories("tinh_x") == set()


def test_a_finished_run_saves_what_it_completed(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    state = noted(Store(path))
    state.spider_closed(None, "finished")
    state.spider_closed(None, "finished")  # a second close is a no-op, not an error
    with Store(path) as store:
        assert store.validators(PAGE) == Validators(etag='"v1"')
        assert store.validators(FAILED_PAGE) is None  # an article of it failed: no 304 next
        assert store.completed_categories("tinh_x") == {"tin_tuc"}


def test_a_store_that_stops_answering_mid_crawl_closes_the_spider_saying_why() -> None:
    from scrapy.exceptions import CloseSpider
    from scrapy.utils.test import get_crawler

    from newsfeed.store.errors import STORE_ERROR_STAT, STORE_FAILED
    from tests.servers import private_postgres

    with private_postgres() as server:
        url = server.create_database()
        state = CrawlState(Store(url))
        state.crawler = get_crawler()
        assert state.known("tag:x/1", "tin_tuc") is None  # answers while the server runs
        server.stop(mode="fast")
        with pytest.raises(CloseSpider) as closed:
            state.known("tag:x/1", "tin_tuc")
        assert closed.value.reason == STORE_FAILED
        assert state.crawler.stats.get_value(STORE_ERROR_STAT), "the CLI's line comes from it"
        with pytest.raises(CloseSpider):
            list(state.recheck_due("p", "c", first_seen_after=utcnow(), fetched_before=utcnow()))
        state.spider_closed(None, STORE_FAILED)  # closes the dead connection quietly
