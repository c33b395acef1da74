"""Checks that catch silent breakage, and the monitoring-plugin line built from them.

A check looks at one portal's run (its counters in the crawl report, the store's history of that
portal and earlier reports) and returns ``Check(name, status, message)`` when something is wrong;
the message says what happened and what to do. ``newsfeed check`` prints :func:`check_line`.

Everything here is a pure function of its arguments: "now" is always passed in, the store is
read by the report builder (:mod:`newsfeed.monitor.report`) before the checks run.

Thresholds are module constants, named and explained where they are defined.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import statistics
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, cast

import holidays

from newsfeed.crawl.stats import (
    CategoryCounter,
    Counter,
    Fault,
    categories_with,
    category_count,
    count,
    group,
)
from newsfeed.extraction.dates import parse_iso_date
from newsfeed.extraction.pages import SAME_TIMESTAMP_MIN
from newsfeed.items import REQUIRED_FIELDS
from newsfeed.store.errors import STORE_FAILED
from newsfeed.timezone import LOCAL_TZ

OK, WARNING, CRITICAL, UNKNOWN = "ok", "warning", "critical", "unknown"
STATUS_ORDER = {OK: 0, WARNING: 1, CRITICAL: 2}
EXIT_CODES = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3}

# -- thresholds ---------------------------------------------------------------------------------

MISSING_FIELD_CRITICAL = 0.5
"""A required field missing on more than this share of extracted articles: the layout changed
under the adapter and the feed would fill with empty items."""
MISSING_FIELD_WARNING = 0.2
"""Above this share it is worth a look (a second article template, a new author format)."""
MIN_SAMPLE = 3
"""Fewer extracted articles than this: a share says little, so at most a warning."""
HTTP_ERROR_WARNING = 0.2
"""Failed requests (not counting article pages that are gone) above this share of requests."""
HTTP_ERROR_CRITICAL = 0.5
GONE_STATUSES = frozenset({"404", "410"})
"""An article page that is gone is the site's business, not a fault of the run; a listing page
that is gone is (its category moved)."""
TIMEOUT_ERRORS = frozenset(
    {
        # what the crawl records: Scrapy's own names (2.13 on; tests/crawl/test_faults.py) ...
        "DownloadTimeoutError",
        # ... and Twisted's, which older Scrapy recorded and a download handler may still raise
        "TimeoutError",
        "TCPTimedOutError",
        "ResponseNeverReceived",
        "DNSLookupError",
    }
)
CONNECTION_ERRORS = TIMEOUT_ERRORS | {
    "CannotResolveHostError",
    "DownloadConnectionRefusedError",
    "DownloadFailedError",
    "ConnectError",
    "ConnectionRefusedError",
    "NoRouteError",
    "TunnelError",
    "407",  # Proxy Authentication Required: the machine's proxy answered, not the portal
}
"""Failures before any answer of a portal (name lookup, connect, proxy tunnel or login,
timeout): every portal failing only so points at the machine crawling, not at the portals
(:func:`unreachable_from_here`)."""
ROBOTS_ERROR = "IgnoreRequest"
"""What the spider's errback records when RobotsTxtMiddleware refuses a request."""
FUTURE_SLACK = timedelta(hours=1)
"""Stored dates later than now by more than this are "in the future" (the validate pipeline
drops those more than a day ahead; the ones it keeps are still suspicious)."""
CADENCE_HISTORY = 30
"""The cadence is learned from the gaps between the last this-many published dates."""
CADENCE_MIN_ARTICLES = 6
"""Below this many dated articles the cadence is unknown and the staleness check stays quiet."""
CADENCE_FACTOR = 3.0
"""Stale when silent for more than this many usual gaps ..."""
CADENCE_FLOOR_DAYS = 2.0
"""... and for more than this many working days (a portal publishing hourly is not stale after
four quiet hours)."""
REPORT_MAX_AGE = timedelta(hours=6)
"""``newsfeed check``: a latest report older than this means cron stopped (WARNING) ..."""
REPORT_CRITICAL_AGE = timedelta(hours=24)
"""... and older than this, that nobody noticed for a day (CRITICAL)."""


