"""Liferay Portal: 6.2 Asset Publisher (portlet 101) and 7.x / DXP, the CMS of several portals.

Seen on sotttt.hanoi.gov.vn (2022, theme so4t) and the Liferay family of Bắc Giang, Thái
Nguyên, Quảng Ngãi, Đà Nẵng, Bắc Ninh. The article view lives in the Asset Publisher portlet
(``.portlet-asset-publisher`` / ``#p_p_id_101_``); other portlets on the page (Web Content
Display banners) also have ``.journal-content-article``, so every article selector is scoped
to the asset's own ``.asset-content`` or to the Asset Publisher portlet.

Liferay 7.x / DXP (key ``liferay7``; Đà Nẵng ``/web/dng/-/<url-title>``, Bắc Ninh) names its
portlets by OSGi component (``p_p_id_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet
_INSTANCE_<id>_``), serves web content at friendly URLs ``/-/<url-title>``, ``/web/<site>/-/
<url-title>`` and (7.2+) ``/w/<url-title>``, and prints the asset publisher with Clay classes:
title ``.asset-title`` (a ``<p class="component-title">`` or ``<h4>``, no longer a div),
``.asset-summary``, body ``.asset-content .journal-content-article``, date
``.metadata-entry.metadata-publish-date``. Pagination is the instance-scoped
``..._INSTANCE_<id>_cur=N`` (Hồ Chí Minh:
``_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_iwwYBC4Hj8wV_cur``).
Bắc Ninh lists by its own portlet (``newsbycategory_WAR_bacninhportlet``): the category
page's script holds a ``loadPageURL``
resource URL answering JSON (``pageNum``, ``recordPerPage`` -> ``items[].urlDetail``,
``title``, ``createdDate``, ``totalPageNum``), and the article is ``h1#contentDetailTitleId``,
``div#sapoDetailId``, ``div#contentDetail`` (thuydung203/Crawl_data crawl_bacninh.py, 2026).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Request, TextResponse

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.html import absolutize
from newsfeed.extraction.text import clean_text
from newsfeed.items import Listing, ListingItem
from newsfeed.platforms.base import ListingRules, Platform
from newsfeed.platforms.listing import response_meta

_AP = "(//*[contains(@class,'portlet-asset-publisher') or starts-with(@id,'p_p_id_101')])[1]"

# /-/view_content/4409341-slug.html (6.2 with the so4t view), /content/id/123,
# /-/asset_publisher/<instance>/content/<url-title> and 7.x /-/<url-title> (ids by url title,
# which Liferay keeps unique per site)
_ID_RES = (
    re.compile(r"/-/view_content/(\d+)(?:[-./?]|$)"),
    re.compile(r"/content/id/(\d+)"),
    re.compile(r"/-/asset_publisher/[^/]+/content/([^/?#;]+)"),
)


class Liferay62Platform(Platform):
    key = "liferay62"
    label = "Liferay 6.2 Asset Publisher"
    # _101_cur on a page with one Asset Publisher, _101_INSTANCE_<id>_cur with several
    # (thainguyen.gov.vn)
    page_param = r"_101(?:_INSTANCE_\w+)?_cur"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(
            f"{_AP}//div[contains(@class,'asset-full-content-title')]",
            f"{_AP}//h1[contains(@class,'header-title')]",
            f"{_AP}//h3[contains(@class,'asset-title')]",
        ),
        # assetPublishDate: so4t theme (Hà Nội); date_post / date-post: Thái Nguyên and Quảng
        # Ngãi themes; meta-data-date: Bắc Giang; metadata-publish-date: Liferay's own template
        published=(
            f"{_AP}//div[contains(@class,'assetPublishDate')]",
            f"{_AP}//*[contains(@class,'date_post') or contains(@class,'date-post')]",
            f"{_AP}//*[contains(@class,'meta-data-date')]",
            f"{_AP}//*[contains(@class,'metadata-publish-date')]",
        ),
        summary=(
            f"{_AP}//p[contains(@class,'sapo')]",
            f"{_AP}//div[contains(@class,'sapo')]",
            f"{_AP}//div[contains(@class,'article-summary')]",
        ),
        body=(
            f"{_AP}//div[contains(@class,'asset-content')]//div[contains(@class,'journal-content-article')]",
            f"{_AP}//div[contains(@class,'asset-full-content')]//div[contains(@class,'journal-content-article')]",
            f"{_AP}//div[contains(@class,'journal-content-article')]",
        ),
        # The printed byline (p.texttacgia, right-aligned at the end of the body: "Quỳnh Anh",
        # "Trọng Toàn" on 8 of the 20 sotttt.hanoi pages of 2022) is the writer. The line under
        # it, p.view-content-author, is the uploading account: one name under every article of
        # the site, so it is never the author, and neither line is body text.
        author=(f"{_AP}//p[contains(@class,'texttacgia')]",),
        uploader=(".view-content-author", ".asset-author"),
        related=(
            f"{_AP}//ul[contains(@class,'related_asset_list')]//a",
            f"{_AP}//div[contains(@class,'related')]//li//a",
        ),
        # .tienich: a print / back widget pasted in with articles copied from hanoi.gov.vn
        drop=(
            ".asset-control-detail",
            ".taglib-social-bookmarks",
            ".asset-ratings",
            ".tienich",
            "a.quaylai",
        ),
        lead_image=(f"{_AP}//div[contains(@class,'sapo-wrapper')]//img",),
        midnight_is_date_only=True,
    )

    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=("div.asset-abstract", "div.asset-entry", "li.asset-item"),
        link=("h3.asset-title a", ".asset-title a", "a[href*='/-/']"),
        published=(".assetPublishDate", ".asset-date", ".metadata-publish-date", ".date"),
    )

    def article_id(self, url: str) -> str | None:
        for pattern in _ID_RES:
            match = pattern.search(url)
            if match:
                return match.group(1)
        return None


# --- Liferay 7.x / DXP --------------------------------------------------------------------

_AP7 = (
    "(//*[contains(@class,'portlet-asset-publisher')"
    " or contains(@id,'AssetPublisherPortlet')"
    " or starts-with(@id,'p_p_id_101')])[1]"
)
# /-/<url-title>, /web/<site>/-/<url-title>, /w/<url-title>; the url title is unique per site
_URL_TITLE_RE = re.compile(
    r"/(?:-|w)/(?!asset_publisher/|view_content/)([^/?#;]+?)(?:\.html)?/?(?:[?#;]|$)"
)
# Bắc Ninh's own portlet links an article by id in the query
_ARTICLE_ID_PARAM_RE = re.compile(r"_articleId=(\d+)")
_LOAD_PAGE_RE = re.compile(r"""loadPageURL\s*[:=]\s*['"]([^'"]+)['"]""")
_RECORDS_PER_PAGE = 20


class Liferay7Platform(Platform):
    """Liferay 7.x / DXP: friendly ``/-/`` URLs, Clay asset publisher, JSON listing portlets."""

    key = "liferay7"
    label = "Liferay 7.x / DXP"
    page_param = r"(?:.*_)?cur"
    """Liferay 7 scopes it to the portlet instance (``_<portlet>_INSTANCE_<id>_cur``): any
    ``*_cur`` parameter, or a bare ``cur``."""

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(
            "h1#contentDetailTitleId",
            f"{_AP7}//*[contains(@class,'asset-full-content')]//*[contains(@class,'asset-title')]",
            f"{_AP7}//*[contains(@class,'header-title')]",
            "h1.title-detail",
            ".title-detail",
            "h1.title-art",
        ),
        published=(
            f"{_AP7}//*[contains(@class,'metadata-publish-date')]",
            ".metadata-publish-date",
            ".chi-tiet-publish-date",
            ".publish-date",
            ".date-post",
            "p.date_post",
        ),
        summary=(
            "div#sapoDetailId",
            f"{_AP7}//*[contains(@class,'asset-full-content')]//*[contains(@class,'asset-summary')]",
            ".article-summary",
            ".chi-tiet-sub-content",
            f"{_AP7}//*[contains(@class,'sapo')]",
        ),
        body=(
            "div#contentDetail",
            f"{_AP7}//*[contains(@class,'asset-content')]"
            "//div[contains(@class,'journal-content-article')]",
            f"{_AP7}//div[contains(@class,'journal-content-article')]",
            ".chi-tiet-main-content",
        ),
        author=(".article-author", ".author-detail", ".tac-gia"),
        related=(
            f"{_AP7}//*[contains(@class,'asset-links')]//a[@href]",
            ".related-news a[href]",
            ".tin-lien-quan a[href]",
            ".other-news a[href]",
        ),
        drop=(
            ".asset-links",
            ".asset-metadata",
            ".taglib-social-bookmarks",
            ".social-bookmarks",
            ".asset-ratings",
            ".print-action",
            ".related-news",
            ".tin-lien-quan",
            ".other-news",
        ),
        midnight_is_date_only=True,
    )

    # div.news-items .news-item: Hồ Chí Minh (hochiminhcity.gov.vn, a 2026 crawler's tests):
    # one link wraps the card, headline p.asset-publisher-title (full text in its title),
    # date span.text-date-sklh printed time first ("15:55 | 10/07/2026"); every item is
    # printed twice, a desktop and a mobile card, and kept once (by URL).
    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(
            "div.asset-abstract",
            ".news-items .news-item",
            ".list-news .news-item",
            "li.asset-item",
        ),
        link=(".asset-title a", "a.title-news", "a[href*='/-/']", "a[href]"),
        published=(".metadata-publish-date", "span.text-date-sklh", ".date-news", ".date"),
        title=("p.asset-publisher-title::attr(title)", "p.asset-publisher-title"),
    )

    def article_id(self, url: str) -> str | None:
        match = _ARTICLE_ID_PARAM_RE.search(urlsplit(url).query)
        if match:
            return match.group(1)
        for pattern in _ID_RES:
            match = pattern.search(url)
            if match:
                return unquote(match.group(1)).lower()
        match = _URL_TITLE_RE.search(urlsplit(url).path)
        return unquote(match.group(1)).lower() if match else None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        """The asset publisher's abstracts, or the items of a JSON listing answer."""
        if sel.type == "json":
            return _json_listing(sel.root, url)
        return super().parse_listing(sel, url)

    def next_request(self, response: TextResponse, listing: Listing) -> Request | None:
        """The next listing request: ``listing.next_page``, else the portlet's JSON resource.

        A category page whose script declares a ``loadPageURL`` (Bắc Ninh) renders its list by
        script: its JSON page 1 is asked for; a JSON answer asks for the page after it until
        ``totalPageNum``.
        """
        if listing.next_page:
            return Request(listing.next_page)
        meta = response_meta(response)
        if "newsfeed_json_page" in meta:
            page = int(meta["newsfeed_json_page"])
            total = int(meta.get("newsfeed_json_total") or 0)
            try:
                total = int(json.loads(response.text).get("totalPageNum") or total)
            except (ValueError, AttributeError):
                return None
            if not listing.items or page >= total:
                return None
            return _json_page_request(meta["newsfeed_json_url"], page + 1, total)
        match = _LOAD_PAGE_RE.search(" ".join(response.xpath("//script/text()").getall()))
        if not match:
            return None
        return _json_page_request(urljoin(response.url, match.group(1)), 1, 0)


def _json_page_request(resource_url: str, page: int, total: int) -> Request:
    parts = urlsplit(resource_url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("pageNum", "recordPerPage", "keyword")
    ]
    query += [("pageNum", str(page)), ("recordPerPage", str(_RECORDS_PER_PAGE)), ("keyword", "")]
    return Request(
        urlunsplit(parts._replace(query=urlencode(query))),
        headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
        meta={
            "newsfeed_json_url": resource_url,
            "newsfeed_json_page": page,
            "newsfeed_json_total": total,
        },
        dont_filter=True,
    )


def _json_listing(data: Any, url: str) -> Listing:
    items: dict[str, ListingItem] = {}
    rows = data.get("items") if isinstance(data, dict) else None
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict):
            continue
        href = absolutize(str(row.get("urlDetail") or ""), url)
        if not href or href in items:
            continue
        title = clean_text(str(row.get("title") or "")) or None
        raw_date = clean_text(str(row.get("createdDate") or "")) or None
        items[href] = ListingItem(url=href, title=title, published_raw=raw_date)
    return Listing(items=tuple(items.values()), next_page=None)
