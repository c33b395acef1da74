"""Every check fires on the breakage it is for and stays quiet on a normal run.

Time is passed in (``now``), never read from the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from newsfeed.extraction.pages import classify_page, shares_one_timestamp
from newsfeed.feeds.health import health_entry
from newsfeed.monitor.checks import (
    CRITICAL,
    OK,
    WARNING,
    Check,
    PortalRun,
    cadence_threshold,
    check_cadence,
    check_category_failed,
    check_dates,
    check_fields_missing,
    check_http_errors,
    check_line,
    check_nothing_listed,
    check_soft_errors,
    check_unreachable,
    is_rest_day,
    run_checks,
    unreachable_from_here,
    working_days_between,
)
from newsfeed.timezone import LOCAL_TZ

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # a Friday, 15:00 in Vietnam


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def entry(**changes: Any) -> dict[str, Any]:
    """A portal's report object after a normal run: 2 categories, 20 articles, all fine."""
    base: dict[str, Any] = {
        "listing_pages_fetched": 2,
        "article_pages_fetched": 20,
        "articles_listed": 40,
        "articles_new": 20,
        "articles_updated": 0,
        "articles_unchanged": 0,
        "articles_duplicate": 0,
        "categories": {
            "tin_tuc": {"listing_pages_fetched": 1, "articles_listed": 20},
            "lanh_dao": {"listing_pages_fetched": 1, "articles_listed": 20},
        },
        "articles_dropped": {},
        "http_errors": {},
        "fields_missing": {},
        "soft_errors": {},
        "newest_published": "2026-11-27T09:00:00+07:00",
    }
    base.update(changes)
    return base


STATS = {
    "category/tin_tuc/requested": 1,
    "category/tin_tuc/listing_pages_fetched": 1,
    "category/lanh_dao/requested": 1,
    "category/lanh_dao/listing_pages_fetched": 1,
}


def run(
    e: Mapping[str, Any] | None = None,
    stats: Mapping[str, Any] | None = None,
    **changes: Any,
) -> PortalRun:
    return PortalRun(
        key="tinh_demo",
        entry=e if e is not None else entry(),
        stats={**STATS, **(stats or {})},
        now=changes.pop("now", NOW),
        **changes,
    )


def names(checks: Sequence[Check]) -> list[tuple[str, str]]:
    return [(c.name, c.status) for c in checks]


def test_a_normal_run_has_no_findings() -> None:
    assert run_checks(run()) == []


# -- unreachable / category failed -------------------------------------------------------------


def test_unreachable_fires_when_no_listing_page_came() -> None:
    e = entry(listing_pages_fetched=0, article_pages_fetched=0, articles_listed=0, articles_new=0)
    e["http_errors"] = {"DNSLookupError": 2}
    found = check_unreachable(run(e, {"listing_errors": 2}))
    assert names(found) == [("unreachable", CRITICAL)]
    assert "DNSLookupError×2" in found[0].message and "moved?" in found[0].message


def test_unreachable_names_robots_txt_when_it_refused_everything() -> None:
    e = entry(listing_pages_fetched=0, article_pages_fetched=0, articles_listed=0, articles_new=0)
    e["http_errors"] = {"IgnoreRequest": 2}
    (found,) = check_unreachable(run(e, {"listing_errors": 2}))
    assert "robots.txt" in found.message


def test_unreachable_is_quiet_when_listing_pages_came() -> None:
    assert check_unreachable(run(stats={"listing_errors": 1})) == []


def test_category_failed_fires_for_a_category_whose_listing_failed() -> None:
    stats = {**STATS, "category/lanh_dao/listing_pages_fetched": 0, "listing_errors": 1}
    found = check_category_failed(run(stats=stats))
    assert names(found) == [("category_failed", WARNING)]
    assert "lanh_dao" in found[0].message and "tin_tuc" not in found[0].message


def test_category_failed_is_quiet_when_every_category_answered() -> None:
    assert check_category_failed(run()) == []


