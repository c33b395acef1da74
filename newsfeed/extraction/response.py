"""The HTML response newsfeed reads a page through: its tree parsed from the page's own bytes."""

from __future__ import annotations

from scrapy.http import HtmlResponse
from scrapy.selector import Selector

from newsfeed.extraction.encoding import codec_name


class PageResponse(HtmlResponse):
    """An HTML response whose tree lxml parses straight from the body when it is UTF-8.

    Scrapy's selector decodes the body to text, and parsel strips that text and encodes it back
    to UTF-8 for lxml: three copies of the page before the parse (a quarter of the selector's
    time on the corpus pages, 50 KB each). lxml reads UTF-8 itself, and parsel parses the
    decoded text instead where the bytes hold an invalid sequence, so the tree is the one
    Scrapy's selector gives (a test compares them). A page in another encoding, or an empty
    one, takes Scrapy's way. The selector is cached where Scrapy caches its own, so
    :func:`newsfeed.crawl.guards.release_page` frees it the same way.
    """

    __slots__ = ()

    @property
    def selector(self) -> Selector:
        if self._cached_selector is None and self.body and codec_name(self.encoding) == "utf-8":
            # base_url: lxml's document URL, which nothing reads (links resolve against the
            # page's <base href> in extraction); Scrapy's would decode the page to find it
            self._cached_selector = Selector(
                type="html", body=self.body, encoding="utf-8", base_url=self.url
            )
        return super().selector


def as_page(response: HtmlResponse) -> PageResponse:
    """``response`` as a :class:`PageResponse` (the same body, headers and request)."""
    if isinstance(response, PageResponse):
        return response
    page = response.replace(cls=PageResponse)
    assert isinstance(page, PageResponse)
    return page
