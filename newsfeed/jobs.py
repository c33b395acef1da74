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
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsfeed.config import Config
from newsfeed.crawl.runner import SIGNAL_STAT, crawl
from newsfeed.feeds.build import build_key, feed_plans, health_items, long_critical
from newsfeed.feeds.pool import RenderPool, default_workers
from newsfeed.feeds.watch import check_watches, watch_specs
from newsfeed.feeds.writer import BuildCounts, FeedWriter
from newsfeed.files import remove_stale_temps
from newsfeed.monitor.checks import CRITICAL, CheckName, unreachable_from_here
from newsfeed.monitor.metrics import write_metrics
from newsfeed.monitor.report import build_report, write_report
from newsfeed.monitor.state import configured_view, record_run
from newsfeed.portals import Portal, Registry
from newsfeed.store.db import Store
from newsfeed.store.errors import STORE_ERROR_STAT, StoreFailure
from newsfeed.timezone import LOCAL_TZ
from newsfeed.web.site import write_site
from newsfeed.web.status import write_status_page

if TYPE_CHECKING:
    from newsfeed.crawl.progress import ProgressLine

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
    overrides: Mapping[str, str] | None = None,
    progress: ProgressLine | None = None,
) -> dict[str, Any]:
    """Crawl ``portals`` into the store and return the crawl report.

    ``overrides`` are Scrapy settings as the command line's ``-s`` gives them; ``progress``
    the line to show the crawl on (:mod:`newsfeed.crawl.progress`), on a terminal.

    The report is made by :func:`report_crawl` when the spider closes
    (:class:`CrawlReportExtension`), in this process as in a scrapyd job; this reads it back.
    A portal another process is crawling raises :class:`~newsfeed.store.locks.PortalLockedError`.
    """
    stats = crawl(
        portals,
        config,
        registry=registry,
        category=category,
        replay=replay,
        record=record,
        local=local,
        extra_settings={"NEWSFEED_CONFIG_OBJECT": config, **(extra_settings or {})},
        overrides=overrides,
        progress=progress,
    )
    return written_report(config, stats)


RUN_ID_STAT = "newsfeed/run_id"
"""The stat naming the report the crawl wrote at spider close."""


def written_report(config: Config, stats: dict[str, Any]) -> dict[str, Any]:
    """The report :class:`CrawlReportExtension` wrote for the crawl of these ``stats``."""
    if stats.get(STORE_ERROR_STAT):
        # the pipelines stopped the crawl (or the report could not be saved)
        raise StoreFailure(
            config.store_path, str(stats[STORE_ERROR_STAT]), database=config.database_url
        )
    run_id = stats.get(RUN_ID_STAT)
    report = None
    if run_id:
        with Store(config.store_url) as store:
            report = store.report(str(run_id))
    if report is None:
        raise RuntimeError(
            f"the crawl ended ({stats.get('finish_reason')}) without writing its report;"
            " see the log above"
        )
    return report


def new_run_id(started: datetime) -> str:
    """A crawl's report id: its start to the millisecond (ids sort as runs began), then a
    random suffix. Runs that start together (the crawls of a fleet or a cron minute into one
    PostgreSQL store) may share a millisecond, and a shared id replaced a report by another."""
    return (
        started.strftime("%Y%m%dT%H%M%S")
        + f"{started.microsecond // 1000:03d}Z-"
        + (secrets.token_hex(3))
    )


