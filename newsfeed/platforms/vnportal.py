"""VNPT vnPortal, the CMS of many provincial portals, in its two generations.

**Classic** (key ``vnportal``; Sơn La, Cao Bằng, Ninh Bình, Lào Cai, Cần Thơ, Bình Thuận): the
article is ``.ArticleHeader`` (title), ``.PostDate``, ``.ArticleSummary`` (lead) and
``.ArticleContent`` (body, captions as ``<p><em>`` after the image or in a table under it);
article URLs end in ``<slug>-<id>`` (``.html`` on some sites). Category pages hold an
``.ArticleInMenu`` / ``.ArticleList`` / ``.UIListNews_Default`` module and paginate with
``?page=N``, ``/page/N``, or (Ninh Bình) a form POST to the module's page method
``/DesktopModule/UIArticleInMenu/ArticleInMenuPagination.aspx/LoadArticle`` answering an HTML
fragment. Seen 2019-2026 (docbao configs, thuydung203/Crawl_data crawlers).

**New template** (key ``vnportal2``; hanoi.gov.vn since 2023, khanhhoa.gov.vn detail pages):
body ``.detail-content.afcbc-body``, date ``.news-info .time`` / ``.detail-time``, article URLs
``<slug>-<15-16 digits>.htm`` (the digits are the id). The category page renders its first
page; further pages come from ``POST /api/NewsZone/NewsZone`` (form body ``PageIndex`` from 0,
``PageSize``, ``Catname``, ``LanguageId``, ``Site`` as opaque tokens the page's script holds,
``DataIds[]`` the ids of the featured items shown above the list) answering an HTML fragment
of ``.news-item`` blocks (``.news-title``, ``.news-time``, ``.news-sapo``). Seen 2025-26.

Listing pages are read by :func:`newsfeed.platforms.listing.listing_from_article_links`
(links of the platform's article URL shape inside the category module).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import FormRequest, Request, TextResponse

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.html import absolutize
from newsfeed.extraction.text import clean_text
from newsfeed.items import Listing, ListingItem
from newsfeed.platforms.base import ListingRules, Platform, page_number
from newsfeed.platforms.listing import (
    RELATED_AFTER_HEADING,
    html_selector,
    listing_from_article_links,
    response_meta,
)


def _items_by_url_shape(rules: ListingRules, sel: Selector, url: str) -> tuple[ListingItem, ...]:
    """A vnPortal listing: the links of article-URL shape inside the rules' list zones."""
    assert rules.article_url is not None
    return listing_from_article_links(
        html_selector(sel),
        url,
        zones=rules.item,
        article_url=rules.article_url,
        published=rules.published,
    )


# --- classic ---------------------------------------------------------------------------------

# /tin-chinh-tri/hoi-nghi-...-1234567, /...-1234567.html; not the new template's 15+ digit ids.
# The slug sits under a category segment: a category's own path may end in an id too
# (nghean.gov.vn/tin-tuc-su-kien-73053, haiphong.gov.vn/thu-tuc-hanh-chinh-76761; 2025-26).
# Đồng Nai's former Bình Phước CMS (/vi/news/<cat>/<slug>-48904.html, 2026) has this form.
# Hải Phòng lists its direction items ("chỉ đạo điều hành") as /?pageid=27218&p_steering=<id>.
_CLASSIC_ARTICLE_URL = re.compile(
    r"/[^/?#.]+/[^/?#]*?-(\d{3,13})(?:\.html?)?/?(?:[?#]|$)|[?&]p_steering=(\d+)(?:&|#|$)"
)
_PAGE_PATH = re.compile(r"/page/(\d+)/?$")
_CLASSIC_LOAD_ARTICLE = "/DesktopModule/UIArticleInMenu/ArticleInMenuPagination.aspx/LoadArticle"
_SCRIPT_VALUE = r"""['"]?{name}['"]?\s*[:=]\s*['"]?([\w\-]+)"""


