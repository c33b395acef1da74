"""A tiny local HTTP server for the bundled demo portal (``newsfeed demo``).

It answers the way a Liferay 6.2 portal does for the URLs the spider meets:

- ``/vi/<category>`` and ``/<category>`` -> ``vi/<category>.html``; with ``_101_cur=N`` in the
  query -> ``vi/<category>.page-N.html`` (N = 1 is the first file);
- ``/vi/<any-category>/-/view_content/<id>-<slug>`` (also without ``/vi``, the form of the
  pages' canonical links) -> ``articles/<id>.html``: like the real portal, an article is served
  under the path of every category, whatever the slug;
- ``/image/journal/article?img_id=N`` and ``/image/image_gallery?img_id=N`` ->
  ``image/journal/article/N.jpg`` and ``image/image_gallery/N.jpg`` (Liferay's image servlet);
- ``/`` -> ``index.html``; any other path -> that file of the site, if it exists; else a 404 page.

GET and HEAD only; ``Last-Modified`` from the file (``If-Modified-Since`` answers 304); nothing
outside :data:`SITE_DIR` is ever served (percent-decoded ``..``, backslashes, NUL bytes and
symlinks leaving the folder are refused).
"""

from __future__ import annotations

import email.utils
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

SITE_DIR: Path = Path(__file__).resolve().parent / "site"

_CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}

_ARTICLE_RE = re.compile(r"^(?:/vi)?/[a-z0-9-]+/-/view_content/(\d+)(?:-[^/]*)?/?$")
_CATEGORY_RE = re.compile(r"^(?:/vi)?/([a-z0-9][a-z0-9-]*)/?$")
_IMAGE_SERVLETS = ("/image/journal/article", "/image/image_gallery")

_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html class="aui ltr" dir="ltr" lang="vi-VN">
<head><meta charset="utf-8"><title>Không tìm thấy trang - Cổng Thông tin điện tử tỉnh Demo</title>
</head>
<body class="yui3-skin-sam signed-out public-page">
<div id="main-content" role="main">
<div class="alert alert-error">
<h3>Không tìm thấy trang yêu cầu</h3>
<p>Trang bạn yêu cầu không tồn tại hoặc đã bị gỡ bỏ. <a href="/">Về trang chủ</a></p>
</div>
</div>
<div id="footer"><p>Cổng Thông tin điện tử tỉnh Demo - trang minh họa (demo) của dự án
newsfeed; mọi nội dung đều là hư cấu.</p></div>
</body>
</html>
""".encode()


def _inside_site(candidate: Path) -> Path | None:
    """``candidate`` resolved, if it is a regular file inside :data:`SITE_DIR`."""
    try:
        root = SITE_DIR.resolve(strict=True)
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_file() or not resolved.is_relative_to(root):
        return None
    return resolved


def _site_file(*parts: str) -> Path | None:
    for part in parts:
        if not part or part in {".", ".."} or "\\" in part or "\x00" in part:
            return None
    return _inside_site(SITE_DIR.joinpath(*parts))


def resolve_path(target: str) -> Path | None:
    """The site file that answers the request target ``target`` (path and query), or None."""
    split = urlsplit(target)
    path = unquote(split.path, errors="strict") if split.path else "/"
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return None
    segments = path.split("/")[1:]
    if any(seg in {".", ".."} for seg in segments):
        return None
    query = parse_qs(split.query, keep_blank_values=True)

    if path in {"/", "/vi", "/vi/"}:
        return _site_file("index.html")
    if match := _ARTICLE_RE.match(path):
        return _site_file("articles", f"{match.group(1)}.html")
    if path in _IMAGE_SERVLETS:
        img_id = query.get("img_id", [""])[0]
        if not img_id.isdigit():
            return None
        return _site_file(*path.strip("/").split("/"), f"{img_id}.jpg")
    if match := _CATEGORY_RE.match(path):
        category = match.group(1)
        page = query.get("_101_cur", ["1"])[-1].strip() or "1"
        if not page.isdigit():
            return None
        number = int(page)
        if number < 1:
            return None
        name = f"{category}.html" if number == 1 else f"{category}.page-{number}.html"
        found = _site_file("vi", name)
        if found is not None or number != 1:
            return found
    rest = [seg for seg in segments if seg]
    if not rest:
        return None
    return _site_file(*rest)


class DemoRequestHandler(BaseHTTPRequestHandler):
    """Serves :data:`SITE_DIR` with the demo portal's URL mapping."""

    server_version = "Apache-Coyote/1.1"
    sys_version = ""

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo prints its own summary."""

    def _respond(self, *, send_body: bool) -> None:
        try:
            found = resolve_path(self.path)
        except (UnicodeDecodeError, ValueError):
            found = None
        if found is None:
            self._send(
                HTTPStatus.NOT_FOUND, _NOT_FOUND_PAGE, _CONTENT_TYPES[".html"], send_body=send_body
            )
            return
        stat = found.stat()
        mtime = int(stat.st_mtime)
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                parsed = None
            if parsed is not None and parsed.tzinfo is not None and parsed.timestamp() >= mtime:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
                self.end_headers()
                return
        content_type = _CONTENT_TYPES.get(found.suffix.lower(), "application/octet-stream")
        self._send(
            HTTPStatus.OK,
            found.read_bytes(),
            content_type,
            send_body=send_body,
            last_modified=mtime,
        )

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        *,
        send_body: bool,
        last_modified: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if last_modified is not None:
            self.send_header("Last-Modified", email.utils.formatdate(last_modified, usegmt=True))
        if content_type.startswith("text/html"):
            self.send_header("Liferay-Portal", "Liferay Portal Community Edition 6.2 CE GA6 (demo)")
        self.end_headers()
        if send_body:
            self.wfile.write(body)


@contextmanager
def serve_demo_site(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the demo portal in a daemon thread; yields its base URL, ``http://HOST:PORT``.

    ``port=0`` picks a free port. The server is shut down when the block exits.
    """
    server = ThreadingHTTPServer((host, port), DemoRequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="newsfeed-demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
