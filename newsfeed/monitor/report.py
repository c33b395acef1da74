"""The crawl report (DESIGN.md §5): one JSON object per run, built from the crawl's stats.

Counters come from Scrapy stats named ``newsfeed/<portal>/<counter>`` (see
:func:`newsfeed.crawl.stats.stat`); the store adds each portal's history (earlier
reports, published dates); :mod:`newsfeed.monitor.checks` turns both into a status with messages
that say what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsfeed.crawl.stats import (
    CategoryCounter,
    Counter,
    categories_with,
    category_count,
    count,
    group,
    portal_counters,
)
from newsfeed.extraction.dates import parse_iso_date
from newsfeed.files import atomic_write
from newsfeed.monitor.checks import (
    CADENCE_HISTORY,
    CRITICAL,
    FUTURE_SLACK,
    OK,
    WARNING,
    Check,
    CheckName,
    PortalRun,
    run_checks,
    unreachable_from_here,
    worst,
)
from newsfeed.portals import Portal
from newsfeed.store.db import Store

__all__ = [
    "SCHEMA",
    "Check",
    "Report",
    "build_report",
    "format_table",
    "portal_report",
    "worst",
    "write_report",
]

SCHEMA = 1
HISTORY_REPORTS = 48
"""Earlier reports the checks compare with (a day of half-hourly runs)."""
_COUNTERS = (
    Counter.LISTING_PAGES_FETCHED,
    Counter.LISTING_PAGES_NOT_MODIFIED,
    Counter.ARTICLE_PAGES_FETCHED,
    Counter.ARTICLES_LISTED,
    Counter.ARTICLES_NEW,
    Counter.ARTICLES_UPDATED,
    Counter.ARTICLES_UNCHANGED,
    Counter.ARTICLES_DUPLICATE,
    Counter.ARTICLES_RECHECKED,
    Counter.ARTICLES_SKIPPED_GONE,
    Counter.EXTRACTION_ERRORS,
)
"""The counters of a portal's object in the report (schema 1), in this order; the last two
were added later (reports written before them lack them: read them with ``.get``)."""
_GROUPS = (
    Counter.ARTICLES_DROPPED,
    Counter.HTTP_ERRORS,
    Counter.FIELDS_MISSING,
    Counter.SOFT_ERRORS,
    Counter.FAULTS,
    Counter.FIELDS_FROM_FALLBACK,
    Counter.PLATFORM_DETECTED,
)
"""The counters reported by detail, ``{detail: count}``."""


def portal_report(
    portal: Portal,
    stats: Mapping[str, Any],
    store: Store | None,
    *,
    now: datetime,
    started: datetime | None = None,
    history: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """One portal's object of the report; ``history``: earlier reports, newest first."""
    own = portal_counters(stats, portal.key)
    entry: dict[str, Any] = {c.value: count(own, c) for c in _COUNTERS}
    crawled = set(categories_with(own, CategoryCounter.REQUESTED)) | set(
        categories_with(own, CategoryCounter.LISTING_PAGES_FETCHED)
    )
    entry["categories"] = {
        c.key: {
            name.value: category_count(own, c.key, name)
            for name in (
                CategoryCounter.LISTING_PAGES_FETCHED,
                CategoryCounter.LISTING_PAGES_NOT_MODIFIED,
                CategoryCounter.ARTICLES_LISTED,
            )
        }
        for c in portal.categories
        if c.key in crawled
    }
    entry["categories_undiscovered"] = {
        c.key: {
            "labels_tried": list(
                own.get(f"category/{c.key}/{CategoryCounter.LABELS_TRIED}") or c.labels or (c.name,)
            ),
            "menu_page": own.get(Counter.MENU_PAGE.value),
            "menu_links": list(own.get(Counter.MENU_LINKS.value) or ()),
        }
        for c in portal.categories
        if c.key in categories_with(own, CategoryCounter.UNDISCOVERED)
    }
    for counter in _GROUPS:
        entry[counter.value] = group(own, counter)
    entry["newest_published"] = store.newest_published(portal.key) if store else None
    previous = [r["portals"][portal.key] for r in history if portal.key in r.get("portals", {})]
    facts = _store_facts(store, portal.key, started, now) if store else {}
    run = PortalRun(
        key=portal.key,
        platform=portal.platform,
        entry=entry,
        stats=own,
        now=now,
        started=started,
        previous=previous,
        **facts,
    )
    checks = run_checks(run)
    entry["checks"] = [c.to_dict() for c in checks]
    entry["status"] = worst(c.status for c in checks)
    entry["last_success"] = (
        now.isoformat(timespec="seconds")
        if entry["status"] != CRITICAL
        else _last_success(portal.key, history)
    )
    return entry


