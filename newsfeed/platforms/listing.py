"""Listing helpers every platform uses: article links by URL shape, the related-list heading,
the HTML inside a JSON listing answer, the request meta behind a response.

Templates rename their wrappers far more often than they change their URL scheme, so a listing
is read as "every link whose URL has the platform's article form, inside the category module",
with the largest element around the link that holds no other article as its item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from newsfeed.extraction.html import absolutize
from newsfeed.extraction.select import Selectors, first, first_text, link_title, select
from newsfeed.extraction.text import clean_text
from newsfeed.items import ListingItem

# "Tin liên quan" / "Các tin khác" headings followed by the list, as most Vietnamese CMSes print
# their related list when it has no class of its own.
_RELATED_LABELS = (
    "Tin liên quan",
    "TIN LIÊN QUAN",
    "Các tin khác",
    "CÁC TIN KHÁC",
    "Tin khác",
    "TIN KHÁC",
    "Tin cùng chuyên mục",
    "TIN CÙNG CHUYÊN MỤC",
    "Bài viết liên quan",
    "BÀI VIẾT LIÊN QUAN",
)
_LABEL_TEST = " or ".join(f"normalize-space(.)='{label}'" for label in _RELATED_LABELS)
RELATED_AFTER_HEADING = (
    f"//*[self::h2 or self::h3 or self::h4 or self::p or self::div or self::span][{_LABEL_TEST}]"
    "/following-sibling::*[1]//a[@href]"
)
"""The links of the list that follows a "Tin liên quan" / "Các tin khác" heading."""

_DATE_IN_TEXT = re.compile(
    r"(?:\d{1,2}:\d{2}(?::\d{2})?\s*,?\s*)?\d{1,2}[/-]\d{1,2}[/-]\d{4}"
    r"(?:\s*[-|,]?\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)


def response_meta(response: TextResponse) -> Mapping[str, Any]:
    """The meta of the request behind ``response``; empty for a response built from bytes."""
    try:
        return response.meta
    except AttributeError:
        return {}


def listing_from_article_links(
    sel: Selector,
    url: str,
    *,
    zones: Selectors,
    article_url: re.Pattern[str],
    published: Selectors = (),
    exclude: Selectors = (),
) -> tuple[ListingItem, ...]:
    """The articles a listing page links to, in page order, one item per article URL.

    ``zones`` are the category module (first query that matches; the whole page when none
    does); ``exclude`` are parts of it that list other things (featured boxes of other
    categories, "most read"). An item's date is looked for in the largest element around its
    link that holds no other article: ``published`` selectors first, else a printed date.
    """
    zone_nodes: Iterable[Selector] = first(sel, zones) or [sel]
    skipped = {node.root for query in exclude for node in select(sel, query)}
    found: dict[str, ListingItem] = {}
    for zone in zone_nodes:
        for anchor in zone.xpath(".//a[@href]"):
            if any(ancestor in skipped for ancestor in anchor.root.iterancestors()):
                continue
            href = absolutize(anchor.attrib.get("href"), url)
            if not href or not article_url.search(href):
                continue
            href = href.split("#", 1)[0]
            title = link_title(anchor)
            known = found.get(href)
            if known is not None:
                if not known.title and title:
                    # an image link comes first, the headline link after it
                    found[href] = ListingItem(
                        url=href, title=title, published_raw=known.published_raw
                    )
                continue
            item = _item_element(anchor.root, zone.root, href, url, article_url)
            found[href] = ListingItem(
                url=href, title=title, published_raw=_item_date(item, published)
            )
    return tuple(found.values())


def _item_element(
    anchor: Any, zone: Any, href: str, base_url: str, article_url: re.Pattern[str]
) -> Any:
    """The largest ancestor of ``anchor`` (inside ``zone``) linking to no other article."""
    element = anchor
    while True:
        parent = element.getparent()
        if parent is None or parent is zone or element is zone:
            return element
        for other in parent.iter("a"):
            target = absolutize(other.get("href"), base_url)
            if target and article_url.search(target) and target.split("#", 1)[0] != href:
                return element
        element = parent


def _item_date(element: Any, published: Selectors) -> str | None:
    node = Selector(root=element)
    printed = first_text(node, published)
    if printed:
        return printed
    for text in element.itertext():
        match = _DATE_IN_TEXT.search(text)
        if match:
            return clean_text(match.group(0))
    return None


def html_selector(sel: Selector) -> Selector:
    """The HTML of a listing answer: ``sel`` itself, or the HTML a JSON answer carries (ASP.NET
    page methods answer ``{"d": "<html>"}``; other APIs ``{"html"|"data": ...}``)."""
    if sel.type != "json":
        return sel
    html = _html_in_json(sel.root)
    return Selector(text=f"<html><body>{html or ''}</body></html>")


def _html_in_json(data: Any) -> str | None:
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        for key in ("d", "html", "Html", "data", "Data", "content"):
            if key in data:
                found = _html_in_json(data[key])
                if found is not None:
                    return found
    return None


__all__ = [
    "RELATED_AFTER_HEADING",
    "html_selector",
    "listing_from_article_links",
    "response_meta",
]
