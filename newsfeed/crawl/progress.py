"""The live progress line of a crawl on a terminal: portals done, pages, articles, errors.

``newsfeed run`` / ``crawl`` show it when stderr is a terminal (README "Usage"); under cron, in
a pipe or in a test nothing here is even enabled, so what cron mails stays as it was.

Every figure is read from the crawl itself, in the Twisted reactor thread, a few times a
second (:class:`ProgressMiddleware`, a :class:`~twisted.internet.task.LoopingCall`):

- pages, articles and errors are the counters the crawl report is made of
  (:mod:`newsfeed.crawl.stats`), summed over the portals: :func:`progress_of`;
- a portal is *done* when the spider has handed every start request of it to the engine and
  none of its requests is waiting in the scheduler, being downloaded or being parsed
  (:meth:`ProgressMiddleware.outstanding`). Redirects, retries and the article requests a
  listing yields are scheduled before the response that made them leaves the engine, so a
  portal is never counted done while it still has work.

The display itself (:class:`ProgressLine`; this is the one module that imports rich, and
nothing imports it unless a progress line is wanted) is redrawn from the reactor thread too:
no thread of its own.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter as Tally
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request

from newsfeed.crawl.guards import Stopping
from newsfeed.crawl.stats import PREFIX, Counter

PROGRESS_SETTING = "NEWSFEED_PROGRESS"
"""Scrapy setting: the :class:`ProgressSink` to show the crawl's progress on (none: off)."""
INTERVAL_SETTING = "NEWSFEED_PROGRESS_INTERVAL"
"""Scrapy setting: seconds between two updates (default 0.25: four a second at most)."""
MIDDLEWARE = "newsfeed.crawl.progress.ProgressMiddleware"
MIDDLEWARE_PRIORITY = 1
"""First of the downloader middlewares: it sees every request the scheduler hands out, also
those a later middleware refuses before anything is sent (robots.txt, the guards)."""

PAGES = (
    Counter.LISTING_PAGES_FETCHED,
    Counter.LISTING_PAGES_NOT_MODIFIED,
    Counter.ARTICLE_PAGES_FETCHED,
)
"""Pages fetched: the report's listing pages (200 and 304) and article pages."""
STORED = (Counter.ARTICLES_NEW, Counter.ARTICLES_UPDATED)
"""Articles stored: new ones and changed ones (the report's ``new`` and ``upd`` columns)."""
ERRORS = Counter.HTTP_ERRORS
"""Errors: failed requests, the report's ``errors`` column (``http_errors`` summed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlProgress:
    """Where a crawl is, as the progress line shows it."""

    portals_done: int
    portals_total: int
    pages: int
    articles: int
    errors: int
    done: frozenset[str] = frozenset()
    """The keys of the portals done."""
    finish_reason: str | None = None
    """Scrapy's, on the last update (``finished``; ``shutdown`` when interrupted); None
    while the crawl runs."""


def progress_of(
    stats: Mapping[str, Any],
    portals: Iterable[str],
    *,
    done: Iterable[str] = (),
    finish_reason: str | None = None,
) -> CrawlProgress:
    """The figures of the crawl of ``portals`` from Scrapy's ``stats`` (one pass over them)."""
    wanted = set(portals)
    pages = articles = errors = 0
    page_names = {c.value for c in PAGES}
    stored_names = {c.value for c in STORED}
    error_prefix = f"{ERRORS.value}/"
    for key, value in stats.items():
        if not key.startswith(PREFIX):
            continue
        portal, _, name = key[len(PREFIX) :].partition("/")
        if portal not in wanted or not isinstance(value, int):
            continue
        if name in page_names:
            pages += value
        elif name in stored_names:
            articles += value
        elif name.startswith(error_prefix):
            errors += value
    finished = frozenset(done) & wanted
    return CrawlProgress(
        portals_done=len(finished),
        portals_total=len(wanted),
        pages=pages,
        articles=articles,
        errors=errors,
        done=finished,
        finish_reason=finish_reason,
    )


class ProgressSink(Protocol):
    """What :class:`ProgressMiddleware` shows the progress on (:class:`ProgressLine`)."""

    def show(self, progress: CrawlProgress) -> None: ...