class CheckName(StrEnum):
    """A finding's name: stable, what monitors match on (README "The checks" lists each).

    The per-portal checks of this module make most; the report marks an ``interrupted`` run,
    the CLI a ``store_failed`` one, and the portal state a ``stale_crawl``."""

    UNREACHABLE = "unreachable"
    CATEGORY_FAILED = "category_failed"
    CATEGORY_UNDISCOVERED = "category_undiscovered"
    NOTHING_LISTED = "nothing_listed"
    MISSING_TITLE = "missing_title"
    MISSING_PUBLISHED = "missing_published"
    MISSING_BODY_TEXT = "missing_body_text"
    PLATFORM_MISMATCH = "platform_mismatch"
    SELECTORS_DRIFTING = "selectors_drifting"
    HTTP_ERRORS = "http_errors"
    SOFT_ERRORS = "soft_errors"
    FUTURE_DATES = "future_dates"
    IMPOSSIBLE_DATES = "impossible_dates"
    ENCODING_BROKEN = "encoding_broken"
    TOO_LARGE = "too_large"
    OFFSITE = "offsite"
    REDIRECT_LOOP = "redirect_loop"
    SERVER_BUSY = "server_busy"
    SAME_TIMESTAMP = "same_timestamp"
    STALE = "stale"
    INTERRUPTED = "interrupted"
    STORE_FAILED = STORE_FAILED
    STALE_CRAWL = "stale_crawl"


@dataclass(frozen=True, slots=True)
class Check:
    """One finding: ``name`` (stable, snake_case), ``status`` and what to do, in ``message``."""

    name: CheckName
    status: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "message": self.message}


def worst(statuses: Iterable[str]) -> str:
    """The worst of ``ok`` / ``warning`` / ``critical`` (``ok`` for none)."""
    return max(statuses, key=lambda s: STATUS_ORDER.get(s, 2), default=OK)


# -- what the checks look at --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalRun:
    """One portal's run as the checks see it.

    Built by :func:`newsfeed.monitor.report.portal_report`.
    """

    key: str
    platform: str | None = None
    """The platform the portal's profile names."""
    entry: Mapping[str, Any]
    """The portal's object of the report being built (DESIGN.md §5), without status/checks."""
    stats: Mapping[str, Any] = field(default_factory=dict)
    """Its raw counters: Scrapy stats ``newsfeed/<key>/<name>`` with the prefix removed."""
    now: datetime
    """When the run finished (aware)."""
    started: datetime | None = None
    """When the run started; articles first seen since then are this run's."""
    previous: Sequence[Mapping[str, Any]] = ()
    """The portal's objects in earlier reports, newest first."""
    published_history: Sequence[datetime] = ()
    """Published dates of the portal's newest stored articles, newest first."""
    watching_since: datetime | None = None
    """When the store first saw an article of this portal (None: never)."""
    run_published: Sequence[str | None] = ()
    """``published`` of the articles first stored in this run."""


def _count(run: PortalRun, counter: Counter) -> int:
    return count(run.stats, counter)


def _fmt_counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k}×{v}" for k, v in counts.items())


def _extracted(entry: Mapping[str, Any]) -> int:
    """Articles that went through the validate pipeline (kept, dropped or merged)."""
    kept = (
        Counter.ARTICLES_NEW,
        Counter.ARTICLES_UPDATED,
        Counter.ARTICLES_UNCHANGED,
        Counter.ARTICLES_DUPLICATE,
    )
    dropped: Mapping[str, int] = entry.get(Counter.ARTICLES_DROPPED, {})
    return sum(int(entry.get(k, 0)) for k in kept) + sum(int(v) for v in dropped.values())


def _soft_errors(run: PortalRun) -> dict[str, int]:
    return group(run.stats, Counter.SOFT_ERRORS)


def _explained_by_soft_errors(run: PortalRun) -> str | None:
    """A note when the portal said it was down (maintenance/error pages), else None."""
    soft = {k: v for k, v in _soft_errors(run).items() if k in {"maintenance", "error"}}
    if not soft:
        return None
    return f"the portal served {_fmt_counts(soft)} pages with status 200 (see soft_errors)"


# -- the checks ---------------------------------------------------------------------------------


def _listing_answered(run: PortalRun) -> int:
    """Listing pages the portal answered: fetched, or 304 Not Modified (unchanged since)."""
    return int(run.entry[Counter.LISTING_PAGES_FETCHED]) + _count(
        run, Counter.LISTING_PAGES_NOT_MODIFIED
    )