def test_not_modified_listings_are_answers_not_failures() -> None:
    """Conditional requests: a 304 listing lists nothing, and that is fine."""
    e = entry(listing_pages_fetched=0, article_pages_fetched=0, articles_listed=0, articles_new=0)
    e["categories"] = {
        "tin_tuc": {"listing_pages_fetched": 0, "articles_listed": 0},
        "lanh_dao": {"listing_pages_fetched": 0, "articles_listed": 0},
    }
    stats = {
        "category/tin_tuc/listing_pages_fetched": 0,
        "category/lanh_dao/listing_pages_fetched": 0,
        "category/tin_tuc/listing_pages_not_modified": 1,
        "category/lanh_dao/listing_pages_not_modified": 1,
        "listing_pages_not_modified": 2,
    }
    assert run_checks(run(e, stats, previous=[entry()])) == []


# -- nothing listed ----------------------------------------------------------------------------


def _empty_category() -> dict[str, Any]:
    e = entry(articles_listed=20)
    e["categories"] = {
        "tin_tuc": {"listing_pages_fetched": 1, "articles_listed": 20},
        "lanh_dao": {"listing_pages_fetched": 1, "articles_listed": 0},
    }
    return e


def test_nothing_listed_is_critical_where_the_category_used_to_list() -> None:
    previous = [entry(), entry()]
    found = check_nothing_listed(run(_empty_category(), previous=previous))
    assert names(found) == [("nothing_listed", CRITICAL)]
    assert "lanh_dao" in found[0].message and "layout changed?" in found[0].message


def test_nothing_listed_is_a_warning_where_the_category_never_listed() -> None:
    previous = [_empty_category()]
    found = check_nothing_listed(run(_empty_category(), previous=previous))
    assert names(found) == [("nothing_listed", WARNING)]
    assert "category url" in found[0].message


def test_nothing_listed_is_a_warning_when_the_portal_said_maintenance() -> None:
    found = check_nothing_listed(
        run(_empty_category(), {"soft_errors/maintenance": 1}, previous=[entry()])
    )
    assert names(found) == [("nothing_listed", WARNING)]
    assert "maintenance×1" in found[0].message


def test_nothing_listed_is_quiet_when_every_category_lists() -> None:
    assert check_nothing_listed(run(previous=[entry()])) == []


# -- required fields ---------------------------------------------------------------------------


def test_missing_fields_are_critical_when_the_layout_changed() -> None:
    e = entry(articles_new=0)
    e["articles_dropped"] = {"no_title": 11}
    e["fields_missing"] = {"title": 11, "body_text": 11, "images": 11}
    found = check_fields_missing(run(e))
    assert names(found) == [("missing_title", CRITICAL), ("missing_body_text", CRITICAL)]
    assert found[0].message.startswith("0 of 11 articles had a title (layout changed?)")
    assert "newsfeed extract URL" in found[0].message


def test_missing_fields_is_quiet_for_a_few_articles_without_a_date() -> None:
    e = entry()
    e["fields_missing"] = {"published": 2, "author": 20, "images": 20}
    assert check_fields_missing(run(e)) == []


def test_missing_fields_in_a_tiny_sample_is_only_a_warning() -> None:
    e = entry(articles_new=2)
    e["fields_missing"] = {"published": 2}
    assert names(check_fields_missing(run(e))) == [("missing_published", WARNING)]


# -- HTTP errors -------------------------------------------------------------------------------


def test_http_errors_fire_above_a_share_of_requests() -> None:
    e = entry(article_pages_fetched=10, articles_new=4)
    e["http_errors"] = {"503": 6}
    found = check_http_errors(run(e))
    assert names(found) == [("http_errors", WARNING)]
    assert found[0].message.startswith("6 of 12 requests failed (503×6)")
    assert "5xx" in found[0].message


