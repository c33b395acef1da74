"""The crawl's counters: one enum of names, Scrapy stats keys ``newsfeed/<portal>/<name>``.

The spider and the pipelines bump them (:func:`stat`, :func:`category_stat`); the crawl report
(:mod:`newsfeed.monitor.report`) reads them back per portal (:func:`portal_counters`) and the
checks weigh them (:func:`count`, :func:`group`). The names are part of the report's contract
(README "Crawl report"): renaming a member's value changes the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

PREFIX = "newsfeed/"


class Counter(StrEnum):
    """A per-portal counter. The ones documented as a group are counted by detail
    (``<name>/<detail>``: an HTTP status, a field, a reason); some also have a total."""

    LISTING_PAGES_FETCHED = "listing_pages_fetched"
    """Listing pages answered 200 (a 304 is counted apart)."""
    LISTING_PAGES_NOT_MODIFIED = "listing_pages_not_modified"
    """Listing pages answered 304 to a conditional GET."""
    LISTING_ERRORS = "listing_errors"
    """A category's first page or the home page failed; also a group by status/error."""
    PAGINATION_ERRORS = "pagination_errors"
    """Group: a "next page" beyond what the site serves, by status."""
    LISTING_SAME_TIMESTAMP = "listing_same_timestamp"
    """Listing pages whose items all print one date-time (the page chrome's clock)."""
    CATEGORIES_UNDISCOVERED = "categories_undiscovered"
    """Label-only categories not found in the portal's menu."""
    MENU_PAGE = "menu_page"
    """Not a count: the URL of the page searched for label-only categories."""
    MENU_LINKS = "menu_links"
    """Not a count: the texts of that page's menu links, when a category was not found."""
    ARTICLES_LISTED = "articles_listed"
    ARTICLE_PAGES_REQUESTED = "article_pages_requested"
    ARTICLE_PAGES_FETCHED = "article_pages_fetched"
    """Article requests that got an answer or failed: what was actually sent."""
    ARTICLES_SKIPPED_GONE = "articles_skipped_gone"
    """Listed articles not asked for: their page answered 404/410 within the gone window."""
    ARTICLES_RECHECKED = "articles_rechecked"
    """Stored articles fetched again; also a group by reason (``window``, ``listing_changed``,
    ``oldest``: the run's re-check budget)."""
    ARTICLES_NEW = "articles_new"
    ARTICLES_UPDATED = "articles_updated"
    ARTICLES_UNCHANGED = "articles_unchanged"
    ARTICLES_DUPLICATE = "articles_duplicate"
    ARTICLES_DROPPED = "articles_dropped"
    """Group: articles the validate pipeline refused, by reason."""
    FIELDS_MISSING = "fields_missing"
    """Group: extracted articles without a field, by field."""
    HTTP_ERRORS = "http_errors"
    """Group: failed requests by status or error name (``not_html`` for a non-HTML answer)."""
    SOFT_ERRORS = "soft_errors"
    """Group: pages served with status 200 that are not what was asked for, by kind
    (:data:`newsfeed.extraction.pages.SOFT_ERROR_KINDS`)."""
    EXTRACTION_ERRORS = "extraction_errors"
    """Article pages that made the extractor raise."""
    FAULTS = "faults"
    """Group: what the hostile-web guards refused or repaired, by :class:`Fault`."""
    PLATFORM_DETECTED = "platform_detected"
    """Group: listing and home pages by the CMS family their markup shows (``unknown`` too)."""
    PLATFORM_MISMATCH = "platform_mismatch"
    """Group: pages read with another platform than the profile's, by the platform used."""
    LISTING_PAGES_FALLBACK = "listing_pages_fallback"
    """Listing pages on which the platform's rules found nothing and the generic listing did."""
    FIELDS_FROM_FALLBACK = "fields_from_fallback"
    """Group: article fields the platform's rules missed and the generic extractor found."""
    ARTICLES_WITH_FALLBACK = "articles_with_fallback"
    """Articles that took at least one field from the generic extractor."""