def check_unreachable(run: PortalRun) -> list[Check]:
    entry = run.entry
    listing_errors = _count(run, Counter.LISTING_ERRORS)
    if _listing_answered(run) or not listing_errors:
        return []
    errors = entry.get(Counter.HTTP_ERRORS, {})
    if errors and set(errors) <= {ROBOTS_ERROR}:
        return [
            Check(
                CheckName.UNREACHABLE,
                CRITICAL,
                "robots.txt forbids every listing page; read the portal's robots.txt and drop "
                "the portal or ask its webmaster to allow our user agent",
            )
        ]
    return [
        Check(
            CheckName.UNREACHABLE,
            CRITICAL,
            f"no listing page could be fetched ({_fmt_counts(errors)}); is the portal down or "
            "moved? open its base_url in a browser and fix the profile if it moved",
        )
    ]


def check_category_failed(run: PortalRun) -> list[Check]:
    """A category whose first listing page failed while others worked: moved or removed."""
    if not _listing_answered(run):
        return []  # the whole portal is down: check_unreachable says so
    failed = sorted(
        key
        for key in categories_with(run.stats, CategoryCounter.REQUESTED)
        if not category_count(run.stats, key, CategoryCounter.LISTING_PAGES_FETCHED)
        and not category_count(run.stats, key, CategoryCounter.LISTING_PAGES_NOT_MODIFIED)
    )
    if not failed:
        return []
    return [
        Check(
            CheckName.CATEGORY_FAILED,
            WARNING,
            f"listing page of {', '.join(failed)} could not be fetched; if it fails again, "
            "open the category on the portal and fix its url in the profile (moved?)",
        )
    ]


def check_category_undiscovered(run: PortalRun) -> list[Check]:
    """A category known by its menu label only, whose label the menu did not show."""
    undiscovered: Mapping[str, Mapping[str, Any]] = run.entry.get("categories_undiscovered", {})
    checks: list[Check] = []
    for key, found in sorted(undiscovered.items()):
        labels = " | ".join(f"'{label}'" for label in found.get("labels_tried") or ())
        links = found.get("menu_links") or []
        seen = ", ".join(f"'{text}'" for text in links) if links else "none"
        page = found.get("menu_page") or "the home page"
        checks.append(
            Check(
                CheckName.CATEGORY_UNDISCOVERED,
                WARNING,
                f"{key}: no menu link labelled {labels} on {page}"
                f" (menu links seen: {seen}); add the category's url to the profile or fix its "
                "labels",
            )
        )
    return checks


def check_nothing_listed(run: PortalRun) -> list[Check]:
    """Listing pages fetched but no article on them; CRITICAL where the category used to list."""
    categories = run.entry.get("categories", {})
    empty = [
        key
        for key, c in categories.items()
        if c.get("listing_pages_fetched") and not c.get("articles_listed")
    ]
    if (
        not categories
        and run.entry[Counter.LISTING_PAGES_FETCHED]
        and not run.entry[Counter.ARTICLES_LISTED]
    ):
        empty = ["(all)"]
    if not empty:
        return []
    used_to = [
        key
        for key in empty
        if any(
            p.get("categories", {}).get(key, {}).get("articles_listed")
            or (key == "(all)" and p.get("articles_listed"))
            for p in run.previous
        )
    ]
    never = [k for k in empty if k not in used_to]
    checks: list[Check] = []
    note = _explained_by_soft_errors(run)
    if used_to:
        checks.append(
            Check(
                CheckName.NOTHING_LISTED,
                WARNING if note else CRITICAL,
                f"{', '.join(used_to)}: the listing page listed no article, earlier runs "
                + (
                    f"did; {note}: wait for it to pass"
                    if note
                    else "did (layout changed?); open the page and fix the platform's listing "
                    "selectors or the profile's overrides"
                ),
            )
        )
    if never:
        checks.append(
            Check(
                CheckName.NOTHING_LISTED,
                WARNING if run.previous or note else CRITICAL,
                f"{', '.join(never)}: the listing page listed no article"
                + (f"; {note}" if note else "")
                + "; check the category url in the profile and the listing selectors",
            )
        )
    return checks


def check_fields_missing(run: PortalRun) -> list[Check]:
    """Articles extracted but required fields empty: the article layout changed."""
    entry = run.entry
    extracted = _extracted(entry)
    if not extracted:
        return []
    note = _explained_by_soft_errors(run)
    checks: list[Check] = []
    for name in REQUIRED_FIELDS:
        missing = int(entry.get(Counter.FIELDS_MISSING, {}).get(name, 0))
        share = missing / extracted
        if share <= MISSING_FIELD_WARNING:
            continue
        critical = share > MISSING_FIELD_CRITICAL and extracted >= MIN_SAMPLE and not note
        label = "body" if name == "body_text" else name
        checks.append(
            Check(
                CheckName(f"missing_{name}"),
                CRITICAL if critical else WARNING,
                f"{extracted - missing} of {extracted} articles had a {label} "
                + (
                    "(layout changed?); run `newsfeed extract URL` on one and fix the "
                    "platform's article rules or the profile's overrides"
                    if not note
                    else f"({note})"
                ),
            )
        )
    return checks


