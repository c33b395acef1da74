"""The crawl's counters (newsfeed.crawl.stats) as the report reads them, and the Report object.

What the spider and the pipelines bump through :func:`stat` / :func:`category_stat` must be
what the report (schema 1) shows; an interrupted run is a warning even with no portal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsfeed.crawl.stats import CategoryCounter, Counter, category_stat, stat
from newsfeed.demo import DEMO_PORTAL_KEY, demo_profile_data
from newsfeed.monitor.report import SCHEMA, build_report
from newsfeed.portals import portal_from_dict

STARTED = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
PORTAL = portal_from_dict(demo_profile_data("http://127.0.0.1:9"), source="test")
CATEGORY = PORTAL.categories[0].key


def test_what_the_crawl_counts_is_what_the_report_shows() -> None:
    key = DEMO_PORTAL_KEY
    raw = {
        category_stat(key, CATEGORY, CategoryCounter.REQUESTED): 1,
        category_stat(key, CATEGORY, CategoryCounter.LISTING_PAGES_FETCHED): 2,
        category_stat(key, CATEGORY, CategoryCounter.ARTICLES_LISTED): 7,
        stat(key, Counter.LISTING_PAGES_FETCHED): 2,
        stat(key, Counter.ARTICLES_LISTED): 7,
        stat(key, Counter.ARTICLE_PAGES_FETCHED): 7,
        stat(key, Counter.ARTICLES_NEW): 5,
        stat(key, Counter.ARTICLES_DROPPED, "no_title"): 1,
        stat(key, Counter.HTTP_ERRORS, "404"): 1,
        stat(key, Counter.FIELDS_MISSING, "author"): 3,
        stat(key, Counter.SOFT_ERRORS, "maintenance"): 1,
        stat("other_portal", Counter.ARTICLES_NEW): 99,
    }
    report = build_report(
        run_id="r1",
        started=STARTED,
        finished=STARTED + timedelta(minutes=1),
        portals=[PORTAL],
        stats=raw,
    ).to_dict()
    entry = report["portals"][key]
    assert entry["categories"] == {
        CATEGORY: {
            "listing_pages_fetched": 2,
            "listing_pages_not_modified": 0,
            "articles_listed": 7,
        }
    }
    assert entry["articles_new"] == 5 and report["totals"]["articles_new"] == 5
    assert entry["articles_dropped"] == {"no_title": 1}
    assert entry["http_errors"] == {"404": 1}
    assert entry["fields_missing"] == {"author": 3}
    assert entry["soft_errors"] == {"maintenance": 1}
    assert report["schema"] == SCHEMA == 1
    assert report["interrupted"] is False and report["finish_reason"] is None


def test_an_interrupted_run_is_a_warning_even_without_portals() -> None:
    report = build_report(
        run_id="r2",
        started=STARTED,
        finished=STARTED,
        portals=[],
        stats={},
        finish_reason="shutdown",
    )
    assert report.interrupted
    data = report.to_dict()
    assert data["status"] == "warning" and data["interrupted"] is True
    assert data["finish_reason"] == "shutdown"
    assert list(data) == [
        "schema",
        "run_id",
        "started",
        "finished",
        "status",
        "portals",
        "totals",
        "interrupted",
        "finish_reason",
    ]
