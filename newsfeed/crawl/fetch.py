"""A small polite fetcher for ``newsfeed probe`` and ``newsfeed discover``, with WARC record
and replay.

Why not Scrapy: a probe asks for a handful of pages one after the other (the home page, then one
listing and one article per category), each depending on the one before, and ``discover`` probes
several sites in one process; Scrapy's reactor can be started only once per process, and its
scheduler buys nothing for a dozen sequential requests. What the crawl promises a portal still
holds here: the project's User-Agent, the crawl's download timeout, ``robots.txt`` obeyed, and
the crawl's delay between two requests to one host. What was fetched can be kept as a WARC
(``record``) and answered again from one (``replay``) through :mod:`newsfeed.crawl.warc`, so
a probe can be rerun offline exactly.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from newsfeed import USER_AGENT
from newsfeed.crawl.warc import ReplayIndex, WarcEntry, write_warc

MAX_REDIRECTS = 5
MAX_BODY = 10 * 1024 * 1024
"""Bytes read of one page at most: a home page is not larger than this."""


class FetchError(RuntimeError):
    """A page that could not be had (network, WARC miss); the message is one line."""


class ReplayFileError(ValueError):
    """A ``--replay`` file that is not a readable WARC."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    url: str
    """The URL that answered, after redirects."""
    status: int
    body: bytes
    content_type: str | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by :class:`Fetcher` itself, so that each hop is recorded: a 3xx
    reaches it as the HTTPError urllib raises for a status no handler took. urllib's own
    handler would parse the Location first, and one it cannot read ("http://[x") raised
    from inside it with the response left open."""

    def http_error_302(self, *args: Any, **kwargs: Any) -> None:
        return None

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


@dataclass(slots=True)
class Fetcher:
    """Fetch pages live (polite) or from a WARC; keep what was fetched for :meth:`save`."""

    replay: Path | None = None
    record: Path | None = None
    delay: float | None = None
    """Seconds between two requests to one host; None: the crawl's ``DOWNLOAD_DELAY``."""
    timeout: float | None = None
    """None: the crawl's ``DOWNLOAD_TIMEOUT``."""
    obey_robots: bool = True
    sleep: Callable[[float], None] = time.sleep
    _index: ReplayIndex | None = None
    _entries: list[WarcEntry] = field(default_factory=list)
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)
    _opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(_NoRedirect)
    )

    def __post_init__(self) -> None:
        # read here, not at import: the settings module reads newsfeed.toml when imported
        from newsfeed.crawl import settings

        if self.delay is None:
            self.delay = float(settings.DOWNLOAD_DELAY)
        if self.timeout is None:
            self.timeout = float(settings.DOWNLOAD_TIMEOUT)
        if self.replay is not None:
            if not self.replay.is_file():
                raise ReplayFileError(f"no such WARC file: {self.replay}")
            try:
                self._index = ReplayIndex(self.replay)
            except Exception as exc:  # warcio raises its own errors, and zlib/OSError ones
                raise ReplayFileError(f"{self.replay} is not a WARC file ({exc})") from None

    def get(self, url: str) -> Page:
        """The page at ``url`` after redirects (any status); FetchError when none answered."""
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = self._one(url)
            location = headers.get("location")
            if status in (301, 302, 303, 307, 308) and location:
                try:
                    url = urljoin(url, location)
                except ValueError:  # "http://[x": no URL parser reads it
                    raise FetchError(f"{url}: redirected to {location!r}, not a URL") from None
                continue
            return Page(url=url, status=status, body=body, content_type=headers.get("content-type"))
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets the project's User-Agent fetch ``url``."""
        if not self.obey_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = None
            try:
                status, _, body = self._one(origin + "/robots.txt")
            except FetchError:
                status, body = 0, b""
            if status == 200:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(body.decode("utf-8", "replace").splitlines())
            self._robots[origin] = parser
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(USER_AGENT, url)

    def save(self) -> int:
        """Write what was fetched into the ``record`` WARC; how many responses."""
        if self.record is None:
            return 0
        return write_warc(self.record, self._entries)

    def _one(self, url: str) -> tuple[int, dict[str, str], bytes]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"not an http(s) URL: {url}")
        if self._index is not None:
            recorded = self._index.lookup(url)
            if recorded is None:
                raise FetchError(f"{url} is not in {self.replay}")
            headers = {k.lower(): v for k, v in recorded.headers}
            return recorded.status, headers, recorded.body
        self._wait(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                pairs = list(response.headers.items())
                body = response.read(MAX_BODY)
        except urllib.error.HTTPError as exc:  # 3xx (not followed here), 4xx, 5xx
            status, pairs, body = exc.code, list(exc.headers.items()), exc.read(MAX_BODY)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"cannot fetch {url}: {reason}") from None
        finally:
            self._last[urlsplit(url).netloc] = time.monotonic()
        # the body is stored decoded: drop the encodings that no longer describe it
        kept = [
            (k, v)
            for k, v in pairs
            if k.lower() not in {"content-encoding", "transfer-encoding", "content-length"}
        ]
        self._entries.append((url, status, kept, body))
        return status, {k.lower(): v for k, v in pairs}, body

    def _wait(self, url: str) -> None:
        last = self._last.get(urlsplit(url).netloc)
        if last is not None:
            pause = (self.delay or 0.0) - (time.monotonic() - last)
            if pause > 0:
                self.sleep(pause)


__all__ = ["FetchError", "Fetcher", "Page", "ReplayFileError"]