def _request_faults(run: PortalRun) -> tuple[int, int, dict[str, int]]:
    """(faulty requests, requests sent, errors by name) of one portal's run."""
    entry = run.entry
    errors: dict[str, int] = dict(entry.get(Counter.HTTP_ERRORS, {}))
    listing_errors = _count(run, Counter.LISTING_ERRORS)
    requests = _listing_answered(run) + listing_errors + entry[Counter.ARTICLE_PAGES_FETCHED]
    by_listing = group(run.stats, Counter.LISTING_ERRORS)
    if by_listing:
        # the spider records listing failures by name: exact
        article_errors = {k: v - by_listing.get(k, 0) for k, v in errors.items()}
        faults = sum(by_listing.values()) + sum(
            v for k, v in article_errors.items() if k not in GONE_STATUSES
        )
    else:
        # only a total of listing failures: count them as the non-gone errors first, and the
        # rest as listing pages that answered 404/410 (a moved category is a fault)
        not_gone = sum(v for k, v in errors.items() if k not in GONE_STATUSES)
        faults = not_gone + max(0, listing_errors - not_gone)
    return faults, requests, errors


def check_http_errors(run: PortalRun) -> list[Check]:
    """HTTP errors, timeouts, robots.txt refusals above a share of requests."""
    if not _listing_answered(run):
        return []  # check_unreachable
    faults, requests, errors = _request_faults(run)
    if not requests or faults / requests <= HTTP_ERROR_WARNING:
        return []
    status = CRITICAL if faults / requests > HTTP_ERROR_CRITICAL else WARNING
    advice = "retry next run; if it persists, open a failing page in a browser"
    if errors.get(ROBOTS_ERROR):
        advice = "robots.txt refuses some pages: read it and drop or narrow the categories"
    elif any(k in TIMEOUT_ERRORS for k in errors):
        advice = "the server is slow or dropping connections: lower concurrency or retry later"
    elif any(k.startswith("5") for k in errors):
        advice = "the server is failing (5xx): nothing to fix here if it passes within a day"
    return [
        Check(
            CheckName.HTTP_ERRORS,
            status,
            f"{faults} of {requests} requests failed ({_fmt_counts(errors)}); {advice}",
        )
    ]


def check_soft_errors(run: PortalRun) -> list[Check]:
    """Maintenance, error or captcha pages served with status 200."""
    soft = _soft_errors(run)
    if not soft:
        return []
    checks: list[Check] = []
    if soft.get("captcha"):
        checks.append(
            Check(
                CheckName.SOFT_ERRORS,
                CRITICAL,
                f"{soft['captcha']} pages were a captcha or bot challenge (status 200): the portal "
                "blocks the crawler; slow down (max_pages, delay) and ask its webmaster to allow "
                "our user agent",
            )
        )
    rest = {k: v for k, v in soft.items() if k != "captcha"}
    if rest:
        checks.append(
            Check(
                CheckName.SOFT_ERRORS,
                WARNING,
                f"the portal served {_fmt_counts(rest)} pages with status 200; it is probably "
                "down for maintenance: nothing to fix if it passes within a day",
            )
        )
    return checks


