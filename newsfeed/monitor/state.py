"""Each portal's latest state: what ``newsfeed check``, status.html, index.html, the metrics and
the health item read, instead of the latest report alone (DESIGN.md §5).

A crawl report covers the portals one run crawled. :func:`record_run` folds it into the store's
``portal_state`` rows, one per portal and one per category, so that a crawl of one portal never
rewrites another's outcome and a partial crawl (``--category``) updates only what it touched.
:func:`current_view` reads the rows back as a report-shaped mapping of every known portal's
latest outcome, adding a ``stale_crawl`` check for a portal not crawled for too long.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsfeed.config import Config
from newsfeed.monitor.checks import (
    CRITICAL,
    OK,
    WARNING,
    CheckName,
    connection_failed,
    unreachable_from_here,
    worst,
)
from newsfeed.portals import Portal
from newsfeed.store.db import StateRow, Store

STALE_AFTER = timedelta(hours=6)
"""A portal whose latest crawl is older than this is ``stale_crawl`` (WARNING): cron stopped,
or the portal was left out of the crawl line."""
STALE_CRITICAL = timedelta(hours=24)
"""... and CRITICAL past this: nobody noticed for a day."""
SEED_REPORTS = 48
"""A store written before ``portal_state`` existed is seeded from this many latest reports."""

_SUMMED = (
    "listing_pages_fetched",
    "listing_pages_not_modified",
    "article_pages_fetched",
    "articles_listed",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "articles_duplicate",
    "articles_rechecked",
    "articles_skipped_gone",
    "extraction_errors",
)
_GROUPS = ("articles_dropped", "http_errors", "fields_missing", "soft_errors")


def category_status(category: Mapping[str, Any]) -> str:
    """A category's own outcome: its listing failed (critical), listed nothing (warning)."""
    if category.get("undiscovered"):
        return WARNING
    answered = int(category.get("listing_pages_fetched", 0)) + int(
        category.get("listing_pages_not_modified", 0)
    )
    if not answered:
        return CRITICAL
    if category.get("listing_pages_fetched") and not category.get("articles_listed"):
        return WARNING
    return OK


def record_run(store: Store, report: Mapping[str, Any], *, partial: bool = False) -> None:
    """Fold one run's report into the store's latest state per portal and category.

    ``partial``: the run crawled only some categories (``crawl --category``). Such a run
    replaces the state of the categories it crawled and adds its findings to the portal's, but
    never makes the portal look better than its latest full crawl, nor fresher.
    """
    finished = str(report.get("finished") or report.get("started") or "")
    run_id = str(report.get("run_id", ""))
    previous = {(r.portal, r.category): r for r in store.states()}
    for key, entry in (report.get("portals") or {}).items():
        before = previous.get((key, ""))
        status = str(entry.get("status", OK))
        categories: Mapping[str, Mapping[str, Any]] = entry.get("categories") or {}
        for cat_key, category in categories.items():
            store.save_state(
                StateRow(
                    portal=key,
                    category=cat_key,
                    run_id=run_id,
                    finished=finished,
                    status=category_status(category),
                    data=dict(category),
                )
            )
        if partial and before is not None:
            data = dict(before.data)
            data["categories"] = {**(data.get("categories") or {}), **categories}
            fresh = list(entry.get("checks") or [])
            names = {c.get("name") for c in fresh}
            data["checks"] = fresh + [c for c in data.get("checks") or [] if c["name"] not in names]
            merged = worst([before.status, status])
            data["status"] = merged
            # a row seen before and never announced was OK all along (as below)
            announced = before.announced or OK
            store.save_state(replace(before, status=merged, data=data, announced=announced))
            continue
        critical = status == CRITICAL
        last_success = (
            finished
            if not critical
            else (before.last_success if before else entry.get("last_success"))
        )
        store.save_state(
            StateRow(
                portal=key,
                run_id=run_id,
                finished=finished,
                status=status,
                data=dict(entry),
                last_success=last_success or (None if critical else finished),
                critical_since=(
                    ((before.critical_since if before else None) or finished) if critical else None
                ),
                critical_runs=((before.critical_runs if before else 0) + 1) if critical else 0,
                # None only on a portal's first state: nothing was announced of it before,
                # and a portal seen before and never announced was OK all along
                announced=(before.announced or OK) if before else None,
            )
        )


def _seed(store: Store) -> list[StateRow]:
    """The state rows, seeded from the stored reports the first time (an older store)."""
    rows = store.states()
    if rows:
        return rows
    for report in reversed(store.reports(limit=SEED_REPORTS)):
        record_run(store, report)
    return store.states()


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def stale_check(
    finished: datetime | None,
    now: datetime,
    *,
    stale_after: timedelta = STALE_AFTER,
    stale_critical: timedelta = STALE_CRITICAL,
) -> dict[str, str] | None:
    """The ``stale_crawl`` finding of a portal last crawled at ``finished``, or None."""
    if finished is None:
        return None
    age = now - finished
    if age <= stale_after:
        return None
    return {
        "name": CheckName.STALE_CRAWL,
        "status": CRITICAL if age > stale_critical else WARNING,
        "message": (
            f"not crawled for {age.total_seconds() / 3600:.1f} h (since "
            f"{finished.isoformat(timespec='minutes')}); is cron still running `newsfeed run`, "
            "and is the portal in its portal list?"
        ),
    }


