"""The spider through whole crawls, in this process, of a copy of the demo portal on 127.0.0.1.

Each test changes the copy the way a real portal changes (a category known only by its menu
label, a maintenance page served with 200, a page that breaks the extractor, an article that
is gone) and checks what the report and the store then say.
"""

from __future__ import annotations

import gc
import os
import shutil
import weakref
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from newsfeed.config import Config
from newsfeed.crawl import guards
from newsfeed.crawl.spiders import portal as spider_module
from newsfeed.crawl.spiders.portal import nested_deeper, past_bounds
from newsfeed.demo import DEMO_PORTAL_KEY, demo_profile_data
from newsfeed.extraction.response import PageResponse
from newsfeed.monitor.report import format_table
from newsfeed.portals import Portal, portal_from_dict
from newsfeed.store.db import Store, utcnow
from tests.crawling import crawl_here
from tests.faultsite import windows_1258
from tests.servers import serve_demo

ARTICLE = "6121007"
"""Listed first in "Tin tức sự kiện": Kế hoạch tổ chức Ngày hội Chuyển đổi số."""
KEY = DEMO_PORTAL_KEY


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A copy of the demo site, served on 127.0.0.1: (its folder, its base URL)."""
    from newsfeed.demo import server

    copy = tmp_path / "site"
    shutil.copytree(server.SITE_DIR, copy)
    monkeypatch.setattr(server, "SITE_DIR", copy)
    with serve_demo() as base_url:  # the demo handler, quick to shut down
        yield copy, base_url


def portal(base_url: str, **changes: Any) -> Portal:
    return portal_from_dict({**demo_profile_data(base_url), **changes}, source="test")


def config(tmp_path: Path) -> Config:
    return Config(var_dir=tmp_path / "var")


def metrics(tmp_path: Path) -> str:
    """The metrics file the latest crawl wrote."""
    return (config(tmp_path).var_dir / "metrics" / "newsfeed.prom").read_text(encoding="utf-8")


def touch_listings(folder: Path, hours: int) -> None:
    """The listing pages changed ``hours`` from now: a conditional GET gets them again."""
    later = utcnow().timestamp() + 3600 * hours
    for page in (folder / "vi").glob("*.html"):
        os.utime(page, (later, later))


def test_a_category_known_by_its_menu_label_is_found_and_crawled(
    reactor_thread: Any, site: tuple[Path, str], tmp_path: Path
) -> None:
    _, base = site
    data = demo_profile_data(base)
    categories: list[dict[str, Any]] = list(data["categories"])  # type: ignore[call-overload]
    leadership = {k: v for k, v in categories[0].items() if k != "url"}
    leadership["labels"] = ["Hoạt động lãnh đạo"]
    missing = {"key": "thong_bao", "name": "Thông báo", "labels": ["Thông báo"], "topic": "news"}
    labelled = portal(base, categories=[leadership, categories[1], missing])
    assert labelled.category("hoat_dong_lanh_dao").needs_discovery

    crawl = crawl_here(reactor_thread, [labelled], config(tmp_path))

    entry = crawl.report["portals"][KEY]
    assert entry["categories"]["hoat_dong_lanh_dao"]["articles_listed"] > 0
    assert "thong_bao" not in entry["categories"]
    assert crawl.count(KEY, "categories_undiscovered") == 1
    with Store(config(tmp_path).store_path) as store:
        found = store.discovered_url(KEY, "hoat_dong_lanh_dao")
        assert found == f"{base}/vi/hoat-dong-lanh-dao"
        assert store.discovered_url(KEY, "thong_bao") is None
        assert store.articles(portal=KEY, category="hoat_dong_lanh_dao")


def test_soft_errors_are_what_the_spider_counted(
    reactor_thread: Any, site: tuple[Path, str], tmp_path: Path
) -> None:
    folder, base = site
    (folder / "articles" / f"{ARTICLE}.html").write_text(
        "<html><head><title>Website đang bảo trì</title></head>"
        "<body><p>Website đang bảo trì, xin quý khách quay lại sau.</p></body></html>",
        encoding="utf-8",
    )
    crawl = crawl_here(reactor_thread, [portal(base)], config(tmp_path))
    entry = crawl.report["portals"][KEY]
    assert entry["soft_errors"] == {"maintenance": 1}
    assert crawl.count(KEY, "soft_errors/maintenance") == 1
    # not an article with missing fields: kept out of fields_missing and of the store
    assert entry["articles_new"] == 10 and "title" not in entry["fields_missing"]
    assert "soft_errors" in [c["name"] for c in entry["checks"]]


def test_an_article_that_breaks_the_extractor_is_counted_and_retried(
    reactor_thread: Any, site: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.platforms.base import Platform

    _, base = site
    extract = Platform.extract

    def breaks_on_one(self: Platform, sel: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        if ARTICLE in url:
            raise ValueError("a page the extractor cannot read")
        return extract(self, sel, url, *args, **kwargs)

    monkeypatch.setattr(Platform, "extract", breaks_on_one)
    first = crawl_here(reactor_thread, [portal(base)], config(tmp_path))
    assert first.count(KEY, "extraction_errors") == 1
    assert first.report["portals"][KEY]["articles_new"] == 10
    # visible where an operator looks: the report, `newsfeed report`, the metrics
    assert first.report["portals"][KEY]["extraction_errors"] == 1
    assert first.report["totals"]["extraction_errors"] == 1
    assert "extraction_errors 1" in format_table(first.report)
    assert f'newsfeed_run_extraction_errors{{portal="{KEY}"}} 1.0' in metrics(tmp_path)
    monkeypatch.setattr(Platform, "extract", extract)
    again = crawl_here(reactor_thread, [portal(base)], config(tmp_path))
    # its listing page was not cached as complete: the page is asked again and stored
    assert again.report["portals"][KEY]["articles_new"] == 1
    with Store(config(tmp_path).store_path) as store:
        assert [a for a in store.articles(portal=KEY) if ARTICLE in a.article.url]


def test_a_gone_article_is_asked_again_only_after_seven_days(
    reactor_thread: Any, site: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.crawl.spiders import portal as spider

    folder, base = site
    page = folder / "articles" / f"{ARTICLE}.html"
    saved = page.read_bytes()
    page.unlink()
    first = crawl_here(reactor_thread, [portal(base)], config(tmp_path))
    assert first.report["portals"][KEY]["http_errors"] == {"404": 1}

    page.write_bytes(saved)  # back, but nobody asks within the week
    touch_listings(folder, hours=1)
    six_days = crawl_here(reactor_thread, [portal(base)], config(tmp_path))
    assert six_days.count(KEY, "articles_skipped_gone") == 1
    assert six_days.report["portals"][KEY]["articles_new"] == 0
    assert six_days.report["portals"][KEY]["articles_skipped_gone"] == 1
    assert "articles_skipped_gone 1" in format_table(six_days.report)
    assert f'newsfeed_run_articles_skipped_gone{{portal="{KEY}"}} 1.0' in metrics(tmp_path)

    now = utcnow()
    monkeypatch.setattr(spider, "utcnow", lambda: now + timedelta(days=7, minutes=1))
    touch_listings(folder, hours=2)
    week_later = crawl_here(reactor_thread, [portal(base)], config(tmp_path))
    assert week_later.count(KEY, "articles_skipped_gone") == 0
    assert week_later.report["portals"][KEY]["articles_skipped_gone"] == 0
    assert "articles_skipped_gone" not in format_table(week_later.report)
    assert week_later.report["portals"][KEY]["articles_new"] == 1


@pytest.mark.parametrize(
    ("charset", "anchors", "why"),
    [
        ("utf-8", 20, None),
        ("utf-8", 21, "more than 20 links"),
        ("windows-1258", 21, "more than 20 links"),
        ("utf-16", 20, None),  # "<a" is not those bytes: the tree's links are counted
        ("utf-16", 21, "more than 20 links"),
        ("utf-32", 21, "more than 20 links"),
    ],
)
def test_a_page_with_more_links_than_the_bound_is_refused_in_any_charset(
    charset: str, anchors: int, why: str | None
) -> None:
    links = "".join(f"<li><a href='/t/{i}'>Tin {i}</a></li>" for i in range(anchors))
    page = f"<html><body><p>Bài viết</p><ul>{links}</ul></body></html>"
    response = PageResponse(
        url="https://example.gov.vn/tin/1",
        body=windows_1258(page) if charset == "windows-1258" else page.encode(charset),
        headers={"Content-Type": f"text/html; charset={charset}"},
    )
    assert past_bounds(response, links=20, depth=2000) == why
    assert past_bounds(response, links=anchors, depth=2000) is None


def test_a_page_nested_past_the_depth_bound_is_refused() -> None:
    page = "<html><body>" + "<div>" * 30 + "x" + "</div>" * 30 + "</body></html>"
    response = PageResponse(url="https://example.gov.vn/tin/1", body=page.encode())
    assert past_bounds(response, links=20, depth=25) == "DOM deeper than 25 levels"
    assert past_bounds(response, links=20, depth=40) is None


@pytest.mark.parametrize("depth", range(7))
def test_the_dom_depth_bound_is_exact(depth: int) -> None:
    # pages whose deepest branch holds ``levels`` elements below <body>, beside shallow ones;
    # the bound is what counting every element's ancestors says
    for levels in range(9):
        deep = "<div>" * levels + "x" + "</div>" * levels
        page = f"<html><body><p>a</p>{deep}<ul><li>b</li></ul></body></html>"
        root = Selector(text=page).root
        counted = bool(root.xpath(f"boolean(//*[count(ancestor::*) >= {depth}])"))
        assert nested_deeper(root, depth) == counted, (depth, levels)


@pytest.mark.parametrize(
    "setup",
    [(True, True), (False, True), (True, False), (False, False)],
    ids=["as_set", "middleware_off", "scrapy_selector", "both_off"],
)
def test_a_page_tree_is_freed_when_its_callback_is_done_not_at_a_garbage_collection(
    site: tuple[Path, str],
    tmp_path: Path,
    reactor_thread: Any,
    monkeypatch: pytest.MonkeyPatch,
    setup: tuple[bool, bool],
) -> None:
    # Scrapy's selector and its response refer to each other: without the release every
    # article's tree waits for the cyclic collector, disabled here to show which pages it would
    # have held. A PageResponse's selector (UTF-8 pages, these) holds no response: no cycle.
    released, page_response = setup
    _, base = site
    trees: list[weakref.ref[Any]] = []
    real = spider_module.nested_deeper

    def watched(root: Any, depth: int) -> bool:
        trees.append(weakref.ref(root))
        return real(root, depth)

    monkeypatch.setattr(spider_module, "nested_deeper", watched)
    if not page_response:
        monkeypatch.setattr(guards, "as_page", lambda response: response)
    off = {"newsfeed.crawl.guards.ReleasePageMiddleware": None}
    settings = {} if released else {"SPIDER_MIDDLEWARES": off}
    gc.collect()
    gc.disable()
    try:
        done = crawl_here(reactor_thread, [portal(base)], config(tmp_path), extra_settings=settings)
        alive = sum(tree() is not None for tree in trees)
    finally:
        gc.enable()
    assert done.report["portals"][KEY]["articles_new"] >= 5
    assert len(trees) == done.report["portals"][KEY]["articles_new"]
    if released or page_response:
        assert alive == 0
    else:  # what the release is for
        assert alive == len(trees)


SHARED = "6119873"
"""Listed in both demo categories: third on "Hoạt động lãnh đạo", second on "Tin tức sự kiện"."""


def test_an_article_on_two_listing_pages_is_fetched_from_the_one_read_first() -> None:
    # Scrapy advances callback outputs cooperatively, interleaving two listings' callbacks. The
    # page read first must claim all its articles at once, or the shared article's fetch URL
    # (and its feed link) depends on how far each loop got: here the second page is read to its
    # end after the first gave one item, as a busy machine interleaves them.
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from newsfeed.crawl.spiders.portal import PortalSpider
    from newsfeed.crawl.state import CrawlState
    from newsfeed.demo import server
    from newsfeed.items import CategoryLink

    base = "http://127.0.0.1:9"
    crawler = get_crawler(PortalSpider)
    spider = PortalSpider.from_crawler(crawler, portals=[portal(base)])
    spider.state = CrawlState(Store(":memory:"))
    spider.state.crawler = crawler
    outputs: dict[str, Iterator[Any]] = {}
    for category, path in (
        ("hoat_dong_lanh_dao", "/vi/hoat-dong-lanh-dao"),
        ("tin_tuc_su_kien", "/vi/tin-tuc-su-kien"),
    ):
        request = spider.first_listing(spider.portals[KEY], category, base + path)
        body = (server.SITE_DIR / f"{path.lstrip('/')}.html").read_bytes()
        response = HtmlResponse(request.url, body=body, encoding="utf-8", request=request)
        outputs[category] = spider.parse_listing(response, **request.cb_kwargs)
    first = [next(outputs["hoat_dong_lanh_dao"])]
    second = list(outputs["tin_tuc_su_kien"])
    first += outputs["hoat_dong_lanh_dao"]
    fetched = [
        r.url for r in (*first, *second) if isinstance(r, Request) and f"/{SHARED}-" in r.url
    ]
    assert len(fetched) == 1, fetched
    assert fetched[0].startswith(f"{base}/vi/hoat-dong-lanh-dao/-/view_content/{SHARED}-")
    # the second page names its category for the article, to be stored with it
    links = [o for o in second if isinstance(o, CategoryLink) and o.guid.endswith(SHARED)]
    assert [link.categories for link in links] == [("tin_tuc_su_kien",)]
    spider.state.store.close()