def check_dates(run: PortalRun) -> list[Check]:
    """Impossible dates, dates in the future, or many articles sharing one timestamp."""
    checks: list[Check] = []
    dropped = int(run.entry.get(Counter.ARTICLES_DROPPED, {}).get("date_in_future", 0))
    rejected = int(run.entry.get(Counter.FAULTS, {}).get(Fault.DATE_OUT_OF_RANGE, 0))
    if rejected:
        checks.append(
            Check(
                CheckName.IMPOSSIBLE_DATES,
                WARNING,
                f"{rejected} articles were dated before 1990 or in the future; they are kept "
                "with the listing's date or none (date_source listing or rejected): day and "
                "month swapped, or a placeholder date? check with `newsfeed extract URL`",
            )
        )
    parsed = [parse_iso_date(p) for p in run.run_published]
    ahead = sum(1 for p in parsed if p is not None and p.value > run.now + FUTURE_SLACK)
    if dropped or ahead:
        extracted = max(_extracted(run.entry), 1)
        checks.append(
            Check(
                CheckName.FUTURE_DATES,
                CRITICAL if (dropped + ahead) / extracted > MISSING_FIELD_CRITICAL else WARNING,
                f"{dropped + ahead} articles were dated in the future ({dropped} dropped); "
                "day and month swapped, or a wrong time zone? check the portal's date format "
                "with `newsfeed extract URL`",
            )
        )
    with_time = [
        p.value for p in parsed if p is not None and p.has_time and p.value.time() != time(0, 0)
    ]
    same_pages = _count(run, Counter.LISTING_SAME_TIMESTAMP)
    if (len(with_time) >= SAME_TIMESTAMP_MIN and len(set(with_time)) == 1) or same_pages:
        shared = with_time[0].isoformat() if with_time and len(set(with_time)) == 1 else None
        what = (
            f"all {len(with_time)} new articles are dated {shared}"
            if shared
            else f"{same_pages} listing pages gave every item the same date"
        )
        checks.append(
            Check(
                CheckName.SAME_TIMESTAMP,
                WARNING,
                f"{what}: the date comes from the page, not the article (a header clock?); "
                "fix the published selector of the platform or profile",
            )
        )
    return checks


def check_cadence(run: PortalRun) -> list[Check]:
    """The newest article is older than the portal's usual cadence (working days only)."""
    threshold = cadence_threshold(run.published_history)
    if threshold is None or not run.published_history:
        return []
    newest = run.published_history[0]
    # silence is counted from when we could have seen it: a portal added today with old news
    # is a profile question, not breakage
    since = max(newest, run.watching_since) if run.watching_since else newest
    silent = working_days_between(since, run.now)
    if silent <= threshold:
        return []
    return [
        Check(
            CheckName.STALE,
            WARNING,
            f"newest article is from {newest.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}, "
            f"{silent:.1f} working days ago (usually every "
            f"{threshold / CADENCE_FACTOR:.1f}, alert after {threshold:.1f}); open the "
            "category pages: if they show newer articles, the crawl misses them",
        )
    ]


def check_faults(run: PortalRun) -> list[Check]:
    """What the hostile-web guards refused: each kind a warning saying what to look at."""
    faults: Mapping[str, int] = run.entry.get(Counter.FAULTS, {})
    checks: list[Check] = []
    if faults.get(Fault.ENCODING_BROKEN):
        checks.append(
            Check(
                CheckName.ENCODING_BROKEN,
                WARNING,
                f"{faults[Fault.ENCODING_BROKEN]} pages decode to Vietnamese in no charset (UTF-8, "
                "windows-1258, TCVN3) and were not published; open one in a browser: a VNI "
                "or damaged page needs the portal's webmaster",
            )
        )
    if faults.get(Fault.TOO_LARGE):
        checks.append(
            Check(
                CheckName.TOO_LARGE,
                WARNING,
                f"{faults[Fault.TOO_LARGE]} pages were over a size bound and not stored (see the "
                "README's bounds); if they are real articles, raise DOWNLOAD_MAXSIZE or "
                "NEWSFEED_MAX_BODY_CHARS in newsfeed/crawl/settings.py",
            )
        )
    offsite = faults.get(Fault.OFFSITE_REDIRECT, 0) + faults.get(Fault.OFFSITE_LINK, 0)
    if offsite:
        checks.append(
            Check(
                CheckName.OFFSITE,
                WARNING,
                f"{offsite} pages led to another host and were not fetched; if the portal "
                "moved, fix base_url or add the new host to host_aliases in the profile",
            )
        )
    if faults.get(Fault.REDIRECT_LOOP):
        checks.append(
            Check(
                CheckName.REDIRECT_LOOP,
                WARNING,
                f"{faults[Fault.REDIRECT_LOOP]} pages redirect in a loop; open one in a browser "
                "(a session or language cookie the crawler does not keep?)",
            )
        )
    busy = {
        k: faults[k]
        for k in ("retry_after_gave_up", "host_stalled", "host_given_up")
        if faults.get(k)
    }
    if busy.get(Fault.RETRY_AFTER_GAVE_UP) or busy.get(Fault.HOST_STALLED):
        checks.append(
            Check(
                CheckName.SERVER_BUSY,
                WARNING,
                "the server asked to wait longer than a run allows or stopped answering "
                f"({_fmt_counts(busy)}); those pages are asked again next run",
            )
        )
    return checks


SELECTORS_DRIFTING_SHARE = 0.2
"""More than this share of a portal's articles needing the generic fallback: the platform's
rules drift from the portal's templates."""


