"""Prometheus metrics of the latest crawl, for node_exporter's textfile collector.

:func:`write_metrics` writes ``var/metrics/newsfeed.prom`` (point node_exporter's
``--collector.textfile.directory`` at ``var/metrics``) with prometheus-client, atomically (temp
file + rename): a scrape never reads half a file.

A cron run is a batch job, so its numbers are gauges of the latest run (the Prometheus advice
for batch jobs), plus timestamps that alert rules compare with ``time()``::

    time() - newsfeed_last_success_timestamp_seconds > 6 * 3600
    newsfeed_check_status == 2
    newsfeed_no_portal_reachable == 1  (the machine's link, not the portals: one alert)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from newsfeed.extraction.dates import parse_iso_date
from newsfeed.monitor.checks import STATUS_ORDER, unreachable_from_here

DEFAULT_PATH = Path("var/metrics/newsfeed.prom")
_OUTCOMES = ("new", "updated", "unchanged", "duplicate")


def metrics_registry(report: Mapping[str, Any]) -> CollectorRegistry:
    """A registry holding the report's metrics, one label set per portal."""
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, *labels: str) -> Gauge:
        return Gauge(name, doc, ["portal", *labels], registry=registry)

    articles = gauge("newsfeed_run_articles", "Articles of the latest run by outcome", "outcome")
    listed = gauge("newsfeed_run_articles_listed", "Article links found on listing pages")
    listing = gauge("newsfeed_run_listing_pages", "Listing pages fetched by the latest run")
    pages = gauge("newsfeed_run_article_pages", "Article page requests of the latest run")
    broken = gauge("newsfeed_run_extraction_errors", "Article pages that made the extractor fail")
    gone = gauge(
        "newsfeed_run_articles_skipped_gone",
        "Listed articles not asked for: their page answered 404/410 within the gone window",
    )
    dropped = gauge("newsfeed_run_articles_dropped", "Articles dropped, by reason", "reason")
    errors = gauge("newsfeed_run_http_errors", "Failed requests by status or error", "status")
    missing = gauge("newsfeed_run_fields_missing", "Extracted articles missing a field", "field")
    soft = gauge("newsfeed_run_soft_errors", "Pages served with 200 that were not", "kind")
    faults = gauge(
        "newsfeed_run_faults", "Pages the hostile-web guards refused or repaired", "fault"
    )
    success = gauge(
        "newsfeed_last_success_timestamp_seconds", "End of the latest run that was not critical"
    )
    newest = gauge(
        "newsfeed_newest_published_timestamp_seconds", "Date of the newest stored article"
    )
    status = gauge("newsfeed_check_status", "0 ok, 1 warning, 2 critical")
    check = gauge("newsfeed_check", "A failing check (1), with its status", "check", "status")
    finished = Gauge(
        "newsfeed_report_timestamp_seconds", "End of the latest crawl", registry=registry
    )
    if when := _timestamp(report.get("finished")):
        finished.set(when)
    offline = Gauge(
        "newsfeed_no_portal_reachable",
        "1 when no portal could be reached from this machine (each failed to connect), else 0",
        registry=registry,
    )
    offline.set(1 if unreachable_from_here(report.get("portals") or {}) else 0)

    for key, portal in report.get("portals", {}).items():
        for outcome in _OUTCOMES:
            articles.labels(key, outcome).set(portal.get(f"articles_{outcome}", 0))
        listed.labels(key).set(portal.get("articles_listed", 0))
        listing.labels(key).set(portal.get("listing_pages_fetched", 0))
        pages.labels(key).set(portal.get("article_pages_fetched", 0))
        broken.labels(key).set(portal.get("extraction_errors", 0))
        gone.labels(key).set(portal.get("articles_skipped_gone", 0))
        for metric, group in (
            (dropped, "articles_dropped"),
            (errors, "http_errors"),
            (missing, "fields_missing"),
            (soft, "soft_errors"),
            (faults, "faults"),
        ):
            for label, value in portal.get(group, {}).items():
                metric.labels(key, label).set(value)
        if when := _timestamp(portal.get("last_success")):
            success.labels(key).set(when)
        if when := _timestamp(portal.get("newest_published")):
            newest.labels(key).set(when)
        status.labels(key).set(STATUS_ORDER.get(portal.get("status", "ok"), 2))
        for item in portal.get("checks", []):
            check.labels(key, item["name"], item["status"]).set(1)
    return registry


def write_metrics(report: Mapping[str, Any], path: Path = DEFAULT_PATH) -> Path:
    """Write the report's metrics to ``path`` atomically and return it.

    ``write_to_textfile`` writes ``<path>.<pid>.<thread>`` and renames it over ``path``; the
    collector reads only ``*.prom``, so it never sees the temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), metrics_registry(report))
    return path


def _timestamp(value: Any) -> float | None:
    if not value:
        return None
    parsed = parse_iso_date(str(value))
    if parsed is not None:
        return parsed.value.timestamp()
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None
