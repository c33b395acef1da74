"""Drupal (7 and 8+), the CMS of the pre-merger Phú Thọ portal.

Fingerprints: files under ``/sites/default/files/`` (``phutho.gov.vn/sites/default/files/
users/user231/...``), listings that page with ``?page=N`` counted from 0 (page 2 is
``?page=1``; a Jsoup crawler of ``phutho.gov.vn/vi/thanhpholehoi/cac-le-hoi?page=N``, c. 2019-21).

Listings are Views: one ``.views-row`` per item with ``.views-field-title a`` (or a heading
link), the date in ``.views-field-created`` / ``.date-display-single`` (Drupal 7) or a
``time[datetime]`` (8+); the pager is ``ul.pager`` (7: ``li.pager-next``) or ``nav.pager``
(8+: ``li.pager__item--next``). Phú Thọ's own theme wraps items as
``div.post-item > div.content`` with ``div.pt-post__title a``. An article is a node: Drupal 7
prints ``h1#page-title`` and the body field ``.field-name-body .field-item``, with the date in
``.submitted`` or a date field; 8+ prints ``h1.page-title``, ``.field--name-body`` and
``time[datetime]`` in the node's meta. Nodes live at ``/node/<nid>``, mostly behind path
aliases (``/vi/<section>/<slug>``): an aliased URL has no id, so its guid is its canonical path.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.html import absolutize
from newsfeed.items import Listing
from newsfeed.platforms.base import ListingRules, Platform
from newsfeed.platforms.news_lists import boilerplate_only_urls

_NODE_RE = re.compile(r"/node/(\d+)/?(?:[?#]|$)")
# Listing item links: node pages or aliases, never files, taxonomy terms, users or pagers.
_NOT_ARTICLE_RE = re.compile(
    r"/(?:sites/[^/]+/files|taxonomy/term|user|search|filter|admin)/|[?&]page=|/node/\d+/edit",
    re.IGNORECASE,
)
_NODE = "//article[contains(@class,'node')] | //div[starts-with(@id,'node-')]"


class DrupalPlatform(Platform):
    """Drupal sites: Views listings, node pages."""

    key = "drupal"
    label = "Drupal 7 / 8+ (Views, nodes)"
    page_param = "page"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(
            "h1#page-title",
            "h1.page-title",
            "h1.node__title",
            "h1.title",
            "div.pt-post__title",
            f"({_NODE})//h1",
            "//main//h1",
        ),
        published=(
            f"({_NODE})//time[@datetime]/@datetime",
            f"({_NODE})//*[contains(@class,'date-display-single')]",
            f"({_NODE})//*[contains(@class,'field--name-created')]",
            f"({_NODE})//*[contains(@class,'submitted')]",
            ".pt-post__date",
            ".field-name-post-date",
            ".date-display-single",
        ),
        summary=(
            ".field-name-field-summary",
            ".field--name-field-summary",
            ".field-name-field-sapo",
            ".field--name-field-sapo",
            ".pt-post__summary",
        ),
        body=(
            ".field-name-body .field-item",
            ".field--name-body",
            ".field-name-body",
            ".pt-post__content",
            f"({_NODE})//div[contains(@class,'content')]",
        ),
        author=(
            ".field-name-field-author",
            ".field--name-field-author",
            ".field-name-field-tac-gia",
        ),
        related=(
            ".view-tin-lien-quan .views-row a[href]",
            ".block-views-tin-lien-quan a[href]",
            ".related-news a[href]",
        ),
        drop=(
            ".field-name-field-tags",
            ".field--name-field-tags",
            ".links.inline",
            ".node__links",
            ".social-share",
            ".print-link",
        ),
        section=(
            "(//*[contains(@class,'breadcrumb')]//a)[last()]",
            "(//nav[contains(@class,'breadcrumb')]//li)[last()]",
        ),
    )

    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(
            ".view-content .views-row",
            ".views-row",
            "div.post-item > div.content",
            "div.post-item",
        ),
        link=(
            ".views-field-title a[href]",
            ".pt-post__title a[href]",
            ".node__title a[href]",
            "h2 a[href]",
            "h3 a[href]",
            "a[href]",
        ),
        published=(
            "time[datetime]::attr(datetime)",
            ".views-field-created",
            ".date-display-single",
            ".views-field-field-date",
            ".pt-post__date",
            ".date",
        ),
    )

    def article_id(self, url: str) -> str | None:
        """The node id of ``/node/<nid>``; None for an alias, whose path is its identity."""
        match = _NODE_RE.search(urlsplit(url).path)
        return match.group(1) if match else None

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        if _NOT_ARTICLE_RE.search(parts.path + ("?" + parts.query if parts.query else "")):
            return False
        return bool(_NODE_RE.search(parts.path) or parts.path.strip("/"))

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        listing = super().parse_listing(sel, url)
        chrome = boilerplate_only_urls(sel, url)
        items = tuple(
            item
            for item in listing.items
            if self.is_article_url(item.url) and item.url not in chrome
        )
        return Listing(items=items, next_page=listing.next_page)

    def next_page(self, sel: Selector, url: str) -> str | None:
        """The pager's "next" link, else the link to ``?page=N+1`` (pages count from 0)."""
        for href in sel.xpath(
            "//li[contains(@class,'pager-next') or contains(@class,'pager__item--next')]"
            "//a/@href | //a[@rel='next']/@href"
        ).getall():
            absolute = absolutize(href, url)
            if absolute:
                return absolute
        current = _zero_based_page(url)
        for href in sel.xpath("//a/@href").getall():
            absolute = absolutize(href, url)
            if absolute and _zero_based_page(absolute) == current + 1:
                return absolute
        return None


def _zero_based_page(url: str) -> int:
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return int(value)
    return 0


__all__ = ["DrupalPlatform"]
