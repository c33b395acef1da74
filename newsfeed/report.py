"""The crawl report (DESIGN.md §5): one JSON object per run, built from the crawl's stats.

Counters come from Scrapy stats named ``newsfeed/<portal>/<counter>`` (see
:func:`newsfeed.spiders.portal.stat`); checks turn them into a status with a message that says
what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsfeed.items import REQUIRED_FIELDS
from newsfeed.portals import Portal
from newsfeed.store import Store

SCHEMA = 1
STATUS_ORDER = {"ok": 0, "warning": 1, "critical": 2}
_COUNTERS = (
    "listing_pages_fetched",
    "article_pages_fetched",
    "articles_listed",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "articles_duplicate",
)
# A required field missing on more than this share of extracted articles means the layout
# changed under the adapter: the feed would fill with empty items.
MISSING_FIELD_CRITICAL = 0.5
HTTP_ERROR_WARNING = 0.3
GONE_STATUSES = frozenset({"404", "410"})


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "message": self.message}


def _portal_stats(stats: Mapping[str, Any], key: str) -> dict[str, Any]:
    prefix = f"newsfeed/{key}/"
    return {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}


def _group(values: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: int(v) for k, v in sorted(values.items()) if k.startswith(prefix)}


def portal_report(portal: Portal, stats: Mapping[str, Any], store: Store | None) -> dict[str, Any]:
    own = _portal_stats(stats, portal.key)
    entry: dict[str, Any] = {c: int(own.get(c, 0)) for c in _COUNTERS}
    entry["categories"] = {
        c.key: {
            "listing_pages_fetched": int(own.get(f"category/{c.key}/listing_pages_fetched", 0)),
            "articles_listed": int(own.get(f"category/{c.key}/articles_listed", 0)),
        }
        for c in portal.categories
        if f"category/{c.key}/listing_pages_fetched" in own or own.get("categories_crawled")
    }
    entry["articles_dropped"] = _group(own, "articles_dropped/")
    entry["http_errors"] = _group(own, "http_errors/")
    entry["fields_missing"] = _group(own, "fields_missing/")
    entry["newest_published"] = store.newest_published(portal.key) if store else None
    checks = run_checks(entry, listing_errors=int(own.get("listing_errors", 0)))
    entry["checks"] = [c.to_dict() for c in checks]
    entry["status"] = worst(c.status for c in checks)
    return entry


def run_checks(entry: Mapping[str, Any], *, listing_errors: int = 0) -> list[Check]:
    """The checks over one portal's counters; an empty list means all is well."""
    checks: list[Check] = []
    errors = entry["http_errors"]
    if entry["listing_pages_fetched"] == 0 and listing_errors:
        names = ", ".join(f"{k}×{v}" for k, v in errors.items())
        checks.append(
            Check(
                "unreachable",
                "critical",
                f"no listing page could be fetched ({names}); is the portal down or moved?",
            )
        )
        return checks
    if entry["listing_pages_fetched"] and entry["articles_listed"] == 0:
        checks.append(
            Check(
                "nothing_listed",
                "critical",
                "listing pages were fetched but listed no article (layout changed?); "
                "check the category URLs and the platform's listing selectors",
            )
        )
    extracted = (
        sum(entry[k] for k in ("articles_new", "articles_updated", "articles_unchanged"))
        + sum(entry["articles_dropped"].values())
        + entry["articles_duplicate"]
    )
    if extracted:
        for field in REQUIRED_FIELDS:
            missing = entry["fields_missing"].get(field, 0)
            if missing / extracted > MISSING_FIELD_CRITICAL:
                checks.append(
                    Check(
                        f"missing_{field}",
                        "critical",
                        f"{extracted - missing} of {extracted} articles had a {field} "
                        "(layout changed?); run `newsfeed extract URL` on one and fix the rules",
                    )
                )
    requests = entry["listing_pages_fetched"] + entry["article_pages_fetched"]
    # an article page that is gone (404/410) is the site's business, not a fault of the run
    error_count = sum(v for k, v in errors.items() if k not in GONE_STATUSES)
    if requests and error_count / max(requests, 1) > HTTP_ERROR_WARNING:
        checks.append(
            Check(
                "http_errors",
                "warning",
                f"{error_count} of {requests} requests failed "
                f"({', '.join(f'{k}×{v}' for k, v in errors.items())})",
            )
        )
    return checks


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: STATUS_ORDER[s], default="ok")


def build_report(
    *,
    run_id: str,
    started: datetime,
    finished: datetime,
    portals: Iterable[Portal],
    stats: Mapping[str, Any],
    store: Store | None = None,
) -> dict[str, Any]:
    by_portal = {p.key: portal_report(p, stats, store) for p in portals}
    totals: dict[str, Any] = {c: sum(p[c] for p in by_portal.values()) for c in _COUNTERS}
    for group in ("articles_dropped", "http_errors", "fields_missing"):
        summed: dict[str, int] = {}
        for entry in by_portal.values():
            for key, value in entry[group].items():
                summed[key] = summed.get(key, 0) + value
        totals[group] = dict(sorted(summed.items()))
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "status": worst(p["status"] for p in by_portal.values()),
        "portals": by_portal,
        "totals": totals,
    }


def write_report(report: Mapping[str, Any], reports_dir: Path) -> Path:
    """Write ``<run_id>.json`` atomically and return its path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / f"{report['run_id']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def format_table(report: Mapping[str, Any]) -> str:
    """The report for people: one line per portal, then its checks."""
    head = (
        f"run {report['run_id']}  {report['started']} -> {report['finished']}"
        f"  status {report['status'].upper()}"
    )
    cols = ("listed", "fetched", "new", "upd", "same", "dup", "dropped", "errors")
    lines = [head, f"{'portal':<22}{'status':<10}" + "".join(f"{c:>9}" for c in cols)]
    for key, p in report["portals"].items():
        values = (
            p["articles_listed"],
            p["article_pages_fetched"],
            p["articles_new"],
            p["articles_updated"],
            p["articles_unchanged"],
            p["articles_duplicate"],
            sum(p["articles_dropped"].values()),
            sum(p["http_errors"].values()),
        )
        lines.append(f"{key:<22}{p['status']:<10}" + "".join(f"{v:>9}" for v in values))
        lines.extend(f"    {c['status'].upper()} {c['name']}: {c['message']}" for c in p["checks"])
    return "\n".join(lines)