# Scrapy's name, which the crawl records (tests/crawl/test_faults.py), and Twisted's
@pytest.mark.parametrize("timeout", ["DownloadTimeoutError", "TimeoutError"])
def test_http_errors_are_critical_when_most_requests_fail(timeout: str) -> None:
    e = entry(article_pages_fetched=10, articles_new=0)
    e["http_errors"] = {timeout: 9}
    (found,) = check_http_errors(run(e))
    assert found.status == CRITICAL and "slow" in found.message


def test_http_errors_explain_robots_refusals() -> None:
    e = entry(article_pages_fetched=10, articles_new=5)
    e["http_errors"] = {"IgnoreRequest": 5}
    (found,) = check_http_errors(run(e))
    assert "robots.txt" in found.message


def test_gone_article_pages_are_not_faults() -> None:
    e = entry(article_pages_fetched=20, articles_new=5)
    e["http_errors"] = {"404": 12, "410": 3}
    assert check_http_errors(run(e)) == []


def test_a_listing_page_that_is_gone_is_a_fault() -> None:
    e = entry(listing_pages_fetched=1, article_pages_fetched=1, articles_new=1)
    e["http_errors"] = {"404": 1}
    found = check_http_errors(run(e, {"listing_errors": 1}))
    assert names(found) == [("http_errors", WARNING)]
    assert found[0].message.startswith("1 of 3 requests failed")


def test_listing_errors_by_name_are_counted_exactly() -> None:
    e = entry(listing_pages_fetched=2, article_pages_fetched=4, articles_new=2)
    e["http_errors"] = {"404": 3}
    stats = {"listing_errors": 2, "listing_errors/404": 2}
    (found,) = check_http_errors(run(e, stats))
    assert found.message.startswith("2 of 8 requests failed")


# -- soft errors (200 pages that are not) ------------------------------------------------------


def test_captcha_pages_are_critical() -> None:
    found = check_soft_errors(run(stats={"soft_errors/captcha": 3}))
    assert names(found) == [("soft_errors", CRITICAL)]
    assert "captcha" in found[0].message and "webmaster" in found[0].message


def test_maintenance_pages_are_a_warning() -> None:
    found = check_soft_errors(run(stats={"soft_errors/maintenance": 2}))
    assert names(found) == [("soft_errors", WARNING)]
    assert "maintenance×2" in found[0].message


def test_soft_errors_are_quiet_without_any() -> None:
    assert check_soft_errors(run()) == []


ARTICLE_TEXT = (
    "<html><head><title>Bảo trì tuyến đường tỉnh 12</title></head><body>"
    + "<p>Sở Giao thông vận tải cho biết công tác bảo trì tuyến đường tạm ngừng trong "
    "mùa mưa; người dân có thể gửi ý kiến qua biểu mẫu có mã captcha.</p>" * 20 + "</body></html>"
)


@pytest.mark.parametrize(
    ("text", "title", "kind"),
    [
        ("<h1>Website đang bảo trì</h1><p>Xin quay lại sau.</p>", None, "maintenance"),
        ("<p>Hệ thống đang nâng cấp, vui lòng quay lại sau</p>", "Cổng TTĐT", "maintenance"),
        ("<p>Xin lỗi</p>", "Trang đang bảo trì", "maintenance"),
        ("<p>Cổng thông tin tạm ngừng hoạt động để nâng cấp.</p>", None, "maintenance"),
        ("<h1>We are down for maintenance</h1>", None, "maintenance"),
        ("<p>Vui lòng nhập mã captcha để tiếp tục</p>", None, "captcha"),
        (
            '<div id="cf-wrapper"><script src="/cdn-cgi/challenge-platform/h/b/orchestrate">'
            "</script></div>",
            "Just a moment...",
            "captcha",
        ),
        ("<h1>Access denied</h1><p>You don't have permission.</p>", "Access denied", "captcha"),
        ("<h1>Service Unavailable</h1><p>HTTP Error 503.</p>", None, "error"),
        ("<h1>404 Not Found</h1><hr>nginx", "404 Not Found", "error"),
        ("<h2>Server Error in '/' Application.</h2>" + "<p>stack</p>" * 400, None, "error"),
        ("<h3>Không tìm thấy trang yêu cầu</h3>", "Cổng TTĐT tỉnh", "error"),
    ],
)
def test_classify_page_recognizes_stub_pages(text: str, title: str | None, kind: str) -> None:
    assert classify_page(text, title) == kind


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (ARTICLE_TEXT, "Tuyến đường tỉnh 12 được nâng cấp"),
        ("<p>" + "Tin tức hoạt động của UBND tỉnh. " * 100 + "</p>", "Tin tức"),
        ("", None),
    ],
)
def test_classify_page_leaves_real_pages_alone(text: str, title: str | None) -> None:
    assert classify_page(text, title) is None


