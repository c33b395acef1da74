"""WARC (ISO 28500) record and replay for newsfeed crawls.

Replay: ``WarcReplayDownloadHandler`` answers every http/https request of a crawl from a WARC
file, so extraction can be re-run and tested offline, byte for byte, against what a portal
served. Record: ``WarcRecorderMiddleware`` writes what a live crawl received. ``write_warc`` and
``warc_from_mirror`` build WARCs from code and from HTTrack-style mirrors.

This is the only module of the project that imports warcio: everything else goes through
``ReplayIndex``, ``write_warc`` and the Scrapy components below.

Settings::

    # replay (nothing goes to the network)
    DOWNLOAD_HANDLERS = {"http": "newsfeed.crawl.warc.WarcReplayDownloadHandler",
                         "https": "newsfeed.crawl.warc.WarcReplayDownloadHandler"}
    NEWSFEED_REPLAY = "/path/file.warc.gz"

    # record
    DOWNLOADER_MIDDLEWARES = {"newsfeed.crawl.warc.WarcRecorderMiddleware": RECORDER_PRIORITY}
    NEWSFEED_RECORD = "/path/out.warc.gz"

``replay_settings()`` and ``record_settings()`` return those dicts.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import run_in_thread
from w3lib.url import canonicalize_url, safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsfeed import __version__
from newsfeed.files import atomic_output, durable_replace

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = [
    "RECORDER_PRIORITY",
    "REPLAY_HEADER",
    "RecordedResponse",
    "ReplayIndex",
    "WarcRecorderMiddleware",
    "WarcReplayDownloadHandler",
    "record_settings",
    "replay_settings",
    "warc_from_mirror",
    "write_warc",
]

logger = logging.getLogger(__name__)

REPLAY_SETTING: Final = "NEWSFEED_REPLAY"
RECORD_SETTING: Final = "NEWSFEED_RECORD"

#: Response header set on every replayed response: ``exact``, ``canonical`` or ``fuzzy`` for
#: the matching rule that found the record, ``miss`` for the 404 given when none did.
REPLAY_HEADER: Final = "X-Newsfeed-Replay"

#: Downloader middleware priority for ``WarcRecorderMiddleware``.
#:
#: process_response() runs from the highest number to the lowest, so the recorder must have a
#: number below HttpCompressionMiddleware (590) to see the decoded body. It must also stay above
#: MetaRefreshMiddleware (580): that middleware turns a meta-refresh page into a new Request, and
#: a recorder below it (or tied with it at 580, where the order is left to dict insertion) would
#: never see that page, so its replay would miss. Hence 585, between the two.
#: RedirectMiddleware (600) consumes 3xx responses before any number below 600 sees them, so
#: the recorder rebuilds those hops from request.meta["redirect_urls"] (see _redirect_hops).
RECORDER_PRIORITY: Final = 585

REPLAY_HANDLER_PATH: Final = "newsfeed.crawl.warc.WarcReplayDownloadHandler"
RECORDER_PATH: Final = "newsfeed.crawl.warc.WarcRecorderMiddleware"

_HTTP_PROTOCOL: Final = "HTTP/1.1"
# Credentials must not end up in a WARC: recordings are shared and committed as test fixtures.
_SECRET_REQUEST_HEADERS: Final = frozenset({"authorization", "proxy-authorization"})
_DEFAULT_PORTS: Final = frozenset({80, 443})

# A small fixed table so the Content-Type of converted mirrors does not depend on the host's
# /etc/mime.types; mimetypes is only the fallback for extensions not listed here.
_MIRROR_TYPES: Final[dict[str, str]] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xhtml": "application/xhtml+xml",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

#: One record for ``write_warc``: (url, status, headers, body).
WarcEntry = tuple[str, int, Sequence[tuple[str, str]], bytes]


# --------------------------------------------------------------------------------------------
# URL matching


def _url_keys(url: str) -> tuple[str, str] | None:
    """Return (canonical key, fuzzy key) for an http(s) URL, or None if it is not one.

    The canonical key is canonicalize_url() (sorted query, normalised percent-encoding, no
    fragment) without the scheme, default port or trailing slash: a portal that moved to https
    or links "/tin-tuc/" and "/tin-tuc" interchangeably still serves the same page. The fuzzy
    key further drops the query.
    """
    try:
        parts = urlsplit(canonicalize_url(url))
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    # Scheme-insensitive, so both 80 and 443 count as "no port".
    host = parts.hostname if port is None or port in _DEFAULT_PORTS else f"{parts.hostname}:{port}"
    fuzzy = host + parts.path.rstrip("/")
    return (f"{fuzzy}?{parts.query}" if parts.query else fuzzy), fuzzy


def _scheme(url: str) -> str:
    return url.partition(":")[0].lower()


# --------------------------------------------------------------------------------------------
# Replay


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """A response read back from a WARC.

    ``url`` is the recorded WARC-Target-URI, which differs from the looked-up URL when a
    canonical or fuzzy rule matched; ``match`` names that rule. ``body`` is the payload with
    transfer and content encodings removed (and ``headers`` adjusted to say so).
    """

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    match: str = "exact"
    protocol: str = _HTTP_PROTOCOL


@dataclass(frozen=True, slots=True)
class _Entry:
    offset: int  # the response or revisit record
    payload_offset: int | None = None  # for a revisit: the response record holding the body


@dataclass(frozen=True, slots=True)
class _Loaded:
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes


class ReplayIndex:
    """URL index of the http(s) ``response`` (and resolvable ``revisit``) records of a WARC.

    The index keeps only URL -> record offset in memory (a few hundred bytes per URL), and each
    lookup seeks to its record and decodes just that one, so a WARC of thousands of pages costs
    one sequential scan at start-up and little memory. Each lookup opens its own file handle,
    so lookups are safe from several threads at once.

    The file must be uncompressed or gzipped per record (what warcio, wget and Heritrix write);
    a WARC gzipped as one stream cannot be seeked into and fails to open with warcio's
    ArchiveLoadFailed, whose message says to run ``warcio recompress``.

    When a URL was recorded more than once the last record wins: a recorder writes a retried
    503 first and the successful retry after it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._entries: dict[str, _Entry] = {}
        # canonical key -> recorded URLs, and fuzzy key -> canonical keys
        self._canonical: dict[str, list[str]] = {}
        self._fuzzy: dict[str, set[str]] = {}
        self._build()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self.resolve(url) is not None

    @property
    def urls(self) -> list[str]:
        """The recorded URLs that can be replayed, in file order of their first record."""
        return list(self._entries)

    def _build(self) -> None:
        # (uri, offset, is_revisit, payload digest, refers-to uri), in file order
        seen: list[tuple[str, int, bool, str | None, str | None]] = []
        by_digest: dict[str, int] = {}
        by_uri: dict[str, int] = {}
        with self.path.open("rb") as fh:
            records = ArchiveIterator(fh, no_record_parse=True)
            for record in records:
                if record.rec_type not in {"response", "revisit"}:
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if _scheme(uri) not in {"http", "https"}:
                    continue
                offset = records.get_record_offset()
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                if record.rec_type == "response":
                    seen.append((uri, offset, False, digest, None))
                    by_uri[uri] = offset
                    if digest:
                        by_digest.setdefault(digest, offset)
                else:
                    refers = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
                    seen.append((uri, offset, True, digest, refers))

        for uri, offset, is_revisit, digest, refers in seen:
            if not is_revisit:
                self._entries[uri] = _Entry(offset)
                continue
            # Prefer the payload digest (identical-payload-digest profile); fall back to the
            # referred URI (server-not-modified profile, which often has no digest).
            payload = by_digest.get(digest or "")
            if payload is None and refers:
                payload = by_uri.get(refers)
            if payload is None:
                logger.debug("WARC revisit for %s refers to no record in %s", uri, self.path)
                continue
            self._entries[uri] = _Entry(offset, payload)

        for uri in sorted(self._entries, key=lambda u: self._entries[u].offset):
            keys = _url_keys(uri)
            if keys is None:
                continue
            self._canonical.setdefault(keys[0], []).append(uri)
            self._fuzzy.setdefault(keys[1], set()).add(keys[0])
        logger.debug("Indexed %d URLs from %s", len(self._entries), self.path)

    def resolve(self, url: str) -> tuple[str, str] | None:
        """Return (recorded URL, rule) for *url*, or None.

        Rules, in order: ``exact`` string equality; ``canonical``: equal after
        canonicalize_url, ignoring http/https, default ports and a trailing slash; ``fuzzy``:
        same host and path with the query ignored, only when a single recorded URL (up to the
        canonical rule) has that host and path, like pywb's fuzzy matching, for mirrors whose
        pagination links carry query strings the record lacks.
        """
        if url in self._entries:
            return url, "exact"
        keys = _url_keys(url)
        if keys is None:
            return None
        canonical, fuzzy = keys
        rule = "canonical"
        if canonical not in self._canonical:
            candidates = self._fuzzy.get(fuzzy, set())
            if len(candidates) != 1:
                return None
            (canonical,) = candidates
            rule = "fuzzy"
        recorded = self._canonical[canonical]
        # Several recordings can share a key (the http and the https capture of a page):
        # prefer the requested scheme, then the latest record.
        same_scheme = [u for u in recorded if _scheme(u) == _scheme(url)]
        return (same_scheme or recorded)[-1], rule

    def lookup(self, url: str) -> RecordedResponse | None:
        """The recorded response for *url* under the rules of ``resolve()``, or None."""
        resolved = self.resolve(url)
        if resolved is None:
            return None
        recorded_url, rule = resolved
        entry = self._entries[recorded_url]
        with self.path.open("rb") as fh:
            loaded = _load_record(fh, entry.offset)
            if entry.payload_offset is not None:
                original = _load_record(fh, entry.payload_offset)
                # A server-not-modified revisit carries a 304 (or nothing); what the crawl
                # needs is the original response. An identical-payload revisit carries its
                # own status and headers and borrows only the body.
                if loaded.status in {0, 304}:
                    loaded = original
                else:
                    loaded = _Loaded(
                        loaded.status,
                        loaded.protocol,
                        _fix_length(loaded.headers, original.body),
                        original.body,
                    )
        if loaded.status == 0:
            logger.warning("WARC record for %s has no HTTP status line", recorded_url)
            return None
        return RecordedResponse(
            url=recorded_url,
            status=loaded.status,
            headers=loaded.headers,
            body=loaded.body,
            match=rule,
            protocol=loaded.protocol,
        )


