"""What every platform adapter provides, and the shared listing logic."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector
from scrapy.http import Request, TextResponse

from newsfeed.extraction.article import ArticleRules, extract_article
from newsfeed.extraction.html import absolutize
from newsfeed.extraction.select import Selectors, first_text, link_title, select
from newsfeed.items import Article, Listing, ListingItem
from newsfeed.portals import Portal


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingRules:
    """Where a platform's category page keeps its article list."""

    item: Selectors
    """Containers, one per listed article."""
    link: Selectors
    """The article ``<a>`` inside a container."""
    published: Selectors = ()
    """The date printed beside the item, inside its container."""
    article_url: re.Pattern[str] | None = None
    """Only links whose URL matches are articles (menus and banners share containers)."""
    title: Selectors = ()
    """The headline inside the container, where one link wraps a whole card (image, title,
    summary, date); the link's own text otherwise."""


class Platform:
    """A CMS family. Subclasses set the rules and, where the family needs it, override."""

    key: ClassVar[str]
    label: ClassVar[str]
    article_rules: ClassVar[ArticleRules]
    listing_rules: ClassVar[ListingRules]
    page_param: ClassVar[str]
    """The query parameter carrying the listing page number: a regular expression that must
    match the whole parameter name (Liferay scopes it per portlet instance)."""

    def article_id(self, url: str) -> str | None:
        """The CMS's own id of the article at ``url``, when its URLs carry one."""
        return None

    def is_article_url(self, url: str) -> bool:
        """Whether a listing takes ``url`` for an article: it has the family's article-URL
        form, or (families that list by container, not by URL) an article id."""
        rule = self.listing_rules.article_url
        if rule is not None:
            return bool(rule.search(url))
        return self.article_id(url) is not None

    def section_of_url(self, url: str) -> str | None:
        """The category label an article's URL carries, for pages that print none."""
        return None

    def parse_listing(self, sel: Selector, url: str) -> Listing:
        rules = self.listing_rules
        found: dict[str, ListingItem] = {}
        for container in _select_all(sel, rules.item):
            for anchor in _select_all(container, rules.link)[:1]:
                href = absolutize(anchor.attrib.get("href"), url)
                if not href or (rules.article_url and not rules.article_url.search(href)):
                    continue
                title = first_text(container, rules.title) or link_title(anchor)
                known = found.get(href)
                if known is None:
                    found[href] = ListingItem(
                        url=href,
                        title=title,
                        published_raw=first_text(container, rules.published),
                    )
                elif not known.title and title:
                    # an image link comes first, the headline link after it
                    found[href] = ListingItem(
                        url=href, title=title, published_raw=known.published_raw
                    )
        return Listing(items=tuple(found.values()), next_page=self.next_page(sel, url))

    def next_page(self, sel: Selector, url: str) -> str | None:
        """The link to page N+1, found among the page's links by its page parameter."""
        current = page_number(url, self.page_param)
        for href in sel.xpath("//a/@href").getall():
            absolute = absolutize(href, url)
            if absolute and page_number(absolute, self.page_param) == current + 1:
                return absolute
        return None

    def start_request(
        self, category_url: str, *, overrides: Mapping[str, Any] | None = None
    ) -> Request:
        """The first listing request of a category: a GET of its page by default."""
        return Request(category_url)

    def next_request(self, response: TextResponse, listing: Listing) -> Request | None:
        """The listing page after ``response``: a GET of ``listing.next_page`` by default.

        Families that page by POST (ASP.NET postback, listing APIs) override this. The spider
        sets callback, errback and cb_kwargs, and adds its keys to the request's own meta.
        """
        return Request(listing.next_page) if listing.next_page else None

    def rules_for(self, portal: Portal | None) -> ArticleRules:
        """The family's article rules with the portal's ``[overrides]`` selectors first."""
        if portal is None or not portal.selectors:
            return self.article_rules
        changes: dict[str, Any] = {
            name: (*queries, *getattr(self.article_rules, name))
            for name, queries in portal.selectors.items()
        }
        return replace(self.article_rules, **changes)

    def extract(
        self,
        sel: Selector,
        url: str,
        portal: Portal | None,
        *,
        listing_published_raw: str | None = None,
        categories: tuple[str, ...] = (),
    ) -> Article:
        article = extract_article(
            sel,
            url,
            self.rules_for(portal),
            portal=portal.key if portal else None,
            article_id=self.article_id(url),
            host_aliases=portal.host_aliases if portal else (),
            primary_host=urlsplit(portal.base_url).hostname if portal else None,
            listing_published_raw=listing_published_raw,
            site_names=(portal.name,) if portal else (),
            categories=categories,
            article_id_of=self.article_id,
        )
        if article.section is None:
            section = self.section_of_url(url)
            if section:
                article = article.replace(section=section)
        if not article.categories and portal is not None and article.section:
            matched = portal.category_for_label(article.section)
            if matched is not None:
                article = article.replace(categories=(matched.key,))
        return article


def page_number(url: str, param: str) -> int:
    """The listing page a URL shows: the value of the parameter matching ``param``, else 1."""
    pattern = re.compile(param)
    for key, value in parse_qsl(urlsplit(url).query):
        if pattern.fullmatch(key) and value.isdigit():
            return int(value)
    return 1


def _select_all(node: Selector, queries: Selectors) -> list[Selector]:
    for query in queries:
        found = list(select(node, query))
        if found:
            return found
    return []
