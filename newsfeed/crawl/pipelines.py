"""Item pipelines: normalize -> validate -> dedupe -> store.

Each stage is small and counts what it does in per-portal stats (``newsfeed/<portal>/...``),
which the crawl report reads. A dropped article names its reason.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.utils.defer import deferred_from_coro

from newsfeed.crawl.state import CrawlState
from newsfeed.crawl.stats import Counter, Fault, stat
from newsfeed.extraction.bounds import Bounds, apply_bounds
from newsfeed.extraction.text import clean_text, strip_unsafe
from newsfeed.items import (
    Article,
    Attachment,
    CategoryLink,
    DiscoveredCategory,
    FetchFailure,
    Image,
    Link,
)
from newsfeed.store.db import Store
from newsfeed.store.dialect import db_errors
from newsfeed.store.errors import STORE_ERROR_STAT, STORE_FAILED

logger = logging.getLogger(__name__)

# What the report counts as missing when empty, whether or not the article is kept.
COUNTED_FIELDS = ("title", "published", "author", "summary", "body_text", "images")


class ItemlessLogFormatter(LogFormatter):
    """Scrapy's log lines, but a dropped item is named by its reason and URL only.

    Scrapy logs the whole item: a 400,000-character body (too_large) on a cron job's stderr.
    """

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}


class _Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def inc(self, portal: str | None, counter: Counter, detail: str | None = None) -> None:
        self.stats.inc_value(stat(portal or "web", counter, detail))


class NormalizePipeline(_Stage):
    """Every text NFC with whitespace collapsed, without control characters or non-characters
    (whatever the page sent); categories sorted and unique."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        return item.replace(
            title=clean_text(item.title),
            summary=clean_text(item.summary) or None,
            author=clean_text(item.author) or None,
            body_text=unicodedata.normalize("NFC", strip_unsafe(item.body_text)).strip(),
            body_html=unicodedata.normalize("NFC", strip_unsafe(item.body_html)),
            categories=tuple(sorted(set(item.categories))),
            images=tuple(
                Image(url=strip_unsafe(i.url), caption=clean_text(i.caption) or None)
                for i in item.images
            ),
            related_links=tuple(
                Link(url=strip_unsafe(link.url), title=clean_text(link.title))
                for link in item.related_links
            ),
            attachments=tuple(
                Attachment(url=strip_unsafe(a.url), title=clean_text(a.title), type=a.type)
                for a in item.attachments
            ),
        )


class ValidatePipeline(_Stage):
    """Drop what a feed cannot carry, with a counted reason; count missing fields; keep every
    article within the bounds (:mod:`newsfeed.extraction.bounds`), counting what is cut."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.bounds = Bounds.from_settings(crawler.settings)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        bounded, faults = apply_bounds(item, self.bounds)
        for fault in faults:
            self.inc(item.portal, Counter.FAULTS, Fault(fault))
        if bounded is None:
            self.inc(item.portal, Counter.ARTICLES_DROPPED, Fault.TOO_LARGE)
            raise DropItem(f"too_large: {item.url}")
        item = bounded
        for name in COUNTED_FIELDS:
            if not getattr(item, name):
                self.inc(item.portal, Counter.FIELDS_MISSING, name)
        reason = self.reason(item)
        if reason:
            self.inc(item.portal, Counter.ARTICLES_DROPPED, reason)
            raise DropItem(f"{reason}: {item.url}")
        return item

    @staticmethod
    def reason(item: Article) -> str | None:
        if not item.title:
            return "no_title"
        if not item.body_text and not item.attachments:
            return "no_body"
        # an impossible date does not drop the article: the spider replaced it
        # (newsfeed.extraction.dates.settle_dates, counted as faults/date_out_of_range)
        return None


class DedupePipeline(_Stage):
    """One article per guid per run: a second sighting only adds its categories."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if item.guid in self.seen:
            self.inc(item.portal, Counter.ARTICLES_DUPLICATE)
            return CategoryLink(
                guid=item.guid, portal=item.portal or "", categories=item.categories
            )
        self.seen.add(item.guid)
        return item