class VnPortalPlatform(Platform):
    """VNPT vnPortal, classic template."""

    key = "vnportal"
    label = "VNPT vnPortal (classic)"
    page_param = "page"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(".ArticleHeader", ".PostTitle", "h1.title-detail", ".title-detail"),
        published=(".PostDate", ".ArticleDate", ".post-date"),
        summary=(".ArticleSummary", ".article-brief"),
        body=(".ArticleContent", ".PostContent", ".ArticleBody", ".article-content"),
        author=(".ArticleAuthor", ".PostAuthor", ".AuthorName"),
        related=(
            ".RelatedArticle a[href]",
            ".related-news a[href]",
            ".relate-news a[href]",
            ".box-relate a[href]",
            ".OtherArticle a[href]",
            RELATED_AFTER_HEADING,
        ),
        drop=(
            ".social-share",
            ".tags",
            ".rating",
            ".tool",
            ".related-news",
            ".relate-news",
            ".box-relate",
            ".ArticleTool",
        ),
    )

    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(
            ".ArticleInMenu",
            ".ArticleList",
            ".UIListNews_Default",
            ".list-news",
            ".ModuleContent",
        ),
        link=("a[href]",),
        published=(".PostDate", ".ArticleDate", ".date", ".time"),
        article_url=_CLASSIC_ARTICLE_URL,
    )

    def article_id(self, url: str) -> str | None:
        parts = urlsplit(url)
        match = _CLASSIC_ARTICLE_URL.search(parts.path)
        if match and match.group(1):
            return match.group(1)
        steering = _CLASSIC_ARTICLE_URL.search(f"?{parts.query}")
        return f"p_steering/{steering.group(2)}" if steering and steering.group(2) else None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        items = _items_by_url_shape(self.listing_rules, sel, url)
        return Listing(items=items, next_page=self.next_page(html_selector(sel), url))

    def next_page(self, sel: Selector, url: str) -> str | None:
        """``?page=N+1`` (Cần Thơ, Sơn La) or ``/page/N+1`` (Cao Bằng) among the page's links."""
        found = super().next_page(sel, url)
        if found:
            return found
        match = _PAGE_PATH.search(urlsplit(url).path)
        current = int(match.group(1)) if match else 1
        for href in sel.xpath("//a/@href").getall():
            absolute = absolutize(href, url)
            path = urlsplit(absolute).path if absolute else ""
            step = _PAGE_PATH.search(path)
            if absolute and step and int(step.group(1)) == current + 1:
                return absolute
        return None

    def next_request(self, response: TextResponse, listing: Listing) -> Request | None:
        """The next listing page: a GET of ``listing.next_page``, else the module's POST.

        The POST needs the category and site ids the category page's script declares
        (``article_category_id``, ``site_id``); later pages are fragments without script, so
        the ids travel in the request meta (``newsfeed_zone``), with the page number.
        """
        if listing.next_page:
            return Request(listing.next_page)
        if not listing.items:
            return None
        meta = response_meta(response)
        zone = dict(meta.get("newsfeed_zone") or _classic_zone(response))
        if not zone.get("article_category_id") or not zone.get("site_id"):
            return None
        page = int(meta.get("newsfeed_page", page_number(response.url, self.page_param)))
        origin = meta.get("newsfeed_category_url", response.url)
        return FormRequest(
            urljoin(origin, _CLASSIC_LOAD_ARTICLE),
            formdata={
                "article_category_id": zone["article_category_id"],
                "site_id": zone["site_id"],
                "page": str(page + 1),
                "page_size": zone.get("page_size", "15"),
                "lang": zone.get("lang", "vi-VN"),
                "keyword": "",
                "date_begin": "",
                "date_end": "",
            },
            headers={"X-Requested-With": "XMLHttpRequest", "Referer": origin},
            meta={
                "newsfeed_zone": zone,
                "newsfeed_page": page + 1,
                "newsfeed_category_url": origin,
            },
            dont_filter=True,
        )


def _classic_zone(response: TextResponse) -> dict[str, str]:
    scripts = " ".join(response.xpath("//script/text()").getall())
    zone: dict[str, str] = {}
    for name in ("article_category_id", "site_id", "page_size", "lang"):
        match = re.search(_SCRIPT_VALUE.format(name=name), scripts, re.IGNORECASE)
        if match:
            zone[name] = match.group(1)
    return zone


# --- new template ----------------------------------------------------------------------------

_NEW_ARTICLE_URL = re.compile(r"-(\d{12,20})\.htm(?:$|[?#])")
_NEWSZONE_API = "/api/NewsZone/NewsZone"
_NEWSZONE_FIELDS = ("PageSize", "Catname", "LanguageId", "Site")
_ZONE_VALUE = r"""['"]?{name}['"]?\s*[:=]\s*['"]([^'"]+)['"]"""


