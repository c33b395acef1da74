"""The progress line's figures are the crawl's own: read while a real crawl of two portals runs
(one fast, one slowed down), each update is checked against the crawl's counters at that moment
and at the end. The line itself is tested in tests/cli/test_progress.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from newsfeed.config import Config
from newsfeed.crawl import settings as default_settings
from newsfeed.crawl.progress import (
    INTERVAL_SETTING,
    MIDDLEWARE,
    MIDDLEWARE_PRIORITY,
    PROGRESS_SETTING,
    CrawlProgress,
    progress_of,
)
from newsfeed.crawl.stats import portal_counters
from newsfeed.demo import demo_profile_data
from newsfeed.portals import Portal, portal_from_dict
from tests.crawling import crawl_here
from tests.servers import serve_demo


class Recorder:
    """A progress sink that keeps every update with the crawl's counters at that moment."""

    def __init__(self) -> None:
        self.crawler: Any = None
        self.updates: list[tuple[CrawlProgress, dict[str, Any]]] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> Recorder:
        return self  # Scrapy copies its settings; the sink is one

    def show(self, progress: CrawlProgress) -> None:
        self.updates.append((progress, dict(self.crawler.stats.get_stats())))


class AttachRecorder:
    """An extension that hands the crawler to the :class:`Recorder` in the settings."""

    def __init__(self, crawler: Any) -> None:
        crawler.settings.get(PROGRESS_SETTING).crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> AttachRecorder:
        return cls(crawler)


def _portal(key: str, base: str) -> Portal:
    data = demo_profile_data(base)
    data.update(key=key, name=f"Cổng TTĐT {key}", province=key)
    return portal_from_dict(data, source="test")


@pytest.fixture
def two_portals() -> Iterator[list[Portal]]:
    """``fast`` on 127.0.0.1 and ``slow`` on localhost (another download slot, delayed)."""
    with ExitStack() as stack:
        fast = stack.enter_context(serve_demo())
        slow = stack.enter_context(serve_demo()).replace("127.0.0.1", "localhost")
        yield [_portal("fast", fast), _portal("slow", slow)]


def test_every_update_is_the_crawls_counters_and_a_done_portal_is_finished(
    reactor_thread: Any, two_portals: list[Portal], tmp_path: Path
) -> None:
    recorder = Recorder()
    middlewares = {**default_settings.DOWNLOADER_MIDDLEWARES, MIDDLEWARE: MIDDLEWARE_PRIORITY}
    extensions = {**default_settings.EXTENSIONS, f"{__name__}.AttachRecorder": 1}
    crawl = crawl_here(
        reactor_thread,
        two_portals,
        Config(var_dir=tmp_path / "var", feeds_dir=tmp_path / "feeds"),
        extra_settings={
            PROGRESS_SETTING: recorder,
            INTERVAL_SETTING: 0.02,
            "DOWNLOADER_MIDDLEWARES": middlewares,
            "EXTENSIONS": extensions,
            "DOWNLOAD_SLOTS": {"localhost": {"delay": 0.15, "concurrency": 1}},
        },
    )
    keys = [p.key for p in two_portals]
    updates = recorder.updates
    assert len(updates) > 5
    final, _ = updates[-1]
    totals = crawl.report["totals"]
    assert final.finish_reason == "finished"
    assert final == progress_of(crawl.stats, keys, done=keys, finish_reason="finished")
    assert (final.portals_done, final.portals_total) == (2, 2)
    assert final.pages == (
        totals["listing_pages_fetched"]
        + totals["listing_pages_not_modified"]
        + totals["article_pages_fetched"]
    )
    assert final.articles == totals["articles_new"] + totals["articles_updated"] > 0
    assert final.errors == sum(totals["http_errors"].values())

    first, _ = updates[0]
    assert first.portals_done == 0 and first.finish_reason is None
    seen_fast_alone = False
    before: frozenset[str] = frozenset()
    for progress, stats in updates:
        # the figures are the counters of that moment, not guessed
        assert progress == progress_of(
            stats, keys, done=progress.done, finish_reason=progress.finish_reason
        )
        assert progress.done >= before, "a portal done stays done"
        before = progress.done
        for key in progress.done:
            # done means done: nothing of the portal is fetched or stored afterwards
            assert portal_counters(stats, key) == portal_counters(crawl.stats, key), key
        seen_fast_alone |= progress.done == {"fast"}
    assert seen_fast_alone, "the fast portal was counted done while the slow one still ran"