# -- dates -------------------------------------------------------------------------------------


def test_future_dates_fire_when_the_pipeline_dropped_some() -> None:
    e = entry(articles_new=18)
    e["articles_dropped"] = {"date_in_future": 2}
    found = check_dates(run(e))
    assert names(found) == [("future_dates", WARNING)]
    assert "day and month swapped" in found[0].message


def test_future_dates_fire_for_stored_articles_ahead_of_now() -> None:
    ahead = ["2026-11-27T20:00:00+07:00"] * 15  # 13 h ahead: kept by the pipeline's day of slack
    found = check_dates(run(run_published=ahead + ["2026-11-26T09:00:00+07:00"] * 5))
    assert names(found)[0] == ("future_dates", CRITICAL)


def test_same_timestamp_fires_when_every_new_article_shares_one() -> None:
    found = check_dates(run(run_published=["2026-11-27T14:37:00+07:00"] * 8))
    assert names(found) == [("same_timestamp", WARNING)]
    assert "all 8 new articles are dated 2026-11-27T14:37:00+07:00" in found[0].message


def test_same_timestamp_fires_from_the_spiders_listing_count() -> None:
    found = check_dates(run(stats={"listing_same_timestamp": 2}))
    assert names(found) == [("same_timestamp", WARNING)]


def test_dates_are_quiet_for_distinct_times_or_date_only_values() -> None:
    distinct = [f"2026-11-2{d}T0{d}:15:00+07:00" for d in range(1, 7)]
    assert check_dates(run(run_published=distinct)) == []
    date_only = ["2026-11-27T00:00:00+07:00"] * 8  # a busy day on a date-only listing
    assert check_dates(run(run_published=date_only)) == []
    assert check_dates(run(run_published=["2026-11-27T14:37:00+07:00"] * 3)) == []


def test_shares_one_timestamp_for_the_spider() -> None:
    assert shares_one_timestamp(["27/11/2026 14:37"] * 5)
    assert not shares_one_timestamp(["27/11/2026"] * 10)
    assert not shares_one_timestamp(["27/11/2026 14:37"] * 4)
    assert not shares_one_timestamp(["27/11/2026 14:37"] * 5 + ["26/11/2026 09:00"])
    assert not shares_one_timestamp(["27/11/2026 14:37"] * 5 + [None])


# -- cadence -----------------------------------------------------------------------------------


