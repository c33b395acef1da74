"""Crawls in the test process: the real spider, pipelines and report, against 127.0.0.1.

A Twisted reactor cannot be restarted, so one runs in a thread for the whole test session and
every crawl is handed to it (``CrawlerRunner``, as Scrapy's docs run several crawls in one
process). That spares each crawl test a Python start and a Scrapy import in a subprocess, and
lets a test replace a function (the clock, an extractor) for the crawl. Tests of the command
line as cron runs it (signals, exit codes, stderr) still use a subprocess (``run_cli``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsfeed.config import Config
from newsfeed.portals import Portal, Registry

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


@dataclass(frozen=True, slots=True)
class Crawl:
    """One crawl's report (as ``newsfeed report --json`` shows it) and its raw counters."""

    report: dict[str, Any]
    stats: dict[str, Any]

    def count(self, portal: str, name: str) -> int:
        """A per-portal counter the report does not carry (``newsfeed/<portal>/<name>``)."""
        return int(self.stats.get(f"newsfeed/{portal}/{name}", 0))


@pytest.fixture(scope="session")
def reactor_thread() -> Iterator[Any]:
    from scrapy.utils.reactor import install_reactor

    install_reactor(REACTOR)
    from twisted.internet import reactor

    thread = threading.Thread(
        target=reactor.run, kwargs={"installSignalHandlers": False}, daemon=True
    )
    thread.start()
    yield reactor
    reactor.callFromThread(reactor.stop)
    thread.join(timeout=10)


def crawl_here(
    reactor: Any,
    portals: Sequence[Portal],
    config: Config,
    *,
    category: str | None = None,
    replay: Path | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> Crawl:
    """What ``newsfeed crawl [--replay WARC]`` does for ``portals``, in this process:
    the crawl into ``config``'s store, then its report (also saved and written), returned."""
    from scrapy.crawler import CrawlerRunner
    from twisted.internet.threads import blockingCallFromThread

    from newsfeed.crawl.runner import crawl_settings
    from newsfeed.crawl.spiders.portal import PortalSpider
    from newsfeed.jobs import written_report
    from newsfeed.store.db import Store

    config.var_dir.mkdir(parents=True, exist_ok=True)
    Store(config.store_path).close()
    extra = {"NEWSFEED_CONFIG_OBJECT": config, **(extra_settings or {})}
    settings = crawl_settings(config, replay=replay, local=True, extra=extra)
    runner = CrawlerRunner(settings)
    crawler = runner.create_crawler(PortalSpider)
    registry = Registry(portals)
    blockingCallFromThread(
        reactor, runner.crawl, crawler, portals=list(portals), category=category, registry=registry
    )
    stats = crawler.stats.get_stats() if crawler.stats else {}
    # the report was made at spider close (newsfeed.jobs.CrawlReportExtension)
    return Crawl(written_report(config, stats), stats)
