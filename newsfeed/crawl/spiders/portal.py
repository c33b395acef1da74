"""The one generic spider: category listings -> article pages, driven by portal profiles.

``scrapy crawl portal -a portal=KEY`` (or ``newsfeed crawl KEY``). The flow, one method each:

1. :meth:`PortalSpider.start`: the first listing page of every category
   (:meth:`~PortalSpider.listing_request`: a conditional GET when the store holds the page's
   ETag / Last-Modified).
2. :meth:`PortalSpider.parse_listing`: a ``304 Not Modified`` means "no change": counted
   (``listing_pages_not_modified``), no pagination, only the re-check window's due articles
   are asked. A 200 lists articles; :meth:`~PortalSpider.article_requests` decides per item:
   unknown -> fetch; known -> fetch again only for a re-check (:func:`recheck_reason`), else just
   record the category and what the listing showed. Then "next page", up to the profile's
   ``max_pages``, stopping early at a page whose articles are all known (only once the
   category's pagination has completed in some run, so a killed first run is finished later).
3. :meth:`PortalSpider.parse_article`: the platform extracts the Article; a
   :class:`CategoryLink` follows it with what the listing showed.

An article met under several categories in one run is fetched once and carries all of them.
What the spider knows of earlier runs it reads from :class:`~newsfeed.crawl.state.CrawlState`
(the crawl's one Store connection); it writes only through items, and through the state's
close hook: the listing pages' validators are saved when the run finishes, and only for pages whose
articles were all fetched: a run killed or interrupted half-way never turns a page it did not
finish into a 304 next time.

Platform hooks: ``start_request`` / ``next_request`` say how a family asks for its listing
pages (GET by default; ASP.NET postback or listing APIs by POST), wired by
:meth:`~PortalSpider.wire_listing`. A category known only by its label is looked up in the
portal's menu (:meth:`~PortalSpider.parse_home`, :func:`find_category_url`) and the URL found
is remembered in the store (a :class:`~newsfeed.items.DiscoveredCategory` item); a category
not found is counted (``categories_undiscovered``).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

import parsel
import scrapy
from lxml import etree
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newsfeed.config import RECHECK_DAYS
from newsfeed.crawl.guards import Stopping
from newsfeed.crawl.state import CrawlState
from newsfeed.crawl.stats import CategoryCounter, Counter, Fault, category_stat, stat
from newsfeed.extraction.article import uploader_names
from newsfeed.extraction.dates import settle_dates
from newsfeed.extraction.pages import classify_page, shares_one_timestamp
from newsfeed.extraction.text import clean_text
from newsfeed.extraction.urls import canonical_url, make_guid
from newsfeed.items import CategoryLink, DiscoveredCategory, FetchFailure, Listing, ListingItem
from newsfeed.platforms import Platform, get_platform
from newsfeed.platforms.choice import GENERIC, choose_platform, read_listing
from newsfeed.platforms.fallback import FallbackOdds, with_fallback
from newsfeed.platforms.fingerprint import fingerprint
from newsfeed.portals import Portal, Registry
from newsfeed.portals.discovery import find_category_url, menu_link_texts
from newsfeed.store.db import KnownArticle, Validators, utcnow

logger = logging.getLogger(__name__)


GONE = ("404", "410")
GONE_RECHECK = timedelta(days=7)
"""A page that answered 404/410 is asked again only after this long."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecheckPolicy:
    """When a stored article's page is fetched again (settings in hours, see ``from_settings``).

    Portals correct articles in the first hours (a typo in the title, a photo added, the
    attachment uploaded late), rarely later. So a page is fetched again only while it is young,
    and at most once per ``every``: with cron every 30 minutes and the defaults, an article
    gets at most 8 re-checks in its first two days instead of 96, and none after, unless the
    listing shows a change (title or date) -- that always triggers one.
    """

    window: timedelta = timedelta(hours=48)
    """Re-check only articles first seen less than this long ago (0 disables)."""
    every: timedelta = timedelta(hours=6)
    """And only if their page was last fetched at least this long ago."""
    budget: int = 10
    """Besides, each run fetches again this many of the portal's articles of the last ``days``,
    those checked longest ago (``oldest``): edits made later are noticed too, every article
    being re-checked in turn (README "Incremental crawling")."""
    days: timedelta = timedelta(days=RECHECK_DAYS)

    @classmethod
    def from_settings(cls, settings: Any) -> RecheckPolicy:
        return cls(
            window=timedelta(hours=settings.getfloat("NEWSFEED_RECHECK_WINDOW_HOURS", 48)),
            every=timedelta(hours=settings.getfloat("NEWSFEED_RECHECK_EVERY_HOURS", 6)),
            budget=settings.getint("NEWSFEED_RECHECK_BUDGET", 10),
        )


