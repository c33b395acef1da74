"""The crawl report (DESIGN.md §5) from stats and store history, and ``newsfeed check`` end to
end against the demo portal: OK after a good crawl, CRITICAL after its article markup changed."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsfeed.config import Config
from newsfeed.demo import DEMO_PORTAL_KEY, demo_profile_data
from newsfeed.items import Article
from newsfeed.jobs import new_run_id
from newsfeed.monitor.report import build_report, format_table, write_report
from newsfeed.portals import Portal, portal_from_dict
from newsfeed.store.db import Store
from tests.conftest import REPO, newsfeed_cli
from tests.servers import serve_demo

STARTED = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
FINISHED = STARTED + timedelta(minutes=1)
PORTAL_KEYS = {
    "status",
    "categories",
    "listing_pages_fetched",
    "article_pages_fetched",
    "articles_listed",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "articles_duplicate",
    "articles_dropped",
    "http_errors",
    "fields_missing",
    "newest_published",
    "checks",
}


def demo_portal() -> Portal:
    return portal_from_dict(demo_profile_data("http://127.0.0.1:9"), source="test")


def stats(**counters: int) -> dict[str, int]:
    """Scrapy stats of a demo crawl: both categories listed, ``counters`` on top."""
    values = {
        "category/hoat_dong_lanh_dao/requested": 1,
        "category/hoat_dong_lanh_dao/listing_pages_fetched": 1,
        "category/hoat_dong_lanh_dao/articles_listed": 6,
        "category/tin_tuc_su_kien/requested": 1,
        "category/tin_tuc_su_kien/listing_pages_fetched": 1,
        "category/tin_tuc_su_kien/articles_listed": 6,
        "listing_pages_fetched": 2,
        "articles_listed": 12,
        "article_pages_fetched": 11,
        "articles_new": 11,
        "fields_missing/author": 1,
        **counters,
    }
    return {f"newsfeed/{DEMO_PORTAL_KEY}/{k}": v for k, v in values.items()}


def make_report(store: Store | None, raw: dict[str, int], run_id: str = "r2") -> dict[str, Any]:
    return build_report(
        run_id=run_id,
        started=STARTED,
        finished=FINISHED,
        portals=[demo_portal()],
        stats=raw,
        store=store,
    ).to_dict()


def test_report_follows_the_contract() -> None:
    report = make_report(None, stats(**{"http_errors/404": 2}))
    assert {"schema", "run_id", "started", "finished", "status", "portals", "totals"} <= set(report)
    assert report["schema"] == 1 and report["status"] == "ok"
    assert report["finished"] == "2026-11-27T07:31:00+00:00"
    demo = report["portals"][DEMO_PORTAL_KEY]
    assert set(demo) >= PORTAL_KEYS
    assert demo["categories"]["tin_tuc_su_kien"] == {
        "listing_pages_fetched": 1,
        "listing_pages_not_modified": 0,
        "articles_listed": 6,
    }
    assert demo["http_errors"] == {"404": 2} and demo["fields_missing"] == {"author": 1}
    assert demo["checks"] == [] and demo["last_success"] == report["finished"]
    assert report["totals"]["articles_new"] == 11
    assert report["totals"]["http_errors"] == {"404": 2}
    json.dumps(report)  # serializable as is


def test_history_turns_an_empty_listing_critical(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.save_report(make_report(store, stats(), run_id="r1"))
        empty = stats(
            **{
                "category/tin_tuc_su_kien/articles_listed": 0,
                "articles_listed": 6,
                "articles_new": 0,
                "article_pages_fetched": 0,
            }
        )
        report = make_report(store, empty)
    demo = report["portals"][DEMO_PORTAL_KEY]
    assert report["status"] == "critical"
    assert [(c["name"], c["status"]) for c in demo["checks"]] == [("nothing_listed", "critical")]
    assert "tin_tuc_su_kien" in demo["checks"][0]["message"]
    assert demo["last_success"] == FINISHED.isoformat(), "r1 finished at the same fake time"


def test_a_category_that_never_listed_is_only_a_warning(tmp_path: Path) -> None:
    empty = stats(**{"category/tin_tuc_su_kien/articles_listed": 0})
    assert make_report(None, empty)["status"] == "critical", "no history: nothing to compare"
    with Store(tmp_path / "s.sqlite3") as store:
        store.save_report(make_report(store, empty, run_id="r1"))
        report = make_report(store, empty)
    (check,) = report["portals"][DEMO_PORTAL_KEY]["checks"]
    assert (check["name"], check["status"]) == ("nothing_listed", "warning")


def test_store_history_feeds_the_date_checks(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        for n in range(6):
            store.upsert(
                Article(
                    url=f"https://demo.gov.vn/a/{n}",
                    canonical_url=f"https://demo.gov.vn/a/{n}",
                    guid=f"tag:newsfeed,2025:demo/{n}",
                    portal=DEMO_PORTAL_KEY,
                    title=f"Tin {n}",
                    published="2026-11-27T14:37:00+07:00",
                    body_text="Nội dung.",
                ),
                now=STARTED + timedelta(seconds=n),
            )
        report = make_report(store, stats(articles_new=6))
    demo = report["portals"][DEMO_PORTAL_KEY]
    assert [c["name"] for c in demo["checks"]] == ["same_timestamp"]
    assert demo["newest_published"] == "2026-11-27T14:37:00+07:00"


def test_last_success_survives_a_critical_run(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.save_report(make_report(store, stats(), run_id="r1"))
        broken = stats(**{"fields_missing/title": 11, "articles_dropped/no_title": 11})
        broken[f"newsfeed/{DEMO_PORTAL_KEY}/articles_new"] = 0
        report = make_report(store, broken)
    demo = report["portals"][DEMO_PORTAL_KEY]
    assert demo["status"] == "critical"
    assert demo["last_success"] == "2026-11-27T07:31:00+00:00"


def test_format_table_shows_counts_and_checks() -> None:
    broken = stats(**{"fields_missing/title": 11, "articles_dropped/no_title": 11})
    broken[f"newsfeed/{DEMO_PORTAL_KEY}/articles_new"] = 0
    table = format_table(make_report(None, broken))
    lines = table.splitlines()
    assert lines[0].endswith("status CRITICAL")
    assert lines[1].split()[:4] == ["portal", "status", "pages", "listed"]
    assert lines[2].split()[:4] == ["demo", "CRITICAL", "2", "12"]
    assert "articles_dropped no_title×11" in table
    assert "CRITICAL missing_title: 0 of 11 articles had a title (layout changed?)" in table


def test_write_report_is_atomic_json(tmp_path: Path) -> None:
    report = make_report(None, stats())
    path = write_report(report, tmp_path / "reports")
    assert path.name == "r2.json"
    assert json.loads(path.read_text(encoding="utf-8")) == report
    assert [p.name for p in path.parent.iterdir()] == ["r2.json"]


# -- end to end: the demo portal, crawled in this process -------------------------------------


def crawl_demo(
    reactor_thread: Any, cwd: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """What ``newsfeed demo`` does (its own store under ``var/demo``, then the feeds), with the
    demo portal served from ``site``, in this process; returns the crawl report."""
    from newsfeed.demo import server
    from newsfeed.jobs import build_feeds
    from newsfeed.portals import Registry
    from tests.crawling import crawl_here

    monkeypatch.setattr(server, "SITE_DIR", site.resolve())
    config = Config(var_dir=cwd / "var" / "demo", feeds_dir=cwd / "feeds", database_url="")
    with serve_demo() as base_url:
        portal = portal_from_dict(demo_profile_data(base_url), source="demo profile")
        report = crawl_here(reactor_thread, [portal], config).report
    build_feeds(config, Registry([portal]))
    return report


# The markup of article pages after a redesign: every class the Liferay adapter reads is renamed.
_RENAMES = {
    "asset-full-content-title": "tieu-de",
    "header-title": "tieu-de",
    "asset-title": "tieu-de",
    "assetPublishDate": "ngay-dang",
    "journal-content-article": "noi-dung",
    "portlet-asset-publisher": "cong-tin",
    "p_p_id_101": "p_p_id_999",
}


def test_check_is_ok_after_a_good_crawl_and_warns_of_drift_after_the_markup_changed(
    reactor_thread: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good"
    good.mkdir()
    crawled = crawl_demo(reactor_thread, good, REPO / "newsfeed" / "demo" / "site", monkeypatch)
    assert crawled["status"] != "critical", crawled  # `newsfeed demo` exits 0
    ok = newsfeed_cli("--var-dir", "var/demo", "check", cwd=good)
    print(ok.stdout)
    assert ok.returncode == 0, ok.stdout
    assert ok.stdout.startswith("NEWSFEED OK - 1 portal ok, 11 new articles | articles_new=11;")

    site = tmp_path / "site"
    shutil.copytree(REPO / "newsfeed" / "demo" / "site", site)
    for page in (site / "articles").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        for old, new in _RENAMES.items():
            html = html.replace(old, new)
        page.write_text(html, encoding="utf-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    crawled = crawl_demo(reactor_thread, broken, site, monkeypatch)
    # the platform's selectors miss title, date and body now; the generic extractor saves
    # every article, and the drift is a warning that says which fields it had to fill
    assert crawled["status"] != "critical", crawled  # `newsfeed demo` exits 0
    drifting = newsfeed_cli("--var-dir", "var/demo", "check", cwd=broken)
    assert drifting.returncode == 1, drifting.stdout
    assert drifting.stdout.startswith("NEWSFEED WARNING - "), drifting.stdout
    assert "articles took fields from the generic fallback" in drifting.stdout
    report = json.loads(
        newsfeed_cli("--var-dir", "var/demo", "report", "--json", cwd=broken).stdout
    )
    demo = report["portals"]["demo"]
    assert demo["articles_listed"] == 12 and demo["articles_new"] == 11
    assert {c["name"] for c in demo["checks"]} == {"selectors_drifting"}
    assert demo["fields_from_fallback"]["title"] == 11
    assert demo["fields_from_fallback"]["body_text"] == 11
    assert demo["fields_missing"].get("title", 0) == 0


def test_runs_started_in_the_same_millisecond_get_their_own_report_ids() -> None:
    # four crawls into one PostgreSQL store started together: a shared id let one report
    # replace another (INSERT OR REPLACE by run_id)
    started = datetime(2026, 12, 3, 19, 48, 34, 123456, tzinfo=UTC)
    ids = {new_run_id(started) for _ in range(50)}
    assert len(ids) == 50
    assert all(i.startswith("20261203T194834123Z-") for i in ids)
    assert new_run_id(started) < new_run_id(started.replace(microsecond=124000))