def weekday_history(last: datetime, count: int = 20) -> list[datetime]:
    """One article a working day at 10:00, the newest on ``last``, newest first."""
    out, day = [], last
    while len(out) < count:
        if not is_rest_day(day.date()):
            out.append(day)
        day -= timedelta(days=1)
    return out


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        (date(2026, 11, 28), True),  # Saturday
        (date(2026, 11, 30), False),
        (date(2026, 1, 1), True),
        (date(2026, 4, 30), True),
        (date(2026, 5, 1), True),
        (date(2026, 9, 1), True),  # National Day's second day is 1/9 in 2026 ...
        (date(2026, 9, 2), True),
        (date(2026, 9, 3), False),
        (date(2027, 9, 3), True),  # ... and 3/9 in 2027
        (date(2026, 4, 27), True),  # Hùng Kings' day (10/3 lunar) observed after a Sunday
        (date(2026, 8, 31), True),  # a working day swapped by the government
        (date(2034, 2, 20), True),  # Tết 2034 (19/2): past the end of any hand-kept table
        (date(2026, 2, 16), True),  # Tết Bính Ngọ: 17/2/2026
        (date(2026, 2, 20), True),
        (date(2026, 2, 24), False),
        (date(2027, 2, 4), True),  # two days before Tết 2027 (6/2)
        (date(2025, 1, 27), True),  # Tết 2025 (29/1)
    ],
)
def test_rest_days(day: date, rest: bool) -> None:
    assert is_rest_day(day) is rest


