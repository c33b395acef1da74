"""Many hosts in one crawl: a host that stalls is given up for the run, the others go on.

One server on 127.0.0.1 plays two portals by the Host header: ``127.0.0.1`` answers every
page, ``localhost`` answers its listing and never answers an article page (it holds the
connection until the crawl hangs up).
"""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from newsfeed.config import Config
from newsfeed.portals import Portal, portal_from_dict
from tests.crawling import crawl_here
from tests.faultsite import VIETNAMESE_BODY, article_html, serving

ARTICLES = 8
CATEGORY = "/vi/tin-tuc"
STALLED_HOST = "localhost"


def _listing() -> bytes:
    rows = "".join(
        f"<div class='asset-abstract'><h3 class='asset-title'>"
        f"<a href='{CATEGORY}/-/view_content/{i}-bai-{i}'>Tin số {i}</a></h3>"
        f"<div class='assetPublishDate'>20/11/2026 08:{i:02d}</div></div>"
        for i in range(1, ARTICLES + 1)
    )
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Tin tức</title>"
        f"</head><body><div class='portlet-asset-publisher' id='p_p_id_101_'>{rows}</div>"
        "</body></html>"
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.article_hits: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self._send(b"User-agent: *\n", "text/plain")
        if path == CATEGORY:
            return self._send(_listing())
        if path.startswith(f"{CATEGORY}/-/view_content/"):
            with self.server.lock:
                self.server.article_hits[host] += 1
            if host == STALLED_HOST:
                self.server.stopping.wait(20)  # never answers (until the server stops)
                self.close_connection = True
                return None
            number = path.rsplit("/", 1)[1].split("-", 1)[0]
            return self._send(article_html(f"Bài viết số {number}", VIETNAMESE_BODY).encode())
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def _send(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve() -> AbstractContextManager[_Server]:
    return serving(_Server())


def _portal(key: str, base_url: str) -> Portal:
    return portal_from_dict(
        {
            "key": key,
            "name": f"Cổng {key}",
            "province": "Thử",
            "base_url": base_url,
            "platform": "liferay62",
            "categories": [
                {
                    "key": "tin_tuc",
                    "name": "Tin tức",
                    "url": f"{base_url}{CATEGORY}",
                    "topic": "news",
                },
            ],
        },
        source="test",
    )


def test_a_stalled_host_is_given_up_and_reported_while_another_is_crawled(
    reactor_thread: Any, tmp_path: Path
) -> None:
    with _serve() as server:
        port = server.server_address[1]
        good = _portal("good", f"http://127.0.0.1:{port}")
        stalled = _portal("stalled", f"http://{STALLED_HOST}:{port}")
        crawl = crawl_here(
            reactor_thread,
            [good, stalled],
            Config(var_dir=tmp_path / "var"),
            extra_settings={
                # one request at a time per host, a delay apart: what is sent is exact
                "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                "DOWNLOAD_DELAY": 0.05,
                "DOWNLOAD_TIMEOUT": 1,
                "NEWSFEED_HOST_TIMEOUTS_MAX": 3,
            },
        )
        hits = dict(server.article_hits)
    portals = crawl.report["portals"]
    assert portals["good"]["articles_new"] == ARTICLES
    assert portals["good"]["faults"] == {}
    entry = portals["stalled"]
    assert entry["articles_new"] == 0
    # three timeouts in a row (one request at a time), then the host is not asked again: the
    # downloader had already sent the next one when the third timed out
    assert 3 <= hits[STALLED_HOST] <= 4, hits
    assert entry["faults"]["host_stalled"] == 1
    # every article request still waiting dropped, not sent (a retry or two among them)
    assert entry["faults"]["host_given_up"] >= ARTICLES - 4
    assert entry["http_errors"].get("HostGivenUp") == entry["faults"]["host_given_up"]
    checks = {c["name"]: c for c in entry["checks"]}
    assert "server_busy" in checks, entry["checks"]
    assert "host_stalled" in checks["server_busy"]["message"]
    assert "server_busy" not in {c["name"] for c in portals["good"]["checks"]}
