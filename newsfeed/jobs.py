"""The two jobs cron runs, each across layers: what ``newsfeed crawl`` and ``newsfeed build`` do.

* :func:`run_crawl`: the crawl (:mod:`newsfeed.crawl`) into the store, then its report and
  metrics (:mod:`newsfeed.monitor`).
* :func:`build_feeds`: the feeds from the store (:mod:`newsfeed.feeds`), then the status page
  and the index page (:mod:`newsfeed.web`).

They sit above every layer so that no layer imports one above it (the crawl knows nothing of
the report; the feed builder nothing of the pages beside the feeds). The CLI and the demo call
these functions; tests call them too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsfeed.config import Config
from newsfeed.crawl.runner import crawl
from newsfeed.feeds.build import REPORTS_SCANNED, feed_specs, health_items, latest_health
from newsfeed.feeds.render import write_feeds
from newsfeed.files import remove_stale_temps
from newsfeed.monitor.metrics import write_metrics
from newsfeed.monitor.report import build_report, write_report
from newsfeed.portals import Portal, Registry
from newsfeed.store.db import Store
from newsfeed.store.errors import STORE_ERROR_STAT, StoreFailure
from newsfeed.timezone import LOCAL_TZ
from newsfeed.web.site import write_site
from newsfeed.web.status import write_status_page

logger = logging.getLogger(__name__)


def run_crawl(
    portals: Sequence[Portal],
    config: Config,
    *,
    registry: Registry | None = None,
    category: str | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    local: bool = False,
    extra_settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl ``portals`` into the store and return (and write) the crawl report."""
    started = datetime.now(UTC)
    # milliseconds too: two runs in one second (tests, a retry) must not share a report
    run_id = started.strftime("%Y%m%dT%H%M%S") + f"{started.microsecond // 1000:03d}Z"
    stats = crawl(
        portals,
        config,
        registry=registry,
        category=category,
        replay=replay,
        record=record,
        local=local,
        extra_settings=extra_settings,
    )
    return report_crawl(portals, config, stats=stats, started=started, run_id=run_id)


def report_crawl(
    portals: Sequence[Portal],
    config: Config,
    *,
    stats: dict[str, Any],
    started: datetime,
    run_id: str,
) -> dict[str, Any]:
    """The report of a crawl that ran (its Scrapy ``stats``): saved in the store, written to
    ``var/reports/<run_id>.json`` and as metrics, and returned."""
    if stats.get(STORE_ERROR_STAT):
        # the pipelines stopped the crawl: no report either, it would not be saved
        raise StoreFailure(config.store_path, str(stats[STORE_ERROR_STAT]))
    with Store(config.store_path) as store:
        report = build_report(
            run_id=run_id,
            started=started,
            finished=datetime.now(UTC),
            portals=portals,
            stats=stats,
            store=store,
            finish_reason=stats.get("finish_reason"),
        ).to_dict()
        store.save_report(report)
    path = write_report(report, config.reports_dir)
    logger.info("crawl report: %s", path)
    try:
        write_metrics(report, config.var_dir / "metrics" / "newsfeed.prom")
    except OSError as exc:  # monitoring output must not fail the crawl
        logger.warning("cannot write metrics: %s", exc)
    return report


def build_feeds(config: Config, registry: Registry | None = None) -> list[Path]:
    """Write every feed, ``index.opml`` and ``index.html`` into ``config.feeds_dir``.

    Returns the files of the set (written or already up to date).
    """
    registry = registry or Registry()
    portals = list(registry)
    for stale in remove_stale_temps(config.feeds_dir):
        logger.info("removed %s, left by a build that was killed", stale)
    with Store(config.store_path) as store:
        health = latest_health(store.reports(limit=REPORTS_SCANNED))
        today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
        specs = feed_specs(
            store,
            portals,
            limit=config.item_limit,
            base_url=config.base_url,
            health=health_items(health, portals, base_url=config.base_url, day=today),
        )
        files = write_feeds(specs, config.feeds_dir, config.base_url, limit=config.item_limit)
        # before index.html, which links status.html only when it exists
        files.append(write_status_page(store, registry, config.feeds_dir))
    files.append(
        write_site(
            config.feeds_dir, portals=portals, specs=specs, health=health, limit=config.item_limit
        )
    )
    return files