def _load_record(fh: IO[bytes], offset: int) -> _Loaded:
    """Read the record at *offset*: status, headers and the decoded payload."""
    fh.seek(offset)
    records = ArchiveIterator(fh)
    try:
        record = next(records)
        http = record.http_headers
        if not http:
            return _Loaded(0, _HTTP_PROTOCOL, [], record.raw_stream.read())
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = 0
        headers = list(http.headers)
        # content_stream() de-chunks and decompresses exactly under these conditions (see
        # warcio.recordloader.ArcWarcRecord.content_stream); the headers must then stop
        # claiming an encoding, or HttpCompressionMiddleware would gunzip plain bytes.
        drop: set[str] = set()
        encoding = (http.get_header("Content-Encoding") or "").lower()
        if encoding and encoding in BufferedReader.get_supported_decompressors():
            drop.add("content-encoding")
        if http.get_header("Transfer-Encoding") == "chunked":
            drop.add("transfer-encoding")
        body = record.content_stream().read()
    finally:
        records.close()
    if drop:
        headers = _fix_length([h for h in headers if h[0].lower() not in drop], body)
    return _Loaded(status, http.protocol or _HTTP_PROTOCOL, headers, body)


def _fix_length(headers: Sequence[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    """Make a Content-Length header, if there is one, agree with *body*."""
    return [
        (name, str(len(body)) if name.lower() == "content-length" else value)
        for name, value in headers
    ]


# http and https get one handler instance each (DownloadHandlers builds one per scheme), so
# the index is shared per crawler to scan the WARC once; weak keys let finished crawlers go.
_SHARED_INDEXES: weakref.WeakKeyDictionary[Crawler, dict[Path, ReplayIndex]] = (
    weakref.WeakKeyDictionary()
)


def _shared_index(crawler: Crawler, path: Path) -> ReplayIndex:
    indexes = _SHARED_INDEXES.setdefault(crawler, {})
    if path not in indexes:
        indexes[path] = ReplayIndex(path)
    return indexes[path]


class WarcReplayDownloadHandler(BaseDownloadHandler):
    """Scrapy download handler answering http(s) requests from the WARC in NEWSFEED_REPLAY.

    Nothing goes to the network. A URL that is not in the WARC gets a 404 with
    ``X-Newsfeed-Replay: miss``, the way a crawl meets a missing page (robots.txt included,
    which makes a WARC without one mean "everything allowed"). Stats:
    ``newsfeed/replay/{exact,canonical,fuzzy,miss}``.
    """

    # Index at crawler start rather than on the first request, so a missing or unreadable
    # WARC is reported once, up front, instead of failing every request.
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        path = crawler.settings.get(REPLAY_SETTING)
        if not path:
            # The scheme then has no handler: requests fail with NotSupported, which still
            # keeps a misconfigured replay off the network.
            raise NotConfigured(f"{REPLAY_SETTING} is not set")
        self.index = _shared_index(crawler, Path(path))

    async def download_request(self, request: Request) -> Response:
        # Reading and gunzipping a record is file I/O; keep it off the event loop thread.
        recorded = await run_in_thread(self.index.lookup, request.url)
        stats = self.crawler.stats
        if recorded is None:
            logger.debug("Replay miss: %s", request.url)
            stats.inc_value("newsfeed/replay/miss")
            return Response(
                url=request.url, status=404, headers={REPLAY_HEADER: "miss"}, request=request
            )
        logger.debug("Replay %s match: %s -> %s", recorded.match, request.url, recorded.url)
        stats.inc_value(f"newsfeed/replay/{recorded.match}")
        headers = Headers()
        for name, value in recorded.headers:
            headers.appendlist(name, [value])
        headers[REPLAY_HEADER] = recorded.match
        body = b"" if request.method == "HEAD" else recorded.body
        # The same class choice as Scrapy's HTTP handlers, so HtmlResponse/XmlResponse and
        # their charset detection (header, BOM, <meta>) behave as on a live crawl.
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return respcls(
            url=request.url,
            status=recorded.status,
            headers=headers,
            body=body,
            request=request,
            protocol=recorded.protocol,
        )


# --------------------------------------------------------------------------------------------
# Writing


def _decode_header(value: bytes) -> str:
    # The same fallback warcio uses when it parses header lines back.
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _response_record(
    writer: Any,
    url: str,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    warc_headers: dict[str, str] | None = None,
) -> Any:
    # Always "HTTP/1.1", even for h2 captures: it is what WARC readers (pywb, warcio's strict
    # mode) accept, and the status line carries no other information.
    http_headers = StatusAndHeaders(_status_line(status), list(headers), protocol=_HTTP_PROTOCOL)
    return writer.create_warc_record(
        url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers or {},
    )


def _warcinfo_record(writer: Any, filename: str, extra: dict[str, str] | None = None) -> Any:
    info = {
        "software": "newsfeed",
        "format": "WARC File Format 1.0",
        "description": f"newsfeed {__version__}, Scrapy {scrapy.__version__}",
        **(extra or {}),
    }
    return writer.create_warcinfo_record(filename, info)


def _part_path(path: Path) -> Path:
    # Same directory, so the final rename is atomic; the pid keeps two crawls that record to
    # the same name from writing into one file.
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f"{path.name}.{os.getpid()}.part")


def write_warc(path: str | os.PathLike[str], records: Iterable[WarcEntry]) -> int:
    """Write a gzipped (per record) WARC of ``response`` records; return how many.

    Each record is (url, status, headers, body). Headers and body are stored as given, so a
    body stored gzipped must come with its ``Content-Encoding: gzip`` header. A ``warcinfo``
    record comes first. *records* is consumed lazily, one body in memory at a time, and the
    file appears under *path* only when complete.
    """
    out = Path(path)
    count = 0
    with atomic_output(out) as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(_warcinfo_record(writer, out.name))
        for url, status, headers, body in records:
            writer.write_record(_response_record(writer, url, status, headers, body))
            count += 1
    return count


def _mirror_content_type(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix in _MIRROR_TYPES:
        return _MIRROR_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(file.name, strict=False)
    return guessed or "application/octet-stream"


def warc_from_mirror(
    source_dir: Path,
    base_url: str,
    out_path: Path,
    *,
    extra_urls: Callable[[str, Path], Iterable[str]] | None = None,
) -> int:
    """Convert an HTTrack-style mirror into a WARC; return the number of records.

    Every file ``source_dir/PATH`` becomes a 200 response at ``base_url/PATH`` (non-ASCII and
    spaces percent-encoded), with a Content-Type from its extension (``text/html;
    charset=utf-8`` for .html/.htm) and its bytes untouched. ``extra_urls(url, file)`` may
    name more URLs to serve the same file at: the page's original URL from an HTTrack
    manifest, the directory URL for an ``index.html``, the same article under another category
    path. Files are visited in sorted order so the output is reproducible.
    """
    root = Path(source_dir)
    base = base_url.rstrip("/")
    files = sorted(p for p in root.rglob("*") if p.is_file())

    def entries() -> Iterator[WarcEntry]:
        for file in files:
            url = safe_url_string(f"{base}/{file.relative_to(root).as_posix()}")
            urls = [url]
            if extra_urls is not None:
                # A WARC-Target-URI must be a URI: percent-encode what a manifest kept raw.
                urls.extend(safe_url_string(extra) for extra in extra_urls(url, file))
            body = file.read_bytes()
            headers = [
                ("Content-Type", _mirror_content_type(file)),
                ("Content-Length", str(len(body))),
            ]
            # dict.fromkeys: drop repeats of one URL for this file but keep the order.
            for target in dict.fromkeys(urls):
                yield target, 200, headers, body

    return write_warc(out_path, entries())


# --------------------------------------------------------------------------------------------
# Record


def _redirect_hops(request: Request) -> list[tuple[str, int, str]]:
    """(url, status, location) of each HTTP redirect that led to *request*.

    RedirectMiddleware (600) turns a 3xx into a new Request before the recorder (585) sees
    it; without these records a replay of the original URL would miss. The hops come from
    the meta RedirectMiddleware keeps; "meta refresh" hops are skipped because the recorder
    saw and recorded those pages itself.
    """
    urls: list[str] = list(request.meta.get("redirect_urls", []))
    reasons: list[Any] = list(request.meta.get("redirect_reasons", []))
    targets = [*urls[1:], request.url]
    return [
        (url, reason, target)
        for url, reason, target in zip(urls, reasons, targets, strict=False)
        if isinstance(reason, int)
    ]


class WarcRecorderMiddleware:
    """Downloader middleware writing each response it sees to the WARC in NEWSFEED_RECORD.

    Use it at ``RECORDER_PRIORITY`` (see there for why). For every response: a ``request``
    record and a ``response`` record (WARC-Target-URI = response.url) holding the body as the
    spider saw it, decompressed by HttpCompressionMiddleware, with Content-Length made to
    match and Transfer-Encoding dropped (the body is already de-chunked). A Content-Encoding
    that is still present means the body is still encoded (an encoding Scrapy cannot decode)
    and is kept, so the record stays truthful. Redirect hops are recorded as synthetic 3xx
    responses. The WARC is written to ``<name>.<pid>.part`` beside the target and renamed on
    spider_closed, so a crawl that dies leaves a .part file, never a truncated file under the
    final name.

    Writes happen on the event loop thread: gzipping one page takes a few milliseconds at
    most, which is not worth a thread hand-off and the locking it would need.
    """

    def __init__(self, path: Path, info: dict[str, str] | None = None) -> None:
        self.path = path
        self._part = _part_path(path)
        self._file: IO[bytes] | None = self._part.open("wb")
        self._writer = WARCWriter(self._file, gzip=True)
        self._writer.write_record(_warcinfo_record(self._writer, path.name, info))
        self._redirects_written: set[tuple[str, int, str]] = set()
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get(RECORD_SETTING)
        if not path:
            raise NotConfigured(f"{RECORD_SETTING} is not set")
        info = {
            "http-header-user-agent": str(crawler.settings.get("USER_AGENT") or ""),
            "robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }
        mw = cls(Path(path), info)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        if self._file is None:  # already closed; nothing sensible to write to
            return response
        for hop in _redirect_hops(request):
            if hop not in self._redirects_written:
                self._redirects_written.add(hop)
                url, status, location = hop
                record = _response_record(
                    self._writer,
                    url,
                    status,
                    [("Location", location), ("Content-Length", "0")],
                    b"",
                    # ISO 28500 allows extension fields; this one tells readers the record
                    # was rebuilt from Scrapy's redirect metadata, not captured.
                    warc_headers={"WARC-Newsfeed-Synthetic": "redirect"},
                )
                self._writer.write_record(record)
                self.records += 1
        self._write_exchange(request, response)
        return response

    def _write_exchange(self, request: Request, response: Response) -> None:
        warc_headers: dict[str, str] = {}
        if response.ip_address is not None:
            warc_headers["WARC-IP-Address"] = str(response.ip_address)
        resp_headers = [
            (_decode_header(name), _decode_header(value))
            for name, values in response.headers.items()
            for value in values
            if name.lower() != b"transfer-encoding"
        ]
        resp_record = _response_record(
            self._writer,
            response.url,
            response.status,
            _fix_length(resp_headers, response.body),
            response.body,
            warc_headers=warc_headers,
        )

        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [
            (_decode_header(name), _decode_header(value))
            for name, values in request.headers.items()
            for value in values
            if _decode_header(name).lower() not in _SECRET_REQUEST_HEADERS
        ]
        # Scrapy's HTTP handler adds Host itself, so request.headers usually lacks it.
        if not any(name.lower() == "host" for name, _ in req_headers):
            req_headers.insert(0, ("Host", parts.netloc))
        req_record = self._writer.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(request.body),
            length=len(request.body),
            http_headers=StatusAndHeaders(
                f"{request.method} {target} {_HTTP_PROTOCOL}", req_headers, is_http_request=True
            ),
        )
        # Writes the request after the response, with WARC-Concurrent-To linking the two and
        # the response's Target-URI and Date, as warcio's own capture does.
        self._writer.write_request_response_pair(req_record, resp_record)
        self.records += 2

    def spider_closed(self, reason: str) -> None:
        if self._file is None:
            return
        handle, self._file = self._file, None
        durable_replace(handle, self._part, self.path)
        logger.info(
            "WARC recorded: %s (%d records, spider closed: %s)", self.path, self.records, reason
        )


# --------------------------------------------------------------------------------------------
# Settings helpers


def not_a_warc(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be replayed (not a WARC, no records), or None when it can be read;
    checked before a crawl starts, so a wrong file is not reported as every portal down."""
    try:
        with Path(path).open("rb") as fh:
            for _record in ArchiveIterator(fh, no_record_parse=True):
                return None
    except ArchiveLoadFailed:
        with Path(path).open("rb") as fh:
            first = fh.readline(60).decode("utf-8", "replace").strip()
        return f"{path} is not a WARC file (it begins {first!r}, not 'WARC/1.0')"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    return f"{path} holds no WARC record"


def replay_settings(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings that make a crawl answer every http(s) request from the WARC at *path*."""
    return {
        "DOWNLOAD_HANDLERS": {"http": REPLAY_HANDLER_PATH, "https": REPLAY_HANDLER_PATH},
        REPLAY_SETTING: str(path),
    }


def record_settings(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings that record a crawl into the WARC at *path* (merge DOWNLOADER_MIDDLEWARES)."""
    return {
        "DOWNLOADER_MIDDLEWARES": {RECORDER_PATH: RECORDER_PRIORITY},
        RECORD_SETTING: str(path),
    }
