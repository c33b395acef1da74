"""The generic fallback (pages of sites with no profile): fixtures written for the project in
the markup of national and provincial news sites, the rules of issue #3 one by one, and the
real Báo Cần Thơ page extracted as if the site had no profile."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from newsfeed.extraction.generic import extract_generic
from newsfeed.extraction.structured import load_jsonld
from newsfeed.items import Article
from newsfeed.platforms.extract import extract_page, response_for
from newsfeed.portals import Registry
from tests.conftest import CORPUS, REPO, corpus_path, run_cli
from tests.tools.eval import token_f1

FIXTURES = REPO / "tests" / "fixtures" / "generic"
PAGES = sorted(p.stem for p in FIXTURES.glob("*.html"))
FIELDS = (
    "url",
    "canonical_url",
    "guid",
    "portal",
    "categories",
    "title",
    "summary",
    "published",
    "published_raw",
    "date_source",
    "updated",
    "author",
    "images",
    "related_links",
    "attachments",
    "language",
)


def _load(name: str) -> tuple[dict[str, Any], dict[str, Any], Article]:
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text(encoding="utf-8"))
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    body = (FIXTURES / f"{name}.html").read_bytes()
    article = extract_page(body, meta["url"], content_type=meta["content_type"])
    return meta, expected, article


@pytest.mark.parametrize("name", PAGES)
def test_generic_fixture(name: str) -> None:
    meta, expected, article = _load(name)
    assert Registry().for_url(meta["url"]) is None, (
        f"{meta['url']}: a profile now covers this host; move the page to its portal's fixtures"
    )
    got = article.to_dict()
    for field in FIELDS:
        assert got[field] == expected[field], (
            f"{name}: {field}: got {got[field]!r}, expected {expected[field]!r} ({meta['note']})"
        )
    assert got["body_text"] == expected["body_text"], f"{name}: body_text differs"
    for banned in ("<script", "<style", "<iframe", "onclick", "javascript:", "<h1"):
        assert banned not in article.body_html, f"{name}: body_html holds {banned}"
    paragraphs = article.body_text.split("\n\n")
    assert article.title not in paragraphs, f"{name}: the headline is in the body"
    if article.author:
        assert article.author not in article.body_text.splitlines()[-1], f"{name}: byline in body"


def test_at_least_five_pages_cover_the_rules() -> None:
    assert len(PAGES) >= 5
    expected = [json.loads((FIXTURES / f"{n}.json").read_text(encoding="utf-8")) for n in PAGES]
    # a date-only page stays date-only; the others carry a time and an offset
    assert any(len(e["published"]) == 10 for e in expected)
    assert any(e["published"].endswith("+07:00") for e in expected)
    assert {e["date_source"] for e in expected} >= {"jsonld", "meta", "article"}


def _page(head: str, body: str) -> str:
    header = "<div class='top-bar'><span class='date'>Thứ Sáu, 27/11/2026 08:00</span></div>"
    return f"<html><head>{head}</head><body>{header}<div class='detail'>{body}</div></body></html>"


def _extract(markup: str, url: str = "https://baoxyz.example.vn/tin-a1.html") -> Article:
    response = response_for(markup.encode("utf-8"), url, "text/html; charset=utf-8")
    return extract_generic(response.selector, url, html_text=response.text)


_BODY = (
    "<div class='article-content'>" + "<p>Nội dung bài viết khá dài để đủ làm thân bài. </p>" * 8
)
_JSONLD = '<script type="application/ld+json">{}</script>'


def test_lenient_jsonld() -> None:
    assert load_jsonld('{"a": 1,}') == [{"a": 1}]
    assert load_jsonld('{"a": "x\ny\tz"}') == [{"a": "x\ny\tz"}]
    assert load_jsonld('<!-- {"a": [1, 2,],} -->') == [{"a": [1, 2]}]
    assert load_jsonld('{"a": 1}{"b": 2}') == [{"a": 1}, {"b": 2}]
    assert load_jsonld("{&quot;a&quot;: 1}") == [{"a": 1}]
    assert load_jsonld("not json") == []


def test_site_name_is_not_an_author_compared_without_diacritics() -> None:
    head = (
        '<meta property="og:site_name" content="Báo Đồng Nai">'
        '<meta name="author" content="BAO DONG NAI">'
        + _JSONLD.format(
            '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "baodongnai.com.vn"}}'
        )
    )
    article = _extract(
        _page(head, "<h1>Tiêu đề bài</h1>" + _BODY + "</div>"),
        "https://baodongnai.com.vn/tin-a1.html",
    )
    assert article.author is None
    # the host alone also names the site
    article = _extract(
        _page('<meta name="author" content="Baodongnai">', _BODY + "</div>"),
        "https://baodongnai.com.vn/tin-a1.html",
    )
    assert article.author is None


def test_jsonld_person_is_an_author_and_title_suffix_goes() -> None:
    head = "<title>Tiêu đề bài - Báo Đồng Nai</title>" + _JSONLD.format(
        '{"@type": "NewsArticle", "headline": "Tiêu đề bài",'
        ' "author": [{"@type": "Person", "name": "Hoàng Lộc"}]}'
    )
    article = _extract(_page(head, _BODY + "</div>"))
    assert article.author == "Hoàng Lộc"
    assert article.title == "Tiêu đề bài"


def test_date_without_time_is_not_midnight() -> None:
    head = _JSONLD.format('{"@type": "NewsArticle", "datePublished": "2026-01-13"}')
    article = _extract(
        _page(head, "<h1>Tiêu đề</h1><span class='date'>13/01/2026</span>" + _BODY + "</div>")
    )
    assert article.published == "2026-01-13"


def test_printed_time_near_title_beats_jsonld_date_only_never_body_text() -> None:
    head = _JSONLD.format('{"@type": "NewsArticle", "datePublished": "2026-01-13"}')
    body = _BODY + "<p>Hội nghị khai mạc lúc 14:00 ngày 13/01/2026.</p></div>"
    article = _extract(_page(head, "<h1>Tiêu đề</h1>" + body))
    assert article.published == "2026-01-13", "a time in the body text is not the publication's"
    printed = "<h1>Tiêu đề</h1><div class='publish-date'>Thứ Ba, 13/01/2026 - 08:15</div>"
    article = _extract(_page(head, printed + body))
    assert article.published == "2026-01-13T08:15:00+07:00"
    assert article.date_source == "article"


def test_structured_offset_is_kept_and_no_zone_means_local_time() -> None:
    head = '<meta property="article:published_time" content="2026-01-13T08:15:00+08:00">'
    assert _extract(_page(head, _BODY + "</div>")).published == "2026-01-13T08:15:00+08:00"
    head = _JSONLD.format('{"@type": "Article", "datePublished": "2026-01-13T08:15:00"}')
    assert _extract(_page(head, _BODY + "</div>")).published == "2026-01-13T08:15:00+07:00"


def test_graph_and_list_jsonld() -> None:
    head = _JSONLD.format(
        '[{"@type": "WebSite", "name": "Báo X"}, {"@graph": [{"@type": ["ReportageNewsArticle"],'
        ' "headline": "Tin trong graph", "datePublished": "2026-02-01T10:00:00+07:00"}]}]'
    )
    article = _extract(_page(head, _BODY + "</div>"))
    assert article.title == "Tin trong graph"
    assert article.published == "2026-02-01T10:00:00+07:00"
    assert article.date_source == "jsonld"


def test_credit_line_is_the_author_and_leaves_the_body() -> None:
    body = _BODY + "<p style='text-align:right'><strong>Tin, ảnh: T.T - H.T</strong></p></div>"
    article = _extract(_page("", "<h1>Tiêu đề</h1>" + body))
    assert article.author == "T.T - H.T"
    assert "Tin, ảnh" not in article.body_text


def test_missing_everything_does_not_raise() -> None:
    article = extract_generic(Selector(text="<html><body></body></html>"), "https://x.example/")
    assert article.title == "" and article.published is None and article.portal is None


def test_cli_extract_on_a_generic_fixture(tmp_path: Path) -> None:
    meta = json.loads((FIXTURES / "provincial_dateonly_jsonld.meta.json").read_text("utf-8"))
    done = run_cli(
        "extract",
        str(FIXTURES / "provincial_dateonly_jsonld.html"),
        "--url",
        meta["url"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["portal"] is None
    assert data["published"] == "2026-01-12T15:47:00+07:00"
    assert data["author"] == "Ngọc Lan"


def test_real_baocantho_page_as_if_it_had_no_profile() -> None:
    path = corpus_path("baocantho", "article.html")
    url = (
        "https://baocantho.com.vn/tap-trung-trien-khai-cac-dot-thanh-tra-kiem-tra-co-trong-tam"
        "-trong-diem-nhat-la-cac-linh-vuc-co-ng-a196670.html"
    )
    profiled = extract_page(path.read_bytes(), url)
    response = response_for(path.read_bytes(), url)
    article = extract_generic(response.selector, url, html_text=response.text)
    # JSON-LD says only "2026-01-08"; the page prints "08/01/2026 - 18:21" above the headline
    assert article.published == "2026-01-08T18:21:00+07:00"
    assert article.title == profiled.title
    assert article.author == "P.Y"
    assert token_f1(article.body_text, profiled.body_text) >= 0.9


def _article_pages() -> list[Path]:
    """Article pages (what the fallback reads): the generic fixtures, the shape sites'
    (Drupal, DotNetNuke, Joomla, a table CMS), two of each portal's fixtures, and a few of
    the corpus's when it is here."""
    fixtures = REPO / "tests" / "fixtures"
    pages = sorted((fixtures / "generic").glob("*.html"))
    pages += _articles(sorted((REPO / "tests" / "sites").rglob("*.html")))
    for folder in sorted(p for p in fixtures.iterdir() if p.is_dir() and p.name != "generic"):
        pages += _articles(sorted(folder.rglob("*.html")))[:2]
    if CORPUS.exists():  # CI has it; without it the project's own pages still run
        pages += _articles(sorted(CORPUS.rglob("*.html")))[::4]
    return pages


