"""POST pagination through the spider: an ASP.NET (SharePoint) category paged by postback.

A local server on 127.0.0.1 answers the category page as the Quảng Ninh portal does (fixture
``tests/fixtures/quang_ninh/``, its host made the local one): page 1 by GET, page 2 only as a
POST of the page's form with the pager link's ``__EVENTTARGET``. The spider must post it back
and store page 2's articles.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from newsfeed.config import Config
from newsfeed.portals import portal_from_dict
from newsfeed.store.db import Store
from tests.crawling import crawl_here

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quang_ninh"
LIVE = "https://www.quangninh.gov.vn"
PAGE_2_TARGET = "ctl00$ctl42$g_3f1c8a54_0b6e_4a3d_9c7b_2e5d1f0a9b11$ctl00$rptPaging$ctl01$lbPage"
PAGE_1_IDS = ("168533", "168521", "168512")
PAGE_2_IDS = ("168433", "168421", "168412")


class AspNetSite:
    """What the server answered and was asked."""

    def __init__(self) -> None:
        self.posts: list[dict[str, list[str]]] = []
        self.base = ""

    def page(self, name: str) -> bytes:
        return (FIXTURES / name).read_text(encoding="utf-8").replace(LIVE, self.base).encode()


@pytest.fixture
def aspnet_portal() -> Iterator[AspNetSite]:
    state = AspNetSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/Trang/tin-tuc-su-kien.aspx":
                self.answer(state.page("listings/tin_tuc_su_kien_p1.html"))
            elif path == "/Trang/ChiTietTinTuc.aspx":
                self.answer(state.page("trang_article_table_caption.html"))
            else:
                self.answer(b"not found", status=404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            state.posts.append(form)
            if form.get("__EVENTTARGET") != [PAGE_2_TARGET]:
                self.answer(b"bad postback", status=500)
                return
            page = state.page("listings/tin_tuc_su_kien_p1.html")
            for old, new in zip(PAGE_1_IDS, PAGE_2_IDS, strict=True):
                page = page.replace(old.encode(), new.encode())
            self.answer(page)

        def answer(self, body: bytes, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_the_spider_pages_by_postback(
    reactor_thread: Any, aspnet_portal: AspNetSite, tmp_path: Path
) -> None:
    base = aspnet_portal.base
    portal = portal_from_dict(
        {
            "key": "quang_ninh_local",
            "name": "Cổng TTĐT tỉnh Quảng Ninh (local)",
            "province": "Quảng Ninh",
            "base_url": base,
            "platform": "sharepoint",
            "max_pages": 2,
            "categories": [
                {
                    "key": "tin_tuc_su_kien",
                    "name": "Tin tức sự kiện",
                    "url": f"{base}/Trang/tin-tuc-su-kien.aspx",
                    "topic": "news",
                }
            ],
        }
    )
    config = Config(var_dir=tmp_path / "var")
    crawl = crawl_here(reactor_thread, [portal], config)

    (posted,) = aspnet_portal.posts
    page_1 = aspnet_portal.page("listings/tin_tuc_su_kien_p1.html").decode()
    assert posted["__EVENTTARGET"] == [PAGE_2_TARGET]
    assert posted["__VIEWSTATE"][0] in page_1, "the view state as served"
    entry = crawl.report["portals"]["quang_ninh_local"]
    assert entry["categories"]["tin_tuc_su_kien"]["listing_pages_fetched"] == 2
    with Store(config.store_path) as store:
        urls = " ".join(a.article.url for a in store.articles(portal="quang_ninh_local"))
    for nid in (*PAGE_1_IDS, *PAGE_2_IDS):
        assert f"nid={nid}" in urls, nid
