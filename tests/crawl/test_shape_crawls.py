"""Crawls through the real spider (in this process, :mod:`tests.crawling`) of local sites in the
shapes of CMSes newsfeed has no adapter for (``tests/sites/<shape>/``): a hand-made CMS of
nested tables read by ``platform = "generic"`` into its feed, and a Joomla portal whose profile
names the wrong platform (``sharepoint``) still yielding every article, with a
``platform_mismatch`` check saying what the profile should say.

The listing's articles the shape site has no page for are served as copies of its first
article with the listed headline and date put in, so every listed link answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from newsfeed.config import Config
from newsfeed.jobs import build_feeds
from newsfeed.portals import Registry, portal_from_dict
from tests.crawling import crawl_here

SITES = Path(__file__).parents[1] / "sites"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class ShapeSite:
    """A shape site's listing and articles, answered under a local base URL."""

    def __init__(self, shape: str) -> None:
        self.folder = SITES / shape
        self.listing = _load(self.folder / "listing.expected.json")
        self.host = "{0.scheme}://{0.netloc}".format(urlsplit(self.listing["url"]))
        self.articles = {
            urlsplit(a["url"]).path: (a, (self.folder / f"{p.name.split('.')[0]}.html"))
            for p in sorted(self.folder.glob("*.article.json"))
            for a in [_load(p)]
        }
        self.base = ""

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def page(self, path: str) -> bytes | None:
        if path == self.path(self.listing["url"]):
            text = (self.folder / "listing.html").read_text(encoding="utf-8")
            return text.replace(self.host, self.base).encode()
        if path in self.articles:
            _, page = self.articles[path]
            return page.read_text(encoding="utf-8").replace(self.host, self.base).encode()
        listed = {self.path(i["url"]): i for i in self.listing["items"]}
        if path not in listed:
            return None
        first, page = next(iter(self.articles.values()))
        item = listed[path]
        text = page.read_text(encoding="utf-8").replace(first["title"], item["title"])
        if item.get("published"):
            old = date.fromisoformat(first["published"][:10])
            new = date.fromisoformat(item["published"])
            text = text.replace(old.strftime("%d/%m/%Y"), new.strftime("%d/%m/%Y"))
        return text.replace(self.host, self.base).encode()


@contextmanager
def serve(site: ShapeSite) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = site.page(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"<html><body>Not found</body></html>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield site.base
    finally:
        server.shutdown()
        server.server_close()


def _crawl(
    reactor: Any, site: ShapeSite, tmp_path: Path, *, key: str, platform: str
) -> tuple[dict[str, Any], Any]:
    with serve(site) as base:
        portal = portal_from_dict(
            {
                "key": key,
                "name": f"Cổng TTĐT ({key})",
                "province": "Cao Bằng",
                "base_url": base,
                "platform": platform,
                "max_pages": 1,
                "categories": [
                    {
                        "key": "tin_tuc",
                        "name": "Tin tức - Sự kiện",
                        "url": base + site.path(site.listing["url"]),
                        "topic": "news",
                    }
                ],
            }
        )
        config = Config(
            var_dir=tmp_path / "var",
            feeds_dir=tmp_path / "feeds",
            base_url="https://feeds.example/",
        )
        crawl = crawl_here(reactor, [portal], config)
    build_feeds(config, Registry([portal]))
    feed = feedparser.parse((tmp_path / "feeds" / key / "tin_tuc.rss.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    return crawl.report["portals"][key], feed


def _check_articles(site: ShapeSite, feed: Any) -> None:
    assert sorted(e.title for e in feed.entries) == sorted(
        i["title"] for i in site.listing["items"]
    )
    by_title = {e.title: e for e in feed.entries}
    written = [a for a, _ in site.articles.values() if a["title"] in by_title]
    assert len(written) >= 2, "the shape's own article pages are listed"
    for expected in written:
        entry = by_title[expected["title"]]
        assert entry.get("author") == expected["author"], entry.get("author")
        assert entry.published == _rfc822(expected["published"]), entry.published


def _rfc822(iso: str) -> str:
    from datetime import datetime
    from email.utils import format_datetime

    return format_datetime(datetime.fromisoformat(iso))


def test_a_site_of_a_hand_made_table_cms_crawled_into_its_feed(
    reactor_thread: Any, tmp_path: Path
) -> None:
    site = ShapeSite("table")
    entry, feed = _crawl(reactor_thread, site, tmp_path, key="thach_an", platform="generic")
    assert entry["articles_new"] == len(site.listing["items"]), entry
    assert not set(entry["fields_missing"]) & {"title", "published", "body_text"}, entry
    assert entry["platform_detected"] == {"unknown": 1}, entry
    assert not [c for c in entry["checks"] if c["name"] == "platform_mismatch"]
    _check_articles(site, feed)


def test_a_joomla_portal_profiled_as_sharepoint_still_yields_every_article(
    reactor_thread: Any, tmp_path: Path
) -> None:
    site = ShapeSite("joomla")
    entry, feed = _crawl(reactor_thread, site, tmp_path, key="binh_minh", platform="sharepoint")
    assert entry["articles_new"] == len(site.listing["items"]), entry
    assert entry["platform_detected"] == {"joomla": 1}, entry
    mismatch = [c for c in entry["checks"] if c["name"] == "platform_mismatch"]
    assert mismatch, entry["checks"]
    assert 'set platform = "generic"' in mismatch[0]["message"]
    assert "joomla" in mismatch[0]["message"]
    _check_articles(site, feed)
