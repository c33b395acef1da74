"""Small local sites in the shape of a province's portal and its communes' sites, Liferay 6.2
or VNPT vnPortal classic, for ``newsfeed probe`` and ``newsfeed discover``
(tests/crawl/test_probe.py).

Each site is served on its own loopback address (127.0.0.2, 127.0.0.3, ... stand in for the
subdomains ``<commune>.<province>.gov.vn``) from the templates of ``tests/sites/probe_<shape>/``:
``/`` the home page (menu, a "Liên kết website" block and a drop-down of site links), a listing
per category and its articles (Liferay: ``/vi/<c>``, ``/vi/<c>/-/view_content/<id>-<slug>``;
vnPortal: ``/<c>``, ``/<c>/<slug>-<id>.html``), ``/robots.txt``. A ``bare`` site answers every
page with a maintenance notice (no menu, no category). The vnPortal site's menu links
"Chỉ đạo - Điều hành" to a page it does not have (a 404), as real menus sometimes do.
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

SITES = Path(__file__).parent / "sites"
_SHAPES = {
    # shape: (article URL, listing URL, the menu's direction link)
    "liferay": (
        re.compile(r"^/vi/([a-z-]+)/-/view_content/(\d+)-[a-z0-9-]+/?$"),
        re.compile(r"^/vi/([a-z-]+)/?$"),
        "/vi/chi-dao-dieu-hanh",
    ),
    "vnportal": (
        re.compile(r"^/([a-z-]+)/[a-z0-9-]+-(\d+)\.html$"),
        re.compile(r"^/([a-z-]+)/?$"),
        "/vi/chi-dao-dieu-hanh",  # a dead menu link
    ),
}
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
    shape: str = "liferay"
    """``liferay`` or ``vnportal``."""
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
        article_re, listing_re, direction_link = _SHAPES[self.shape]
        if path in ("", "/"):
            links = "\n".join(f'<li><a href="{u}">{t}</a></li>' for u, t in self.links)
            options = "\n".join(f'<option value="{u}">{t}</option>' for u, t in self.options)
            direction = (
                f'<li><a href="{direction_link}">Chỉ đạo - Điều hành</a></li>'
                if self.direction
                else ""
            )
            return 200, self._render(
                "index.html",
                links=links,
                options=options,
                direction_menu=direction,
                id1="5100",
                **values,
            )
        if self.shape == "vnportal" and path.startswith("/vi/"):
            return 404, "<html><body><h1>Không tìm thấy trang</h1></body></html>"
        if match := article_re.match(path):
            slug, ident = match.groups()
            if slug in _CATEGORIES:
                title = f"{_CATEGORIES[slug]}: tin {ident} của {self.short}"
                return 200, self._render(
                    "article.html", title=title, id=ident, id2="5200", **values
                )
        if (match := listing_re.match(path)) and match.group(1) in _CATEGORIES:
            slug = match.group(1)
            first = 5000 + 10 * list(_CATEGORIES).index(slug)
            return 200, self._render(
                "listing.html",
                category=_CATEGORIES[slug],
                slug=slug,
                id1=str(first + 1),
                id2=str(first + 2),
                **values,
            )
        return 404, "<html><body><h1>Không tìm thấy trang</h1></body></html>"

    def _render(self, template: str, **values: str) -> str:
        folder = SITES / f"probe_{self.shape}"
        return Template((folder / template).read_text(encoding="utf-8")).substitute(values)


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
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
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