def test_the_calendar_is_python_holidays_vietnam_without_every_other_country() -> None:
    import subprocess
    import sys

    import holidays

    from newsfeed.monitor.checks import _official_holidays

    for year in range(2020, 2036):
        usual = holidays.country_holidays("VN", years=year, language="en_US")
        assert dict(_official_holidays(year)) == dict(usual), year
    # in a process of its own (this one has imported every country above)
    code = (
        "import sys; from datetime import date; from newsfeed.monitor.checks import is_rest_day;"
        "assert is_rest_day(date(2026, 2, 17)); print('holidays.countries' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_working_days_skip_the_weekend() -> None:
    friday, monday = local(2026, 11, 27, 12), local(2026, 11, 30, 12)
    assert working_days_between(friday, monday) == pytest.approx(1.0)


def test_daily_cadence_threshold_is_the_floor() -> None:
    history = weekday_history(local(2026, 11, 27, 10))
    assert cadence_threshold(history) == pytest.approx(3.0)  # 3 × one working day


def test_stale_fires_when_a_daily_portal_is_silent_for_days() -> None:
    history = weekday_history(local(2026, 11, 20, 10))  # last article a week ago, Friday
    found = check_cadence(
        run(published_history=history, watching_since=local(2026, 1, 1, 0), now=NOW)
    )
    assert names(found) == [("stale", WARNING)]
    assert "newest article is from 2026-11-20 10:00" in found[0].message


def test_stale_is_quiet_on_a_weekend() -> None:
    history = weekday_history(local(2026, 11, 27, 10))
    monday_morning = local(2026, 11, 30, 9)
    found = check_cadence(
        run(published_history=history, watching_since=local(2026, 1, 1), now=monday_morning)
    )
    assert found == []


def test_stale_is_quiet_over_tet() -> None:
    history = weekday_history(local(2026, 2, 13, 10))  # Friday before Tết Bính Ngọ
    after = local(2026, 2, 23, 9)  # Monday after the break: ten calendar days
    quiet = run(published_history=history, watching_since=local(2025, 6, 1), now=after)
    assert check_cadence(quiet) == []
    later = local(2026, 2, 27, 9)
    assert names(check_cadence(run(published_history=history, watching_since=local(2025, 6, 1),
                                   now=later))) == [("stale", WARNING)]  # fmt: skip


def test_stale_is_quiet_for_a_portal_added_today() -> None:
    history = weekday_history(local(2026, 10, 1, 10))
    assert check_cadence(run(published_history=history, watching_since=NOW, now=NOW)) == []


def test_stale_is_quiet_without_enough_history() -> None:
    history = weekday_history(local(2026, 10, 1, 10), count=3)
    assert check_cadence(run(published_history=history, watching_since=local(2025, 1, 1))) == []


def test_a_slow_portal_has_a_longer_threshold() -> None:
    weekly = [local(2026, 11, 27, 10) - timedelta(weeks=n) for n in range(12)]
    threshold = cadence_threshold(weekly)
    assert threshold == pytest.approx(15.0)  # 3 × 5 working days
    two_weeks = weekly[2:]  # silent for ten working days: usual for a weekly portal ...
    since = local(2025, 1, 1)
    assert check_cadence(run(published_history=two_weeks, watching_since=since, now=NOW)) == []
    four_weeks = weekly[4:]  # ... twenty is not
    found = check_cadence(run(published_history=four_weeks, watching_since=since, now=NOW))
    assert names(found) == [("stale", WARNING)]
    assert "usually every 5.0, alert after 15.0" in found[0].message


# -- newsfeed check ----------------------------------------------------------------------------

PERF = re.compile(r"^[a-z0-9_]+=\d+(\.\d+)?(s|%|B)?;\d*;\d*;\d*$")


def report(**portals: Mapping[str, Any]) -> dict[str, Any]:
    statuses = [p.get("status", OK) for p in portals.values()]
    order = [OK, WARNING, CRITICAL]
    return {
        "schema": 1,
        "run_id": "20261127T073000Z",
        "started": "2026-11-27T07:30:00+00:00",
        "finished": "2026-11-27T07:31:10+00:00",
        "status": max(statuses, key=order.index, default=OK),
        "portals": dict(portals),
        "totals": {"articles_new": 20, "articles_listed": 40, "http_errors": {"404": 1}},
    }


def portal(status: str = OK, *checks: tuple[str, str, str]) -> dict[str, Any]:
    return {
        **entry(),
        "status": status,
        "checks": [{"name": n, "status": s, "message": m} for n, s, m in checks],
    }


def split_line(line: str) -> tuple[str, list[str]]:
    text, _, perf = line.partition(" | ")
    labels = perf.split(" ")
    for label in labels:
        assert PERF.match(label), label
    return text, labels


def test_check_line_ok() -> None:
    code, line = check_line(report(ca_mau=portal(), can_tho=portal()), now=NOW)
    assert code == 0
    text, perf = split_line(line)
    assert text == "NEWSFEED OK - 2 portals ok, 20 new articles"
    assert "articles_new=20;;;0" in perf and "report_age=1730s;21600;86400;0" in perf


def test_check_line_critical_names_the_portal_at_fault() -> None:
    broken = portal(
        CRITICAL,
        ("missing_title", CRITICAL, "0 of 40 articles had a title (layout changed?)"),
        ("missing_body_text", CRITICAL, "0 of 40 articles had a body (layout changed?)"),
    )
    code, line = check_line(report(ca_mau=broken, can_tho=portal()), now=NOW)
    assert code == 2
    text, perf = split_line(line)
    assert text == (
        "NEWSFEED CRITICAL - 1 of 2 portals at fault: ca_mau: 0 of 40 articles had a title "
        "(layout changed?) (+1 more)"
    )
    assert "ca_mau_status=2;1;2;0" in perf and "can_tho_status=0;1;2;0" in perf


def test_check_line_warning_lists_worst_first() -> None:
    slow = portal(WARNING, ("stale", WARNING, "newest article is old"))
    code, line = check_line(report(a=slow, b=portal()), now=NOW)
    assert code == 1
    assert line.startswith("NEWSFEED WARNING - 1 of 2 portals at fault: a: newest article is old")


def test_check_line_unknown_without_a_report() -> None:
    code, line = check_line(None, now=NOW)
    assert code == 3 and line.startswith("NEWSFEED UNKNOWN - no crawl report yet")


def test_check_line_stale_report_asks_whether_cron_runs() -> None:
    good = report(ca_mau=portal())
    code, line = check_line(good, now=NOW + timedelta(hours=7))
    assert code == 1
    assert "latest report is 7.5 h old: is cron running?" in line
    code, _ = check_line(good, now=NOW + timedelta(days=2))
    assert code == 2
    assert check_line(good, now=NOW + timedelta(hours=2))[0] == 0


# -- health item -------------------------------------------------------------------------------


def test_health_entry_for_a_critical_portal_is_stable_for_the_day() -> None:
    broken = report(
        ca_mau=portal(CRITICAL, ("missing_title", CRITICAL, "0 of 40 articles had a <title>"))
    )
    first = health_entry("ca_mau", broken, date(2026, 11, 27), categories=("tin_tuc",))
    again = health_entry("ca_mau", broken, date(2026, 11, 27))
    tomorrow = health_entry("ca_mau", broken, date(2026, 11, 28))
    assert first is not None and again is not None and tomorrow is not None
    assert first.guid == again.guid == "tag:newsfeed,2025:ca_mau/health/2026-11-27"
    assert tomorrow.guid != first.guid
    assert first.published == "2026-11-27T00:00:00+07:00"
    assert first.categories == ("tin_tuc",)
    # For the public, in Vietnamese: no operator advice (that is for check and status.html).
    assert first.title == "⚠ Nguồn tin gặp sự cố (27/11/2026)"
    assert "title" not in first.body_text and "title" not in first.body_html
    assert "thiếu bài mới" in first.body_text
    assert not re.search(r"\b(the|is|feed|fix|open|profile)\b", first.body_text + first.title)


def test_health_entry_blames_the_link_not_the_portal_when_no_portal_answers() -> None:
    broken = report(ca_mau=portal(CRITICAL, ("unreachable", CRITICAL, "no listing page")))
    portal_down = health_entry("ca_mau", broken, date(2026, 11, 27))
    offline = health_entry("ca_mau", broken, date(2026, 11, 27), machine=True)
    assert portal_down is not None and offline is not None
    assert offline.guid == portal_down.guid and offline.title == portal_down.title
    assert "khi cổng hoạt động bình thường" in portal_down.body_text
    assert "cổng hoạt động" not in offline.body_text
    assert "mất kết nối tới các cổng thông tin" in offline.body_text
    assert "khi kết nối được khôi phục" in offline.body_text


def test_health_entry_is_none_for_a_healthy_or_unknown_portal() -> None:
    good = report(ca_mau=portal(), slow=portal(WARNING, ("stale", WARNING, "old")))
    assert health_entry("ca_mau", good, date(2026, 11, 27)) is None
    assert health_entry("slow", good, date(2026, 11, 27)) is None
    assert health_entry("nowhere", good, date(2026, 11, 27)) is None


# -- a machine that reaches no portal ----------------------------------------------------------


def _unreachable(*errors: str) -> dict[str, Any]:
    check = {"name": "unreachable", "status": CRITICAL, "message": "no listing page"}
    return {"status": CRITICAL, "checks": [check], "http_errors": dict.fromkeys(errors, 2)}


@pytest.mark.parametrize(
    "errors",
    [
        ("CannotResolveHostError",),  # no DNS
        ("DownloadConnectionRefusedError",),  # a proxy that is not there
        ("DownloadTimeoutError", "TunnelError"),  # a firewall, a proxy refusing to tunnel
        ("407",),  # a proxy that wants a login
    ],
)
def test_no_portal_answering_for_want_of_a_connection_is_the_machines_fault(
    errors: tuple[str, ...],
) -> None:
    found = unreachable_from_here({"a": _unreachable(*errors), "b": _unreachable(errors[0])})
    assert found is not None and found.startswith("no portal could be reached from this machine")
    assert f"(2 of 2: {errors[0]}×4" in found


@pytest.mark.parametrize(
    "portals",
    [
        {"a": _unreachable("CannotResolveHostError")},  # one portal down says nothing more
        {"a": _unreachable("CannotResolveHostError"), "b": _unreachable("503")},  # b answered
        {"a": _unreachable("CannotResolveHostError", "503"), "b": _unreachable("TunnelError")},
        {"a": _unreachable("TunnelError"), "b": {"status": OK, "checks": []}},
    ],
    ids=["one_portal", "a_server_answered", "an_answer_among_failures", "one_portal_fine"],
)
def test_a_portal_that_answered_clears_the_machine(portals: dict[str, Any]) -> None:
    assert unreachable_from_here(portals) is None