def _articles(pages: list[Path]) -> list[Path]:
    """Without home and listing pages."""
    return [p for p in pages if not _NOT_ARTICLE.search(str(p))]


_NOT_ARTICLE = re.compile(r"home|listing|/tin-tuc-su-kien[^/]*\.html$")


def test_a_field_asked_for_alone_is_what_a_whole_extraction_gives() -> None:
    """The per-field fallback asks only for the fields a platform missed; each must come out
    as in a full extraction (with what moves with it: a date's raw string, a body's HTML and
    images), on every page, or the fallback would fill a different value than it did."""
    from newsfeed.extraction.generic import FIELDS as ASKABLE
    from newsfeed.platforms.fallback import MOVES

    pages = _article_pages()
    assert len(pages) >= 40
    for path in pages:
        text = path.read_bytes().decode("utf-8", errors="replace")
        url = f"https://portal.example.gov.vn/{path.name}"
        whole = extract_generic(Selector(text=text, type="html"), url, html_text=text)
        for field in ASKABLE:
            alone = extract_generic(
                Selector(text=text, type="html"), url, html_text=text, fields=[field]
            )
            for moved in MOVES[field]:
                assert getattr(alone, moved) == getattr(whole, moved), f"{path}: {field}/{moved}"


@pytest.mark.parametrize(
    ("query", "needles"),
    [
        ("//*[contains(@class, 'sapo') or contains(@class, 'lead')]", ("sapo", "lead")),
        ("//p[contains(concat(' ', normalize-space(@class), ' '), ' lead ')]", ("lead",)),
        ("//*[@class][not(self::meta)][contains(@class, 'author')]", ("author",)),
        # a match without the class: the query must always run
        ("//*[self::h1 or contains(@class, 'title')]", None),
        ("//*[contains(@class, 'date') or contains(@id, 'date')]", None),
        ("//*[not(contains(@class, 'menu'))]", None),
        ("//h1 | //*[contains(@class, 'title')]", None),
        ("//h1", None),
    ],
)
def test_a_class_query_is_skipped_only_when_no_class_could_match(
    query: str, needles: tuple[str, ...] | None
) -> None:
    from newsfeed.extraction.select import class_needles

    assert class_needles(query) == needles


def test_a_byline_whose_class_holds_the_needle_inside_a_longer_class_is_still_read() -> None:
    """contains(@class, 'author') matches 'post-author-name': the page's class text is
    searched for the needle as a substring, as XPath does, not as a whole class."""
    page = (
        "<html><body><article><h1>Lãnh đạo tỉnh thăm và làm việc tại xã biên giới</h1>"
        "<div class='post-author-name'>Minh Anh</div>"
        "<div class='content'><p>" + "Nội dung bài viết về chuyến công tác. " * 20 + "</p>"
        "</div></article></body></html>"
    )
    article = extract_generic(Selector(text=page), "https://x.gov.vn/a.html", fields=("author",))
    assert article.author == "Minh Anh"
