"""The one generic spider: category listings -> article pages, driven by portal profiles.

``scrapy crawl portal -a portal=KEY`` (or ``newsfeed crawl KEY``). Per category it fetches the
first listing page, follows "next page" links up to the profile's ``max_pages``, and stops early
at a page whose articles are all in the store already. An article met under several categories
in one run is fetched once and carries all of them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newsfeed.extraction.urls import canonical_url, make_guid
from newsfeed.platforms import Platform, get_platform
from newsfeed.portals import Portal, Registry
from newsfeed.store import Store, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryLink:
    """An article already stored (or fetched this run) seen under more categories."""

    guid: str
    portal: str
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchFailure:
    """An article page that could not be fetched, remembered so a gone page is not re-asked."""

    url: str
    portal: str
    status: str


GONE = ("404", "410")
GONE_RECHECK = timedelta(days=7)
"""A page that answered 404/410 is asked again only after this long."""


def stat(portal: str, name: str) -> str:
    """The stats key of a per-portal counter (read back by the crawl report)."""
    return f"newsfeed/{portal}/{name}"


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        portal: str | Portal | None = None,
        portals: list[Portal] | None = None,
        category: str | None = None,
        registry: Registry | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        registry = registry or Registry()
        selected: list[Portal] = list(portals or [])
        if isinstance(portal, Portal):
            selected.append(portal)
        elif isinstance(portal, str):
            selected.extend(registry.get(key) for key in portal.split(","))
        if not selected:
            selected = list(registry)
        self.portals = {p.key: p for p in selected}
        self.only_category = category
        # guid -> categories met this run, and the guids already requested
        self._seen_categories: dict[str, set[str]] = defaultdict(set)
        self._requested: set[str] = set()
        self._store: Store | None = None

    @property
    def store(self) -> Store | None:
        if self._store is None and self.crawler.settings.get("NEWSFEED_STORE"):
            self._store = Store(self.crawler.settings["NEWSFEED_STORE"])
        return self._store

    def closed(self, reason: str) -> None:
        if self._store is not None:
            self._store.close()

    async def start(self) -> AsyncIterator[Any]:
        for portal in self.portals.values():
            for category in portal.categories:
                if self.only_category and category.key != self.only_category:
                    continue
                self.crawler.stats.inc_value(stat(portal.key, f"category/{category.key}/requested"))
                yield Request(
                    category.url,
                    callback=self.parse_listing,
                    errback=self.on_error,
                    cb_kwargs={"portal_key": portal.key, "category": category.key, "page": 1},
                    meta={"portal": portal.key, "kind": "listing"},
                    dont_filter=True,
                )

    def parse_listing(
        self, response: Response, portal_key: str, category: str, page: int
    ) -> Iterator[Any]:
        portal = self.portals[portal_key]
        platform = get_platform(portal.platform)
        stats = self.crawler.stats
        stats.inc_value(stat(portal_key, "listing_pages_fetched"))
        stats.inc_value(stat(portal_key, f"category/{category}/listing_pages_fetched"))
        if not isinstance(response, TextResponse):
            stats.inc_value(stat(portal_key, "http_errors/not_html"))
            return
        listing = platform.parse_listing(response.selector, response.url)
        stats.inc_value(stat(portal_key, "articles_listed"), len(listing.items))
        stats.inc_value(
            stat(portal_key, f"category/{category}/articles_listed"), len(listing.items)
        )
        if not listing.items:
            logger.warning("%s: no articles listed on %s", portal_key, response.url)
        known = 0
        for item in listing.items:
            guid = self.guid_for(portal, platform, item.url)
            first_this_run = guid not in self._seen_categories
            self._seen_categories[guid].add(category)
            if self.store is not None and self.store.has_guid(guid):
                known += 1
                yield CategoryLink(guid=guid, portal=portal_key, categories=(category,))
                continue
            if not first_this_run or guid in self._requested:
                # fetched (or about to be) under another category: its item will carry this one
                yield CategoryLink(guid=guid, portal=portal_key, categories=(category,))
                continue
            if self._recently_gone(item.url):
                stats.inc_value(stat(portal_key, "articles_skipped_gone"))
                continue
            self._requested.add(guid)
            stats.inc_value(stat(portal_key, "article_pages_requested"))
            yield response.follow(
                item.url,
                callback=self.parse_article,
                errback=self.on_error,
                cb_kwargs={
                    "portal_key": portal_key,
                    "guid": guid,
                    "listing_published_raw": item.published_raw,
                },
                meta={"portal": portal_key, "kind": "article"},
            )
        all_known = bool(listing.items) and known == len(listing.items)
        if all_known:
            logger.info(
                "%s/%s: page %d holds only known articles; stop", portal_key, category, page
            )
        elif listing.next_page and page < portal.max_pages:
            yield response.follow(
                listing.next_page,
                callback=self.parse_listing,
                errback=self.on_error,
                cb_kwargs={"portal_key": portal_key, "category": category, "page": page + 1},
                meta={"portal": portal_key, "kind": "listing"},
            )

    def parse_article(
        self,
        response: Response,
        portal_key: str,
        guid: str,
        listing_published_raw: str | None,
    ) -> Iterator[Any]:
        portal = self.portals[portal_key]
        self.crawler.stats.inc_value(stat(portal_key, "article_pages_fetched"))
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(stat(portal_key, "http_errors/not_html"))
            return
        platform = get_platform(portal.platform)
        article = platform.extract(
            response.selector,
            response.url,
            portal,
            listing_published_raw=listing_published_raw,
            categories=tuple(sorted(self._seen_categories.get(guid, ()))),
        )
        if article.guid != guid:
            # redirected to another URL form; keep the listing's identity so runs agree
            article = article.replace(guid=guid)
        yield article

    def _recently_gone(self, url: str) -> bool:
        if self.store is None:
            return False
        since = self.store.gone_since(url, GONE)
        return since is not None and utcnow() - since < GONE_RECHECK

    def on_error(self, failure: Failure) -> Iterator[FetchFailure]:
        request = failure.request  # type: ignore[attr-defined]
        portal_key = request.meta.get("portal", "unknown")
        response = getattr(failure.value, "response", None)
        name = str(response.status) if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value(stat(portal_key, f"http_errors/{name}"))
        logger.warning("%s: %s on %s", portal_key, name, request.url)
        if request.meta.get("kind") == "article":
            self.crawler.stats.inc_value(stat(portal_key, "article_pages_fetched"))
            yield FetchFailure(url=request.url, portal=portal_key, status=name)
        else:
            self.crawler.stats.inc_value(stat(portal_key, "listing_errors"))

    @staticmethod
    def guid_for(portal: Portal, platform: Platform, url: str) -> str:
        """The guid an article at ``url`` will have, known before fetching it."""
        canonical = canonical_url(
            url, aliases=portal.host_aliases, primary_host=urlsplit(portal.base_url).hostname
        )
        return make_guid(portal.key, article_id=platform.article_id(url), canonical=canonical)
