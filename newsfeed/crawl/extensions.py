"""The crawl's own Scrapy extensions: one crawl process per portal at a time, and a memory
limit on the crawl's own memory.

It runs in any process that runs the spider (``newsfeed crawl``, ``newsfeed run``, a scrapyd
job, ``scrapy crawl portal``), as :class:`newsfeed.jobs.CrawlReportExtension` does
for the report, so a scrapyd job of one portal behaves as ``newsfeed crawl PORTAL``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.extensions.memusage import MemoryUsage

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


def own_peak_kib() -> int | None:
    """This process's peak resident memory in KiB: ``VmHWM``, its own address space's; None
    where there is no ``/proc``.

    Not ``ru_maxrss``: Linux carries that across fork and exec, so a process exec'd by one
    that once held 600 MB reports 600 MB before it has done anything.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


class OwnMemoryUsage(MemoryUsage):
    """Scrapy's memory limit (``MEMUSAGE_LIMIT_MB``) on this process's own peak memory
    (:func:`own_peak_kib`).

    Scrapy reads ``ru_maxrss``: a crawl started by a process that once held more than the
    limit (a test worker, a benchmark that loaded a large store, any long-lived launcher) was
    closed as ``memusage_exceeded`` before it fetched a page. ``ru_maxrss`` stays where there
    is no ``/proc``.
    """

    def get_virtual_size(self) -> int:
        peak = own_peak_kib()
        return super().get_virtual_size() if peak is None else peak * 1024
