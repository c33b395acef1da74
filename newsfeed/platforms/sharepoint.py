"""Provincial portals built on Microsoft SharePoint (2010-2016) with a vendor's add-ons.

Three families share the platform, and one rule set covers them, each selector tuple listing the
vendors' markup in turn:

- **Tân Dân** (Điện Biên, also Thanh Hóa and ministry portals): publishing pages
  ``/portal/Pages/<slug>.aspx``; title ``.tandan-p-article-news-title``, lead
  ``.tandan-p-article-news-summary``, date ``.tandan-span-date-publish`` ("Đăng ngày ..."), body
  the publishing field ``.ms-rtestate-field``, "Các tin khác" in ``.tandan-div-article-other``;
  lists of ``.channel-news-title`` / ``.tandan-p-article-news-title`` links, pager
  ``span.CurrentPage`` then ``?PageIndex=N`` links. Seen 2019-2026 (docbao, Crawl_data).
- **Localized "Trang"** (Quảng Ninh, Hải Dương): ``/Trang/Tin-tuc-su-kien.aspx?Cat=82``, articles
  ``/Trang/ChiTietTinTuc.aspx?nid=<id>[&title=<slug>.html]`` in ``div.noi-dung-trang`` with
  ``.publish-date``. Department and district sub-sites (``/So/<x>/Trang/...``,
  ``/donvi/<x>/Trang/...``) number their news apart, so the sub-site is part of the id.
- **List items** (Lạc Việt "LacVietBIO" at Bạc Liêu, Vĩnh Phúc): an article is an item of a
  SharePoint list, ``<list>/post.aspx?...&ItemID=<id>&Mode=1`` (Bạc Liêu 2018; older links and
  other sites say ``ID=<id>``) or ``<list>/View_Detail.aspx?ItemID=<id>``. Item ids count per
  list, so the list path is part of the id; the other query parameters (``Source``,
  ``Category``, ``Mode``) vary with the link. ``post.aspx?...&Category=<name>&Mode=2`` without
  an id is the category's listing. Bạc Liêu's 2018 pages (nguyenhoangphuc96/SureNews, an app
  of Lạc Việt that parsed the live site, Jun-Aug 2018) are tables: listing items in
  ``td.TitleFront`` (headline link, date in a ``span``; the page prints every headline twice),
  summaries in ``div.ContentText``, thumbnails in ``td.tinHT``; the article's date in the first
  ``td.Time`` ("Thứ Hai, 25/06/2018, 09:25"), its body ``p.MsoNormal`` paragraphs inside the
  rich-text field's per-item ``div.ExternalClass<GUID>`` (matched by prefix), a photo's caption
  in the paragraph after the photo's.

Where a category pages by ASP.NET postback (``javascript:__doPostBack(...)`` pager links, the
form's ``__VIEWSTATE``), :meth:`SharePointPlatform.next_request` posts the form back.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

from form2request import form2request
from parsel import Selector
from scrapy.http import Request, TextResponse

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.html import absolutize
from newsfeed.extraction.select import Selectors, select
from newsfeed.extraction.text import clean_text
from newsfeed.items import Listing
from newsfeed.platforms.base import ListingRules, Platform, page_number
from newsfeed.platforms.listing import (
    RELATED_AFTER_HEADING,
    listing_from_article_links,
    response_meta,
)

# Item pages whose query holds the identity (matched case-insensitively: links mix the cases).
_QUERY_ID_PAGES = (
    (re.compile(r"/trang/chitiettintuc\.aspx$", re.IGNORECASE), "nid", r"/trang/"),
    (re.compile(r"/view_detail\.aspx$", re.IGNORECASE), "itemid", r"/view_detail\.aspx"),
    (re.compile(r"/lists/[^/]+/post\.aspx$", re.IGNORECASE), "itemid", r"/post\.aspx"),
    (re.compile(r"/lists/[^/]+/post\.aspx$", re.IGNORECASE), "id", r"/post\.aspx"),
    (re.compile(r"/lists/[^/]+/dispform\.aspx$", re.IGNORECASE), "id", r"/dispform\.aspx"),
)
_ARTICLE_URL = re.compile(
    r"(?i)(?:/trang/chitiettintuc\.aspx\?(?:[^#]*&)?nid=\d+"
    r"|/view_detail\.aspx\?(?:[^#]*&)?itemid=\d+"
    r"|/lists/[^/?#]+/post\.aspx\?(?:[^#]*&)?(?:item)?id=\d+"
    r"|/lists/[^/?#]+/dispform\.aspx\?(?:[^#]*&)?id=\d+"
    r"|/pages/(?!default\.aspx)[^?#]+\.aspx(?:$|#|\?(?![^#]*pageindex=)))"
)
_POSTBACK_RES = (
    re.compile(r"__doPostBack\(\s*'([^']+)'\s*,\s*'([^']*)'\s*\)"),
    re.compile(
        r"WebForm_PostBackOptions\(\s*&?quot;?\"?([^\"&]+)\"?&?quot;?\s*,\s*\"?([^\",]*)\"?"
    ),
)
# An XPath test for one class token (``td.Time`` is not ``td.TimeFront``).
_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {0} ')"
_NEXT_LABELS = frozenset({"sau", "tiếp", "trang sau", "trang tiếp", "next", ">", "›"})

# The main column of a SharePoint page: the vendor's content box, else the master page's.
_MAIN_ZONES: Selectors = (
    ".noi-dung-trang",
    "#MSO_ContentTable",
    "#DeltaPlaceHolderMain",
    "#contentBox",
    "//*[starts-with(@id,'ctl00_PlaceHolderMain')][1]",
)
_NOT_LISTING: Selectors = (
    ".tandan-div-article-other",
    "nav",
    ".menu",
    ".breadcrumb",
    ".ms-quicklaunch",
    "#sideNavBox",
    ".sidebar",
)


_VIEWSTATE_FORM = "//form[.//input[@name='__VIEWSTATE']]"
"""The ASP.NET page form, the one a pager link posts back."""


class SharePointPlatform(Platform):
    """SharePoint portals: Tân Dân publishing pages, localized "Trang" sites, list items."""

    key = "sharepoint"
    label = "SharePoint portals (Tân Dân, 'Trang', Lạc Việt lists)"
    page_param = "PageIndex"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=(
            ".tandan-p-article-news-title",
            ".tandan-title-view",
            "//div[contains(@class,'noi-dung-trang')]//h1",
            "//div[contains(@class,'noi-dung-trang')]//*[contains(@class,'title-news')]",
            ".ms-PostTitle",
            "h1.title-news",
            # Lạc Việt 2018: the headline cell of the post table (the app read it off the
            # listing), else the page title SharePoint sets to the item's title
            "td.Title",
            "td.TitleDetail",
            "//head/title",
        ),
        # one node per query, the first in page order: side boxes list dated news too
        published=(
            "(//*[contains(@class,'tandan-span-date-publish')])[1]",
            "(//*[contains(@class,'tandan-date-view')])[1]",
            "(//div[contains(@class,'noi-dung-trang')]//*[contains(@class,'publish-date')])[1]",
            "(//*[contains(@class,'ms-PostDate')])[1]",
            f"(//td[{_CLASS.format('Time')}])[1]",
        ),
        summary=(
            ".tandan-p-article-news-summary",
            "//div[contains(@class,'noi-dung-trang')]//*[contains(@class,'sapo')]",
            ".ms-PostSummary",
        ),
        body=(
            ".tandan-p-article-news-content .ms-rtestate-field",
            ".tandan-p-article-news-content",
            "//div[contains(@class,'noi-dung-trang')]//div[contains(@class,'noi-dung-tin')]",
            "//div[contains(@class,'noi-dung-trang')]//div[contains(@class,'ms-rtestate-field')]",
            ".ms-PostBody",
            "//div[contains(@id,'PageContent') and contains(@class,'ms-rtestate-field')]",
            # Lạc Việt 2018: the item's rich-text field after its date, classed per item
            # (ExternalClassC08654FC2365424083E8BACFC00BB2CD): matched by the prefix
            f"(//td[{_CLASS.format('Time')}]/following::div[starts-with(@class,'ExternalClass')])[1]",
            "(//div[starts-with(@class,'ExternalClass')][.//p[contains(@class,'MsoNormal')]])[1]",
        ),
        related=(
            ".tandan-div-article-other li a[href]",
            "//div[contains(@class,'noi-dung-trang')]//*[contains(@class,'tin-lien-quan')]//a",
            RELATED_AFTER_HEADING,
        ),
        drop=(
            ".tandan-div-article-other",
            ".td-tags",
            ".social-share",
            ".ms-PostFooter",
            ".tin-lien-quan",
        ),
        # the category label the page prints, e.g. "HOẠT ĐỘNG LÃNH ĐẠO" in the breadcrumb
        section=(
            ".tandan-p-article-category",
            "(//*[contains(@class,'breadcrumb')]//a)[last()]",
            "(//*[contains(@class,'ms-sitemapdirectional')])[last()]",
        ),
        # Lạc Việt posts print no sapo: the lead is the body's first paragraph
        lead_is_first_paragraph=True,
        # Lạc Việt: <p class="MsoNormal"><span><img></span></p> then the caption's paragraph
        caption_in_next_paragraph=True,
    )

    # Tân Dân lists: the element around each headline; other families fall back to links.
    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=(
            "//*[contains(@class,'channel-news-title')]/..",
            "//*[contains(@class,'tandan-p-article-news-title')][.//a]/..",
            f"//td[{_CLASS.format('TitleFront')}]",
        ),
        link=("a[href]",),
        published=(
            ".tandan-span-date-publish",
            ".channel-news-date",
            ".publish-date",
            ".date",
            f"./self::td[{_CLASS.format('TitleFront')}]/span",
        ),
        article_url=_ARTICLE_URL,
    )

    def article_id(self, url: str) -> str | None:
        """The item id of a list-backed article, scoped by its sub-site or list; None for a
        publishing page (``/Pages/<slug>.aspx``), whose path is its identity."""
        parts = urlsplit(url)
        query = {k.lower(): v for k, v in parse_qsl(parts.query)}
        for page, param, cut in _QUERY_ID_PAGES:
            value = query.get(param, "")
            if page.search(parts.path) and value.isdigit():
                scope = re.split(cut, parts.path, maxsplit=1, flags=re.IGNORECASE)[0]
                scope = scope.strip("/").lower()
                return f"{scope}/{value}" if scope else value
        return None

    def section_of_url(self, url: str) -> str | None:
        """A list item's ``Category=`` name (Lạc Việt links carry it; a number elsewhere)."""
        for key, value in parse_qsl(urlsplit(url).query):
            if key.lower() == "category" and not value.strip().isdigit():
                return clean_text(value) or None
        return None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        listing = super().parse_listing(sel, url)
        items = listing.items
        if not items:
            items = listing_from_article_links(
                sel,
                url,
                zones=_MAIN_ZONES,
                article_url=_ARTICLE_URL,
                published=self.listing_rules.published,
                exclude=_NOT_LISTING,
            )
        here = url.split("#", 1)[0]
        items = tuple(item for item in items if item.url != here)
        return Listing(items=items, next_page=listing.next_page)

    def next_page(self, sel: Selector, url: str) -> str | None:
        """``?PageIndex=N+1`` among the links, else the real link after ``span.CurrentPage``."""
        found = super().next_page(sel, url)
        if found:
            return found
        for href in sel.xpath(
            "//span[contains(@class,'CurrentPage')]/following-sibling::a[1]/@href"
        ).getall():
            absolute = absolutize(href, url)
            if absolute:
                return absolute
        return None

    def next_request(self, response: TextResponse, listing: Listing) -> Request | None:
        """The next listing page: a GET of ``listing.next_page``, else the ASP.NET postback of
        the pager link to the next page (the page's form with ``__EVENTTARGET`` /
        ``__EVENTARGUMENT`` set and its ``__VIEWSTATE`` as served); None on the last page."""
        if listing.next_page:
            return Request(listing.next_page)
        if not listing.items:
            return None
        current = int(
            response_meta(response).get("newsfeed_page", page_number(response.url, "PageIndex"))
        )
        return aspnet_postback(response, current)