def recheck_reason(
    known: KnownArticle, listed: ListingItem, now: datetime, policy: RecheckPolicy
) -> str | None:
    """Why the stored article ``known``, listed as ``listed``, must be fetched again, or None.

    ``listing_changed`` when the listing shows another title or date than last time (never for
    an article whose listing was not recorded yet: that run records it), ``window`` when the
    article is young and its page due (:class:`RecheckPolicy`).
    """
    before = known.listed
    if before is not None and (
        clean_text(before.title) != clean_text(listed.title)
        or clean_text(before.published_raw) != clean_text(listed.published_raw)
    ):
        return "listing_changed"
    if now - known.first_seen < policy.window and now - known.last_seen >= policy.every:
        return "window"
    return None


@lru_cache(maxsize=4)
def _below(depth: int) -> etree.XPath:
    return etree.XPath("boolean(/" + "/".join(["*"] * (depth + 1)) + ")")


_ANCHOR_TAG = re.compile(rb"<a[\s/>]", re.IGNORECASE)


def _anchor_tags(body: bytes) -> int:
    """How many ``<a>`` start tags a page's source holds, counted in its bytes (in comments and
    scripts too): at least as many as its tree has links, in any ASCII-compatible charset."""
    return sum(1 for _ in _ANCHOR_TAG.finditer(body))


def nested_deeper(root: etree._Element, depth: int) -> bool:
    """Whether an element of the tree of ``root`` has ``depth`` or more ancestors.

    One child step per level (``/*/*/…``): each element is reached once, level by level, where
    ``//*[count(ancestor::*) >= depth]`` counts the ancestors of every element (of every leaf,
    at best), about three times the work on an ordinary page.
    """
    return bool(_below(max(depth, 0))(root.getroottree()))


def past_bounds(response: TextResponse, *, links: int, depth: int) -> str | None:
    """Why an article page is past the bounds extraction can read it in, or None.

    libxml2 stops at 2048 levels of nesting even for huge trees, so a deeper page lost its
    end; a page with tens of thousands of links is no article and costs minutes to read.
    Such a page is known by its source's ``<a`` tags before it is parsed: its tree would
    be some twenty times its size (70 MB for 100,000 links). Where the charset does not
    write ``<a`` as those bytes (UTF-16), the parsed tree's links are counted instead.
    """
    if _anchor_tags(response.body) > links:
        return f"more than {links} links"
    if nested_deeper(response.selector.root, depth):
        return f"DOM deeper than {depth} levels"
    if (
        not _writes_ascii(response.encoding)
        and response.xpath(f"count(//a) > {links}").get() == "1"
    ):
        return f"more than {links} links"
    return None


