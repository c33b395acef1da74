"""The Prometheus textfile: what node_exporter's textfile collector reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from newsfeed.monitor.metrics import write_metrics

REPORT: dict[str, Any] = {
    "schema": 1,
    "run_id": "20261127T073000Z",
    "started": "2026-11-27T07:30:00+00:00",
    "finished": "2026-11-27T07:31:00+00:00",
    "status": "critical",
    "portals": {
        "ca_mau": {
            "status": "critical",
            "listing_pages_fetched": 4,
            "article_pages_fetched": 40,
            "articles_listed": 40,
            "articles_new": 0,
            "articles_updated": 0,
            "articles_unchanged": 0,
            "articles_duplicate": 0,
            "articles_dropped": {"no_title": 40},
            "http_errors": {"404": 2, "TimeoutError": 1},
            "fields_missing": {"title": 40, "body_text": 40},
            "soft_errors": {},
            "faults": {"too_large": 3, "encoding_repaired": 1},
            "newest_published": "2026-11-26T16:30:00+07:00",
            "last_success": "2026-11-27T07:01:00+00:00",
            "checks": [
                {"name": "missing_title", "status": "critical", "message": "layout changed?"}
            ],
        },
        "can_tho": {
            "status": "ok",
            "listing_pages_fetched": 2,
            "article_pages_fetched": 5,
            "articles_listed": 30,
            "articles_new": 5,
            "articles_updated": 1,
            "articles_unchanged": 0,
            "articles_duplicate": 0,
            "articles_dropped": {},
            "http_errors": {},
            "fields_missing": {},
            "newest_published": None,
            "last_success": "2026-11-27T07:31:00+00:00",
            "checks": [],
        },
    },
    "totals": {},
}


def samples(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = path.read_text(encoding="utf-8")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_per_portal(tmp_path: Path) -> None:
    path = write_metrics(REPORT, tmp_path / "metrics" / "newsfeed.prom")
    got = samples(path)
    assert got[("newsfeed_run_articles", (("outcome", "new"), ("portal", "can_tho")))] == 5
    assert got[("newsfeed_run_articles", (("outcome", "updated"), ("portal", "can_tho")))] == 1
    assert got[("newsfeed_run_listing_pages", (("portal", "ca_mau"),))] == 4
    errors = (("portal", "ca_mau"), ("status", "TimeoutError"))
    assert got[("newsfeed_run_http_errors", errors)] == 1
    missing = (("field", "title"), ("portal", "ca_mau"))
    assert got[("newsfeed_run_fields_missing", missing)] == 40
    assert got[("newsfeed_run_faults", (("fault", "too_large"), ("portal", "ca_mau")))] == 3
    assert got[("newsfeed_check_status", (("portal", "ca_mau"),))] == 2
    assert got[("newsfeed_check_status", (("portal", "can_tho"),))] == 0
    check = (("check", "missing_title"), ("portal", "ca_mau"), ("status", "critical"))
    assert got[("newsfeed_check", check)] == 1
    success = got[("newsfeed_last_success_timestamp_seconds", (("portal", "ca_mau"),))]
    assert success == datetime(2026, 11, 27, 7, 1, tzinfo=UTC).timestamp()
    newest = got[("newsfeed_newest_published_timestamp_seconds", (("portal", "ca_mau"),))]
    assert newest == datetime(2026, 11, 26, 9, 30, tzinfo=UTC).timestamp()
    assert ("newsfeed_newest_published_timestamp_seconds", (("portal", "can_tho"),)) not in got
    finished = got[("newsfeed_report_timestamp_seconds", ())]
    assert finished == datetime(2026, 11, 27, 7, 31, tzinfo=UTC).timestamp()


def test_a_machine_that_reaches_no_portal_is_one_metric(tmp_path: Path) -> None:
    down = {
        "status": "critical",
        "http_errors": {"CannotResolveHostError": 2},
        "checks": [{"name": "unreachable", "status": "critical", "message": "no listing page"}],
    }
    offline = write_metrics({**REPORT, "portals": {"a": down, "b": down}}, tmp_path / "a.prom")
    assert samples(offline)[("newsfeed_no_portal_reachable", ())] == 1
    # ca_mau answered (with a broken layout): the machine reaches the portals
    assert (
        samples(write_metrics(REPORT, tmp_path / "b.prom"))[("newsfeed_no_portal_reachable", ())]
        == 0
    )


def test_metrics_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "newsfeed.prom"
    path.write_text("# an older file\n", encoding="utf-8")
    write_metrics(REPORT, path)
    write_metrics({**REPORT, "portals": {}}, path)
    assert [p.name for p in tmp_path.iterdir()] == ["newsfeed.prom"], "no temporary file left"
    got = samples(path)
    assert not any(name == "newsfeed_check_status" for name, _ in got)
    assert ("newsfeed_report_timestamp_seconds", ()) in got
