"""What one crawl knows of earlier runs, and what it keeps for the next: :class:`CrawlState`.

One Store connection per crawl, opened with the crawler and closed with the spider. The spider
reads through the state (what is stored, which listing pages are unchanged, which URLs are
gone, which categories were found in a menu); every write goes either through an item to the
store pipeline (articles, categories, failures, discovered category URLs), or through the one
close hook, :meth:`CrawlState.spider_closed`, which saves what only a *finished* run may
claim: the listing pages' validators and the categories whose pagination completed. So "what
is saved when a run is killed" is: every item the pipeline had stored, nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NoReturn

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from newsfeed.store.db import KnownArticle, Store, Validators
from newsfeed.store.dialect import db_errors
from newsfeed.store.errors import STORE_ERROR_STAT, STORE_FAILED

logger = logging.getLogger(__name__)


class CrawlState:
    """A Scrapy extension holding the crawl's Store connection and the run's bookkeeping.

    Get it with :meth:`of` (``crawler.get_extension``). Reads go to the store; the run's
    notes (:meth:`listing_fetched`, :meth:`listing_incomplete`, :meth:`category_crawled`,
    :meth:`category_failed`) are kept in memory until the close hook.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        """The one connection; the store pipeline writes items through it."""
        self._validators: dict[str, Validators] = {}
        self._incomplete: set[str] = set()
        self._crawled: set[tuple[str, str]] = set()
        self._failed: set[tuple[str, str]] = set()
        self._complete_before: dict[str, set[str]] = {}
        self._closed = False
        self.crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlState:
        state = cls(Store(crawler.settings.get("NEWSFEED_STORE") or ":memory:"))
        state.crawler = crawler
        crawler.signals.connect(state.spider_closed, signal=signals.spider_closed)
        return state

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlState:
        """The crawl's state (the extension is enabled in :mod:`newsfeed.crawl.settings`)."""
        state = crawler.get_extension(cls)
        if state is None:
            raise RuntimeError(f"enable {cls.__module__}.{cls.__name__} in EXTENSIONS")
        return state

    # -- reads ---------------------------------------------------------------------------

    def known(self, guid: str, category: str) -> KnownArticle | None:
        """The stored article ``guid`` as the spider compares it with a listing item."""
        try:
            return self.store.known(guid, category)
        except db_errors() as exc:
            self._failed_read(exc)

    def validators(self, url: str) -> Validators | None:
        """ETag / Last-Modified of a listing page, saved by an earlier finished run."""
        try:
            return self.store.validators(url)
        except db_errors() as exc:
            self._failed_read(exc)

    def discovered_url(self, portal: str, category: str) -> str | None:
        """The URL an earlier run found in the portal's menu for a label-only category."""
        try:
            return self.store.discovered_url(portal, category)
        except db_errors() as exc:
            self._failed_read(exc)

    def gone_since(self, url: str, statuses: tuple[str, ...]) -> datetime | None:
        """When ``url`` last answered one of ``statuses`` (404/410), if it did."""
        try:
            return self.store.gone_since(url, statuses)
        except db_errors() as exc:
            self._failed_read(exc)

    def recheck_due(
        self, portal: str, category: str, *, first_seen_after: datetime, fetched_before: datetime
    ) -> Iterator[tuple[str, str]]:
        """(guid, url) of the category's young articles whose page is due a re-check."""
        try:
            due = list(
                self.store.recheck_due(
                    portal,
                    category,
                    first_seen_after=first_seen_after,
                    fetched_before=fetched_before,
                )
            )
        except db_errors() as exc:
            self._failed_read(exc)
        yield from due

    def least_recently_checked(
        self, portal: str, *, published_after: datetime, checked_before: datetime, limit: int
    ) -> list[tuple[str, str, str]]:
        """(guid, url, category) of the portal's recent articles checked longest ago."""
        return self.store.least_recently_checked(
            portal, published_after=published_after, checked_before=checked_before, limit=limit
        )

    def completed(self, portal: str) -> set[str]:
        """Categories whose pagination some earlier run completed (read once per portal)."""
        if portal not in self._complete_before:
            try:
                self._complete_before[portal] = self.store.completed_categories(portal)
            except db_errors() as exc:
                self._failed_read(exc)
        return self._complete_before[portal]

    def _failed_read(self, exc: BaseException) -> NoReturn:
        """The store stopped answering mid-crawl (a PostgreSQL server gone, a damaged file):
        the crawl stops, and the CLI says it in one line (STORE_ERROR_STAT)."""
        logger.debug("store read failed", exc_info=True)
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is not None and not stats.get_value(STORE_ERROR_STAT):
            stats.set_value(STORE_ERROR_STAT, str(exc))
        raise CloseSpider(STORE_FAILED) from exc

    # -- the run's notes, saved by the close hook ----------------------------------------

    def listing_fetched(self, url: str, validators: Validators) -> None:
        self._validators[url] = validators

    def listing_incomplete(self, url: str) -> None:
        """A listing page one of whose articles failed: it must not answer 304 next run."""
        self._incomplete.add(url)

    def category_crawled(self, portal: str, category: str) -> None:
        self._crawled.add((portal, category))

    def category_failed(self, portal: str, category: str) -> None:
        self._failed.add((portal, category))

    def spider_closed(self, spider: Any, reason: str) -> None:
        """The one close hook: a finished run saves its validators and completed paginations;
        any other end (shutdown, a crash) saves nothing more than its items."""
        if self._closed:
            return
        self._closed = True
        try:
            if reason == "finished":
                self.store.save_validators(
                    {u: v for u, v in self._validators.items() if u not in self._incomplete}
                )
                done = self._crawled - self._failed
                for portal in sorted({p for p, _ in done}):
                    self.store.mark_complete(portal, sorted(c for p, c in done if p == portal))
        except db_errors() as exc:
            # a full disk at the very end: the CLI says it in one line (STORE_ERROR_STAT)
            if spider.crawler.stats is not None:
                spider.crawler.stats.set_value(STORE_ERROR_STAT, str(exc))
        finally:
            self.store.close()
