"""One page -> one Article (or one listing): the functions behind ``newsfeed extract`` and the
fixture tests."""

from __future__ import annotations

from typing import Any

from newsfeed.extraction.generic import extract_generic
from newsfeed.extraction.response import PageResponse
from newsfeed.items import Article
from newsfeed.platforms import get_platform
from newsfeed.platforms.choice import choose_platform, read_listing
from newsfeed.platforms.fingerprint import fingerprint
from newsfeed.portals import Portal, Registry


def response_for(body: bytes, url: str, content_type: str | None = None) -> PageResponse:
    """A Scrapy response from saved bytes, so charset detection is Scrapy's own, read as the
    crawl reads a page (:class:`PageResponse`)."""
    headers = {"Content-Type": content_type} if content_type else {}
    return PageResponse(url=url, body=body, headers=headers)


def extract_page(
    body: bytes,
    url: str,
    *,
    portal: Portal | None = None,
    registry: Registry | None = None,
    content_type: str | None = None,
) -> Article:
    """Extract with the portal's platform (given, or found by the URL's host), else generically."""
    response = response_for(body, url, content_type)
    if portal is None:
        portal = (registry or Registry()).for_url(url)
    if portal is None:
        return extract_generic(response.selector, url, html_text=response.text)
    platform = get_platform(portal.platform)
    return platform.extract(response.selector, url, portal)


def extract_listing(
    body: bytes,
    url: str,
    *,
    portal: Portal | None = None,
    registry: Registry | None = None,
    content_type: str | None = None,
) -> dict[str, Any]:
    """What a listing or home page yields, as ``newsfeed extract --listing`` prints it: the
    platform used and detected, the items in page order, the next page."""
    response = response_for(body, url, content_type)
    if portal is None:
        portal = (registry or Registry()).for_url(url)
    detected = fingerprint(response.text, url)
    choice = choose_platform(portal.platform if portal else None, detected)
    listing, read_by = read_listing(get_platform(choice.used), response.selector, url)
    postback = None
    if listing.next_page is None and listing.items:
        request = get_platform(read_by).next_request(response, listing)
        if request is not None and request.method == "POST":
            postback = {"url": request.url, "body": request.body.decode("ascii", "replace")}
    return {
        "url": url,
        "portal": portal.key if portal else None,
        "platform": {
            "used": read_by,
            "profile": choice.profile,
            "detected": detected.family,
            "evidence": list(detected.evidence),
            "fallback": read_by != choice.used,
        },
        "items": [
            {"url": i.url, "title": i.title, "published_raw": i.published_raw}
            for i in listing.items
        ],
        "next_page": listing.next_page,
        "next_postback": postback,
    }