class CrawlReportExtension:
    """Makes the crawl report (:func:`report_crawl`) when the spider closes, in whatever process
    runs the spider: ``newsfeed crawl`` / ``run`` and a scrapyd job alike, so a scrapyd job of
    one portal writes the same report, portal state and metrics as ``newsfeed crawl PORTAL``,
    into the shared store. A scrapyd job's id (its ``_job`` argument) is kept as ``job``, which
    ``newsfeed schedule`` looks for. Enabled in :data:`newsfeed.crawl.settings.EXTENSIONS`.

    The configuration is the CLI's (setting ``NEWSFEED_CONFIG_OBJECT``), else, in a scrapyd
    job, newsfeed.toml / ``NEWSFEED_*`` as :mod:`newsfeed.crawl.settings` reads them.
    """

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.crawler = crawler
        self.started = datetime.now(UTC)
        self.run_id = new_run_id(self.started)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlReportExtension:
        return cls(crawler)

    def spider_closed(self, spider: Any, reason: str) -> None:
        from newsfeed.config import load_config
        from newsfeed.crawl.extensions import LOCKED
        from newsfeed.store.dialect import db_errors

        stats = self.crawler.stats
        if reason == LOCKED:
            return  # a claimed portal: no report
        config = self.crawler.settings.get("NEWSFEED_CONFIG_OBJECT") or load_config()
        if stats.get_value(STORE_ERROR_STAT):
            # a store the crawl could not write or read: the report goes to var/reports only
            self._store_failed(spider, config, reason, str(stats.get_value(STORE_ERROR_STAT)))
            return
        values = dict(stats.get_stats())
        values["finish_reason"] = reason
        job = getattr(spider, "_job", None)
        errors: tuple[type[BaseException], ...] = (OSError, StoreFailure, *db_errors())
        try:
            report_crawl(
                list(getattr(spider, "portals", {}).values()),
                config,
                stats=values,
                started=self.started,
                run_id=self.run_id,
                category=getattr(spider, "only_category", None),
                registry=getattr(spider, "registry", None),
                job=str(job) if job else None,
            )
        except errors as exc:
            # the CLI says it in one line (newsfeed.store.errors); a scrapyd job logs it
            logger.error("cannot save the crawl report: %s", exc)
            stats.set_value(STORE_ERROR_STAT, str(exc))
            return
        stats.set_value(RUN_ID_STAT, self.run_id)

    def _store_failed(self, spider: Any, config: Config, reason: str, error: str) -> None:
        """The report of a crawl whose store failed: every portal critical, saying why, in
        ``var/reports/`` (the store cannot hold it); the store is not touched again."""
        from newsfeed.store.errors import explain

        line = (
            explain(
                StoreFailure(config.store_path, error, database=config.database_url),
                store=config.store_path,
                var_dir=config.var_dir,
            )
            or f"the store {config.store_path} failed: {error.splitlines()[0] if error else ''}"
        )
        report = build_report(
            run_id=self.run_id,
            started=self.started,
            finished=datetime.now(UTC),
            portals=list(getattr(spider, "portals", {}).values()),
            stats={**self.crawler.stats.get_stats(), "finish_reason": reason},
            finish_reason=reason,
            category=getattr(spider, "only_category", None),
        ).to_dict()
        check = {"name": CheckName.STORE_FAILED, "status": CRITICAL, "message": line}
        for entry in report["portals"].values():
            entry["checks"] = [*entry.get("checks", []), check]
            entry["status"] = CRITICAL
        report["status"] = CRITICAL
        report["store_error"] = line
        job = getattr(spider, "_job", None)
        if job:
            report["job"] = str(job)
        try:
            path = write_report(report, config.reports_dir)
        except OSError as exc:  # the disk is full too: the CLI's one line says enough
            logger.warning("cannot write the crawl report: %s", exc)
            return
        logger.info("crawl report (store failed): %s", path)


def report_crawl(
    portals: Sequence[Portal],
    config: Config,
    *,
    stats: dict[str, Any],
    started: datetime,
    run_id: str,
    category: str | None = None,
    registry: Registry | None = None,
    job: str | None = None,
) -> dict[str, Any]:
    """The report of a crawl that ran (its Scrapy ``stats``): saved in the store, folded into
    every portal's latest state, written to ``var/reports/<run_id>.json`` and as metrics, and
    returned. ``category``: the crawl's ``--category`` (a partial crawl)."""
    if stats.get(STORE_ERROR_STAT):
        # the pipelines stopped the crawl: no report either, it would not be saved
        raise StoreFailure(
            config.store_path, str(stats[STORE_ERROR_STAT]), database=config.database_url
        )
    with Store(config.store_url) as store:
        finished = datetime.now(UTC)
        built = build_report(
            run_id=run_id,
            started=started,
            finished=finished,
            portals=portals,
            stats=stats,
            store=store,
            finish_reason=stats.get("finish_reason"),
            category=category,
        )
        report = built.to_dict()
        if stats.get(SIGNAL_STAT):
            report["signal"] = int(stats[SIGNAL_STAT])
        if job:
            report["job"] = job
        store.save_report(report)
        # an interrupted run's counters are partial too: it must not make a portal look better
        record_run(store, report, partial=category is not None or built.interrupted)
        view = configured_view(
            store, registry if registry is not None else Registry(), config, now=finished
        )
    path = write_report(report, config.reports_dir)
    logger.info("crawl report: %s", path)
    try:
        # every portal's latest state, not this run's portals only
        write_metrics(view or report, config.var_dir / "metrics" / "newsfeed.prom")
    except OSError as exc:  # monitoring output must not fail the crawl
        logger.warning("cannot write metrics: %s", exc)
    return report