@lru_cache(maxsize=64)
def _writes_ascii(encoding: str) -> bool:
    """Whether ``encoding`` writes ``<a`` as those two ASCII bytes (not UTF-16 or UTF-32)."""
    try:
        return "<a".encode(encoding) == b"<a"
    except (LookupError, UnicodeError):
        return False


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
        # portal -> the platform its pages showed, when not the profile's
        self._platform_used: dict[str, str] = {}
        self._requested: set[str] = set()
        # portals whose every start request the engine has taken (a portal is done for the
        # progress line, newsfeed.crawl.progress, only once it is in here)
        self.start_handed_out: set[str] = set()
        # per portal, the fields the generic fallback keeps finding nothing for
        self.fallback_odds = FallbackOdds()
        # One bound method per callback for every request: before each callback Scrapy checks
        # it for a generator returning a value by parsing its source (warn_on_generator_with_
        # return_value), cached weakly by the callable, and a bound method made per request
        # dies with it, so each response re-read and re-parsed the method's source (4% of a
        # crawl's CPU). Kept here, each is checked once.
        for name in ("parse_home", "parse_listing", "parse_article", "on_error"):
            setattr(self, name, getattr(self, name))

    @cached_property
    def state(self) -> CrawlState:
        """What the crawl knows of earlier runs (reads) and notes for the next one."""
        return CrawlState.of(self.crawler)

    @property
    def recheck(self) -> RecheckPolicy:
        return RecheckPolicy.from_settings(self.crawler.settings)

    # -- listings --------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for portal in self.portals.values():
            undiscovered: list[str] = []
            for category in portal.categories:
                if self.only_category and category.key != self.only_category:
                    continue
                url = category.url or self.state.discovered_url(portal.key, category.key)
                if url is None:
                    undiscovered.append(category.key)
                    continue
                yield self.first_listing(portal, category.key, url)
            if not self.only_category:
                for request in self.oldest_rechecks(portal.key):
                    yield request
            if undiscovered:
                # categories known by label only: find their links in the portal's menu
                yield Request(
                    portal.base_url + "/",
                    callback=self.parse_home,
                    errback=self.on_error,
                    cb_kwargs={"portal_key": portal.key, "categories": tuple(undiscovered)},
                    meta={"portal": portal.key, "kind": "home"},
                    dont_filter=True,
                )
            self.start_handed_out.add(portal.key)

    def first_listing(self, portal: Portal, category: str, url: str) -> Request:
        """Page 1 of a category, as its platform asks for it (a GET unless it says otherwise)."""
        self.crawler.stats.inc_value(category_stat(portal.key, category, CategoryCounter.REQUESTED))
        self.state.category_crawled(portal.key, category)
        platform = self.platform_of(portal)
        request = platform.start_request(url, overrides=portal.overrides)
        return self.wire_listing(request, portal.key, category, page=1)

    def parse_home(
        self, response: Response, portal_key: str, categories: tuple[str, ...]
    ) -> Iterator[Any]:
        """Find label-only categories in the portal's navigation; remember what was found."""
        portal = self.portals[portal_key]
        if isinstance(response, TextResponse):
            self.detect_platform(portal, response)
        for key in categories:
            labels = portal.category(key).labels or (portal.category(key).name,)
            url = (
                find_category_url(response.selector, response.url, labels)
                if isinstance(response, TextResponse)
                else None
            )
            if url is None:
                # in the report (categories_undiscovered): not worth a line on cron's mail
                logger.info(
                    "%s/%s: no menu link labelled %s on %s",
                    portal_key,
                    key,
                    " | ".join(labels),
                    response.url,
                )
                stats = self.crawler.stats
                stats.inc_value(stat(portal_key, Counter.CATEGORIES_UNDISCOVERED))
                stats.inc_value(category_stat(portal_key, key, CategoryCounter.UNDISCOVERED))
                # what the report names: the labels tried, and what the menu offered instead
                stats.set_value(
                    category_stat(portal_key, key, CategoryCounter.LABELS_TRIED), list(labels)
                )
                stats.set_value(stat(portal_key, Counter.MENU_PAGE), response.url)
                if isinstance(response, TextResponse):
                    stats.set_value(
                        stat(portal_key, Counter.MENU_LINKS), menu_link_texts(response.selector)
                    )
                continue
            logger.info("%s/%s: found in the menu at %s", portal_key, key, url)
            yield DiscoveredCategory(portal=portal_key, category=key, url=url)
            yield self.first_listing(portal, key, url)

    def wire_listing(
        self, request: Request, portal_key: str, category: str, *, page: int
    ) -> Request:
        """A platform's listing request wired to this spider; plain GETs become conditional."""
        if request.method == "GET" and not request.meta:
            return self.listing_request(portal_key, category, request.url, page=page)
        # POST pages (postback, listing APIs) share one URL: no validators for them
        return request.replace(
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"portal_key": portal_key, "category": category, "page": page},
            meta={**request.meta, **_listing_meta(portal_key, category, request.url, page)},
            dont_filter=True,
        )

    def listing_request(self, portal_key: str, category: str, url: str, *, page: int) -> Request:
        """A listing page request, conditional when the store knows the page's validators."""
        headers: dict[str, str] = {}
        known = self.state.validators(url)
        if known is not None and known.etag:
            headers["If-None-Match"] = known.etag
        if known is not None and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return Request(
            url,
            headers=headers,
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"portal_key": portal_key, "category": category, "page": page},
            # 304 reaches the callback: HttpErrorMiddleware drops non-2xx statuses otherwise
            meta={
                **_listing_meta(portal_key, category, url, page),
                "handle_httpstatus_list": [304],
            },
            dont_filter=page == 1,
        )

    def parse_listing(
        self, response: Response, portal_key: str, category: str, page: int
    ) -> Iterator[Any]:
        portal = self.portals[portal_key]
        stats = self.crawler.stats
        if isinstance(response, TextResponse) and response.status != 304:
            self.detect_platform(portal, response)
        platform = self.platform_of(portal)
        if response.status == 304:
            # Not counted in listing_pages_fetched: a 304 lists nothing, and "fetched pages
            # listing nothing" is the report's sign of a changed layout.
            stats.inc_value(stat(portal_key, Counter.LISTING_PAGES_NOT_MODIFIED))
            stats.inc_value(
                category_stat(portal_key, category, CategoryCounter.LISTING_PAGES_NOT_MODIFIED)
            )
            logger.info("%s/%s: page %d not modified", portal_key, category, page)
            yield from self.window_rechecks(portal_key, category)
            return
        stats.inc_value(stat(portal_key, Counter.LISTING_PAGES_FETCHED))
        stats.inc_value(category_stat(portal_key, category, CategoryCounter.LISTING_PAGES_FETCHED))
        if not isinstance(response, TextResponse):
            stats.inc_value(stat(portal_key, Counter.HTTP_ERRORS, "not_html"))
            return
        self.state.listing_fetched(
            response.meta["listing_url"],
            Validators(
                etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified")
            ),
        )
        listing, read_by = read_listing(platform, response.selector, response.url)
        if read_by != platform.key:
            # the platform's rules found no article: the generic listing did
            stats.inc_value(stat(portal_key, Counter.LISTING_PAGES_FALLBACK))
            logger.info(
                "%s: %s listing rules found nothing on %s", portal_key, platform.key, response.url
            )
            platform = get_platform(read_by)
        if portal.article_url is not None:
            # id-less URLs: the profile's evidence-based shape tells articles from categories
            listing = Listing(
                items=tuple(i for i in listing.items if portal.article_url.search(i.url)),
                next_page=listing.next_page,
            )
        stats.inc_value(stat(portal_key, Counter.ARTICLES_LISTED), len(listing.items))
        stats.inc_value(
            category_stat(portal_key, category, CategoryCounter.ARTICLES_LISTED), len(listing.items)
        )
        if shares_one_timestamp([i.published_raw for i in listing.items]):
            stats.inc_value(stat(portal_key, Counter.LISTING_SAME_TIMESTAMP))
        if not listing.items:
            kind = classify_page(response.text, response.xpath("//title/text()").get())
            if kind:
                stats.inc_value(stat(portal_key, Counter.SOFT_ERRORS, kind))
                logger.info("%s: %s page (status 200) on %s", portal_key, kind, response.url)
            else:
                logger.info("%s: no articles listed on %s", portal_key, response.url)
        # Every item is decided before the first is handed on. Scrapy iterates a callback's
        # output cooperatively, a few items at a time, interleaved with other callbacks': decided
        # one by one, an article on two listing pages went to whichever page's loop reached it
        # first (its URL, and so its feed link, changed from run to run). A page now claims its
        # articles when it is read: an article is fetched from the listing page read first.
        outputs: list[tuple[bool, Any]] = []
        for item in listing.items:
            output = self.article_requests(
                response, portal=portal, platform=platform, category=category, item=item
            )
            if output is not None:
                outputs.append(output)
        known = sum(is_known for is_known, _ in outputs)
        for _, request_or_link in outputs:
            yield request_or_link
        all_known = bool(listing.items) and known == len(listing.items)
        if all_known and category in self.state.completed(portal_key):
            logger.info(
                "%s/%s: page %d holds only known articles; stop", portal_key, category, page
            )
        elif page < portal.max_pages:
            follow = platform.next_request(response, listing)
            if follow is not None:
                yield self.wire_listing(follow, portal_key, category, page=page + 1)

    def article_requests(
        self,
        response: Response,
        *,
        portal: Portal,
        platform: Platform,
        category: str,
        item: ListingItem,
    ) -> tuple[bool, Any] | None:
        """What one listing item leads to: (known?, a Request or a CategoryLink), or None."""
        guid = self.guid_for(portal, platform, item.url)
        first_this_run = guid not in self._seen_categories
        self._seen_categories[guid].add(category)
        stored = self.state.known(guid, category)
        if stored is not None:
            reason = recheck_reason(stored, item, utcnow(), self.recheck)
            if reason is None or guid in self._requested:
                return True, CategoryLink(
                    guid=guid, portal=portal.key, categories=(category,), listing=item
                )
            if reason == "window":
                # the URL fetched before: another category's path may resolve the page's
                # relative links differently, which would look like a content change
                item = ListingItem(
                    url=stored.url, title=item.title, published_raw=item.published_raw
                )
            logger.info("%s: re-check (%s) %s", portal.key, reason, item.url)
            return True, self.article_request(
                response,
                portal_key=portal.key,
                category=category,
                guid=guid,
                item=item,
                recheck=reason,
            )
        if not first_this_run or guid in self._requested:
            # fetched (or about to be) under another category: its item will carry this one
            return False, CategoryLink(
                guid=guid, portal=portal.key, categories=(category,), listing=item
            )
        if self._recently_gone(item.url):
            self.crawler.stats.inc_value(stat(portal.key, Counter.ARTICLES_SKIPPED_GONE))
            return None
        return False, self.article_request(
            response, portal_key=portal.key, category=category, guid=guid, item=item, recheck=None
        )

    def window_rechecks(self, portal_key: str, category: str) -> Iterator[Request]:
        """Requests for the category's young articles due a re-check (after a 304 listing)."""
        if self.recheck.window <= timedelta(0):
            return
        now = utcnow()
        due = self.state.recheck_due(
            portal_key,
            category,
            first_seen_after=now - self.recheck.window,
            fetched_before=now - self.recheck.every,
        )
        for guid, url in due:
            if guid not in self._requested:
                self._seen_categories[guid].add(category)
                item = ListingItem(url=url)
                yield self.article_request(
                    None,
                    portal_key=portal_key,
                    category=category,
                    guid=guid,
                    item=item,
                    recheck="window",
                )

    def oldest_rechecks(self, portal_key: str) -> Iterator[Request]:
        """The run's re-check budget: the portal's recent articles checked longest ago, asked
        after its listings and new articles (a lower priority)."""
        policy = self.recheck
        if policy.budget <= 0:
            return
        now = utcnow()
        due = self.state.least_recently_checked(
            portal_key,
            published_after=now - policy.days,
            checked_before=now - policy.every,
            # a page that answered 404/410 keeps its old check time: room to skip a few
            limit=3 * policy.budget,
        )
        left = policy.budget
        for guid, url, category in due:
            if left <= 0:
                return
            if guid in self._requested or self._recently_gone(url):
                continue
            left -= 1
            if category:
                self._seen_categories[guid].add(category)
            request = self.article_request(
                None,
                portal_key=portal_key,
                category=category,
                guid=guid,
                item=ListingItem(url=url),
                recheck="oldest",
            )
            yield request.replace(priority=-1)

    def article_request(
        self,
        response: Response | None,
        *,
        portal_key: str,
        category: str,
        guid: str,
        item: ListingItem,
        recheck: str | None,
    ) -> Request:
        stats = self.crawler.stats
        self._requested.add(guid)
        stats.inc_value(stat(portal_key, Counter.ARTICLE_PAGES_REQUESTED))
        if recheck is not None:
            stats.inc_value(stat(portal_key, Counter.ARTICLES_RECHECKED))
            stats.inc_value(stat(portal_key, Counter.ARTICLES_RECHECKED, recheck))
        listing_url = response.meta.get("listing_url") if response is not None else None
        kwargs: dict[str, Any] = {
            "callback": self.parse_article,
            "errback": self.on_error,
            "cb_kwargs": {
                "portal_key": portal_key,
                "guid": guid,
                "category": category,
                # a window re-check knows no listing: nothing recorded, nothing compared
                "listing": item if item.title or item.published_raw else None,
            },
            "meta": {"portal": portal_key, "kind": "article", "listing_url": listing_url},
        }
        if response is not None:
            return response.follow(item.url, **kwargs)
        return Request(item.url, **kwargs)

    # -- articles --------------------------------------------------------------------------

    def parse_article(
        self,
        response: Response,
        portal_key: str,
        guid: str,
        category: str,
        listing: ListingItem | None,
    ) -> Iterator[Any]:
        portal = self.portals[portal_key]
        self.crawler.stats.inc_value(stat(portal_key, Counter.ARTICLE_PAGES_FETCHED))
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(stat(portal_key, Counter.HTTP_ERRORS, "not_html"))
            return
        platform = self.platform_of(portal)
        over = self.over_bounds(response)
        if over:
            self.crawler.stats.inc_value(stat(portal_key, Counter.FAULTS, Fault.TOO_LARGE))
            self.crawler.stats.inc_value(
                stat(portal_key, Counter.ARTICLES_DROPPED, Fault.TOO_LARGE)
            )
            logger.info("%s: %s on %s", portal_key, over, response.url)
            yield FetchFailure(url=response.url, portal=portal_key, status="too_large")
            return
        # parsel's own Selector around the response's tree, for the platform, the uploader and
        # the fallback alike: its matches cost less to wrap than a Scrapy Selector's, and the
        # page's class attributes, which the queries' class tests read (``may_match``), are
        # read once for the three, not once per selector object
        page = parsel.Selector(root=response.selector.root, type=response.selector.type)
        try:
            article = platform.extract(
                page,
                response.url,
                portal,
                listing_published_raw=listing.published_raw if listing else None,
                categories=tuple(sorted(self._seen_categories.get(guid, ()))),
            )
        except Exception:  # a page that breaks an extractor is reported and retried, not fatal
            logger.exception("%s: extraction failed on %s", portal_key, response.url)
            self.crawler.stats.inc_value(stat(portal_key, Counter.EXTRACTION_ERRORS))
            self._retry_next_run(response)
            yield FetchFailure(url=response.url, portal=portal_key, status="extraction_error")
            return
        if not article.title or not article.body_text:
            kind = classify_page(response.text, response.xpath("//title/text()").get())
            if kind:
                # not an article at all: kept out of fields_missing, asked again next run
                self.crawler.stats.inc_value(stat(portal_key, Counter.SOFT_ERRORS, kind))
                self._retry_next_run(response)
                yield FetchFailure(url=response.url, portal=portal_key, status=f"soft_{kind}")
                return
        if platform.key != GENERIC:
            # after the soft-error test: a maintenance page is no article, whatever it holds
            try:
                rules = getattr(platform, "article_rules", None)
                article, filled = with_fallback(
                    article,
                    page,
                    response.url,
                    not_authors=(lambda: uploader_names(page, rules)) if rules else (),
                    odds=self.fallback_odds,
                    portal=portal_key,
                )
            except Exception:  # the fallback breaking keeps the platform's article
                logger.exception("%s: generic fallback failed on %s", portal_key, response.url)
                filled = ()
            self.count_fallback(portal_key, filled)
        if article.guid != guid:
            # redirected to another URL form; keep the listing's identity so runs agree
            article = article.replace(guid=guid)
        article, rejected = settle_dates(
            article, listing.published_raw if listing else None, utcnow()
        )
        if rejected:
            # a placeholder (01/01/1900) or a swapped day and month: the listing's date or none
            self.crawler.stats.inc_value(stat(portal_key, Counter.FAULTS, Fault.DATE_OUT_OF_RANGE))
            logger.info(
                "%s: impossible date %r on %s", portal_key, article.published_raw, response.url
            )
        yield article
        # after the article, so the store has it: what the listing showed, to compare next run
        yield CategoryLink(guid=guid, portal=portal_key, categories=(category,), listing=listing)

    def over_bounds(self, response: TextResponse) -> str | None:
        """Why an article page is past the bounds extraction can read it in (:func:`past_bounds`,
        with ``NEWSFEED_MAX_PAGE_LINKS`` and ``NEWSFEED_MAX_DOM_DEPTH``), or None."""
        settings = self.crawler.settings
        return past_bounds(
            response,
            links=settings.getint("NEWSFEED_MAX_PAGE_LINKS", 10_000),
            depth=settings.getint("NEWSFEED_MAX_DOM_DEPTH", 2000),
        )

    def _retry_next_run(self, response: Response) -> None:
        """An article page to ask again next run: its listing page must not answer 304 then
        (before this, a page that broke the extractor was never asked again)."""
        listing_url = response.meta.get("listing_url")
        if listing_url:
            self.state.listing_incomplete(listing_url)

    # -- platform ---------------------------------------------------------------------------

    def platform_of(self, portal: Portal) -> Platform:
        """The platform reading the portal's pages: the profile's, or what its pages showed."""
        return get_platform(self._platform_used.get(portal.key, portal.platform))

    def detect_platform(self, portal: Portal, response: TextResponse) -> None:
        """Fingerprint a listing or home page; when it shows another family than the profile
        names, read the portal with that family's platform (or generic) from now on."""
        found = fingerprint(response.text, response.url)
        stats = self.crawler.stats
        stats.inc_value(stat(portal.key, Counter.PLATFORM_DETECTED, found.family))
        choice = choose_platform(portal.platform, found)
        if not choice.mismatch:
            return
        stats.inc_value(stat(portal.key, Counter.PLATFORM_MISMATCH, choice.used))
        if self._platform_used.get(portal.key) != choice.used:
            logger.warning(
                "%s: profile says platform %s, %s shows %s (%s); reading it as %s",
                portal.key,
                portal.platform,
                response.url,
                found.family,
                ", ".join(found.evidence),
                choice.used,
            )
            self._platform_used[portal.key] = choice.used

    def count_fallback(self, portal_key: str, filled: tuple[str, ...]) -> None:
        if not filled:
            return
        stats = self.crawler.stats
        stats.inc_value(stat(portal_key, Counter.ARTICLES_WITH_FALLBACK))
        for name in filled:
            stats.inc_value(stat(portal_key, Counter.FIELDS_FROM_FALLBACK, name))

    def _recently_gone(self, url: str) -> bool:
        since = self.state.gone_since(url, GONE)
        return since is not None and utcnow() - since < GONE_RECHECK

    def on_error(self, failure: Failure) -> Iterator[FetchFailure | DiscoveredCategory]:
        if isinstance(failure.value, Stopping):
            return  # not sent: the crawl stopped first; the next run asks again
        request = failure.request  # type: ignore[attr-defined]
        portal_key = request.meta.get("portal", "unknown")
        response = getattr(failure.value, "response", None)
        name = str(response.status) if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value(stat(portal_key, Counter.HTTP_ERRORS, name))
        # counted in the report's http_errors: not worth a line on a cron job's stderr
        logger.info("%s: %s on %s", portal_key, name, request.url)
        if request.meta.get("kind") == "article":
            self.crawler.stats.inc_value(stat(portal_key, Counter.ARTICLE_PAGES_FETCHED))
            if name not in GONE and request.meta.get("listing_url"):
                # a page worth retrying: its listing must not answer 304 next run
                self.state.listing_incomplete(request.meta["listing_url"])
            yield FetchFailure(url=request.url, portal=portal_key, status=name)
        elif request.meta.get("kind") == "home":
            self.crawler.stats.inc_value(stat(portal_key, Counter.LISTING_ERRORS))
            self.crawler.stats.inc_value(stat(portal_key, Counter.LISTING_ERRORS, name))
        else:
            category = request.meta.get("category", "")
            self.state.category_failed(portal_key, category)
            if request.meta.get("page", 1) == 1:
                # the category's own page: a fault the checks weigh (moved? down?)
                self.crawler.stats.inc_value(stat(portal_key, Counter.LISTING_ERRORS))
                self.crawler.stats.inc_value(stat(portal_key, Counter.LISTING_ERRORS, name))
                portal = self.portals.get(portal_key)
                if portal is not None and name in GONE:
                    with_url = [c for c in portal.categories if c.key == category and c.url]
                    if not with_url:
                        # a URL found in the menu that is gone: look again next run
                        yield DiscoveredCategory(portal=portal_key, category=category, url=None)
            else:
                # a "next page" beyond what the site serves: pagination ends here
                self.crawler.stats.inc_value(stat(portal_key, Counter.PAGINATION_ERRORS, name))

    @staticmethod
    def guid_for(portal: Portal, platform: Platform, url: str) -> str:
        """The guid an article at ``url`` will have, known before fetching it."""
        canonical = canonical_url(
            url, aliases=portal.host_aliases, primary_host=urlsplit(portal.base_url).hostname
        )
        return make_guid(portal.key, article_id=platform.article_id(url), canonical=canonical)


def _listing_meta(portal_key: str, category: str, url: str, page: int) -> dict[str, Any]:
    """What the errback and the report need to know of a listing request."""
    return {
        "portal": portal_key,
        "category": category,
        "kind": "listing",
        "page": page,
        "listing_url": url,
    }


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
