"""A synthetic Liferay 6.2 portal of N articles on 127.0.0.1, and a bare Scrapy spider for it.

``make bench`` (:func:`tests.tools.bench.bench_crawl`) crawls it twice over, with newsfeed and
with :class:`BareSpider` (the least a Scrapy spider does to get the same pages: follow the
listing's article links and "next" link, read a title, a date and the body text), to compare
pages/s and CPU per article.

The pages are the bundled demo portal's own (``newsfeed/demo/site``: full Liferay chrome, about
20 KB an article), with each article's title, date, lead and body from
:func:`tests.tools.synthetic.texts`: :data:`CATEGORIES` categories of N / 3 articles each,
:data:`PAGE_SIZE` to a listing page, every page rendered on request from two templates.

``python -m tests.tools.synthetic_portal serve N`` serves it until killed, printing its base
URL on the first line; ``python -m tests.tools.synthetic_portal bare BASE_URL N [NAME=VALUE ...]``
crawls it with the bare spider and prints one JSON line of figures.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.tools.synthetic import texts

SITE = Path(__file__).resolve().parents[2] / "newsfeed" / "demo" / "site"
CATEGORIES = (
    ("tin_tuc_su_kien", "Tin tức sự kiện", "tin-tuc-su-kien", "news"),
    ("hoat_dong_lanh_dao", "Hoạt động lãnh đạo", "hoat-dong-lanh-dao", "leadership"),
    ("thong_bao", "Thông báo", "thong-bao", "news"),
)
PAGE_SIZE = 20
PORTAL_KEY = "synthetic"
NEWEST = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
_TEMPLATE_ID = "6121007"
_AUTHORS = ("Minh Anh", "Thu Hà", "Quốc Huy")
_TEMPLATE_SLUG = "6121007-ke-hoach-to-chuc-ngay-hoi-chuyen-doi-so-tinh-demo-nam-2026"


def profile_toml(base_url: str) -> str:
    """The portal profile newsfeed crawls it with (``NEWSFEED_PROFILES_DIR``)."""
    lines = [
        f'key = "{PORTAL_KEY}"',
        'name = "Cổng tổng hợp (bench)"',
        'province = "Bench"',
        f'base_url = "{base_url}"',
        'platform = "liferay62"',
        'language = "vi"',
        "max_pages = 1000",  # every listing page, as the bare spider follows them
    ]
    for key, name, path, topic in CATEGORIES:
        lines += [
            "",
            "[[categories]]",
            f'key = "{key}"',
            f'name = "{name}"',
            f'url = "{base_url}/vi/{path}"',
            f'topic = "{topic}"',
        ]
    return "\n".join(lines) + "\n"


class Site:
    """The N articles, their listings and the two page templates."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.bodies = dict(texts(count, seed=14))
        self.article_template = (SITE / "articles" / f"{_TEMPLATE_ID}.html").read_text("utf-8")
        listing = (SITE / "vi" / "tin-tuc-su-kien.html").read_text("utf-8")
        start = listing.index(' <div class="asset-bounddary">')
        end = listing.index(' <div class="taglib-page-iterator"')
        self.listing_head = listing[:start]
        self.listing_tail = listing[
            listing.index("</div> </div>\n", end) + len("</div> </div>\n") :
        ]
        self.row_template = listing[start : listing.index("\n", start) + 1]

    def category_ids(self, index: int) -> list[int]:
        """Article ids of category ``index``, newest first (id 0 is the newest article)."""
        return [i for i in range(self.count) if i % len(CATEGORIES) == index]

    @staticmethod
    def title(i: int, body: str) -> str:
        return f"Bài viết số {i}: " + " ".join(body.split()[:10])

    @staticmethod
    def published(i: int) -> datetime:
        return NEWEST - timedelta(minutes=37 * i)

    def article(self, i: int) -> str:
        body = self.bodies[i]
        title = self.title(i, body)
        when = self.published(i) + timedelta(hours=7)
        page = self.article_template.replace(_TEMPLATE_SLUG, f"{i}-bai-viet-so-{i}")
        page = page.replace(_TEMPLATE_ID, str(i)).replace("admin admin", _AUTHORS[i % 3])
        page = re.sub(r"<title>.*?</title>", f"<title>{title}</title>", page, count=1)
        page = re.sub(
            r'(<div class="asset-full-content-title">).*?(</div>)',
            rf"\g<1>{title}\2",
            page,
            count=1,
        )
        page = re.sub(
            r"(Ngày đăng\s*)\d\d/\d\d/\d{4} \| \d\d:\d\d [AP]M",
            rf"\g<1>{when:%d/%m/%Y | %I:%M %p}",
            page,
            count=1,
        )
        page = re.sub(
            r'(<p class="sapo">\s*<strong>).*?(</strong>)',
            rf"\g<1>{body[:160]}\2",
            page,
            count=1,
            flags=re.S,
        )
        paragraphs = "".join(
            f'<p style="text-align: justify;">{body[j : j + 400]}</p>\n'
            for j in range(0, len(body), 400)
        )
        start = page.index('<div class="journal-content-article">\n')
        start += len('<div class="journal-content-article">\n')
        end = page.index('\t<p align="right" class="view-content-author">', start)
        return page[:start] + paragraphs + page[end:]

    def listing(self, index: int, number: int) -> str | None:
        ids = self.category_ids(index)
        pages = max(1, -(-len(ids) // PAGE_SIZE))
        if number > pages:
            return None
        path = CATEGORIES[index][2]
        rows = []
        for i in ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]:
            title = self.title(i, self.bodies[i])
            when = self.published(i) + timedelta(hours=7)
            rows.append(
                f'<div class="asset-bounddary"> <div class="asset-abstract "> <div class="asset-'
                f'content normal-news"> <div class="asset-content-custom"> <h3 class="asset-'
                f'title"> <a href="/vi/{path}/-/view_content/{i}-bai-viet-so-{i}">{title}</a>'
                f' </h3> <div class="assetPublishDate block_timer"> Ngày đăng '
                f"{when:%d/%m/%Y | %I:%M %p} | View count: {i % 97} </div> <div class="
                f'"asset-summary"> {self.bodies[i][:160]} </div> </div> </div> </div> </div>\n'
            )
        pager = ""
        if number < pages:
            pager = (
                '<div class="taglib-page-iterator"><ul class="pager lfr-pagination-buttons">'
                f'<li class=""><a href="/vi/{path}?p_p_id=101&amp;p_p_lifecycle=0&amp;_101_delta='
                f'{PAGE_SIZE}&amp;_101_cur={number + 1}" target="_self"> next </a></li></ul>'
                "</div>\n"
            )
        return self.listing_head + "".join(rows) + pager + self.listing_tail


def serve(count: int) -> None:
    """Serve the site (every page rendered before the first request: the server's own speed
    stays the same from the first crawl to the last)."""
    site = Site(count)
    pages: dict[tuple[str, int], bytes] = {}
    for index, (_, _, path, _) in enumerate(CATEGORIES):
        number = 1
        while (text := site.listing(index, number)) is not None:
            pages[(f"/vi/{path}", number)] = text.encode("utf-8")
            number += 1
    articles = [site.article(i).encode("utf-8") for i in range(count)]
    article_re = re.compile(r"^/vi/[a-z-]+/-/view_content/(\d+)-")

    def page(path: str, number: int) -> bytes | None:
        if (match := article_re.match(path)) and int(match[1]) < count:
            return articles[int(match[1])]
        return pages.get((path, number))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/robots.txt":
                body, kind, status = b"User-agent: *\nDisallow:\n", "text/plain", 200
            else:
                cur = parse_qs(parts.query).get("_101_cur", ["1"])[-1]
                found = page(parts.path, int(cur) if cur.isdigit() else 1)
                body = found if found is not None else b"<html><body>404</body></html>"
                kind = "text/html; charset=utf-8"
                status = 200 if found is not None else 404
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def bare(base_url: str, count: int, settings: dict[str, str]) -> dict[str, Any]:
    """Crawl the site with :class:`BareSpider` in this process; its figures."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings.default_settings import EXTENSIONS_BASE

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            for _, _, path, _ in CATEGORIES:
                yield scrapy.Request(f"{base_url}/vi/{path}", callback=self.parse)

        def parse(self, response: Any) -> Any:
            for href in response.css("h3.asset-title a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_article)
            next_page = response.css("ul.pager li a[href*='_101_cur']::attr(href)").get()
            if next_page:
                yield response.follow(next_page, callback=self.parse)

        def parse_article(self, response: Any) -> Any:
            yield {
                "url": response.url,
                "title": response.css(".asset-full-content-title::text").get(),
                "date": response.css(".assetPublishDate::text").get(),
                "body": " ".join(response.css(".journal-content-article ::text").getall()),
            }

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": True,
            # the consoles newsfeed's crawls leave out (newsfeed.crawl.settings), left out
            # here too: the same start-up work for both crawlers
            "TELNETCONSOLE_ENABLED": False,
            "EXTENSIONS_BASE": {
                k: v for k, v in EXTENSIONS_BASE.items() if "telnet" not in k and "remote" not in k
            },
            **settings,
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {
        "items": stats.get("item_scraped_count", 0),
        "responses": stats.get("response_received_count", 0),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        serve(int(argv[1]))
        return 0
    if argv[:1] == ["bare"]:
        settings = dict(arg.split("=", 1) for arg in argv[3:])
        start = time.perf_counter()
        figures = bare(argv[1], int(argv[2]), settings)
        figures["seconds"] = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures["cpu_seconds"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(figures))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