def check_platform_mismatch(run: PortalRun) -> list[Check]:
    """The portal's pages show another CMS family than its profile names."""
    used = group(run.stats, Counter.PLATFORM_MISMATCH)
    if not used:
        return []
    should = max(used, key=lambda k: used[k])
    detected = group(run.stats, Counter.PLATFORM_DETECTED)
    shown = ", ".join(f"{k}×{v}" for k, v in detected.items() if k != "unknown")
    return [
        Check(
            CheckName.PLATFORM_MISMATCH,
            WARNING,
            f'profile says platform = "{run.platform}" but its pages show {shown or should}; '
            f'read as {should}: set platform = "{should}" in the profile',
        )
    ]


def check_selectors_drifting(run: PortalRun) -> list[Check]:
    """More than a fifth of the articles needed the generic extractor for some field."""
    extracted = _extracted(run.entry)
    needed = _count(run, Counter.ARTICLES_WITH_FALLBACK)
    if not extracted or needed / extracted <= SELECTORS_DRIFTING_SHARE:
        return []
    fields = group(run.stats, Counter.FIELDS_FROM_FALLBACK)
    return [
        Check(
            CheckName.SELECTORS_DRIFTING,
            WARNING,
            f"{needed} of {extracted} articles took fields from the generic fallback "
            f"({_fmt_counts(fields)}); the platform's selectors no longer fit: run "
            "`newsfeed extract URL` on one and fix the rules or the profile's overrides",
        )
    ]


PortalCheck = Callable[[PortalRun], list[Check]]
CHECKS: tuple[PortalCheck, ...] = (
    check_unreachable,
    check_category_failed,
    check_category_undiscovered,
    check_nothing_listed,
    check_fields_missing,
    check_platform_mismatch,
    check_selectors_drifting,
    check_http_errors,
    check_soft_errors,
    check_dates,
    check_faults,
    check_cadence,
)
"""Every per-portal check, in the order their findings are listed."""


def run_checks(run: PortalRun) -> list[Check]:
    """Every check over one portal's run; an empty list means all is well."""
    found: list[Check] = []
    for check in CHECKS:
        found.extend(check(run))
    return found


# -- working days and cadence -------------------------------------------------------------------

TET_BEFORE, TET_AFTER = 2, 4
"""Around the first day of the lunar new year, from two days before to four after, portals
publish next to nothing even on the days that are not official holidays."""


@cache
def _official_holidays(year: int) -> holidays.HolidayBase:
    """Vietnam's public holidays of ``year``, as the state sets them: Tết, the Hùng Kings' day
    (lunar dates), fixed dates, days observed for a weekend and the days the government swaps
    (python-holidays keeps these from the official dispatches, year by year)."""
    return _vietnam()(years=year, language="en_US")


@cache
def _vietnam() -> Callable[..., holidays.HolidayBase]:
    """python-holidays' calendar of Vietnam, from its own module file: asked the usual way
    (``holidays.country_holidays("VN")``) it first imports ``holidays.countries``, which
    imports the calendars of every country (about 280 modules: 0.1 s of every crawl's report
    and of every build). A release laid out otherwise is asked the usual way."""
    name = "holidays.countries.vietnam"
    if name in sys.modules:
        return cast(Callable[..., holidays.HolidayBase], sys.modules[name].Vietnam)
    try:
        path = Path(holidays.__file__).parent / "countries" / "vietnam.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found = module.Vietnam
        if isinstance(found, type) and issubclass(found, holidays.HolidayBase):
            return found
    except Exception:  # another layout: the usual way below
        pass
    return lambda **kwargs: holidays.country_holidays("VN", **kwargs)


def _tet(year: int) -> date | None:
    days = _official_holidays(year).get_named("Lunar New Year", lookup="exact")
    return min(days) if days else None


def is_rest_day(day: date) -> bool:
    """A weekend, a public holiday or a day of the Tết break (portal local dates)."""
    if day.weekday() >= 5 or day in _official_holidays(day.year):
        return True
    for tet in (_tet(day.year), _tet(day.year + 1)):
        if tet is not None and -TET_BEFORE <= (day - tet).days <= TET_AFTER:
            return True
    return False


def working_days_between(start: datetime, end: datetime) -> float:
    """Days elapsed from ``start`` to ``end`` not counting rest days (local time, fractional)."""
    if end <= start:
        return 0.0
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if not is_rest_day(day):
            day_start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
            lo, hi = max(start, day_start), min(end, day_start + timedelta(days=1))
            total += max(0.0, (hi - lo).total_seconds()) / 86400
        day += timedelta(days=1)
    return total


