"""The seed article of Bạc Liêu, in the portal's 2018 markup (tests/seed.py), field by field,
then end to end: a crawl of the category page on a 127.0.0.1 server (every headline printed
twice) fetches each article once and puts the seed, with its own guid, in the Bạc Liêu
"Hoạt động lãnh đạo" feed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import feedparser
from lxml import html as lxml_html

from newsfeed.platforms.extract import extract_page
from newsfeed.platforms.sharepoint import SharePointPlatform
from newsfeed.portals import Registry
from tests.seed import (
    ITEM_ID,
    OTHERS,
    Seed,
    article_page,
    expected_article,
    listing_page,
    listing_path,
    load_seed,
    meta,
)

SEED_GUID = f"tag:newsfeed,2025:bac_lieu/tintuc/lists/posts/{ITEM_ID}"


def test_seed_article_every_field() -> None:
    seed = load_seed()
    page = meta()
    assert page["synthetic"] is True, "hand-written fixtures say so"
    got = extract_page(article_page(seed), page["url"], content_type=page["content_type"])
    expected = expected_article(seed)
    data = got.to_dict()
    problems = [
        f"{name}: expected {expected[name]!r}, got {data[name]!r}"
        for name in expected
        if data[name] != expected[name]
    ]
    assert not problems, "\n".join(problems)
    assert set(expected) == set(data) - {"body_html"}, "the expectation states every field"


def test_seed_fields_against_the_seed_text_itself() -> None:
    """Not against extractor output: what a reader of the seed sees, field by field."""
    seed = load_seed()
    article = extract_page(article_page(seed), meta()["url"])
    assert article.section == seed.category == "HOẠT ĐỘNG LÃNH ĐẠO"
    assert article.categories == ("hoat_dong_lanh_dao",)
    assert article.title == seed.title
    assert article.body_text.split("\n\n") == list(seed.body), "paragraphs and both captions"
    assert [image.caption for image in article.images] == [seed.body[1], seed.body[6]]
    assert seed.credit == "Tin, ảnh: T.T - H.T" and article.author == "T.T - H.T"
    assert seed.credit not in article.body_text
    assert [link.title for link in article.related_links] == list(seed.related)
    assert len(article.related_links) == 8, "the hidden duplicate (ID= on www.) is one of them"
    assert article.published == "2024-10-24T17:30:00+07:00" and article.date_source == "article"
    assert article.summary == seed.body[0], "no sapo element: the lead is the first paragraph"
    assert article.guid == SEED_GUID
    body = lxml_html.fragment_fromstring(article.body_html, create_parent="div")
    assert not body.xpath("//script | //form | //@style | //@onclick")


def test_seed_listing_doubled_headlines_one_item_each() -> None:
    seed = load_seed()
    url = "https://baclieu.gov.vn" + listing_path(seed)
    response = extract_response(listing_page(seed), url)
    platform = SharePointPlatform()
    assert platform.article_id(url) is None and not platform.is_article_url(url)
    cells = response.css("td.TitleFront")
    assert len(cells) == 6, "the page prints each of its 3 headlines twice"
    listing = platform.parse_listing(response, url)
    assert [platform.article_id(i.url) for i in listing.items] == [
        f"tintuc/lists/posts/{ITEM_ID}",
        *(f"tintuc/lists/posts/{rid}" for rid, _, _ in OTHERS),
    ]
    assert listing.items[0].title == seed.title
    assert listing.items[0].published_raw == "Thứ Năm, 24/10/2024, 17:30"
    assert listing.next_page is None


def extract_response(body: bytes, url: str) -> object:
    from scrapy.http import HtmlResponse

    return HtmlResponse(url=url, body=body, encoding="utf-8").selector


# --- end to end --------------------------------------------------------------------------------


def _invented_body(title: str) -> tuple[str, ...]:
    return (
        f"{title}: đoàn công tác làm việc với các sở, ngành liên quan.",
        "Quang cảnh buổi làm việc.",
        "Các đơn vị báo cáo tiến độ thực hiện nhiệm vụ được giao.",
        "Lãnh đạo tỉnh đề nghị khẩn trương tháo gỡ khó khăn, vướng mắc.",
        "Các địa phương phối hợp chặt chẽ trong quá trình triển khai.",
        "Kết quả sẽ được tổng hợp báo cáo trong tháng tới.",
        "Đoàn kiểm tra thực tế tại công trình.",
        "Buổi làm việc kết thúc cùng ngày.",
    )


def _site(seed: Seed) -> dict[str, bytes]:
    """The pages by ItemID ("" is the category page)."""
    pages = {"": listing_page(seed), ITEM_ID: article_page(seed)}
    for rid, title, date in OTHERS:
        pages[rid] = article_page(
            seed, item_id=rid, title=title, printed_date=date, body=_invented_body(title)
        )
    return pages


@contextmanager
def serve(pages: dict[str, bytes]) -> Iterator[tuple[str, Counter[str]]]:
    hits: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k.lower(): v for k, v in parse_qsl(parts.query)}
            key = query.get("itemid", "")
            body = None
            if parts.path.lower() == "/tintuc/lists/posts/post.aspx" and (
                key or query.get("mode") == "2"
            ):
                body = pages.get(key)
            hits[key if body is not None else self.path] += 1
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"<html><body>Not found</body></html>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


_CRAWL = """
import json, sys
from dataclasses import replace
from pathlib import Path
from newsfeed.config import Config
from newsfeed.jobs import build_feeds, run_crawl
from newsfeed.portals import Registry

base, listing, var, feeds = sys.argv[1:5]
real = Registry().get("bac_lieu")
categories = tuple(
    replace(c, url=base + listing) if c.key == "hoat_dong_lanh_dao" else c
    for c in real.categories
)
portal = replace(real, base_url=base, categories=categories)
config = Config(var_dir=Path(var), feeds_dir=Path(feeds), base_url="https://feeds.example/")
registry = Registry([portal])
report = run_crawl([portal], config, registry=registry, category="hoat_dong_lanh_dao", local=True)
build_feeds(config, registry)
print(json.dumps(report))
"""


def test_seed_portal_crawled_into_its_leadership_feed(tmp_path: Path) -> None:
    seed = load_seed()
    with serve(_site(seed)) as (base, hits):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _CRAWL,
                base,
                listing_path(seed),
                str(tmp_path / "var"),
                str(tmp_path / "feeds"),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])["portals"]["bac_lieu"]
    assert report["articles_new"] == 3, report
    assert report["article_pages_fetched"] == 3, "one fetch per article, not per headline"
    assert hits[ITEM_ID] == 1 and all(hits[rid] == 1 for rid, _, _ in OTHERS), hits

    feed_file = tmp_path / "feeds" / "bac_lieu" / "hoat_dong_lanh_dao.rss.xml"
    assert feed_file.exists(), sorted(p.name for p in (tmp_path / "feeds").rglob("*"))
    feed = feedparser.parse(feed_file.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    entries = {entry.id: entry for entry in feed.entries}
    assert set(entries) >= {SEED_GUID}, sorted(entries)
    entry = entries[SEED_GUID]
    assert entry.title == seed.title
    assert entry.get("author") == "T.T - H.T"
    assert entry.published_parsed[:5] == (2024, 10, 24, 10, 30), "17:30 at +07:00"
    text = entry.content[0].value if "content" in entry else entry.summary
    assert seed.body[3][:60] in text and seed.credit not in text
    assert Registry().get("bac_lieu").category_for_label(seed.category) is not None
