"""PageResponse (newsfeed.extraction.response): a page's tree parsed from its bytes is the tree
Scrapy's own selector gives, for every page shape and encoding the crawl meets."""

from __future__ import annotations

import unicodedata

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from newsfeed.extraction.response import PageResponse, as_page
from tests.conftest import html_pages
from tests.faultsite import TCVN3_BODY, VIETNAMESE_BODY, windows_1258

URL = "https://sotttt.hanoi.gov.vn/vi/tin-tuc/-/view_content/1"


def _tree(response: HtmlResponse) -> bytes:
    return bytes(etree.tostring(response.selector.root, encoding="utf-8"))


def _both(body: bytes, content_type: str | None = None) -> tuple[bytes, bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    scrapy_tree = _tree(HtmlResponse(url=URL, body=body, headers=headers))
    page_tree = _tree(PageResponse(url=URL, body=body, headers=headers))
    return scrapy_tree, page_tree


def test_every_fixture_and_corpus_page_parses_to_scrapys_tree() -> None:
    pages = html_pages()
    assert len(pages) > 40, "the fixture pages are part of the repository"
    different = [str(page) for page in pages if len(set(_both(page.read_bytes()))) != 1]
    assert different == []


TEXT = f"<html><head><title>Tin</title></head><body><p>{VIETNAMESE_BODY}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (TEXT.encode(), "text/html; charset=utf-8"),
        (TEXT.encode(), None),  # no charset anywhere: Scrapy infers it
        (b"\xef\xbb\xbf" + TEXT.encode(), None),  # a UTF-8 byte order mark
        (TEXT.encode()[:200] + b"\xff\xfe\xc3" + TEXT.encode()[200:], "text/html; charset=utf-8"),
        (b"<p>nul\x00 in the\x00 page</p>", "text/html; charset=utf-8"),
        (b"  \r\n\t<p>leading and trailing space</p>\n\n  ", "text/html; charset=utf-8"),
        (b"<p>no html element</p>", "text/html; charset=utf-8"),
        (b"   ", "text/html; charset=utf-8"),
        (b"", "text/html; charset=utf-8"),
        (windows_1258(TEXT), "text/html; charset=windows-1258"),
        (TEXT.encode("utf-16"), "text/html; charset=utf-16"),
        (TCVN3_BODY, "text/html; charset=windows-1252"),
        (b"<p>x</p>", "text/html; charset=no-such-charset"),
    ],
    ids=[
        "utf8",
        "inferred",
        "bom",
        "invalid-utf8-bytes",
        "nul",
        "whitespace",
        "fragment",
        "blank",
        "empty",
        "cp1258",
        "utf16",
        "tcvn3-as-cp1252",
        "unknown-charset",
    ],
)
def test_a_page_of_any_shape_parses_to_scrapys_tree(body: bytes, content_type: str | None) -> None:
    scrapy_tree, page_tree = _both(body, content_type)
    assert page_tree == scrapy_tree


def test_a_repaired_encoding_is_kept_and_read() -> None:
    """The encoding guard replaces a wrong declared charset (utf-8 for a cp1258 page)."""
    page = as_page(
        HtmlResponse(url=URL, body=windows_1258(TEXT), headers={"Content-Type": "text/html"})
    )
    repaired = page.replace(encoding="cp1258")
    assert isinstance(repaired, PageResponse)
    text = repaired.selector.xpath("string(//p)").get() or ""
    assert unicodedata.normalize("NFC", text) == VIETNAMESE_BODY  # cp1258 decodes to NFD


def test_as_page_keeps_the_request_and_metadata() -> None:
    original = HtmlResponse(url=URL, body=TEXT.encode(), status=200, flags=["cached"])
    page = as_page(original)
    assert isinstance(page, PageResponse)
    assert (page.url, page.body, page.status, page.flags) == (URL, TEXT.encode(), 200, ["cached"])
    assert as_page(page) is page