def aspnet_postback(response: TextResponse, current: int) -> Request | None:
    """The ASP.NET postback of the pager link to page ``current + 1`` of ``response`` (the
    page's form with ``__EVENTTARGET`` / ``__EVENTARGUMENT`` set and its ``__VIEWSTATE`` as
    served), or None when the page has no such link or form."""
    target = postback_target(response.selector, current)
    if target is None or not response.xpath(_VIEWSTATE_FORM):
        return None
    event_target, event_argument = target
    # What a browser posts when __doPostBack submits the form: every field as served
    # (__VIEWSTATE, __EVENTVALIDATION, checked boxes, selected options), no button
    # clicked. form2request is what Scrapy 2.19 points to in place of the deprecated
    # FormRequest.from_response.
    posted = form2request(
        response.xpath(_VIEWSTATE_FORM)[0],
        {"__EVENTTARGET": event_target, "__EVENTARGUMENT": event_argument},
        click=False,
    )
    return Request(
        posted.url,
        method=posted.method,
        headers=posted.headers,
        body=posted.body,
        meta={"newsfeed_page": current + 1},
        dont_filter=True,
    )


def postback_target(sel: Selector, current: int) -> tuple[str, str] | None:
    """``(__EVENTTARGET, __EVENTARGUMENT)`` of the pager link to page ``current + 1``: the
    link numbered so, else the link after the current page's marker, else a "next" link."""
    postbacks: list[tuple[Selector, tuple[str, str]]] = []
    for anchor in sel.xpath("//a[contains(@href,'PostBack')]"):
        href = anchor.attrib.get("href", "")
        for pattern in _POSTBACK_RES:
            match = pattern.search(href)
            if match:
                postbacks.append((anchor, (match.group(1), match.group(2))))
                break
    wanted = str(current + 1)
    for anchor, target in postbacks:
        if clean_text(" ".join(anchor.xpath(".//text()").getall())) == wanted:
            return target
    for marker in select(sel, "//span[contains(@class,'CurrentPage')]/following-sibling::a[1]"):
        for anchor, target in postbacks:
            if anchor.root is marker.root:
                return target
    for anchor, target in postbacks:
        label = clean_text(" ".join(anchor.xpath(".//text()").getall())).casefold()
        if label in _NEXT_LABELS or clean_text(anchor.attrib.get("title")).casefold() in (
            _NEXT_LABELS
        ):
            return target
    return None


__all__ = ["SharePointPlatform", "aspnet_postback", "postback_target"]