def build_feeds(
    config: Config, registry: Registry | None = None, *, now: datetime | None = None
) -> list[Path]:
    """Write every feed, ``index.opml`` and ``index.html`` into ``config.feeds_dir``.

    Returns the files of the set (written or already up to date).
    """
    return build_feed_set(config, registry, now=now)[0]


def build_feed_set(
    config: Config, registry: Registry | None = None, *, now: datetime | None = None
) -> tuple[list[Path], BuildCounts]:
    """:func:`build_feeds`, also saying what the build did: feeds rendered and unchanged,
    files written and removed.

    Feed by feed, incrementally (:mod:`newsfeed.feeds.writer`): a feed whose articles and
    render inputs are unchanged since the last build is not even loaded; then
    ``status.html``, ``index.opml`` and ``index.html``, each written only when it changed;
    last, the files of feeds that are gone are removed and the manifest is recorded.
    """
    registry = registry or Registry()
    portals = list(registry)
    for stale in remove_stale_temps(config.feeds_dir):
        logger.info("removed %s, left by a build that was killed", stale)
    if config.watches:  # a bad [[watch]] fails before the store is opened
        known = {p.key: p for p in (*Registry(), *portals)}
        check_watches(config.watches, list(known.values()))
    now = now or datetime.now(UTC)
    writer = FeedWriter(config.feeds_dir, config.base_url, limit=config.item_limit)
    if (workers := default_workers()) > 1:
        pool = RenderPool(
            config.store_url,
            {p.key: p for p in portals},
            base=writer.base,
            limit=config.item_limit,
            workers=workers,
            cache_size=writer.cache.size,
        )
        writer.use_pool(pool)
    try:
        with Store(config.store_url) as store:
            # every portal's latest state, whatever run crawled it (not the latest report alone)
            view = configured_view(store, portals, config, now=now)
            health: dict[str, dict[str, Any]] = dict(view["portals"]) if view else {}
            today = now.astimezone(LOCAL_TZ).date()
            public = {
                key: entry
                for key, entry in health.items()
                if long_critical(
                    entry, now=now, runs=config.health_after_runs, hours=config.health_after_hours
                )
            }
            items = health_items(
                public,
                portals,
                base_url=config.base_url,
                day=today,
                # no portal answers: the machine's link failed, and the notice says so
                machine=unreachable_from_here(health) is not None,
            )
            key = build_key(
                store, portals, health=items, watches=config.watches, base_url=config.base_url
            )
            # nothing changed since the last build: its feeds, without reading the store's rows
            if not writer.replay(key):
                for plan in feed_plans(
                    store,
                    portals,
                    limit=config.item_limit,
                    base_url=config.base_url,
                    health=items,
                ):
                    writer.add(plan.spec, digest=plan.digest, load=plan.load, rows=plan.rows)
                for spec in watch_specs(
                    store,
                    config.watches,
                    portals,
                    limit=config.item_limit,
                    base_url=config.base_url,
                ):
                    writer.add(spec)
            written = writer.summaries()
            # before index.html, which links status.html only when it exists
            write_status_page(
                store, registry, config.feeds_dir, now=now, view=view, write=writer.write_page
            )
        writer.write_opml()
        write_site(
            config.feeds_dir,
            portals=portals,
            specs=[w.spec for w in written],
            health=health,
            limit=config.item_limit,
            summaries={w.spec.path: (w.latest, w.count) for w in written},
            write=writer.write_page,
        )
    except BaseException:
        writer.abort()  # worker processes too: nothing they had not committed is kept
        raise
    counts = writer.finish()
    logger.info(
        "feeds: %d rendered, %d unchanged, %d files written, %d removed",
        counts.rendered,
        counts.unchanged,
        len(counts.written),
        len(counts.removed),
    )
    return writer.files, counts
