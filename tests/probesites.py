"""Small local sites in the shape of a province's Liferay 6.2 portal and its communes' sites,
for ``newsfeed probe`` and ``newsfeed discover`` (tests/crawl/test_probe.py).

Each site is served on its own loopback address (127.0.0.2, 127.0.0.3, ... stand in for the
subdomains ``<commune>.<province>.gov.vn``) from the templates of ``tests/sites/probe_liferay/``:
``/`` the home page (menu, a "Liên kết website" block and a drop-down of site links), ``/vi/<c>``
a category's listing, ``/vi/<c>/-/view_content/<id>-<slug>`` an article, ``/robots.txt``.
A ``bare`` site answers every page with a maintenance notice (no menu, no category).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template

SITE = Path(__file__).parent / "sites" / "probe_liferay"
_ARTICLE = re.compile(r"^/vi/([a-z-]+)/-/view_content/(\d+)-[a-z0-9-]+/?$")
_LISTING = re.compile(r"^/vi/([a-z-]+)/?$")
_CATEGORIES = {
    "tin-tuc-su-kien": "Tin tức - Sự kiện",
    "hoat-dong-lanh-dao": "Hoạt động lãnh đạo",
    "chi-dao-dieu-hanh": "Chỉ đạo điều hành",
}
_MAINTENANCE = (
    "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Đang bảo trì</title>"
    "</head><body><p>Trang thông tin đang được bảo trì, mời quay lại sau.</p></body></html>"
)


@dataclass
class Site:
    """One site: its name, the short name its pages print, the sites it links to."""

    name: str
    short: str
    links: Sequence[tuple[str, str]] = ()
    """(URL, text) in the "Liên kết website" block."""
    options: Sequence[tuple[str, str]] = ()
    """(URL, text) in the drop-down of site links."""
    bare: bool = False
    direction: bool = True
    """Whether the menu has "Chỉ đạo điều hành"."""
    requests: list[str] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)

    def page(self, path: str) -> tuple[int, str]:
        values = {"name": self.name, "short": self.short, "theme": "tinh"}
        if path == "/robots.txt":
            return 200, "User-agent: *\nDisallow: /admin/\n"
        if self.bare:
            return 200, _MAINTENANCE
        if path in ("", "/"):
            links = "\n".join(f'<li><a href="{u}">{t}</a></li>' for u, t in self.links)
            options = "\n".join(f'<option value="{u}">{t}</option>' for u, t in self.options)
            direction = (
                '<li><a href="/vi/chi-dao-dieu-hanh">Chỉ đạo - Điều hành</a></li>'
                if self.direction
                else ""
            )
            return 200, _render(
                "index.html",
                links=links,
                options=options,
                direction_menu=direction,
                id1="5100",
                **values,
            )
        if match := _ARTICLE.match(path):
            slug, ident = match.groups()
            if slug in _CATEGORIES:
                title = f"{_CATEGORIES[slug]}: tin {ident} của {self.short}"
                return 200, _render("article.html", title=title, id=ident, id2="5200", **values)
        if (match := _LISTING.match(path)) and match.group(1) in _CATEGORIES:
            slug = match.group(1)
            first = 5000 + 10 * list(_CATEGORIES).index(slug)
            return 200, _render(
                "listing.html",
                category=_CATEGORIES[slug],
                slug=slug,
                id1=str(first + 1),
                id2=str(first + 2),
                **values,
            )
        return 404, "<html><body><h1>Không tìm thấy trang</h1></body></html>"


def _render(template: str, **values: str) -> str:
    return Template((SITE / template).read_text(encoding="utf-8")).substitute(values)


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer

    def do_GET(self) -> None:
        site = self.server.site
        site.requests.append(self.path)
        site.user_agents.add(self.headers.get("User-Agent", ""))
        status, text = site.page(self.path.split("?", 1)[0])
        body = text.encode("utf-8")
        kind = "text/plain" if self.path == "/robots.txt" else "text/html"
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        super().__init__(address, _Handler)
        self.site = site


@contextlib.contextmanager
def serve(site: Site, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``site`` on ``host`` (a loopback address); yields its base URL ``http://h:p``."""
    server = _SiteServer((host, port), site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port(host: str) -> int:
    """A port nothing listens on at ``host`` (a dead link)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
