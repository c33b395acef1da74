"""``newsfeed serve``: the feeds folder over HTTP, the way feed readers like it.

Right media types, strong ETags and Last-Modified with 304 answers, gzip for clients that ask,
HEAD, no path traversal, an access log on stderr. For production, nginx does the same (README).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import logging
import sys
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".rss.xml": "application/rss+xml; charset=utf-8",
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


def media_type(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return kind
    return "application/octet-stream"


class FeedsHandler(BaseHTTPRequestHandler):
    server_version = "newsfeed"

    def __init__(self, *args: object, root: Path, **kwargs: object) -> None:
        self.root = root
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _resolve(self) -> Path | None:
        raw = unquote(urlsplit(self.path).path)
        if "\x00" in raw:
            return None
        target = (self.root / raw.lstrip("/")).resolve()
        if not target.is_relative_to(self.root):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _serve(self, *, head: bool) -> None:
        target = self._resolve()
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        body = target.read_bytes()
        stat = target.stat()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        if self._not_modified(etag, stat.st_mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        kind = media_type(target)
        encoding = None
        accepts = self.headers.get("Accept-Encoding", "")
        if "gzip" in accepts and (kind.startswith(("text/", "application/")) and len(body) > 512):
            body = gzip.compress(body, mtime=0)
            encoding = "gzip"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag if encoding is None else etag[:-1] + '-gz"')
        self.send_header("Last-Modified", last_modified)
        self.send_header("Cache-Control", "public, max-age=300")
        self.send_header("Vary", "Accept-Encoding")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {t.strip() for t in match.split(",")}
            return "*" in tags or etag in tags or etag[:-1] + '-gz"' in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            return int(mtime) <= int(parsed.timestamp())
        return False

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} - [{self.log_date_time_string()}] ")
        sys.stderr.write((format % args) + "\n")


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    handler = partial(FeedsHandler, root=root.resolve())
    return ThreadingHTTPServer((host, port), handler)


def serve_forever(root: Path, host: str = "127.0.0.1", port: int = 8080) -> None:
    server = make_server(root, host, port)
    print(f"serving {root}/ at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
