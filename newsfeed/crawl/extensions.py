"""The crawl's own Scrapy extension: one crawl process per portal at a time.

It runs in any process that runs the spider (``newsfeed crawl``, ``newsfeed run``, a scrapyd
job, ``scrapy crawl portal``), as :class:`newsfeed.jobs.CrawlReportExtension` does
for the report, so a scrapyd job of one portal behaves as ``newsfeed crawl PORTAL``.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from newsfeed.store.locks import PortalLockedError, PortalLocks

logger = logging.getLogger(__name__)

LOCKED = "locked"
"""The finish reason of a crawl whose portal another process is crawling."""


class PortalLockExtension:
    """Claims the spider's portals before anything is fetched (:mod:`newsfeed.store.locks`).

    A portal already claimed closes the spider at once with the finish reason ``locked`` and
    the stat ``newsfeed/locked`` naming it: nothing is fetched, stored or reported.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.locks: PortalLocks | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalLockExtension:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        target = self.crawler.settings.get("NEWSFEED_STORE")
        portals = sorted(getattr(spider, "portals", {}))
        if not target or not portals:
            return
        try:
            self.locks = PortalLocks(str(target), portals)
        except PortalLockedError as exc:
            self.crawler.stats.set_value("newsfeed/locked", ",".join(exc.held))
            logger.info("%s; not crawling", exc)  # the CLI says it once, on stderr
            raise CloseSpider(LOCKED) from None

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.locks is not None:
            self.locks.release()
            self.locks = None