class VnPortal2Platform(Platform):
    """VNPT vnPortal, the template of 2023 onwards (hanoi.gov.vn)."""

    key = "vnportal2"
    label = "VNPT vnPortal (2023 template, NewsZone API)"
    page_param = "PageIndex"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=("h1.detail-title", ".detail-title", "h1.title-detail", ".title-article"),
        published=(
            "(//*[contains(@class,'news-info')]//*[contains(@class,'time')])[1]",
            ".detail-time",
            "time[data-role='publishdate']",
        ),
        summary=(".detail-sapo", "h2.sapo", ".sapo"),
        body=(".detail-content.afcbc-body", ".detail-content"),
        author=(".detail-author .name", ".news-info .author", ".detail-author"),
        related=(
            ".detail-related .news-title a[href]",
            ".detail-related a[href]",
            ".box-related a[href]",
            RELATED_AFTER_HEADING,
        ),
        drop=(".VCSortableInPreviewMode[type='RelatedNews']", ".detail-tags", ".box-share"),
    )

    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(".box-category", ".news-zone", ".list-news", "main"),
        link=("a[href]",),
        # .news-time prints a short form; its title holds "HH:MM, dd/mm/YYYY" (hanoi, 2026-07)
        published=(".news-time::attr(title)", ".news-time", ".time", ".date"),
        article_url=_NEW_ARTICLE_URL,
    )

    def article_id(self, url: str) -> str | None:
        match = _NEW_ARTICLE_URL.search(url)
        return match.group(1) if match else None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        items = _items_by_url_shape(self.listing_rules, sel, url)
        # pages after the first come by POST: there is no next link to follow
        return Listing(items=items, next_page=None)

    def start_request(
        self, category_url: str, *, overrides: Mapping[str, Any] | None = None
    ) -> Request:
        """The first listing request of a category.

        With the zone tokens known (a profile's ``[overrides.newszone]`` table: ``PageSize``,
        ``Catname``, ``LanguageId``, ``Site``), page 0 is asked of the API directly; without,
        the category page is fetched and :meth:`next_request` reads the tokens from its script.
        """
        zone = (overrides or {}).get("newszone") or {}
        if all(zone.get(name) for name in _NEWSZONE_FIELDS):
            tokens = {name: str(zone[name]) for name in _NEWSZONE_FIELDS}
            return self._zone_request(category_url, tokens, page_index=0, data_ids=())
        return Request(category_url, meta={"newsfeed_category_url": category_url})

    def next_request(self, response: TextResponse, listing: Listing) -> Request | None:
        """The NewsZone POST for the page after ``response``; None when it listed nothing or
        the zone tokens are unknown. The category page shows page 0 of the zone."""
        if not listing.items:
            return None
        meta = response_meta(response)
        zone = dict(meta.get("newsfeed_zone") or newszone_tokens(response))
        if not all(zone.get(name) for name in _NEWSZONE_FIELDS):
            return None
        data_ids = tuple(meta.get("newsfeed_data_ids") or featured_ids(response))
        page_index = int(meta.get("newsfeed_page_index", 0))
        origin = meta.get("newsfeed_category_url", response.url)
        return self._zone_request(origin, zone, page_index=page_index + 1, data_ids=data_ids)

    def _zone_request(
        self, category_url: str, zone: dict[str, str], *, page_index: int, data_ids: tuple[str, ...]
    ) -> FormRequest:
        formdata: dict[str, str | list[str]] = {"PageIndex": str(page_index)}
        formdata.update({name: zone[name] for name in _NEWSZONE_FIELDS})
        if data_ids:
            formdata["DataIds[]"] = list(data_ids)
        parts = urlsplit(category_url)
        return FormRequest(
            urljoin(category_url, _NEWSZONE_API),
            formdata=formdata,
            headers={
                "X-Requested-With": "XMLHttpRequest",
                "Referer": category_url,
                "Origin": f"{parts.scheme}://{parts.netloc}",
            },
            meta={
                "newsfeed_zone": zone,
                "newsfeed_page_index": page_index,
                "newsfeed_data_ids": data_ids,
                "newsfeed_category_url": category_url,
            },
            dont_filter=True,
        )


def newszone_tokens(response: TextResponse) -> dict[str, str]:
    """The zone tokens of a category page: ``data-*`` attributes of the zone element, else the
    values its inline script passes to the API."""
    zone: dict[str, str] = {}
    for node in response.xpath("//*[@data-catname]")[:1]:
        for name in _NEWSZONE_FIELDS:
            value = node.attrib.get(f"data-{name.lower()}")
            if value:
                zone[name] = value
    if all(name in zone for name in _NEWSZONE_FIELDS):
        return zone
    scripts = " ".join(response.xpath("//script/text()").getall())
    for name in _NEWSZONE_FIELDS:
        match = re.search(_ZONE_VALUE.format(name=name), scripts)
        if match and name not in zone:
            zone[name] = match.group(1)
    return zone


def featured_ids(response: TextResponse) -> tuple[str, ...]:
    """Ids of the articles the category page features above the zone list, which the API is
    told to leave out (``DataIds[]``): ``data-id`` of items outside the ``.news-item`` list."""
    ids: list[str] = []
    for node in response.xpath(
        "//*[@data-id][not(ancestor-or-self::*[contains(@class,'news-item')])]"
    ):
        value = clean_text(node.attrib.get("data-id"))
        if value.isdigit() and value not in ids:
            ids.append(value)
    return tuple(ids)


__all__ = ["VnPortal2Platform", "VnPortalPlatform"]
