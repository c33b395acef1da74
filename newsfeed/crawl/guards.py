"""Middlewares that keep a crawl bounded, on the portal's own hosts and polite.

Each guard counts what it refuses under ``newsfeed/<portal>/faults/<name>`` (the report's
``faults`` group, named by :class:`newsfeed.crawl.stats.Fault`) and refuses with an
:class:`~scrapy.exceptions.IgnoreRequest` subclass, so the spider's errback records the page
under that exception's name in ``http_errors`` and the next run asks again.

- :class:`SameSiteMiddleware` (before robots.txt, so another host is not even asked for its
  robots.txt): a request to a host that is not the portal's is not sent (``offsite_redirect``
  when a redirect led there, ``offsite_link`` when a listing linked there).
- :class:`RedirectGuardMiddleware` (before Scrapy's redirect middleware): an HTTP redirect to
  another host (``offsite_redirect``) or back to a URL already visited, or past
  ``REDIRECT_MAX_TIMES`` (``redirect_loop``), instead of a silent drop by the duplicate filter.
- :class:`SameSiteMetaRefreshMiddleware` (replaces Scrapy's): a ``<meta http-equiv=refresh>``
  to a non-http URL (``javascript:``) is ignored and the page kept (``meta_refresh_ignored``);
  to another host or in a loop it is not followed, the page is kept, and it is counted.
- :class:`BoundedCompressionMiddleware` (replaces Scrapy's): Scrapy inflates in 64 KiB steps
  and stops at ``DOWNLOAD_MAXSIZE``; a body over it is ``too_large`` (:class:`TooLarge`), as is
  a download the handler cancelled at ``DOWNLOAD_MAXSIZE``.
- :class:`EncodingMiddleware`: a page whose declared charset does not decode to Vietnamese is
  decoded with the one that does (``encoding_repaired``); an article page no charset decodes is
  not published (``encoding_broken``, :class:`EncodingBroken`).
- :class:`PoliteRetryMiddleware` (replaces Scrapy's retry): ``Retry-After`` on 429/503 is
  honoured up to ``NEWSFEED_RETRY_AFTER_MAX`` seconds (``retry_after_waited``), beyond that the
  page is given up for this run (``retry_after_gave_up``), and a host's waits add up to that
  budget at most; a timeout is retried ``NEWSFEED_TIMEOUT_RETRY_TIMES`` times (fewer than a
  5xx), and a host that timed out ``NEWSFEED_HOST_TIMEOUTS_MAX`` times in a row is given up for
  the run (``host_stalled``, then ``host_given_up`` per request not sent).
- :class:`ReleasePageMiddleware` (a spider middleware, outermost): once a callback's output is
  all taken, the page's parsed tree and decoded text are let go at once rather than at the next
  full garbage collection.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.response import get_meta_refresh
from twisted.internet.error import TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from w3lib.url import safe_url_string

from newsfeed.crawl.stats import Counter, Fault, stat
from newsfeed.extraction.encoding import choose_encoding
from newsfeed.extraction.response import as_page
from newsfeed.extraction.urls import host_of

logger = logging.getLogger(__name__)

__all__ = [
    "BoundedCompressionMiddleware",
    "EncodingBroken",
    "EncodingMiddleware",
    "HostGivenUp",
    "OffsiteLink",
    "OffsiteRedirect",
    "PoliteRetryMiddleware",
    "RedirectGuardMiddleware",
    "RedirectLoop",
    "Refused",
    "ReleasePageMiddleware",
    "SameSiteMetaRefreshMiddleware",
    "SameSiteMiddleware",
    "Stopping",
    "TooLarge",
    "count_fault",
    "retry_after_seconds",
]


class Refused(IgnoreRequest):
    """A request or response a guard refused; ``fault`` names its counter."""

    fault: ClassVar[str] = "refused"


class Stopping(IgnoreRequest):
    """A request still waiting in a host's download queue (behind its delay) when the crawl
    was told to stop: not sent, and not a fault of the page; the next run asks for it again
    (:mod:`newsfeed.crawl.runner` drops these at SIGTERM / SIGINT)."""


class TooLarge(Refused):
    fault = "too_large"


class OffsiteRedirect(Refused):
    fault = "offsite_redirect"


class OffsiteLink(Refused):
    fault = "offsite_link"


class RedirectLoop(Refused):
    fault = "redirect_loop"


class HostGivenUp(Refused):
    fault = "host_given_up"


class EncodingBroken(Refused):
    fault = "encoding_broken"


def count_fault(crawler: Crawler, request: Request, name: str) -> None:
    """Bump ``newsfeed/<portal>/faults/<name>`` for the portal ``request`` belongs to."""
    portal = request.meta.get("portal")
    if portal and crawler.stats is not None:
        crawler.stats.inc_value(stat(portal, Counter.FAULTS, Fault(name)))


def _refuse(crawler: Crawler, request: Request, error: type[Refused], why: str) -> Refused:
    count_fault(crawler, request, error.fault)
    logger.info("%s: %s (%s)", error.fault, request.url, why)
    return error(f"{why}: {request.url}")


class _Guard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def portal_hosts(self, request: Request) -> frozenset[str] | None:
        """The hosts the request's portal may be fetched from, or None (not a portal's)."""
        key = request.meta.get("portal")
        spider = self.crawler.spider
        portals = getattr(spider, "portals", None)
        if not key or not isinstance(portals, dict) or key not in portals:
            return None
        return _hosts(portals[key])


def _hosts(portal: Any) -> frozenset[str]:
    """Base URL host, aliases, and the hosts of the profile's category URLs (no ``www.``)."""
    named: Iterable[str] = (c.url for c in portal.categories if getattr(c, "url", None))
    return frozenset({*portal.hosts, *(host_of(url) for url in named)})


