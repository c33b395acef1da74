"""``newsfeed serve``: the feeds folder over HTTP, the way feed readers like it.

Right media types, strong ETags and Last-Modified with 304 answers, gzip for clients that ask,
HEAD, no path traversal, an access log (Combined Log Format) on stderr. For production, nginx
does the same (README).

* Media types: ``.rss.xml`` / ``.atom.xml`` / ``.opml`` by name; a ``.json`` file is
  ``application/feed+json`` only when it is a JSON Feed (its ``version`` says so), any other
  JSON is ``application/json``. A browser (``Accept`` names ``text/html``) gets RSS and Atom
  as ``application/xml``, which it renders through ``feed.xsl``; under their own types
  chromium shows them as text.
* Validators: the ETag is a hash of the file's bytes (the gzip variant has its own tag, as
  RFC 9110 §8.8.3 asks); ``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110 §13.2.2).
  Files are replaced atomically and left alone when unchanged, so both stay put between builds
  that change nothing.
* Paths: percent-decoded once, then resolved; anything outside the folder (``..``, encoded or
  not, absolute paths, symlinks out), hidden files (the builders' ``.name.tmp`` files) and NUL
  bytes are 404, as is a folder without ``index.html``.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlsplit

JSON_FEED_PREFIX = "https://jsonfeed.org/version/"

MEDIA_TYPES = {
    ".rss.xml": "application/rss+xml; charset=utf-8",
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".json": "application/json",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
"""File name ending -> Content-Type, first match wins (so ``.rss.xml`` before ``.xml``)."""

JSON_FEED_MEDIA_TYPE = "application/feed+json; charset=utf-8"
FEED_XML_TYPES = ("application/rss+xml", "application/atom+xml")
BROWSER_FEED_TYPE = "application/xml; charset=utf-8"
"""RSS and Atom for a browser (``Accept`` has ``text/html``), so it applies ``feed.xsl``."""
COMPRESSIBLE = ("text/", "application/", "image/svg+xml")
GZIP_MIN_BYTES = 512
"""Smaller bodies are sent as they are: gzip would not save a packet."""
CACHE_CONTROL = "public, max-age=300"
"""Readers may reuse a feed for 5 minutes without asking; then a cheap conditional GET."""


def media_type(path: Path, body: bytes | None = None) -> str:
    """The Content-Type of ``path``; ``body`` tells a JSON Feed from other JSON."""
    name = path.name.lower()
    for suffix, kind in MEDIA_TYPES.items():
        if name.endswith(suffix):
            if suffix == ".json" and body is not None and is_json_feed(body):
                return JSON_FEED_MEDIA_TYPE
            return kind
    return "application/octet-stream"


def is_json_feed(body: bytes) -> bool:
    """True for a JSON object whose ``version`` is a JSON Feed version URL."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, str) and version.startswith(JSON_FEED_PREFIX)


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``gzip;q=0`` does not)."""
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in {"gzip", "x-gzip", "*"}:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


class FeedsHandler(BaseHTTPRequestHandler):
    """Serves one folder, read-only, GET and HEAD only (other methods get 501)."""

    server_version = "newsfeed"
    protocol_version = "HTTP/1.1"
    timeout = 30
    """Seconds a connection may sit idle: a stalled client must not hold a thread forever."""

    def __init__(
        self, *args: object, root: Path, access_log: TextIO | None, **kwargs: object
    ) -> None:
        self.root = root
        self.access_log = access_log
        self._sent = 0
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    # -- resolving ---------------------------------------------------------------------

    def _resolve(self) -> Path | None:
        raw = unquote(urlsplit(self.path).path, errors="strict")
        if "\x00" in raw or "\\" in raw:
            return None
        parts = [p for p in raw.split("/") if p]
        # ".." never names a file here, and dotfiles are the builders' temporary files.
        if any(p.startswith(".") for p in parts):
            return None
        target = self.root.joinpath(*parts).resolve()
        if not target.is_relative_to(self.root):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    # -- answering ---------------------------------------------------------------------

    def _serve(self, *, head: bool) -> None:
        try:
            target = self._resolve()
        except ValueError:  # "%ff" (not UTF-8), "http://[x" (no URL parser reads it): not ours
            target = None
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        try:
            with target.open("rb") as handle:
                # One open file for bytes and date: a rename in between cannot mix two versions.
                stat = os.fstat(handle.fileno())
                body = handle.read()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        kind = media_type(target, body)
        if kind.startswith(FEED_XML_TYPES) and "text/html" in self.headers.get("Accept", ""):
            # A browser (it asks for HTML first): under the feed's own media type chromium
            # shows the XML as plain text and never runs feed.xsl; as XML it renders the page.
            kind = BROWSER_FEED_TYPE
        etag = identity_etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        encoding = None
        if (
            accepts_gzip(self.headers.get("Accept-Encoding", ""))
            and kind.startswith(COMPRESSIBLE)
            and len(body) >= GZIP_MIN_BYTES
        ):
            body = gzip.compress(body, mtime=0)
            encoding = "gzip"
            etag = etag[:-1] + '-gz"'
        last_modified = email.utils.formatdate(int(stat.st_mtime), usegmt=True)
        if self._not_modified({identity_etag, identity_etag[:-1] + '-gz"'}, stat.st_mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._validators(etag, last_modified)
            self.end_headers()
            return
        # send_response writes the log line, so the size is known before.
        self._sent = 0 if head else len(body)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("X-Content-Type-Options", "nosniff")
        self._validators(etag, last_modified)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _validators(self, etag: str, last_modified: str) -> None:
        """Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5)."""
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Cache-Control", CACHE_CONTROL)
        self.send_header("Vary", "Accept-Encoding, Accept")

    def _not_modified(self, etags: set[str], mtime: float) -> bool:
        """``etags``: the tags of both representations (same bytes, one of them gzipped): a
        client that got one may revalidate it whatever it now accepts."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
            tags = {t.strip().removeprefix("W/") for t in match.split(",")}
            return "*" in tags or bool(etags & tags)
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            if parsed.tzinfo is None:
                return False
            return int(mtime) <= int(parsed.timestamp())
        return False

    # -- logging -----------------------------------------------------------------------

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One Combined Log Format line per request, with the bytes of body sent."""
        status = code.value if isinstance(code, HTTPStatus) else code
        sent, self._sent = self._sent or "-", 0
        headers = getattr(self, "headers", None)
        referer = headers.get("Referer", "-") if headers else "-"
        agent = headers.get("User-Agent", "-") if headers else "-"
        request = _clean(getattr(self, "requestline", ""))
        self._write_log(f'"{request}" {status} {sent} "{_clean(referer)}" "{_clean(agent)}"')

    def log_message(self, format: str, *args: object) -> None:
        """Errors of the server itself (bad request lines, timeouts), on the same stream."""
        self._write_log(_clean(format % args))

    def log_error(self, format: str, *args: object) -> None:
        # send_error reports every error answer here, then through log_request: one line each.
        if format.startswith("code %d"):
            return
        self.log_message(format, *args)

    def _write_log(self, text: str) -> None:
        stream = self.access_log or sys.stderr
        stream.write(f"{self.address_string()} - - [{self.log_date_time_string()}] {text}\n")
        stream.flush()


def _clean(value: str) -> str:
    """A log field that cannot forge another line or field."""
    return value.encode("unicode_escape").decode("ascii").replace('"', '\\"')


def make_server(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    access_log: TextIO | None = None,
) -> ThreadingHTTPServer:
    """A server for ``root`` (not yet serving); port 0 picks a free port.

    The access log goes to ``access_log``, by default the process's stderr.
    """
    handler = partial(FeedsHandler, root=root.resolve(), access_log=access_log)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_forever(root: Path, host: str = "127.0.0.1", port: int = 8080) -> None:
    server = make_server(root, host, port)
    print(f"serving {root}/ at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
