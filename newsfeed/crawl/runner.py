"""Run one crawl in this process: portals -> store; its counters are the stats it returns.

Scrapy's reactor cannot be restarted, so one process runs one crawl; the CLI is that process.

Stopping: SIGTERM or SIGINT (cron's timeout, ``systemctl stop``, Ctrl-C) makes Scrapy's
CrawlerProcess close the spider gracefully (finish reason ``shutdown``): the downloads under way
finish, the requests still waiting behind a host's delay are dropped (Scrapy would send each
first, a delay apart: a stop took a host's queue times its delay, tens of seconds under
AutoThrottle), every article already parsed is stored, and the report is still written
(:func:`newsfeed.jobs.run_crawl`), saying ``"interrupted": true`` with a ``warning`` check
per portal. A second signal forces the stop.
SIGKILL cannot be caught: the store is consistent anyway (WAL; each article whole or not at
all, the last quarter second's not yet committed) and the next run fetches what is missing (listing
validators and "pagination completed" marks are only saved by a run that finished).

Environment, for tests and debugging: ``NEWSFEED_DOWNLOAD_DELAY`` (seconds) fixes the delay
between requests (AutoThrottle off), also in local and replay crawls, e.g. to slow a replay down;
scrapyd jobs read it too (:mod:`newsfeed.crawl.settings`).

Any Scrapy setting can be given on the command line, as ``scrapy crawl -s NAME=VALUE`` takes
it (``newsfeed crawl -s CONCURRENT_REQUESTS_PER_DOMAIN=16 -s DOWNLOAD_DELAY=0``):
:func:`parse_setting_args` reads the pairs, :func:`crawl_settings` applies them last, over
everything above.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.settings.default_settings import (
    DOWNLOADER_MIDDLEWARES_BASE as SCRAPY_DOWNLOADER_MIDDLEWARES_BASE,
)

from newsfeed.config import Config
from newsfeed.crawl import settings as default_settings
from newsfeed.crawl.extensions import LOCKED
from newsfeed.crawl.guards import Stopping
from newsfeed.crawl.spiders.portal import PortalSpider
from newsfeed.portals import Portal, Registry
from newsfeed.store.db import Store
from newsfeed.store.locks import PortalLockedError

if TYPE_CHECKING:
    from newsfeed.crawl.progress import ProgressLine

logger = logging.getLogger(__name__)

_REPORTED_LOGGERS = (
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
)
RECORDER_MIDDLEWARE = "newsfeed.crawl.warc.WarcRecorderMiddleware"
REPLAY_HANDLER = "newsfeed.crawl.warc.WarcReplayDownloadHandler"


class SettingArgError(ValueError):
    """A ``-s`` argument that is not ``NAME=VALUE``."""


def parse_setting_args(values: Sequence[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` arguments as ``scrapy crawl -s`` reads them: split at the first ``=``,
    the value kept as text; Scrapy's :class:`~scrapy.settings.Settings` parse it when it is
    read (``getint``, ``getbool``: ``1``/``0``/``True``/``False``, ``getlist``: commas,
    ``getdict``: JSON). A later pair of the same name wins."""
    parsed: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        name = name.strip()
        if not sep or not name or any(c.isspace() for c in name):
            raise SettingArgError(f"invalid -s value {value!r}: use -s NAME=VALUE")
        parsed[name] = text
    return parsed