class ProgressMiddleware:
    """Counts each portal's outstanding requests and shows the crawl's progress on the
    :class:`ProgressSink` of the setting ``NEWSFEED_PROGRESS`` (enabled by
    :func:`newsfeed.crawl.runner.crawl` only when it is given one).

    A request is outstanding from ``request_scheduled`` until the engine has finished with it:
    in the scheduler (scheduled, not yet handed out: counted here, in
    :meth:`process_request`, the first downloader middleware), then in the engine's set of
    requests in progress (downloaded, then parsed by its callback or errback).
    """

    def __init__(self, crawler: Crawler, sink: ProgressSink, interval: float) -> None:
        self.crawler = crawler
        self.sink = sink
        self.interval = interval
        self.scheduled: Tally[str] = Tally()
        self.handed_out: Tally[str] = Tally()
        self.cut_short: set[str] = set()
        """Portals with a request dropped unsent because the crawl was stopping
        (:class:`~newsfeed.crawl.guards.Stopping`): never done, though nothing is left."""
        self._loop: Any = None
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressMiddleware:
        sink = crawler.settings.get(PROGRESS_SETTING)
        if sink is None:
            raise NotConfigured("no progress display")
        return cls(crawler, sink, crawler.settings.getfloat(INTERVAL_SETTING, 0.25))

    # -- the requests' way through the engine --------------------------------------------------

    def request_scheduled(self, request: Request, spider: Any = None) -> None:
        if portal := request.meta.get("portal"):
            self.scheduled[portal] += 1

    def request_dropped(self, request: Request, spider: Any = None) -> None:
        # refused by the scheduler (a duplicate): it never was outstanding
        if portal := request.meta.get("portal"):
            self.scheduled[portal] -= 1

    def process_request(self, request: Request) -> None:
        if portal := request.meta.get("portal"):
            self.handed_out[portal] += 1

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, Stopping) and (portal := request.meta.get("portal")):
            self.cut_short.add(portal)

    def outstanding(self) -> Tally[str]:
        """Requests not finished with, per portal (only portals that have some)."""
        waiting = self.scheduled - self.handed_out  # in the scheduler
        for request in self._in_progress():
            if portal := request.meta.get("portal"):
                waiting[portal] += 1
        return waiting

    def _in_progress(self) -> Iterable[Request]:
        # the engine's own set (scrapy.core.engine._Slot.inprogress): a request enters it when
        # the scheduler hands it out and leaves it once its callback's output is scheduled
        slot = getattr(self.crawler.engine, "_slot", None)
        return tuple(getattr(slot, "inprogress", ()))

    def portals_done(self) -> set[str]:
        spider = self.crawler.spider
        started: set[str] = getattr(spider, "start_handed_out", set())
        busy = self.outstanding()
        return {
            key
            for key in self._portals()
            if key in started and busy[key] <= 0 and key not in self.cut_short
        }

    def _portals(self) -> list[str]:
        return list(getattr(self.crawler.spider, "portals", {}))

    # -- the display -------------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet.task import LoopingCall

        self._loop = LoopingCall(self.update)
        self._loop.start(self.interval, now=True)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.update(finish_reason=reason)

    def update(self, *, finish_reason: str | None = None) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        progress = progress_of(
            stats, self._portals(), done=self.portals_done(), finish_reason=finish_reason
        )
        try:
            self.sink.show(progress)
        except OSError as exc:  # a terminal gone (ssh dropped): the crawl goes on without it
            logging.getLogger(__name__).info("progress display stopped: %s", exc)
            if self._loop is not None and self._loop.running:
                self._loop.stop()


class ProgressLine:
    """The progress line on a terminal (rich): spinner, description, bar, portals done of all,
    pages, articles stored, errors, time elapsed; redrawn in place by :meth:`show`, never by
    a thread of its own.

    While it is shown, what is written to ``sys.stderr`` (Scrapy's log handler, warnings) and
    :meth:`say` go above it, whole lines, so the line is never broken into. :meth:`stop` leaves
    the last state on the screen (``keep=False``: removes it).
    """

    def __init__(self, total: int, *, file: TextIO | None = None) -> None:
        self.file = file if file is not None else sys.stderr
        self.console = Console(file=self.file, highlight=False)
        self._progress = Progress(
            _StateColumn(finished_text="✓"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn(
                "portals · {task.fields[pages]} pages · {task.fields[articles]} articles"
                " · {task.fields[errors]} errors"
            ),
            TimeElapsedColumn(),
            console=self.console,
            auto_refresh=False,  # redrawn by show(), in the reactor thread
            redirect_stdout=False,  # stdout may be a file: it stays one
            redirect_stderr=True,
            transient=False,
        )
        self._task = self._progress.add_task(
            "crawling", total=total, pages=0, articles=0, errors=0, stopped=False
        )
        self._started = False

    def __deepcopy__(self, memo: dict[int, Any]) -> ProgressLine:
        # it travels in the Scrapy settings (NEWSFEED_PROGRESS), which Scrapy copies: a copy
        # would be a second line on the same terminal
        return self

    def start(self) -> None:
        """Show the line; from now on ``sys.stderr`` writes go above it."""
        self._progress.start()
        self._started = True

    def show(self, progress: CrawlProgress) -> None:
        if progress.finish_reason is None:
            description = "crawling"
        elif progress.finish_reason == "finished":
            description = "crawled"
        else:  # interrupted (shutdown), out of memory, the store failed...
            description = f"stopped ({progress.finish_reason})"
        self._progress.update(
            self._task,
            description=description,
            completed=progress.portals_done,
            total=progress.portals_total,
            pages=progress.pages,
            articles=progress.articles,
            errors=progress.errors,
            stopped=progress.finish_reason not in (None, "finished"),
        )
        if self._started:
            self._progress.refresh()

    def say(self, line: str) -> None:
        """One line above the progress line (once it has stopped: a plain stderr line)."""
        if self._started:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            self.file.write(line + "\n")
            self.file.flush()

    def stop(self, *, keep: bool = True) -> None:
        """Leave the last state on the screen (or remove it) and give stderr back."""
        if not self._started:
            return
        self._started = False
        self._progress.live.transient = not keep
        self._progress.stop()
        # Scrapy's log handler was made while stderr went through the line: write to the
        # terminal itself again
        for handler in logging.root.handlers:
            stream = getattr(handler, "stream", None)
            real = getattr(stream, "rich_proxied_file", None)
            if isinstance(handler, logging.StreamHandler) and real is not None:
                handler.setStream(real)


class _StateColumn(SpinnerColumn):
    """A spinner while the crawl runs, ✓ once every portal is done, ✗ when the crawl stopped
    before (an interrupted crawl's last line does not spin)."""

    def render(self, task: Task) -> RenderableType:
        if task.fields.get("stopped"):
            return Text("✗", style="red")
        return super().render(task)
