"""Run one crawl in this process: portals -> store, then the crawl report.

Scrapy's reactor cannot be restarted, so one process runs one crawl; the CLI is that process.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from newsfeed import settings as default_settings
from newsfeed.config import Config
from newsfeed.portals import Portal, Registry
from newsfeed.report import build_report, write_report
from newsfeed.spiders.portal import PortalSpider
from newsfeed.store import Store

logger = logging.getLogger(__name__)

RECORDER_MIDDLEWARE = "newsfeed.warc.WarcRecorderMiddleware"
REPLAY_HANDLER = "newsfeed.warc.WarcReplayDownloadHandler"


def crawl_settings(
    config: Config,
    *,
    replay: Path | None = None,
    record: Path | None = None,
    local: bool = False,
    extra: dict[str, Any] | None = None,
) -> Settings:
    """Scrapy settings for one run; ``local`` drops politeness delays for loopback/replay."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("NEWSFEED_STORE", str(config.store_path), priority="cmdline")
    settings.set("LOG_LEVEL", config.log_level, priority="cmdline")
    if replay is not None or local:
        settings.setdict(default_settings.LOCAL_OVERRIDES, priority="cmdline")
    if replay is not None:
        settings.set("NEWSFEED_REPLAY", str(replay), priority="cmdline")
        settings.set(
            "DOWNLOAD_HANDLERS", {"http": REPLAY_HANDLER, "https": REPLAY_HANDLER}, "cmdline"
        )
    if record is not None:
        from newsfeed.warc import RECORDER_PRIORITY

        settings.set("NEWSFEED_RECORD", str(record), priority="cmdline")
        settings.set("DOWNLOADER_MIDDLEWARES", {RECORDER_MIDDLEWARE: RECORDER_PRIORITY}, "cmdline")
    if extra:
        settings.setdict(extra, priority="cmdline")
    return settings


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
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    config.var_dir.mkdir(parents=True, exist_ok=True)
    Store(config.store_path).close()  # create the schema before concurrent writers
    settings = crawl_settings(
        config, replay=replay, record=record, local=local, extra=extra_settings
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler, portals=list(portals), category=category, registry=registry)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    with Store(config.store_path) as store:
        report = build_report(
            run_id=run_id,
            started=started,
            finished=datetime.now(UTC),
            portals=portals,
            stats=stats,
            store=store,
        )
        store.save_report(report)
    path = write_report(report, config.reports_dir)
    logger.info("crawl report: %s", path)
    return report