def current_view(
    store: Store,
    portals: Iterable[Portal],
    *,
    now: datetime,
    stale_after: timedelta = STALE_AFTER,
    stale_critical: timedelta = STALE_CRITICAL,
    only: str | None = None,
) -> dict[str, Any] | None:
    """Every portal's latest state as one report-shaped mapping, or None before any crawl.

    ``portals``: the profiles; a portal in the store but not among them (a removed profile,
    the demo portal) is shown only while its state is not stale. ``only``: one portal's key.
    Each portal's object is its latest report object plus ``finished``, ``run_id``,
    ``last_success``, ``critical_since`` and ``critical_runs``; the view's ``finished`` is the
    newest crawl's end. Portals never crawled are absent.
    """
    rows = _seed(store)
    known = {p.key for p in portals}
    by_portal: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.category or (only is not None and row.portal != only):
            continue
        stale = stale_check(
            _parse(row.finished), now, stale_after=stale_after, stale_critical=stale_critical
        )
        if row.portal not in known and only is None and stale is not None:
            # a portal no longer among the profiles (or one run's own, like the demo's):
            # shown while its state is fresh, then forgotten rather than alerting forever
            continue
        entry = dict(row.data)
        checks = list(entry.get("checks") or [])
        if stale is not None:
            checks.insert(0, stale)
        entry.update(
            checks=checks,
            status=worst([row.status, *(c["status"] for c in checks)]),
            finished=row.finished,
            run_id=row.run_id,
            last_success=row.last_success,
            critical_since=row.critical_since,
            critical_runs=row.critical_runs,
            announced=row.announced,
        )
        by_portal[row.portal] = entry
    if not by_portal:
        return None
    newest = max(by_portal.values(), key=lambda e: str(e["finished"]))
    totals: dict[str, Any] = {c: sum(int(e.get(c, 0)) for e in by_portal.values()) for c in _SUMMED}
    for group in _GROUPS:
        summed: dict[str, int] = {}
        for entry in by_portal.values():
            for name, value in (entry.get(group) or {}).items():
                summed[name] = summed.get(name, 0) + int(value)
        totals[group] = dict(sorted(summed.items()))
    return {
        "schema": 1,
        "run_id": newest["run_id"],
        "started": newest["finished"],
        "finished": newest["finished"],
        "status": worst(e["status"] for e in by_portal.values()),
        "portals": by_portal,
        "totals": totals,
    }


def configured_view(
    store: Store,
    portals: Iterable[Portal],
    config: Config,
    *,
    now: datetime,
    only: str | None = None,
) -> dict[str, Any] | None:
    """:func:`current_view` with the configuration's staleness settings."""
    return current_view(
        store,
        portals,
        now=now,
        only=only,
        stale_after=timedelta(hours=config.stale_after_hours),
        stale_critical=timedelta(hours=config.stale_critical_hours),
    )


OFFLINE_MARK = "offline-announced"
"""In the var folder: this machine's runs reach no portal, and that was said once (a file, not
the store: several machines may share one PostgreSQL store, and each has its own link)."""


def announce_run(store: Store, report: Mapping[str, Any], var_dir: Path) -> list[str]:
    """The stderr lines of one run (cron mails them): the portals' changes
    (:func:`announce_changes`), or, when no portal could be reached from this machine
    (:func:`~newsfeed.monitor.checks.unreachable_from_here`), one line for the machine, said
    once until a portal answers again, and none per portal: what was announced of each is kept
    for when the machine is back, so neither the outage nor its end mails a line per portal."""
    portals: Mapping[str, Mapping[str, Any]] = report.get("portals") or {}
    mark = var_dir / OFFLINE_MARK
    said = mark.exists()
    if said and portals and all(map(connection_failed, portals.values())):
        return []  # still offline: said (a run of one portal that cannot connect, too)
    offline = unreachable_from_here(portals)
    if offline:
        var_dir.mkdir(parents=True, exist_ok=True)
        mark.write_text(f"{report.get('run_id', '')}\n", encoding="utf-8")
        return [f"newsfeed: {offline}"]
    lines: list[str] = []
    if said:
        mark.unlink(missing_ok=True)
        lines.append("newsfeed: the portals answer this machine again")
    return lines + announce_changes(store, list(portals))


def announce_changes(store: Store, keys: Iterable[str]) -> list[str]:
    """One line per portal of ``keys`` whose status got worse since it was last announced,
    and one per portal that recovered (back to OK); remembered in the store, so cron mails
    each change once, not at every run. A portal first seen OK is not announced; one first seen
    degraded says so (``(first crawl)``: it was never OK here, so not ``(was OK)``)."""
    order = {OK: 0, WARNING: 1, CRITICAL: 2}
    rows = {r.portal: r for r in store.states() if not r.category}
    lines: list[str] = []
    for key in keys:
        row = rows.get(key)
        if row is None:
            continue
        before = row.announced or OK
        now = row.status
        if now == before:
            continue
        if order.get(now, 2) > order.get(before, 2):
            checks = [c for c in row.data.get("checks") or [] if c.get("status") == now]
            why = f": {checks[0]['name']}: {checks[0]['message']}" if checks else ""
            was = "first crawl" if row.announced is None else f"was {before.upper()}"
            lines.append(f"newsfeed: {key} is {now.upper()} ({was}){why}")
        elif now == OK:
            lines.append(f"newsfeed: {key} recovered: OK (was {before.upper()})")
        store.set_announced(key, now)
    return lines
