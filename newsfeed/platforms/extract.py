"""One page -> one Article: the function behind ``newsfeed extract`` and the fixture tests."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from newsfeed.extraction.generic import extract_generic
from newsfeed.items import Article
from newsfeed.platforms import get_platform
from newsfeed.portals import Portal, Registry


def response_for(body: bytes, url: str, content_type: str | None = None) -> HtmlResponse:
    """A Scrapy response from saved bytes, so charset detection is Scrapy's own."""
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse(url=url, body=body, headers=headers)


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