def _offsite(url: str, hosts: frozenset[str]) -> bool:
    return host_of(url) not in hosts


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


class SameSiteMiddleware(_Guard):
    """Never send a request of a portal to a host that is not the portal's."""

    def process_request(self, request: Request) -> None:
        hosts = self.portal_hosts(request)
        if hosts is None or not _offsite(request.url, hosts):
            return
        if request.meta.get("redirect_urls"):
            raise _refuse(self.crawler, request, OffsiteRedirect, "redirected off the portal")
        raise _refuse(self.crawler, request, OffsiteLink, "linked off the portal")


class RedirectGuardMiddleware(_Guard):
    """Count HTTP redirects off the portal and redirect loops, instead of losing the page."""

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in {301, 302, 303, 307, 308} or not location:
            return response
        if request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all"):
            return response
        try:
            target = urljoin(request.url, safe_url_string(location))
            scheme = urlsplit(target).scheme
        except ValueError:  # "http://[x": no host the portal has, nor any URL parser reads
            why = f"redirect to {location.decode('latin-1')!r}, not a URL"
            raise _refuse(self.crawler, request, OffsiteRedirect, why) from None
        if scheme not in {"http", "https"}:
            return response
        _check_redirect(self, request, target)
        return response


def _check_redirect(guard: _Guard, request: Request, target: str) -> None:
    seen = {_without_fragment(u) for u in (*request.meta.get("redirect_urls", ()), request.url)}
    limit = guard.crawler.settings.getint("REDIRECT_MAX_TIMES")
    if _without_fragment(target) in seen:
        raise _refuse(guard.crawler, request, RedirectLoop, f"redirect loop via {target}")
    if request.meta.get("redirect_times", 0) >= limit:
        raise _refuse(guard.crawler, request, RedirectLoop, f"more than {limit} redirects")
    hosts = guard.portal_hosts(request)
    if hosts is not None and _offsite(target, hosts):
        raise _refuse(guard.crawler, request, OffsiteRedirect, f"redirect to {target}")


class SameSiteMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh, but never off the portal, in a loop, or to ``javascript:``.

    A page whose refresh is not followed is kept: it is the portal's own page, and if it is a
    mere stub the article pipeline drops it with a reason.
    """

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if not isinstance(response, HtmlResponse) or request.meta.get("dont_redirect"):
            return response
        interval, url = get_meta_refresh(response, ignore_tags=self._ignore_tags)
        if not url or float(interval or 0) >= self._maxdelay:
            return response
        if urlsplit(url).scheme not in {"http", "https"}:
            count_fault(self.crawler, request, "meta_refresh_ignored")
            logger.info("meta refresh to %.60s ignored on %s", url, response.url)
            return response
        try:
            _check_redirect(_Guard(self.crawler), request, url)
        except Refused:
            return response  # counted; the page itself is the portal's
        return super().process_response(request, response)


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by ``DOWNLOAD_MAXSIZE``), its refusals named."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc, Refused):
                raise
            raise _refuse(
                self.crawler, request, TooLarge, "inflates past DOWNLOAD_MAXSIZE"
            ) from exc

    def process_exception(self, request: Request, exception: Exception) -> None:
        # the download handler cancels a body at DOWNLOAD_MAXSIZE (announced or received)
        if isinstance(exception, DownloadCancelledError):
            raise _refuse(self.crawler, request, TooLarge, "larger than DOWNLOAD_MAXSIZE")

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoundedCompressionMiddleware:
        return cls(crawler)


class EncodingMiddleware(_Guard):
    """Decode each page with the charset it is really in (:func:`choose_encoding`); an HTML
    page goes on as a :class:`PageResponse` (its tree parsed from its bytes when UTF-8)."""

    def process_response(self, request: Request, response: Response) -> Response:
        if isinstance(response, HtmlResponse):
            response = as_page(response)
        if not isinstance(response, TextResponse) or response.status != 200 or not response.body:
            return response
        choice = choose_encoding(response.body, response.encoding)
        if choice.status == "ok":
            return response
        if choice.status == "repaired":
            count_fault(self.crawler, request, "encoding_repaired")
            logger.info("%s: %s", response.url, choice.detail)
            # handed on re-encoded as UTF-8: what reads the page next (lxml from its bytes,
            # Scrapy through w3lib) need not know the charset it was in (w3lib 2.6 no longer
            # resolves Python codecs such as tcvn3, registered by newsfeed)
            text = response.body.decode(choice.encoding, errors="replace")
            return response.replace(body=text.encode("utf-8"), encoding="utf-8")
        if request.meta.get("kind") == "article":
            raise _refuse(self.crawler, request, EncodingBroken, choice.detail)
        count_fault(self.crawler, request, "encoding_broken")
        return response


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


_TIMEOUTS = (DownloadTimeoutError, TwistedTimeoutError, TCPTimedOutError)


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, with ``Retry-After``, fewer retries of timeouts, and stalled hosts."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.retry_after_max = settings.getfloat("NEWSFEED_RETRY_AFTER_MAX", 600)
        self.timeout_retries = min(
            settings.getint("NEWSFEED_TIMEOUT_RETRY_TIMES", 1), self.max_retry_times
        )
        self.host_timeouts_max = settings.getint("NEWSFEED_HOST_TIMEOUTS_MAX", 5)
        self._hold_until: dict[str, float] = defaultdict(float)
        self._held: dict[str, float] = defaultdict(float)
        self._timeouts: dict[str, int] = defaultdict(int)
        self._stalled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = host_of(request.url)
        if host in self._stalled:
            raise _refuse(self.crawler, request, HostGivenUp, "the host stalled earlier this run")
        await self._wait_until(self._hold_until.get(host, 0.0))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        host = host_of(request.url)
        self._timeouts[host] = 0
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = None
        if response.status in {429, 503}:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is not None and request.meta.get("retry_times", 0) < self.max_retry_times:
            now = time.monotonic()
            until = now + wait
            extra = max(0.0, until - max(now, self._hold_until[host]))
            if wait > self.retry_after_max or self._held[host] + extra > self.retry_after_max:
                count_fault(self.crawler, request, "retry_after_gave_up")
                logger.info("%s: Retry-After %.0f s is too long; given up", request.url, wait)
                return response
            count_fault(self.crawler, request, "retry_after_waited")
            self._held[host] += extra
            self._hold_until[host] = max(self._hold_until[host], until)
            await self._wait_until(until)
            if not self._running():
                return response
        reason = f"{response.status}"
        return self._retry(request, reason) or response

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if not isinstance(exception, _TIMEOUTS):
            return super().process_exception(request, exception)
        host = host_of(request.url)
        self._timeouts[host] += 1
        if self._timeouts[host] >= self.host_timeouts_max and host not in self._stalled:
            self._stalled.add(host)
            count_fault(self.crawler, request, "host_stalled")
            logger.warning(
                "%s timed out %d times in a row; not asked again this run",
                host,
                self._timeouts[host],
            )
            self._drop_queued(host)
        if host in self._stalled or request.meta.get("dont_retry"):
            return None
        assert self.crawler.spider is not None
        return get_retry_request(
            request,
            reason=exception,
            spider=self.crawler.spider,
            max_retry_times=self.timeout_retries,
            priority_adjust=self.priority_adjust,
        )

    def _drop_queued(self, host: str) -> None:
        """Fail the host's requests already waiting in the downloader's queue.

        A request passes :meth:`process_request` when the engine hands it to the downloader,
        which then queues it per host (its download slot) until the slot is free: with one
        request at a time per host and a high global bound, every listed article of a
        stalled host may be waiting there, each about to cost a whole timeout.
        """
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        for slot in list(getattr(downloader, "slots", {}).values()):
            queue = getattr(slot, "queue", None)
            if not queue:
                continue
            kept: list[Any] = []
            dropped: list[Any] = []
            for entry in queue:
                (dropped if host_of(entry[0].url) == host else kept).append(entry)
            if not dropped:
                continue
            queue.clear()
            queue.extend(kept)
            for request, deferred in dropped:
                deferred.errback(
                    _refuse(self.crawler, request, HostGivenUp, "the host stalled this run")
                )

    def _running(self) -> bool:
        engine = self.crawler.engine
        return engine is not None and bool(engine.running)

    async def _wait_until(self, deadline: float) -> None:
        """Sleep until ``deadline`` (monotonic), in steps, so a stopping crawl is not held."""
        while self._running():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await _sleep(min(left, 1.0))


async def _sleep(seconds: float) -> None:
    # imported here: importing the reactor at module import would install the default one
    # before Scrapy installs the asyncio reactor
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class ReleasePageMiddleware:
    """Let a page's tree and text go as soon as its callback's output has all been taken.

    A response and its selector refer to each other (scrapy/scrapy#2977), and Scrapy's own
    frames and failures often hold the response too, so the page lives on until a full garbage
    collection, which a crawl reaches seldom: each parsed page stays (the tree is about twenty
    times the page: 70 MB for a 3.6 MB page of 100,000 links), and the crawl's memory depends on
    which pages the collector happened to find. Dropping the cached selector and text frees them
    by reference counting when the callback is done, whatever still holds the response. (The
    selector of a UTF-8 :class:`PageResponse` holds no response, so there the cycle is gone; a
    page in another encoding still has Scrapy's.)
    """

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from result
        finally:
            release_page(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        try:
            async for item in result:
                yield item
        finally:
            release_page(response)


def release_page(response: Response) -> None:
    """Drop what a text response caches of its page: the parsed tree and the decoded text.

    Both are rebuilt if the response is read again; the body itself stays.
    """
    if isinstance(response, TextResponse):
        # TextResponse's caches (its __slots__): the selector (with the lxml tree) and the text
        response._cached_selector = None
        response._cached_ubody = None