def crawl_settings(
    config: Config,
    *,
    replay: Path | None = None,
    record: Path | None = None,
    local: bool = False,
    extra: dict[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> Settings:
    """Scrapy settings for one run; ``local`` drops politeness delays for loopback/replay;
    ``overrides`` (the command line's ``-s``, :func:`parse_setting_args`) go on last."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("NEWSFEED_STORE", config.store_url, priority="cmdline")
    settings.set("NEWSFEED_VAR_DIR", str(config.var_dir), priority="cmdline")
    settings.set("LOG_LEVEL", config.log_level, priority="cmdline")
    if replay is not None or local:
        settings.setdict(default_settings.LOCAL_OVERRIDES, priority="cmdline")
    if replay is not None:
        settings.set("NEWSFEED_REPLAY", str(replay), priority="cmdline")
        settings.set(
            "DOWNLOAD_HANDLERS", {"http": REPLAY_HANDLER, "https": REPLAY_HANDLER}, "cmdline"
        )
    if record is not None:
        from newsfeed.crawl.warc import RECORDER_PRIORITY

        settings.set("NEWSFEED_RECORD", str(record), priority="cmdline")
        middlewares = {
            **settings.getdict("DOWNLOADER_MIDDLEWARES"),
            RECORDER_MIDDLEWARE: RECORDER_PRIORITY,
        }
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, "cmdline")
    delay = os.environ.get("NEWSFEED_DOWNLOAD_DELAY")
    if delay:
        # a fixed delay: AutoThrottle would start at its own (1 s) and drift from it
        settings.set("DOWNLOAD_DELAY", float(delay), priority="cmdline")
        settings.set("DOWNLOAD_DELAY_JITTER", 0.0, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    # Re-check policy (newsfeed.crawl.spiders.portal.RecheckPolicy); Config fields when it has them.
    for field, setting in (
        ("recheck_window_hours", "NEWSFEED_RECHECK_WINDOW_HOURS"),
        ("recheck_every_hours", "NEWSFEED_RECHECK_EVERY_HOURS"),
        ("recheck_budget", "NEWSFEED_RECHECK_BUDGET"),
    ):
        value = getattr(config, field, None)
        if value is not None:
            settings.set(setting, value, priority="cmdline")
    if extra:
        settings.setdict(extra, priority="cmdline")
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    if settings.getbool("COOKIES_ENABLED"):  # asked for: Scrapy's cookie middleware is back
        base = {
            **settings.getdict("DOWNLOADER_MIDDLEWARES_BASE"),
            default_settings.COOKIES_MIDDLEWARE: SCRAPY_DOWNLOADER_MIDDLEWARES_BASE[
                default_settings.COOKIES_MIDDLEWARE
            ],
        }
        settings.set("DOWNLOADER_MIDDLEWARES_BASE", base, priority="cmdline")
    return settings


def crawl(
    portals: Sequence[Portal],
    config: Config,
    *,
    registry: Registry | None = None,
    category: str | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    local: bool = False,
    extra_settings: dict[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
    progress: ProgressLine | None = None,
) -> dict[str, Any]:
    """Crawl ``portals`` into the store (blocking, in this process); return Scrapy's stats.

    ``progress``: a progress line to show the crawl on (:mod:`newsfeed.crawl.progress`; the
    CLI gives one on a terminal), shown from before the crawl starts to after it ends.

    The stats hold the per-portal counters (:mod:`newsfeed.crawl.stats`), Scrapy's
    ``finish_reason`` and ``newsfeed/run_id``: the id of the report that
    :class:`newsfeed.jobs.CrawlReportExtension` wrote at spider close.

    A portal another process is crawling raises
    :class:`~newsfeed.store.locks.PortalLockedError` before anything is fetched.
    """
    config.var_dir.mkdir(parents=True, exist_ok=True)
    Store(config.store_url).close()  # create (or upgrade) the schema before the crawl's writers
    settings = crawl_settings(
        config,
        replay=replay,
        record=record,
        local=local,
        extra=extra_settings,
        overrides=overrides,
    )
    # a lower priority than -s and the runner's own: a set CONCURRENT_REQUESTS stays as it is
    settings.set(
        "CONCURRENT_REQUESTS", global_concurrency(settings, len(portals)), priority="project"
    )
    if progress is not None:
        from newsfeed.crawl.progress import MIDDLEWARE, MIDDLEWARE_PRIORITY, PROGRESS_SETTING

        settings.set(PROGRESS_SETTING, progress, priority="cmdline")
        middlewares = {
            **settings.getdict("DOWNLOADER_MIDDLEWARES"),
            MIDDLEWARE: MIDDLEWARE_PRIORITY,
        }
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, "cmdline")
        # before the process: the log handler it installs then writes above the line
        progress.start()
    stats: dict[str, Any] = {}
    try:
        stats = _run(
            settings,
            portals,
            category=category,
            registry=registry,
            log_level=config.log_level,
            say=progress.say if progress is not None else None,
        )
    finally:
        if progress is not None:
            # a crawl that found its portal claimed did nothing: no line left to say so
            progress.stop(keep=stats.get("finish_reason") != LOCKED)
    if stats.get("finish_reason") == LOCKED:
        raise PortalLockedError(str(stats.get("newsfeed/locked", "")).split(","))
    return stats


def _run(
    settings: Settings,
    portals: Sequence[Portal],
    *,
    category: str | None,
    registry: Registry | None,
    log_level: str,
    say: Callable[[str], None] | None,
) -> dict[str, Any]:
    """One CrawlerProcess: create, crawl, wait for its end; Scrapy's stats."""
    process = _SignalledProcess(settings, say=say)
    if logging.getLevelName(log_level.upper()) in (logging.WARNING, logging.ERROR):
        # Failed downloads (with tracebacks) are counted in the report, portal by portal; at
        # the default level a cron job's stderr stays for what the report cannot say.
        for name in _REPORTED_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler, portals=list(portals), category=category, registry=registry)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    if process.signal_received is not None:
        stats[SIGNAL_STAT] = process.signal_received
    return stats


def global_concurrency(settings: Settings, portals: int) -> int:
    """Requests in flight in all for a crawl of ``portals``: room for each portal's host to have
    its ``CONCURRENT_REQUESTS_PER_DOMAIN`` twice over, never below ``CONCURRENT_REQUESTS``, at
    most ``NEWSFEED_CONCURRENT_REQUESTS_MAX`` (README "Configuration")."""
    wanted = 2 * settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2) * max(1, portals)
    floor = settings.getint("CONCURRENT_REQUESTS", 16)
    return max(floor, min(wanted, settings.getint("NEWSFEED_CONCURRENT_REQUESTS_MAX", 1024)))


