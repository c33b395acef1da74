"""Crawls through the real spider, from 127.0.0.1, of portals the profiles get wrong or cannot
name: a site of a CMS with no adapter read by ``platform = "generic"`` into its feeds, and a
portal whose profile says ``vnportal`` while its pages are Liferay 6.2."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import feedparser

TESTS = Path(__file__).parents[1]
SITES = TESTS / "sites"
FIXTURES = TESTS / "fixtures"

Pages = Callable[[str, str], bytes | None]


@contextmanager
def serve(pages: Pages) -> Iterator[str]:
    """A local site: ``pages(path_and_query, base)`` answers a GET, None is a 404."""
    base_holder: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages(self.path, base_holder[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"<html><body>Not found</body></html>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base_holder.append(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield base_holder[0]
    finally:
        server.shutdown()
        server.server_close()


_CRAWL = """
import json, sys
from pathlib import Path
from newsfeed.config import Config
from newsfeed.jobs import build_feeds, run_crawl
from newsfeed.portals import Registry, portal_from_dict

profile, var, feeds = sys.argv[1:4]
portal = portal_from_dict(json.loads(profile))
config = Config(var_dir=Path(var), feeds_dir=Path(feeds), base_url="https://feeds.example/")
registry = Registry([portal])
report = run_crawl([portal], config, registry=registry, local=True)
build_feeds(config, registry)
print(json.dumps(report))
"""


def crawl(profile: dict[str, object], tmp_path: Path) -> dict[str, object]:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _CRAWL,
            json.dumps(profile),
            str(tmp_path / "var"),
            str(tmp_path / "feeds"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


# -- a WordPress-shaped commune site, with no adapter: platform = "generic" ----------------------

WP_HOST = "https://tanphu.example.vn"
WP_LISTING = "/chuyen-muc/tin-tuc-su-kien/"


def _wordpress_site() -> Pages:
    listing = (SITES / "wordpress" / "listing.html").read_text(encoding="utf-8")
    template = (SITES / "wordpress" / "article.html").read_text(encoding="utf-8")
    expected = json.loads((SITES / "wordpress" / "listing.expected.json").read_text("utf-8"))
    titles = {urlsplit(i["url"]).path: (i["title"], i["published_raw"]) for i in expected["items"]}

    def pages(path: str, base: str) -> bytes | None:
        if path == WP_LISTING:
            return listing.replace(WP_HOST, base).encode()
        if path not in titles:
            return None
        title, printed = titles[path]
        day, month, year = printed.split("/")
        page = template.format(
            title=title,
            iso=f"{year}-{month}-{day}T08:00:00+07:00",
            printed=f"{printed} 08:00",
            author="Minh Tâm",
            lead=f"(TP) - {title}: kết quả nổi bật của xã trong tuần qua.",
        )
        return page.replace(WP_HOST, base).encode()

    return pages


def test_a_site_of_an_unknown_cms_crawled_into_its_feed(tmp_path: Path) -> None:
    expected = json.loads((SITES / "wordpress" / "listing.expected.json").read_text("utf-8"))
    with serve(_wordpress_site()) as base:
        profile = {
            "key": "tan_phu",
            "name": "UBND xã Tân Phú",
            "province": "Đồng Nai",
            "base_url": base,
            "platform": "generic",
            "max_pages": 1,
            "categories": [
                {
                    "key": "tin_tuc_su_kien",
                    "name": "Tin tức - Sự kiện",
                    "url": base + WP_LISTING,
                    "topic": "news",
                }
            ],
        }
        report = crawl(profile, tmp_path)
    entry = report["portals"]["tan_phu"]  # type: ignore[index]
    assert entry["articles_new"] == len(expected["items"]), entry
    assert not set(entry["fields_missing"]) & {"title", "published", "body_text"}, entry
    assert entry["platform_detected"] == {"wordpress": 1}, entry
    assert not [c for c in entry["checks"] if c["name"] == "platform_mismatch"]
    feed = feedparser.parse(
        (tmp_path / "feeds" / "tan_phu" / "tin_tuc_su_kien.rss.xml").read_bytes()
    )
    assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert sorted(titles) == sorted(i["title"] for i in expected["items"])
    newest = feed.entries[0]
    assert newest.title == expected["items"][0]["title"], "newest first"
    assert newest.published_parsed[:5] == (2026, 1, 11, 1, 0), "08:00 at +07:00"
    assert newest.get("author") == "Minh Tâm"


# -- a portal whose profile says vnportal, serving Liferay 6.2 pages ------------------------------

LR_HOST = "https://dongthap.gov.vn"
LR_ARTICLES = {
    "15646298": FIXTURES / "sotttt_hanoi" / "byline_and_uploader.html",
    "15645920": FIXTURES / "sotttt_hanoi" / "article_captions_attachments.html",
}


def _liferay_site() -> Pages:
    listing = (FIXTURES / "dong_thap" / "listings" / "tin_tuc_su_kien.html").read_text("utf-8")

    def pages(path: str, base: str) -> bytes | None:
        if path == "/tin-tuc-su-kien":
            return listing.replace(LR_HOST, base).encode()
        article = path.rsplit("/content/id/", 1)[-1]
        if "/-/asset_publisher/" in path and article in LR_ARTICLES:
            return LR_ARTICLES[article].read_bytes()
        return None

    return pages


def _expected_title(fixture: Path) -> str:
    data = json.loads(fixture.with_suffix(".json").read_text(encoding="utf-8"))
    title: str = data["title"]
    return title


def test_a_profile_naming_the_wrong_platform_still_yields_every_article(tmp_path: Path) -> None:
    with serve(_liferay_site()) as base:
        profile = {
            "key": "dong_thap",
            "name": "Cổng TTĐT tỉnh Đồng Tháp",
            "province": "Đồng Tháp",
            "base_url": base,
            "platform": "vnportal",
            "max_pages": 1,
            "categories": [
                {
                    "key": "tin_tuc_su_kien",
                    "name": "Tin tức - Sự kiện",
                    "url": base + "/tin-tuc-su-kien",
                    "topic": "news",
                }
            ],
        }
        report = crawl(profile, tmp_path)
    entry = report["portals"]["dong_thap"]  # type: ignore[index]
    assert entry["articles_new"] == len(LR_ARTICLES), entry
    mismatch = [c for c in entry["checks"] if c["name"] == "platform_mismatch"]
    assert mismatch, entry["checks"]
    assert 'set platform = "liferay62"' in mismatch[0]["message"]
    assert mismatch[0]["status"] == "warning"
    feed = feedparser.parse(
        (tmp_path / "feeds" / "dong_thap" / "tin_tuc_su_kien.rss.xml").read_bytes()
    )
    assert sorted(e.title for e in feed.entries) == sorted(
        _expected_title(p) for p in LR_ARTICLES.values()
    )