class Fault(StrEnum):
    """A detail of :attr:`Counter.FAULTS` (README "Hostile servers")."""

    TOO_LARGE = "too_large"
    """A page over a bound (download or inflated size, body, title, DOM depth, links): not
    stored."""
    OFFSITE_REDIRECT = "offsite_redirect"
    """A redirect (HTTP or meta refresh) to a host that is not the portal's, or to a Location
    no URL parser reads (``http://[x``): not followed."""
    OFFSITE_LINK = "offsite_link"
    """A listing linked a page on another host: not fetched."""
    REDIRECT_LOOP = "redirect_loop"
    """A redirect back to a URL already visited, or more than ``REDIRECT_MAX_TIMES``."""
    META_REFRESH_IGNORED = "meta_refresh_ignored"
    """A meta refresh to a non-http URL (``javascript:``): ignored, the page kept."""
    ENCODING_REPAIRED = "encoding_repaired"
    """A page decoded with another charset than the one it declared."""
    ENCODING_BROKEN = "encoding_broken"
    """A page no charset decodes to Vietnamese (an article page is not published)."""
    RETRY_AFTER_WAITED = "retry_after_waited"
    """A 429/503 retried after the ``Retry-After`` it asked for."""
    RETRY_AFTER_GAVE_UP = "retry_after_gave_up"
    """A 429/503 whose ``Retry-After`` was over the run's budget: left for the next run."""
    HOST_STALLED = "host_stalled"
    """A host that timed out ``NEWSFEED_HOST_TIMEOUTS_MAX`` times in a row."""
    HOST_GIVEN_UP = "host_given_up"
    """A request not sent: its host stalled earlier in the run."""
    DATE_OUT_OF_RANGE = "date_out_of_range"
    """A published date before 1990 or in the future: replaced by the listing's, or dropped."""
    LINKS_TRUNCATED = "links_truncated"
    IMAGES_TRUNCATED = "images_truncated"
    ATTACHMENTS_TRUNCATED = "attachments_truncated"
    """Articles with more related links, images or attachments than their bound: the first
    ones kept."""


class CategoryCounter(StrEnum):
    """A per-category counter: ``newsfeed/<portal>/category/<category>/<name>``."""

    REQUESTED = "requested"
    LISTING_PAGES_FETCHED = "listing_pages_fetched"
    LISTING_PAGES_NOT_MODIFIED = "listing_pages_not_modified"
    ARTICLES_LISTED = "articles_listed"
    UNDISCOVERED = "undiscovered"
    LABELS_TRIED = "labels_tried"
    """Not a count: the labels looked for in the menu, when the category was not found."""


def stat(portal: str, counter: Counter, detail: str | None = None) -> str:
    """The stats key of a per-portal counter, or of one detail of a group."""
    name = f"{counter.value}/{detail}" if detail is not None else counter.value
    return f"{PREFIX}{portal}/{name}"


def category_stat(portal: str, category: str, counter: CategoryCounter) -> str:
    """The stats key of a per-category counter."""
    return f"{PREFIX}{portal}/{_category_name(category, counter)}"


def portal_counters(stats: Mapping[str, Any], portal: str) -> dict[str, Any]:
    """One portal's counters from Scrapy's stats, keyed without the ``newsfeed/<portal>/``."""
    prefix = f"{PREFIX}{portal}/"
    return {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}


def count(counters: Mapping[str, Any], counter: Counter) -> int:
    """A counter's value in :func:`portal_counters` (0 when never bumped)."""
    return int(counters.get(counter.value, 0) or 0)


def group(counters: Mapping[str, Any], counter: Counter) -> dict[str, int]:
    """A group's details in :func:`portal_counters`: ``{detail: count}``, sorted."""
    prefix = f"{counter.value}/"
    return {k[len(prefix) :]: int(v) for k, v in sorted(counters.items()) if k.startswith(prefix)}


def category_count(counters: Mapping[str, Any], category: str, counter: CategoryCounter) -> int:
    return int(counters.get(_category_name(category, counter), 0) or 0)


def categories_with(counters: Mapping[str, Any], counter: CategoryCounter) -> list[str]:
    """The categories that have ``counter`` in :func:`portal_counters`, sorted."""
    found = {
        key.split("/")[1]
        for key in counters
        if key.startswith("category/") and key.count("/") == 2 and key.endswith(f"/{counter}")
    }
    return sorted(found)


def _category_name(category: str, counter: CategoryCounter) -> str:
    return f"category/{category}/{counter.value}"