def cadence_threshold(published: Sequence[datetime]) -> float | None:
    """Working days of silence after which a portal is stale, or None without enough history.

    ``published``: newest first. The rolling median of the gaps between the last
    :data:`CADENCE_HISTORY` dates, times :data:`CADENCE_FACTOR`, at least
    :data:`CADENCE_FLOOR_DAYS`.
    """
    recent = sorted(published[:CADENCE_HISTORY], reverse=True)
    if len(recent) < CADENCE_MIN_ARTICLES:
        return None
    gaps = [working_days_between(b, a) for a, b in itertools.pairwise(recent)]
    return max(CADENCE_FACTOR * statistics.median(gaps), CADENCE_FLOOR_DAYS)


# -- newsfeed check -----------------------------------------------------------------------------


def report_status(report: Mapping[str, Any]) -> str:
    """The worst status of the report's portals (what the report says, recomputed)."""
    return worst(
        [str(report.get("status", OK))]
        + [str(p.get("status", OK)) for p in report.get("portals", {}).values()]
    )


def _perf(label: str, value: float, warn: str = "", crit: str = "", uom: str = "") -> str:
    """``label=value[uom];warn;crit;min`` (min 0; no max)."""
    return f"{label}={value:g}{uom};{warn};{crit};0"


CHECK_LINE_MAX = 4000
"""``newsfeed check`` stays under 4 KB: Nagios cuts plugin output at 4 KB (8 KB since 3.x, but
many front ends still show 4). Long detail is in ``newsfeed report``."""
_PORTALS_NAMED = 6
"""Portals named per finding shared by several ("a, b, c, ... and 31 more")."""
_MESSAGE_MAX = 300
_DIGITS = re.compile(r"\d+")


