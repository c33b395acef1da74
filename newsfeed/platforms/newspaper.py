"""The ``cms-*`` / ``zce-content-body`` newspaper CMS of many Party newspapers.

National titles (nhandan.vn, sggp.org.vn, tienphong.vn, vietnamplus.vn) and, since their
2023-25 redesigns, provincial Party newspapers such as Báo Gia Lai (baogialai.com.vn) and Báo
Hà Tĩnh (baohatinh.vn) run it. Seen in public crawler configs 2023-26 (giapham123/
crawl-news-python, RSSHub's nhandan / sggp routes, a site-config registry naming baohatinh /
baogialai article URLs ``-post<id>.html`` and their ``/{slug}/`` categories).

Article: title ``h1.article__title.cms-title``; date ``.article__meta time`` (its ``datetime``
attribute is ISO with offset, its text "14/01/2026 08:30"); lead ``.article__sapo.cms-desc``;
body ``.article__body.zce-content-body.cms-body``, photos as ``figure.image`` + ``figcaption``
or as a ``table.picture`` with a ``td.caption`` row; author ``.article__author`` /
``.cms-author`` under the body (some provincial editions print a right-aligned name as the
body's last paragraph instead); related stories in an ``.article-relate`` box inside the body
and a "Tin liên quan" ``.box-related`` after it; tags ``.article__tag``, share bar
``.article__social``, ad slots ``.sda_*``.

Category page: a featured block (``.abf-cate``) then the list (``.box-content.content-list`` /
``.timeline.content-list``), each story an ``article.story`` with an image link and a
``.story__heading`` link (``a.cms-link``) and a ``time`` under ``.story__meta``; side columns hold
"most read" boxes of other categories. Pages follow as ``?page=N``.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from parsel import Selector

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.html import absolutize
from newsfeed.items import Listing
from newsfeed.platforms.base import ListingRules, Platform
from newsfeed.platforms.listing import RELATED_AFTER_HEADING, listing_from_article_links

# /chinh-tri/ten-bai-viet-post312345.html; the digits are the CMS's article id
_ARTICLE_URL = re.compile(r"-post(\d+)\.html?(?:$|[?#])")

_RELATED_BOXES = (
    "contains(@class,'article-relate') or contains(@class,'box-related')"
    " or contains(@class,'related-news')"
)


class NewspaperCmsPlatform(Platform):
    """The ``cms-*`` / ``zce-content-body`` newspaper CMS."""

    key = "newspaper_cms"
    label = "Newspaper CMS (cms-* / zce-content-body)"
    page_param = "page"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(
            "h1.article__title",
            "h1.cms-title",
            ".article__title.cms-title",
            "h1.detail-title",
            ".detail-title",
        ),
        # the ISO datetime attribute first; the printed text where a template leaves it out
        published=(
            "//*[contains(@class,'article__meta')]//time/@datetime",
            ".article__meta time",
            ".cms-date",
            ".article__meta .time",
            ".detail__meta time",
            ".detail-time",
        ),
        summary=(".article__sapo", ".cms-desc", ".detail-sapo", ".sapo"),
        body=(
            ".article__body.zce-content-body",
            ".zce-content-body",
            ".article__body.cms-body",
            ".cms-body",
            ".detail__content",
        ),
        author=(
            ".article__author .cms-author",
            ".cms-author",
            ".article__author .name",
            ".article__author",
        ),
        related=(
            f"//*[{_RELATED_BOXES}]//a[@href]",
            RELATED_AFTER_HEADING,
        ),
        drop=(
            ".article-relate",
            ".box-related",
            ".related-news",
            ".article__social",
            ".article__tag",
            ".social",
            ".tags",
            "[class*='sda_']",
            ".ads",
        ),
        # the breadcrumb's first category link: the section the article was filed under
        section=(
            "//*[contains(@class,'breadcrumb')]//a[@href!='/' and normalize-space()]",
            ".article__cate a",
        ),
    )

    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(".main-col", ".content-col", ".l-content", "main"),
        link=("a[href]",),
        published=(".//time/@datetime", ".//time", ".story__meta", ".story__time"),
        article_url=_ARTICLE_URL,
    )

    # boxes in the main column that list other things than this category's stream
    _listing_exclude: ClassVar[tuple[str, ...]] = (
        ".breadcrumbs",
        ".box-most-viewed",
        ".box-trending",
        ".box-event",
        "[class*='sda_']",
    )

    def article_id(self, url: str) -> str | None:
        match = _ARTICLE_URL.search(urlsplit(url).path + "#")
        return match.group(1) if match else None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        rules = self.listing_rules
        assert rules.article_url is not None
        items = listing_from_article_links(
            sel,
            url,
            zones=rules.item,
            article_url=rules.article_url,
            published=rules.published,
            exclude=self._listing_exclude,
        )
        return Listing(items=items, next_page=self.next_page(sel, url))

    def next_page(self, sel: Selector, url: str) -> str | None:
        """``?page=N+1`` among the page's links, else the page's ``rel="next"`` link."""
        found = super().next_page(sel, url)
        if found:
            return found
        for href in sel.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href").getall():
            absolute = absolutize(href, url)
            if absolute:
                return absolute
        return None


__all__ = ["NewspaperCmsPlatform"]