def _last_success(key: str, history: Sequence[Mapping[str, Any]]) -> str | None:
    """When the portal last had a run that was not CRITICAL, from earlier reports."""
    for report in history:
        portal = report.get("portals", {}).get(key)
        if portal is None:
            continue
        if portal.get("status") != CRITICAL:
            return str(report.get("finished") or report.get("started"))
        if "last_success" in portal:
            return portal["last_success"]  # type: ignore[no-any-return]
    return None


def _store_facts(store: Store, key: str, started: datetime | None, now: datetime) -> dict[str, Any]:
    """What the checks need from the store about one portal."""
    published: list[datetime] = []
    for value in store.published_history(key, CADENCE_HISTORY * 2):
        parsed = parse_iso_date(value)
        # a date in the future says nothing of the cadence (check_dates reports it)
        if parsed is not None and parsed.value <= now + FUTURE_SLACK:
            published.append(parsed.value)
    published = sorted(published, reverse=True)[:CADENCE_HISTORY]
    watching_since = store.first_seen_min(key)
    run_published = store.published_of_new(key, started) if started is not None else []
    return {
        "published_history": published,
        "watching_since": watching_since,
        "run_published": run_published,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """One run's crawl report (DESIGN.md §5); :meth:`to_dict` is its JSON, schema 1.

    Built once by :func:`build_report`, then only read: saved in the store, written to
    ``var/reports/``, turned into metrics, printed by ``newsfeed report``.
    """

    run_id: str
    started: datetime
    finished: datetime
    portals: Mapping[str, Mapping[str, Any]]
    """Per portal key, its object (counters, ``categories``, ``checks``, ``status``)."""
    totals: Mapping[str, Any]
    """The portals' counters summed."""
    finish_reason: str | None = None
    """Scrapy's reason the crawl ended (``finished``; ``shutdown`` after SIGTERM / SIGINT)."""
    category: str | None = None
    """The run's ``--category`` filter: a partial crawl."""

    @property
    def interrupted(self) -> bool:
        """The crawl did not run to its end: counters are partial."""
        return self.finish_reason not in (None, "finished")

    @property
    def status(self) -> str:
        """The worst portal status; an interrupted run is at least a warning."""
        statuses = [str(p.get("status", OK)) for p in self.portals.values()]
        return worst([*statuses, WARNING] if self.interrupted else statuses)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (schema 1), in the README's key order."""
        return {
            "schema": SCHEMA,
            "run_id": self.run_id,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": self.finished.isoformat(timespec="seconds"),
            "status": self.status,
            **({"category": self.category} if self.category is not None else {}),
            "portals": {key: dict(entry) for key, entry in self.portals.items()},
            "totals": dict(self.totals),
            "interrupted": self.interrupted,
            "finish_reason": self.finish_reason,
        }


def build_report(
    *,
    run_id: str,
    started: datetime,
    finished: datetime,
    portals: Iterable[Portal],
    stats: Mapping[str, Any],
    store: Store | None = None,
    finish_reason: str | None = None,
    category: str | None = None,
) -> Report:
    """The report of one run; with a store, checks compare with its history. ``category``:
    the run's ``--category`` filter (portals without it are left out; the report says it).

    Call it before saving the report in the store: history is every report already there.
    ``finish_reason``: Scrapy's (``stats["finish_reason"]``); an interrupted run adds an
    ``interrupted`` warning to every portal.
    """
    history = store.reports(limit=HISTORY_REPORTS) if store else []
    history = [r for r in history if r.get("run_id") != run_id]
    if category is not None:
        # a portal without the category was not crawled: it has nothing to report
        portals = [p for p in portals if any(c.key == category for c in p.categories)]
    by_portal = {
        p.key: portal_report(p, stats, store, now=finished, started=started, history=history)
        for p in portals
    }
    if finish_reason not in (None, "finished"):
        for entry in by_portal.values():
            _mark_interrupted(entry, finish_reason)
    totals: dict[str, Any] = {c.value: sum(p[c] for p in by_portal.values()) for c in _COUNTERS}
    for counter in _GROUPS:
        summed: dict[str, int] = {}
        for entry in by_portal.values():
            for key, value in entry[counter].items():
                summed[key] = summed.get(key, 0) + value
        totals[counter.value] = dict(sorted(summed.items()))
    return Report(
        run_id=run_id,
        started=started,
        finished=finished,
        portals=by_portal,
        totals=totals,
        finish_reason=finish_reason,
        category=category,
    )


def write_report(report: Mapping[str, Any], reports_dir: Path) -> Path:
    """Write ``<run_id>.json`` atomically and return its path."""
    path = reports_dir / f"{report['run_id']}.json"
    atomic_write(path, (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path


def _total(name: str) -> Callable[[Mapping[str, Any]], int]:
    def value(p: Mapping[str, Any]) -> int:
        counted = p[name]
        return sum(counted.values()) if isinstance(counted, dict) else int(counted)

    return value


_COLUMNS: tuple[tuple[str, int, Callable[[Mapping[str, Any]], int]], ...] = (
    # header, width, value of a portal object (or of the totals)
    ("pages", 6, _total("listing_pages_fetched")),
    ("listed", 7, _total("articles_listed")),
    ("fetched", 8, _total("article_pages_fetched")),
    ("new", 5, _total("articles_new")),
    ("upd", 5, _total("articles_updated")),
    ("same", 5, _total("articles_unchanged")),
    ("dup", 5, _total("articles_duplicate")),
    ("dropped", 8, _total("articles_dropped")),
    ("errors", 7, _total("http_errors")),
)


def format_table(report: Mapping[str, Any]) -> str:
    """The report for people: one line per portal, its newest article, then its checks."""
    portals: Mapping[str, Mapping[str, Any]] = report["portals"]
    width = max([len("portal"), *(len(k) for k in portals)]) + 2
    lines = [
        f"run {report['run_id']}  {report['started']} -> {report['finished']}"
        f"  status {report['status'].upper()}",
        f"{'portal':<{width}}{'status':<10}"
        + "".join(f"{h:>{w}}" for h, w, _ in _COLUMNS)
        + "  newest article",
    ]
    for key, p in portals.items():
        newest = (p.get("newest_published") or "-")[:16].replace("T", " ")
        lines.append(
            f"{key:<{width}}{p['status'].upper():<10}"
            + "".join(f"{value(p):>{w}}" for _, w, value in _COLUMNS)
            + f"  {newest}"
        )
        details = [f"{name} {_counts(p.get(name, {}))}" for name in _GROUPS if p.get(name)]
        details.extend(f"{name} {p[name]}" for name in _NOTED if p.get(name))
        if details:
            lines.append("    " + "; ".join(details))
        lines.extend(f"    {c['status'].upper()} {c['name']}: {c['message']}" for c in p["checks"])
    if len(portals) > 1:
        totals = report["totals"]
        lines.append(
            f"{'total':<{width}}{'':<10}"
            + "".join(f"{value(totals):>{w}}" for _, w, value in _COLUMNS)
        )
    offline = unreachable_from_here(portals)
    if offline:  # under the header, before dozens of portals' lines saying it one by one
        lines.insert(1, f"CRITICAL {offline}")
    return "\n".join(lines)


_NOTED = (Counter.EXTRACTION_ERRORS, Counter.ARTICLES_SKIPPED_GONE)
"""Counters shown on a portal's detail line of the table when not zero."""


def _counts(values: Mapping[str, int]) -> str:
    return ", ".join(f"{k}×{v}" for k, v in values.items())


def _mark_interrupted(entry: dict[str, Any], finish_reason: str | None) -> None:
    """A portal's object of an interrupted run (SIGTERM / SIGINT: reason ``shutdown``): a
    ``warning``, since its counters are partial; the next run completes what is missing."""
    message = (
        f"the run was interrupted ({finish_reason}) before it finished; counters are partial"
        " and the next run fetches what is missing"
    )
    entry.setdefault("checks", []).append(
        {"name": CheckName.INTERRUPTED, "status": WARNING, "message": message}
    )
    if entry.get("status", OK) == OK:
        entry["status"] = WARNING
