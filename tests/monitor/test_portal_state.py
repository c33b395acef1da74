"""Each portal's latest state (newsfeed.monitor.state): what check, status.html, index.html and
the metrics read. A crawl of one portal, or of one category, never makes another look healthy;
a portal not crawled for long is stale; ``check`` stays short however many portals are down.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from newsfeed.monitor.checks import CRITICAL, OK, WARNING, check_line
from newsfeed.monitor.report import build_report, format_table
from newsfeed.monitor.state import current_view, record_run
from newsfeed.portals import Registry, portal_from_dict
from newsfeed.store.db import Store
from tests.conftest import cli_here, newsfeed_cli

pytestmark = pytest.mark.slow

T0 = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
CLOSED_PROXY = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


def _portal(key: str, *categories: str) -> Any:
    return portal_from_dict(
        {
            "key": key,
            "name": f"Cổng {key}",
            "province": key,
            "base_url": f"https://{key}.gov.vn",
            "platform": "liferay62",
            "categories": [
                {"key": c, "name": c, "url": f"https://{key}.gov.vn/{c}", "topic": "news"}
                for c in categories
            ],
        },
        source="test",
    )


A = _portal("a", "tin_tuc", "thong_bao")
B = _portal("b", "tin_tuc")


def _listed(key: str, *categories: str, n: int = 5) -> dict[str, int]:
    stats: dict[str, int] = {}
    for cat in categories:
        stats[f"newsfeed/{key}/category/{cat}/requested"] = 1
        stats[f"newsfeed/{key}/category/{cat}/listing_pages_fetched"] = 1
        stats[f"newsfeed/{key}/category/{cat}/articles_listed"] = n
    stats[f"newsfeed/{key}/listing_pages_fetched"] = len(categories)
    stats[f"newsfeed/{key}/articles_listed"] = n * len(categories)
    return stats


def _down(key: str, *categories: str, error: str = "DNSLookupError") -> dict[str, int]:
    stats = {f"newsfeed/{key}/category/{c}/requested": 1 for c in categories}
    stats[f"newsfeed/{key}/listing_errors"] = len(categories)
    stats[f"newsfeed/{key}/http_errors/{error}"] = len(categories)
    return stats


def _run(
    store: Store, stats: dict[str, int], when: datetime, *portals: Any, category: str | None = None
) -> dict[str, Any]:
    report = build_report(
        run_id=when.strftime("%Y%m%dT%H%M%SZ"),
        started=when,
        finished=when,
        portals=portals,
        stats=stats,
        store=store,
        category=category,
    ).to_dict()
    store.save_report(report)
    record_run(store, report, partial=category is not None)
    return report


def test_a_crawl_of_one_portal_leaves_the_others_as_they_were(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        _run(store, {**_down("a", "tin_tuc", "thong_bao"), **_down("b", "tin_tuc")}, T0, A, B)
        _run(store, _listed("b", "tin_tuc"), T0 + timedelta(minutes=30), B)
        view = current_view(store, [A, B], now=T0 + timedelta(hours=1))
    assert view is not None
    assert view["portals"]["a"]["status"] == CRITICAL, "a was not crawled: still down"
    assert view["portals"]["b"]["status"] == OK
    assert view["status"] == CRITICAL
    code, line = check_line(view, now=T0 + timedelta(hours=1))
    assert code == 2 and "a: no listing page could be fetched" in line


def test_a_category_crawl_is_not_reported_for_portals_without_it(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        report = _run(store, _listed("a", "thong_bao"), T0, A, B, category="thong_bao")
    assert list(report["portals"]) == ["a"], "b has no thong_bao: not crawled, not reported"
    assert report["category"] == "thong_bao"


def test_a_partial_crawl_updates_only_what_it_touched(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        _run(store, _down("a", "tin_tuc", "thong_bao"), T0, A)
        # one category answers again: the portal is no better than its latest full crawl
        later = T0 + timedelta(minutes=30)
        _run(store, _listed("a", "thong_bao"), later, A, category="thong_bao")
        view = current_view(store, [A], now=later)
        categories = {r.category: r for r in store.states() if r.portal == "a"}
    assert view is not None
    entry = view["portals"]["a"]
    assert entry["status"] == CRITICAL
    assert entry["finished"] == T0.isoformat(timespec="seconds"), "not fresher either"
    assert entry["categories"]["thong_bao"]["articles_listed"] == 5
    assert categories["thong_bao"].status == OK and categories["tin_tuc"].status == CRITICAL
    assert categories["thong_bao"].finished == later.isoformat(timespec="seconds")


def test_critical_runs_are_counted_and_reset(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        for n in range(3):
            _run(store, _down("a", "tin_tuc"), T0 + timedelta(minutes=30 * n), A)
        view = current_view(store, [A], now=T0 + timedelta(hours=1))
        assert view is not None
        assert view["portals"]["a"]["critical_runs"] == 3
        assert view["portals"]["a"]["critical_since"] == T0.isoformat(timespec="seconds")
        _run(store, _listed("a", "tin_tuc", "thong_bao"), T0 + timedelta(hours=2), A)
        view = current_view(store, [A], now=T0 + timedelta(hours=2))
    assert view is not None
    assert view["portals"]["a"]["critical_runs"] == 0
    assert view["portals"]["a"]["critical_since"] is None
    assert view["portals"]["a"]["last_success"] == (T0 + timedelta(hours=2)).isoformat()


def test_a_change_is_announced_with_what_the_portal_was_and_a_first_crawl_as_first(
    tmp_path: Path,
) -> None:
    from newsfeed.monitor.state import announce_changes

    def said(lines: list[str]) -> list[str]:
        return [line.split(":")[1].strip() for line in lines]

    with Store(tmp_path / "s.sqlite3") as store:
        _run(store, _listed("a", "tin_tuc", "thong_bao"), T0, A)
        assert announce_changes(store, ["a"]) == [], "first seen OK: nothing to say"
        # a crawl of one category, down: the portal's state is the one it had, made worse
        _run(store, _down("a", "thong_bao"), T0 + timedelta(minutes=30), A, category="thong_bao")
        assert said(announce_changes(store, ["a"])) == ["a is CRITICAL (was OK)"]
        # b never crawled before: it was not OK, it is new; a was announced already
        _run(store, _down("b", "tin_tuc"), T0 + timedelta(hours=1), B)
        assert said(announce_changes(store, ["a", "b"])) == ["b is CRITICAL (first crawl)"]
        # c crawled OK by a run that announced nothing (a fleet node's), then down here
        c = _portal("c", "tin_tuc")
        _run(store, _listed("c", "tin_tuc"), T0 + timedelta(hours=2), c)
        _run(store, _down("c", "tin_tuc"), T0 + timedelta(hours=3), c)
        assert said(announce_changes(store, ["c"])) == ["c is CRITICAL (was OK)"]


def test_a_machine_that_reaches_no_portal_says_so_once_not_once_per_portal(
    tmp_path: Path,
) -> None:
    from newsfeed.monitor.state import OFFLINE_MARK, announce_run

    dns = "CannotResolveHostError"  # what Scrapy records when no name resolves
    var = tmp_path / "var"
    with Store(tmp_path / "s.sqlite3") as store:

        def said(stats: dict[str, int], minutes: int, *portals: Any) -> list[str]:
            report = _run(store, stats, T0 + timedelta(minutes=minutes), *portals)
            return announce_run(store, report, var)

        assert (
            said({**_listed("a", "tin_tuc", "thong_bao"), **_listed("b", "tin_tuc")}, 0, A, B) == []
        )
        offline = {
            **_down("a", "tin_tuc", "thong_bao", error=dns),
            **_down("b", "tin_tuc", error=dns),
        }
        lines = said(offline, 30, A, B)
        assert len(lines) == 1 and lines[0].startswith(
            "newsfeed: no portal could be reached from this machine (2 of 2: "
            "CannotResolveHostError×3); is it online?"
        ), lines
        assert said(offline, 60, A, B) == [], "said once, not at every run"
        assert said(_down("a", "tin_tuc", error=dns), 90, A) == [], "one portal: still offline"
        assert (var / OFFLINE_MARK).exists()
        view = current_view(store, [A, B], now=T0 + timedelta(minutes=91))
        assert view is not None
        assert (
            format_table(view)
            .splitlines()[1]
            .startswith("CRITICAL no portal could be reached from this machine (2 of 2: ")
        ), "newsfeed report says it under its header"
        code, line = check_line(view, now=T0 + timedelta(minutes=91))
        assert code == 2 and line.startswith(
            "NEWSFEED CRITICAL - no portal could be reached from this machine (2 of 2: "
        ), line
        # back online: b's server answers, with errors; a works
        back = {**_listed("a", "tin_tuc", "thong_bao"), **_down("b", "tin_tuc", error="503")}
        again, b_down = said(back, 120, A, B)
        assert again == "newsfeed: the portals answer this machine again"
        # what was announced of each before the outage holds: a is no news, b is
        assert b_down.startswith("newsfeed: b is CRITICAL (was OK): unreachable: "), b_down
        assert not (var / OFFLINE_MARK).exists()
        view = current_view(store, [A, B], now=T0 + timedelta(minutes=121))
    code, line = check_line(view, now=T0 + timedelta(minutes=121))
    assert (
        code == 2 and "this machine" not in line and line.startswith("NEWSFEED CRITICAL - 1 of 2")
    )


@pytest.mark.parametrize("offline", [True, False], ids=["machine_offline", "portal_down"])
def test_the_public_notice_blames_the_link_only_when_no_portal_answers(
    tmp_path: Path, offline: bool
) -> None:
    from newsfeed.config import Config
    from newsfeed.items import Article
    from newsfeed.jobs import build_feed_set

    config = Config(var_dir=tmp_path / "var", feeds_dir=tmp_path / "feeds", health_after_runs=1)
    config.var_dir.mkdir()
    with Store(config.store_path) as store:
        url = "https://a.gov.vn/tin_tuc/1"
        store.upsert(
            Article(
                url=url,
                canonical_url=url,
                guid="tag:newsfeed,2025:a/1",
                portal="a",
                categories=("tin_tuc",),
                title="Tin một",
                published="2026-11-26T08:00:00+07:00",
                body_text="Nội dung tin một.",
                body_html="<p>Nội dung tin một.</p>",
            )
        )
        b = _listed("b", "tin_tuc") if not offline else _down("b", "tin_tuc", error="TunnelError")
        _run(store, {**_down("a", "tin_tuc", "thong_bao", error="TunnelError"), **b}, T0, A, B)
    build_feed_set(config, Registry([A, B]), now=T0 + timedelta(minutes=5))
    feed = (config.feeds_dir / "a" / "all.rss.xml").read_text(encoding="utf-8")
    assert "⚠ Nguồn tin gặp sự cố" in feed
    assert ("mất kết nối tới các cổng thông tin" in feed) is offline
    assert ("khi cổng hoạt động bình thường" in feed) is not offline


def test_a_portal_not_crawled_for_hours_is_stale(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        _run(store, _listed("a", "tin_tuc", "thong_bao"), T0, A)
        fresh = current_view(store, [A], now=T0 + timedelta(hours=5))
        warn = current_view(store, [A], now=T0 + timedelta(hours=7))
        crit = current_view(store, [A], now=T0 + timedelta(hours=25))
        shorter = current_view(
            store, [A], now=T0 + timedelta(hours=2), stale_after=timedelta(hours=1)
        )
    assert fresh and warn and crit and shorter
    assert fresh["portals"]["a"]["status"] == OK
    assert warn["portals"]["a"]["status"] == WARNING
    assert warn["portals"]["a"]["checks"][0]["name"] == "stale_crawl"
    assert "not crawled for 7.0 h" in warn["portals"]["a"]["checks"][0]["message"]
    assert crit["portals"]["a"]["status"] == CRITICAL
    assert shorter["portals"]["a"]["status"] == WARNING, "the setting is honoured"


def test_a_category_not_found_in_the_menu_is_a_warning_naming_labels_and_links(
    tmp_path: Path,
) -> None:
    portal = portal_from_dict(
        {
            "key": "c",
            "name": "Cổng c",
            "province": "c",
            "base_url": "https://c.gov.vn",
            "platform": "liferay62",
            "categories": [
                {
                    "key": "lanh_dao",
                    "name": "Hoạt động lãnh đạo",
                    "labels": ["Hoạt động lãnh đạo"],
                    "topic": "news",
                }
            ],
        },
        source="test",
    )
    stats = {
        "newsfeed/c/listing_pages_fetched": 0,
        "newsfeed/c/categories_undiscovered": 1,
        "newsfeed/c/category/lanh_dao/undiscovered": 1,
        "newsfeed/c/category/lanh_dao/labels_tried": ["Hoạt động lãnh đạo"],
        "newsfeed/c/menu_page": "https://c.gov.vn/",
        "newsfeed/c/menu_links": ["Trang chủ", "Giới thiệu", "Tin tức"],
    }
    with Store(tmp_path / "s.sqlite3") as store:
        report = _run(store, stats, T0, portal)
    entry = report["portals"]["c"]
    assert entry["categories_undiscovered"]["lanh_dao"]["menu_links"] == [
        "Trang chủ",
        "Giới thiệu",
        "Tin tức",
    ]
    (check,) = [c for c in entry["checks"] if c["name"] == "category_undiscovered"]
    assert check["status"] == WARNING
    assert "'Hoạt động lãnh đạo'" in check["message"]
    assert "'Trang chủ', 'Giới thiệu', 'Tin tức'" in check["message"]
    assert entry["status"] == WARNING


def _many_down(n: int) -> dict[str, Any]:
    checks = [
        {
            "name": "unreachable",
            "status": CRITICAL,
            "message": f"no listing page could be fetched (DNSLookupError×{1 + i % 3}); is the "
            "portal down or moved? open its base_url in a browser and fix the profile",
        }
        for i in range(n)
    ]
    portals = {
        f"portal_{i:02d}": {"status": CRITICAL, "articles_new": 0, "checks": [checks[i]]}
        for i in range(n)
    }
    portals["slow"] = {
        "status": WARNING,
        "checks": [{"name": "stale", "status": WARNING, "message": "newest article is old"}],
    }
    return {"finished": T0.isoformat(), "portals": portals, "totals": {}}


def test_check_stays_under_4_kb_with_worst_first_and_the_rest_counted() -> None:
    code, line = check_line(_many_down(39), now=T0)
    assert code == 2
    assert len(line.encode()) < 4096
    text = line.partition(" | ")[0]
    assert text.startswith("NEWSFEED CRITICAL - 40 of 40 portals at fault: portal_00, ")
    assert "and 33 more: no listing page" in text, "one finding shared by 39 portals"
    assert text.count("open its base_url") == 1, "the same advice once, not 39 times"
    assert text.index("portal_00") < text.index("slow: newest article is old"), "worst first"
    code, line = check_line(_many_down(39), now=T0, limit=400)
    assert len(line.encode()) <= 400 and "more findings" in line


def test_offline_run_then_a_bogus_category_crawl_leaves_everything_down(tmp_path: Path) -> None:
    """The sequence of issue 12: every portal unreachable (through a proxy on a closed
    loopback port: nothing leaves the machine), then a crawl with an unknown category and a
    partial crawl of one portal: check stays CRITICAL, status.html shows every portal down."""
    env = {**CLOSED_PROXY, "NEWSFEED_DOWNLOAD_DELAY": "0"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        run = newsfeed_cli("run", cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-3000:]
        # refused before any crawl: in this process
        bogus = cli_here("crawl", "hanoi", "--category", "nosuch", cwd=tmp_path)
        assert bogus.returncode == 2
        assert bogus.stderr.count("\n") == 1 and "unknown category 'nosuch'" in bogus.stderr
        partial = newsfeed_cli("crawl", "hanoi", "--category", "tin_tuc_su_kien", cwd=tmp_path)
        assert partial.returncode == 0, partial.stderr[-3000:]
        build = newsfeed_cli("build", cwd=tmp_path)
        assert build.returncode == 0, build.stderr[-3000:]
        check = newsfeed_cli("check", cwd=tmp_path)
        one = newsfeed_cli("check", "--portal", "hanoi", cwd=tmp_path)
        as_json = newsfeed_cli("check", "--json", cwd=tmp_path)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    total = len(list(Registry()))
    assert check.returncode == 2, check.stdout
    assert check.stdout.startswith(
        f"NEWSFEED CRITICAL - no portal could be reached from this machine ({total} of {total}: "
    )
    assert len(check.stdout.encode()) < 4096
    # one portal's service (Icinga) leads with the machine too: all 39 say why at once
    assert one.returncode == 2 and one.stdout.startswith(
        f"NEWSFEED CRITICAL - no portal could be reached from this machine ({total} of {total}: "
    ), one.stdout
    assert "hanoi: no listing page could be fetched" in one.stdout
    data = json.loads(as_json.stdout)
    assert data["status"] == CRITICAL and len(data["portals"]) == total
    assert {p["status"] for p in data["portals"].values()} == {CRITICAL}
    page = lxml_html.parse(str(tmp_path / "feeds" / "status.html")).getroot()
    cards = page.xpath("//section[contains(@class,'portal')]")
    assert len(cards) == total
    assert all("critical" in card.get("class") for card in cards)
    assert f"{total} nghiêm trọng / critical" in page.text_content()
    (machine,) = page.xpath("//header/p[@class='machine']")  # the operator's first lead
    assert machine.text_content().startswith("Máy thu thập không kết nối được cổng nào · no portal")
    index = lxml_html.parse(str(tmp_path / "feeds" / "index.html")).getroot()
    assert len(index.xpath("//p[contains(@class,'badge') and contains(@class,'critical')]")) == (
        total
    )


def test_the_spider_records_the_labels_tried_and_the_menu_links_seen() -> None:
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from newsfeed.crawl.spiders.portal import PortalSpider

    portal = portal_from_dict(
        {
            "key": "c",
            "name": "Cổng c",
            "province": "c",
            "base_url": "https://c.gov.vn",
            "platform": "liferay62",
            "categories": [
                {"key": "lanh_dao", "name": "Lãnh đạo", "labels": ["Hoạt động lãnh đạo"]}
                | {"topic": "news"}
            ],
        },
        source="test",
    )
    crawler = get_crawler(PortalSpider)
    spider = PortalSpider.from_crawler(crawler, portals=[portal])
    crawler.spider = spider
    crawler.stats.open_spider()  # type: ignore[union-attr]
    home = HtmlResponse(
        "https://c.gov.vn/",
        body="<nav><a href='/'>Trang chủ</a><a href='/gt'>Giới thiệu</a>"
        "<a href='/tt'>Tin tức</a></nav><p><a href='/x'>Một bài</a></p>".encode(),
        encoding="utf-8",
    )
    assert list(spider.parse_home(home, portal_key="c", categories=("lanh_dao",))) == []
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    assert stats["newsfeed/c/categories_undiscovered"] == 1
    assert stats["newsfeed/c/category/lanh_dao/labels_tried"] == ["Hoạt động lãnh đạo"]
    assert stats["newsfeed/c/menu_links"] == ["Trang chủ", "Giới thiệu", "Tin tức"]


def test_under_cron_a_machine_offline_mails_one_line_then_nothing(tmp_path: Path) -> None:
    """cron mails stdout and stderr: with no portal reachable (a proxy that refuses), the first
    run says so in one line for the machine, not one per portal, and prints nothing on stdout;
    the next run is silent; a portal's recovery is one line."""
    keys = ["hanoi", "ca_mau", "da_nang"]
    env = {**CLOSED_PROXY, "NEWSFEED_DOWNLOAD_DELAY": "0"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        first = newsfeed_cli("run", *keys, cwd=tmp_path)
        second = newsfeed_cli("run", *keys, cwd=tmp_path)
        summary = newsfeed_cli("crawl", "hanoi", "--summary", cwd=tmp_path)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert first.returncode == 0 and first.stdout == "", "done: exit 0, nothing on stdout"
    assert first.stderr.startswith(
        "newsfeed: no portal could be reached from this machine (3 of 3: "
        "DownloadConnectionRefusedError×"
    ), first.stderr
    assert len(first.stderr.splitlines()) == 1, first.stderr
    assert second.returncode == 0 and second.stdout == "" and second.stderr == ""
    assert summary.returncode == 0 and "hanoi" in summary.stdout and summary.stderr == ""
    with Store(tmp_path / "var" / "newsfeed.sqlite3") as store:
        from newsfeed.monitor.state import announce_changes

        store.save_state(
            next(r for r in store.states() if r.portal == "hanoi" and not r.category).__class__(
                portal="hanoi",
                run_id="later",
                finished=datetime.now(UTC).isoformat(),
                status=OK,
                data={"status": OK, "checks": []},
                announced=CRITICAL,
            )
        )
        assert announce_changes(store, ["hanoi"]) == [
            "newsfeed: hanoi recovered: OK (was CRITICAL)"
        ]
        assert announce_changes(store, ["hanoi"]) == []