SIGNAL_STAT = "shutdown_signal"
"""Scrapy stats key (no portal prefix): the number of the signal that stopped the crawl."""


INTERRUPTED = "newsfeed: interrupted; saving what was fetched (press again to stop at once)"
"""What the first SIGINT / SIGTERM of a crawl says, once, on stderr."""


class _SignalledProcess(CrawlerProcess):
    """A CrawlerProcess that remembers which signal stopped it (the CLI exits 128 + signal)
    and says so once on stderr, as a person who pressed Ctrl-C expects.

    ``say``: how to say it while a progress line is shown (above the line, never into it);
    called from the reactor loop, not from the signal handler."""

    signal_received: int | None = None

    def __init__(self, settings: Settings, *, say: Callable[[str], None] | None = None) -> None:
        super().__init__(settings)
        self._say = say

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        if self.signal_received is None:
            self.signal_received = signum
            for crawler in self.crawlers:  # the report is made at spider close, from stats
                if crawler.stats:
                    crawler.stats.set_value(SIGNAL_STAT, signum)
            if self._say is not None:
                from twisted.internet import reactor

                reactor.callFromThread(self._say, INTERRUPTED)
            else:
                # a plain write: logging is not safe in a signal handler (Scrapy's own note)
                os.write(2, INTERRUPTED.encode() + b"\n")
        super()._signal_shutdown(signum, frame)
        from twisted.internet import reactor

        reactor.callFromThread(self._start_dropping)

    def _start_dropping(self) -> None:
        """Fail the requests waiting in the downloader's per-host queues, now and every 0.1 s
        until the reactor stops: a request the engine handed the downloader just before it
        stopped scheduling joins a queue after the first pass."""
        from twisted.internet.task import LoopingCall

        LoopingCall(self._drop_waiting).start(0.1, now=True)

    def _drop_waiting(self) -> None:
        """Each request waiting in a download queue fails with
        :class:`~newsfeed.crawl.guards.Stopping`, which the spider's errback lets go
        uncounted."""
        for crawler in self.crawlers:
            if crawler.engine is None:
                continue
            for slot in list(crawler.engine.downloader.slots.values()):
                while slot.queue:
                    request, waiting = slot.queue.popleft()
                    waiting.errback(Stopping(f"not sent: the crawl is stopping ({request.url})"))
