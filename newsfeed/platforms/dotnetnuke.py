"""DotNetNuke (DNN Platform), the ASP.NET CMS of the Huế city portal.

Fingerprints: portal files under ``/Portals/0/`` (``hue.gov.vn/Portals/0/Uploads/VBPL/Nam2026/
...``, ``/Portals/0/Medias/Nam2022/...``), module code under ``/DesktopModules/``, file links
through ``LinkClick.aspx?fileticket=...&tabid=..&mid=..`` (``vinhlong.gov.vn``, 2025-26), and
pages addressed by ``tabid``. Seen 2022-2026 (public code; no saved page).

A DNN page is panes (``#dnn_ContentPane``, ``#dnn_LeftPane``, ...) of modules, each
``div.DnnModule.DnnModule-<type>.DnnModule-<mid>`` around ``#dnn_ctr<mid>_ModuleContent``; the
HTML module prints its text in ``div.Normal``. News is a module: EasyDNNnews (list
``div.article`` with ``h2 a`` / ``.edn_articleTitle``, detail ``.edn_articleTitle``,
``.edn_articleSummary``, ``.edn_articleContent``, date ``time`` / ``.edn_articleDate``), the
Ventrian/DnnForge News Articles module (``.articleHeadline``, ``.articleEntry``,
``.articleDate``), or a vendor's own. DNN's friendly URLs turn query parameters into path pairs,
so the article's id is the value after its key: ``/ArticleID/123/<slug>``,
``/tabid/57/ctl/ArticleView/mid/389/articleId/123/<slug>.aspx``, ``?ItemId=123``, and Huế's own
module ``/Details/tb/<slug>-598030`` or ``/Chi-tiet-su-kien/mlid/<guid>``. Listings page with
``?currentpage=N``, ``/currentpage/N/``, ``/Page/N/`` or ``?page=N`` (1-based).
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
from newsfeed.platforms.listing import RELATED_AFTER_HEADING, listing_from_article_links

# Path pairs and query parameters that carry an article's id (case varies by module version).
_PAIR_ID_RE = re.compile(
    r"/(?:articleid|itemid|newsid|nid|id)/(\d+)(?=/|\.aspx|$)"
    r"|/tb/[^/?#]*?-(\d+)(?=/|\.aspx|$)"
    r"|/mlid/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)
_QUERY_ID_KEYS = ("articleid", "itemid", "newsid", "nid")
# What a listing takes for an article link: an id pair in the path or an id in the query of
# a page (never LinkClick.aspx, DNN's file-download handler).
_ARTICLE_URL = re.compile(
    rf"(?:{_PAIR_ID_RE.pattern})"
    r"|^(?!.*linkclick\.aspx)[^?#]*\?(?:[^#]*&)?(?:articleid|itemid|newsid|nid)=\d+",
    re.IGNORECASE,
)
# EasyDNNnews pages its lists with /PgrID/<mid>/PageID/<n>
_PAGE_PAIR_RE = re.compile(r"/(?:currentpage|page|pageid)/(\d+)(?=/|\.aspx|$)", re.IGNORECASE)
_MODULE = "//div[contains(@class,'DNNModuleContent')]"
_CONTENT_PANE = "//*[@id='dnn_ContentPane']"


class DotNetNukePlatform(Platform):
    """DNN Platform portals: article modules addressed by path pairs."""

    key = "dotnetnuke"
    label = "DotNetNuke / DNN Platform (EasyDNNnews, News Articles, vendor modules)"
    page_param = "(?i:currentpage|page)"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(
            ".edn_articleTitle",
            ".articleHeadline h1",
            ".articleHeadline",
            f"{_CONTENT_PANE}//h1",
            f"{_CONTENT_PANE}//h2[contains(@class,'title')]",
            "//h1",
        ),
        published=(
            "(//*[contains(@class,'edn_articleDate') or contains(@class,'edn_metaDetails')]"
            "//time/@datetime)[1]",
            "(//*[contains(@class,'edn_articleDate')])[1]",
            "(//*[contains(@class,'articleDate')])[1]",
            f"({_CONTENT_PANE}//*[contains(@class,'date')])[1]",
            f"({_CONTENT_PANE}//time)[1]",
        ),
        summary=(
            ".edn_articleSummary",
            ".articleSummary",
            f"{_CONTENT_PANE}//*[contains(@class,'sapo') or contains(@class,'summary')]",
        ),
        body=(
            ".edn_articleContent",
            ".articleEntry",
            f"{_CONTENT_PANE}//*[contains(@class,'news-content') or contains(@class,'noidung')]",
            f"{_CONTENT_PANE}{_MODULE.removeprefix('/')}//div[contains(@class,'Normal')]",
        ),
        author=(
            ".edn_articleAuthor",
            ".articleAuthor",
            f"{_CONTENT_PANE}//*[contains(@class,'author')]",
        ),
        related=(
            ".edn_relatedArticles a[href]",
            ".articleRelated a[href]",
            f"{_CONTENT_PANE}//*[contains(@class,'other-news') or contains(@class,'tin-khac')]"
            "//a[@href]",
            RELATED_AFTER_HEADING,
        ),
        drop=(
            ".edn_socialPrintWrapper",
            ".edn_articleTags",
            ".articleTools",
            ".social-share",
            ".edn_relatedArticles",
            ".other-news",
            ".tin-khac",
        ),
        section=(
            "(//*[contains(@class,'breadcrumb')]//a)[last()]",
            "(//a[contains(@class,'Breadcrumb')])[last()]",
        ),
    )

    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(f"{_CONTENT_PANE}", _MODULE),
        link=("a[href]",),
        published=(".edn_articleDate", ".articleDate", "time", ".date"),
        article_url=_ARTICLE_URL,
    )

    def article_id(self, url: str) -> str | None:
        parts = urlsplit(url)
        match = _PAIR_ID_RE.search(parts.path)
        if match:
            return next(group for group in match.groups() if group).lower()
        if "linkclick.aspx" in parts.path.lower():
            return None  # a file download, not an article
        query = {k.lower(): v for k, v in parse_qsl(parts.query)}
        for key in _QUERY_ID_KEYS:
            if query.get(key, "").isdigit():
                return query[key]
        return None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        """Article-shaped links of the content pane (else of the modules), one per article."""
        items = listing_from_article_links(
            sel,
            url,
            zones=self.listing_rules.item,
            article_url=_ARTICLE_URL,
            published=self.listing_rules.published,
            exclude=("nav", ".menu", "#dnn_LeftPane", "#dnn_RightPane", ".breadcrumb"),
        )
        return Listing(items=items, next_page=self.next_page(sel, url))

    def next_page(self, sel: Selector, url: str) -> str | None:
        """``?currentpage=N+1`` / ``?page=N+1`` among the links, else the path-pair form."""
        found = super().next_page(sel, url)
        if found:
            return found
        match = _PAGE_PAIR_RE.search(urlsplit(url).path)
        current = int(match.group(1)) if match else 1
        for href in sel.xpath("//a/@href").getall():
            absolute = absolutize(href, url)
            step = _PAGE_PAIR_RE.search(urlsplit(absolute).path) if absolute else None
            if absolute and step and int(step.group(1)) == current + 1:
                return absolute
        return None


__all__ = ["DotNetNukePlatform"]