GROUP_ITEMS = 100
GROUP_SECONDS = 0.25
"""SQLite: the store pipeline's writes are committed together, at most ``GROUP_ITEMS`` items or
``GROUP_SECONDS`` apart (:class:`StorePipeline`): short enough that another process writing to
the store (a crawl of other portals) gets the write lock between two groups."""


class StorePipeline(_Stage):
    """Write each article in its own transaction; count new / updated / unchanged.

    The transaction holds the article's row, categories, URLs and near-duplicate sketch, so a
    process killed at any moment leaves every article either wholly stored or not at all.
    A :class:`CategoryLink` records categories and what the listing showed (to notice a
    change next run); a :class:`FetchFailure` records the failed URL; a
    :class:`DiscoveredCategory` where a label-only category was found (or that it is gone).

    On SQLite the items' transactions are savepoints of one transaction committed every
    :data:`GROUP_SECONDS` (or :data:`GROUP_ITEMS` items) and when the spider closes: a
    commit, with the WAL pages it writes and the checkpoints they bring, was a tenth of a
    crawl's time, each article's alone. A process killed loses the last quarter second's
    articles (whole: never a part of one), which the next run fetches again, as after any kill.
    PostgreSQL commits each item (crawls of other portals write the same tables at once, and a
    long transaction would hold their rows).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.store: Store | None = None
        self.failed = False
        self._grouped = False
        self._pending = 0
        self._flusher: Any = None

    def open_spider(self) -> None:
        # the crawl's one connection, closed by CrawlState's close hook after this pipeline
        self.store = CrawlState.of(self.crawler).store
        # articles stored before near-duplicate detection existed (a no-op once done)
        indexed = self.store.index_missing_near_duplicates()
        if indexed:
            logger.info("sketched %d stored articles for near-duplicate detection", indexed)
        self._grouped = self.store.backend == "sqlite"
        if self._grouped:
            from twisted.internet.task import LoopingCall

            self._flusher = LoopingCall(self._commit)
            self._flusher.start(GROUP_SECONDS, now=False)

    def close_spider(self) -> None:
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        self._commit()

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        if self.failed:
            raise DropItem("the store failed earlier in this run", log_level="DEBUG")
        try:
            if self._grouped:
                self.store.db.begin_group()
            if isinstance(item, CategoryLink):
                self.store.add_categories(
                    item.guid, item.portal, item.categories, listing=item.listing
                )
            elif isinstance(item, FetchFailure):
                self.store.record_failure(item.url, item.portal, item.status)
            elif isinstance(item, DiscoveredCategory):
                self.store.remember_discovered(item.portal, item.category, item.url)
            elif isinstance(item, Article):
                outcome = self.store.upsert(item)
                self.inc(item.portal, Counter(f"articles_{outcome}"))
            self._pending += 1
            if self._pending >= GROUP_ITEMS:
                self._commit()
        except db_errors() as exc:
            self._fail(exc, getattr(item, "url", item))
            raise DropItem(f"store failed: {exc}", log_level="DEBUG") from exc
        return item

    def _commit(self) -> None:
        """Commit the group of writes (a no-op outside one)."""
        if self.store is None or self.failed or not self.store.db.in_group:
            return
        try:
            self.store.db.commit_group()
        except db_errors() as exc:
            self._fail(exc, "a group of writes")
        self._pending = 0

    def _fail(self, exc: BaseException, what: object) -> None:
        # a full disk, a read-only or locked store: the transaction rolled back (with the
        # group's other writes), nothing half-written; stop the crawl and let the CLI say it
        # in one line
        assert self.store is not None
        self.store.db.rollback_group()
        self.failed = True
        self.stats.set_value(STORE_ERROR_STAT, str(exc))
        logger.debug("store failed on %s", what, exc_info=True)
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason=STORE_FAILED))
