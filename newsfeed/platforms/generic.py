"""The generic platform: any CMS, read by the page's structure (``platform = "generic"``).

Listings come from :mod:`newsfeed.platforms.news_lists` (the page's own news lists, the next
page by ``rel=next``, a "Trang sau" / "»" pager link or the page-number scheme of its URL, or
an ASP.NET postback pager); articles from the generic extractor
(:func:`newsfeed.extraction.generic.extract_generic`: structured data, the printed page near
the headline, the main text). It is also every platform's fallback: when a platform's listing
rules find nothing on a page, the spider reads the page with this one.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector
from scrapy.http import Request, TextResponse

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.dates import parse_date
from newsfeed.extraction.generic import extract_generic
from newsfeed.extraction.urls import canonical_url, make_guid
from newsfeed.items import Article, Listing
from newsfeed.platforms.base import ListingRules, Platform
from newsfeed.platforms.listing import response_meta
from newsfeed.platforms.news_lists import article_url_score, listing_of, page_of
from newsfeed.platforms.sharepoint import aspnet_postback
from newsfeed.portals import Portal

_ID_RES = (
    re.compile(r"(?:^|[-_/])(?:[a-z]{1,4})?(\d{3,})(?:\.[a-z]{2,5})?/?$", re.I),
    re.compile(r"(\d{4,})/?$"),
)
_ID_PARAMS = frozenset({"id", "itemid", "nid", "newsid", "articleid", "postid"})
_ID_PAIR_RE = re.compile(r"/(?:articleid|itemid|newsid|nid|postid)/(\d+)(?=/|\.aspx|$)", re.I)
"""DNN's friendly URLs: ``/tin-tuc/ArticleID/4810/<slug>``."""
_ID_ALIAS_RE = re.compile(r"^(\d{2,})-[a-z0-9]", re.I)
"""Joomla's ``<id>-<alias>``: ``/index.php/tin-tuc/1480-hoi-nghi-tong-ket-nam-2026``."""
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")


def _is_year_in_slug(segment: str, match: re.Match[str]) -> bool:
    """``...-trien-khai-nhiem-vu-nam-2026``: a year closing a title's slug is no id (two
    articles "... năm 2026" would share one)."""
    words = [w for w in re.split(r"[-_]+", segment[: match.start(1)]) if w]
    return bool(_YEAR_RE.match(match.group(1))) and len(words) >= 3 and "." not in segment


class GenericPlatform(Platform):
    key = "generic"
    label = "Generic (any CMS, read by page structure)"
    page_param = r"(?i)page|p|pg|trang|pageindex|paged|pagenumber|currentpage|.*_cur"
    # unused: listing and extraction are overridden; kept so the class has the attributes
    article_rules: ClassVar[ArticleRules] = ArticleRules(title=(), published=(), body=())
    listing_rules: ClassVar[ListingRules] = ListingRules(item=(), link=())

    def article_id(self, url: str) -> str | None:
        """The numeric id an article URL carries (``-12345.html``, ``?ItemID=8861``), if any:
        the same article under two category paths keeps one guid."""
        parts = urlsplit(url)
        for key, value in parse_qsl(parts.query):
            if key.lower() in _ID_PARAMS and value.isdigit():
                return value
        pair = _ID_PAIR_RE.search(parts.path)
        if pair:
            return pair.group(1)
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        alias = _ID_ALIAS_RE.match(last)
        if alias:
            return alias.group(1)
        for pattern in _ID_RES:
            match = pattern.search(last)
            if match and not _is_year_in_slug(last, match):
                return match.group(1)
        return None

    def is_article_url(self, url: str) -> bool:
        return article_url_score(url) >= 2

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        return listing_of(sel, url)

    def next_page(self, sel: Selector, url: str) -> str | None:
        return listing_of(sel, url).next_page

    def next_request(self, response: TextResponse, listing: Listing) -> Request | None:
        """A GET of the next page, else the ASP.NET postback of the pager link to it."""
        if listing.next_page:
            return Request(listing.next_page)
        if not listing.items:
            return None
        return postback_request(response)

    def extract(
        self,
        sel: Selector,
        url: str,
        portal: Portal | None,
        *,
        listing_published_raw: str | None = None,
        categories: tuple[str, ...] = (),
    ) -> Article:
        article = extract_generic(sel, url)
        if portal is None:
            return article
        canonical = canonical_url(
            url, aliases=portal.host_aliases, primary_host=urlsplit(portal.base_url).hostname
        )
        changes: dict[str, object] = {
            "portal": portal.key,
            "canonical_url": canonical,
            "guid": make_guid(portal.key, article_id=self.article_id(url), canonical=canonical),
            "categories": categories,
        }
        if article.published is None and listing_published_raw:
            listed = parse_date(listing_published_raw)
            if listed is not None:
                changes.update(
                    published=listed.iso(), published_raw=listed.raw, date_source="listing"
                )
        return article.replace(**changes)


def postback_request(response: TextResponse) -> Request | None:
    """The ASP.NET postback of the pager link to the page after ``response``, or None."""
    current = int(response_meta(response).get("newsfeed_page", page_of(response.url)[0]))
    return aspnet_postback(response, current)


__all__ = ["GenericPlatform", "postback_request"]