def _faults(portals: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """(status, message, portal keys) per distinct worst finding, worst first.

    Each portal counts once, with its worst check; portals with the same message (every
    portal down, the same advice) share one entry."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    shown: dict[tuple[str, str, str], str] = {}
    for key, portal in sorted(portals.items()):
        bad = [c for c in portal.get("checks", []) if c.get("status", OK) != OK]
        if not bad:
            continue
        first = max(bad, key=lambda c: STATUS_ORDER.get(c["status"], 2))
        more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
        message = str(first["message"])
        if len(message) > _MESSAGE_MAX:
            message = message[: _MESSAGE_MAX - 1].rstrip() + "…"
        # counts differ from portal to portal ("×1", "×4"): the advice is the same
        shape = (str(first["status"]), str(first["name"]), _DIGITS.sub("#", message + more))
        groups.setdefault(shape, []).append(key)
        shown.setdefault(shape, message + more)
    return sorted(
        ((shape[0], shown[shape], keys) for shape, keys in groups.items()),
        key=lambda g: (-STATUS_ORDER.get(g[0], 2), -len(g[2]), g[2][0]),
    )


def connection_failed(portal: Mapping[str, Any]) -> bool:
    """A portal entry (report or state) ``unreachable`` with nothing but connection failures."""
    if not any(c.get("name") == CheckName.UNREACHABLE for c in portal.get("checks") or []):
        return False
    failed: Mapping[str, int] = portal.get(Counter.HTTP_ERRORS) or {}
    return bool(failed) and set(failed) <= CONNECTION_ERRORS


def unreachable_from_here(portals: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The one finding to give first when no portal could be reached at all, or None.

    Two portals or more, each ``unreachable`` with nothing but connection failures
    (:data:`CONNECTION_ERRORS`): dozens of sites do not all go down together, the machine's
    name resolution, proxy or link did. One portal down says nothing of the machine."""
    if len(portals) < 2 or not all(map(connection_failed, portals.values())):
        return None
    errors: dict[str, int] = {}
    for portal in portals.values():
        for name, failures in (portal.get(Counter.HTTP_ERRORS) or {}).items():
            errors[name] = errors.get(name, 0) + int(failures)
    n = len(portals)
    return (
        f"no portal could be reached from this machine ({n} of {n}: {_fmt_counts(errors)}); "
        "is it online? "
        "check its name resolution (DNS), proxy settings (http_proxy, https_proxy) and "
        "firewall before any portal's profile"
    )


def _named(keys: Sequence[str]) -> str:
    if len(keys) <= _PORTALS_NAMED:
        return ", ".join(keys)
    return f"{', '.join(keys[:_PORTALS_NAMED])} and {len(keys) - _PORTALS_NAMED} more"


def check_line(
    report: Mapping[str, Any] | None,
    *,
    now: datetime,
    max_age: timedelta = REPORT_MAX_AGE,
    critical_age: timedelta = REPORT_CRITICAL_AGE,
    limit: int = CHECK_LINE_MAX,
    every_portal: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[int, str]:
    """Exit code and the one line of ``newsfeed check`` (the monitoring-plugin convention).

    ``report``: the portals' latest state (:func:`newsfeed.monitor.state.current_view`) or a
    report. ``NEWSFEED <STATUS> - <portals at fault and why> | <performance data>``; the exit
    code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (no crawl yet). The newest crawl older
    than ``max_age`` means cron stopped: at least WARNING, CRITICAL past ``critical_age``.
    Worst findings first; the line stays under ``limit`` bytes, counting what it leaves out.
    ``every_portal``: the portals that tell whether this machine reaches any (the report's own,
    unless it is one portal's: ``check --portal``), whose finding then comes first.
    """
    if report is None:
        return 3, "NEWSFEED UNKNOWN - no crawl report yet; run `newsfeed crawl` (is cron set up?)"
    portals: Mapping[str, Mapping[str, Any]] = report.get("portals", {})
    status = report_status(report)
    faults = [
        (f"{_named(keys)}: " if len(keys) > 1 else f"{keys[0]}: ") + message
        for _, message, keys in _faults(portals)
    ]
    offline = unreachable_from_here(portals if every_portal is None else every_portal)
    if offline:
        faults.insert(0, offline)
    finished = _report_time(report)
    age = (now - finished) if finished else None
    if age is not None and age > max_age:
        status = worst([status, CRITICAL if age > critical_age else WARNING])
        hours = age.total_seconds() / 3600
        faults.insert(0, f"latest report is {hours:.1f} h old: is cron running?")
    totals = report.get("totals", {})
    at_fault = [k for k, p in portals.items() if p.get("status", OK) != OK]
    by_status = [p.get("status", OK) for p in portals.values()]
    fetched = int(totals.get("listing_pages_fetched", 0)) + int(
        totals.get("article_pages_fetched", 0)
    )
    perf = [
        _perf("articles_new", int(totals.get("articles_new", 0))),
        _perf("articles_updated", int(totals.get("articles_updated", 0))),
        _perf("articles_listed", int(totals.get("articles_listed", 0))),
        _perf("pages_fetched", fetched),
        _perf("http_errors", sum(totals.get("http_errors", {}).values())),
        _perf("portals_warning", by_status.count(WARNING), "1"),
        _perf("portals_critical", by_status.count(CRITICAL), "", "1"),
    ]
    if age is not None:
        perf.append(
            _perf(
                "report_age",
                round(max(age.total_seconds(), 0.0)),
                f"{max_age.total_seconds():g}",
                f"{critical_age.total_seconds():g}",
                "s",
            )
        )
    head = f"NEWSFEED {status.upper()} - "
    if faults:
        # the machine's finding counts the portals itself
        counted = at_fault and not offline
        prefix = f"{len(at_fault)} of {len(portals)} portals at fault: " if counted else ""
        # the findings get what the totals' performance data leave (the per-portal data last)
        budget = limit - len(head.encode()) - len(" | ".join(["", " ".join(perf)]).encode())
        summary = prefix
        for shown, fault in enumerate(faults):
            rest = len(faults) - shown
            tail = f"; and {rest} more findings (see `newsfeed report`)"
            piece = ("; " if shown else "") + fault
            if len((summary + piece).encode()) + (len(tail.encode()) if rest > 1 else 0) > budget:
                summary += tail if shown else tail.removeprefix("; and ")
                break
            summary += piece
    else:
        n = len(portals)
        summary = (
            f"{n} portal{'' if n == 1 else 's'} ok, {totals.get('articles_new', 0)} new articles"
        )
    line = f"{head}{summary} | {' '.join(perf)}"
    for key, portal in sorted(portals.items()):
        extra = " " + " ".join(
            [
                _perf(f"{key}_new", int(portal.get("articles_new", 0))),
                _perf(f"{key}_status", STATUS_ORDER.get(portal.get("status", OK), 2), "1", "2"),
            ]
        )
        if len((line + extra).encode()) > limit:
            break
        line += extra
    return EXIT_CODES[status], line


def _report_time(report: Mapping[str, Any]) -> datetime | None:
    for key in ("finished", "started"):
        value = report.get(key)
        if value:
            try:
                parsed = datetime.fromisoformat(str(value))
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
