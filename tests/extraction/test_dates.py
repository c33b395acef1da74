"""Tests for newsfeed.extraction.dates: printed, ISO and URL dates."""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from parsel import Selector

from newsfeed.extraction.dates import (
    date_from_url,
    parse_date,
    parse_iso_date,
)
from newsfeed.timezone import LOCAL_TZ

CORPUS = Path(
    os.environ.get("NEWSFEED_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)
LIFERAY_ARTICLES = CORPUS / "liferay-sotttt-hanoi/source/vi/tin-tuc-su-kien/-/view_content"
DANANG_CSV = CORPUS / "danang" / "danang_data_final.csv"

SEVEN_HOURS = timedelta(hours=7)


# (text, expected iso(), expected has_time)
PRINTED = [
    ("Ngày đăng 02/08/2022 | 5:00 PM | View count: 74", "2022-08-02T17:00:00+07:00", True),
    ("Ngày đăng 24/08/2022 | 04:30 PM", "2022-08-24T16:30:00+07:00", True),
    (
        "Ngày đăng\n\t\t24/06/2022 | 3:58 PM\n\xa0|\xa0View count: 83",
        "2022-06-24T15:58:00+07:00",
        True,
    ),
    ("08/01/2026 - 18:21", "2026-01-08T18:21:00+07:00", True),
    ("18:21 - 08/01/2026", "2026-01-08T18:21:00+07:00", True),
    ("18:21-08/01/2026", "2026-01-08T18:21:00+07:00", True),
    ("Thứ Năm, 24/10/2024", "2024-10-24", False),
    ("Thứ năm, 24/10/2024 - 09:15", "2024-10-24T09:15:00+07:00", True),
    ("THỨ HAI, 21/10/2024", "2024-10-21", False),
    ("Chủ nhật, 27/10/2024 07:05", "2024-10-27T07:05:00+07:00", True),
    ("ngày 24 tháng 10 năm 2024", "2024-10-24", False),
    ("Ngày 24 tháng 10 năm 2024", "2024-10-24", False),
    ("24 tháng 10, 2024", "2024-10-24", False),
    ("Thứ Sáu, ngày 25 tháng 10 năm 2024 | 14:05", "2024-10-25T14:05:00+07:00", True),
    ("Cập nhật: 10:05 24/10/2024", "2024-10-24T10:05:00+07:00", True),
    ("Ngày cập nhật: 24/10/2024 10:05", "2024-10-24T10:05:00+07:00", True),
    ("Ngày xuất bản: 24/10/2024", "2024-10-24", False),
    ("Thời gian đăng: 24/10/2024 10:05", "2024-10-24T10:05:00+07:00", True),
    ("Đăng ngày 24/10/2024 08:00:00 SA", "2024-10-24T08:00:00+07:00", True),
    ("Đăng ngày 24/10/2024 08:00:00 CH", "2024-10-24T20:00:00+07:00", True),
    ("24/10/2024 lúc 9:15 sa", "2024-10-24T09:15:00+07:00", True),
    ("24-10-2024 14:05", "2024-10-24T14:05:00+07:00", True),
    ("24.10.2024", "2024-10-24", False),
    ("2024-10-24 14:05", "2024-10-24T14:05:00+07:00", True),
    ("2024/10/24", "2024-10-24", False),
    ("(24/10/2024)", "2024-10-24", False),
    ("Ngày 24/10/2024", "2024-10-24", False),
    ("Lúc 14:05 ngày 4/1/2024", "2024-01-04T14:05:00+07:00", True),
    ("24/10/2024 14:05 GMT+7", "2024-10-24T14:05:00+07:00", True),
    ("24/10/2024 14:05 (GMT+07:00)", "2024-10-24T14:05:00+07:00", True),
    ("24/10/2024 14:05 GMT+5", "2024-10-24T14:05:00+05:00", True),
    ("24/10/2024 14:05 UTC-0330", "2024-10-24T14:05:00-03:30", True),
    ("24/10/2024 14:05 GMT", "2024-10-24T14:05:00+00:00", True),
    ("24/10/2024 12:00 AM", "2024-10-24T00:00:00+07:00", True),
    ("24/10/2024 12:30 AM", "2024-10-24T00:30:00+07:00", True),
    ("24/10/2024 12:30 PM", "2024-10-24T12:30:00+07:00", True),
    ("24/10/2024 1:05 a.m.", "2024-10-24T01:05:00+07:00", True),
    ("24/10/2024 14h05", "2024-10-24T14:05:00+07:00", True),
    ("24/10/2024 9 giờ 15 sáng", "2024-10-24T09:15:00+07:00", True),
    ("3:30 chiều 24/10/2024", "2024-10-24T15:30:00+07:00", True),
    ("24/10/2024 | Lượt xem: 1.234", "2024-10-24", False),
    ("2024-10-24T08:00:00", "2024-10-24T08:00:00+07:00", True),
    # the month in words goes to the dateparser fallback
    ("24 tháng Mười, 2024", "2024-10-24", False),
    ("October 24, 2024 2:05 PM", "2024-10-24T14:05:00+07:00", True),
    ("Thursday, 24 Oct 2024", "2024-10-24", False),
]


@pytest.mark.parametrize(("text", "iso", "has_time"), PRINTED, ids=[row[0] for row in PRINTED])
def test_parse_date_formats(text: str, iso: str, has_time: bool) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.iso() == iso
    assert parsed.has_time is has_time
    assert parsed.value.tzinfo is not None


NOT_DATES = [
    None,
    "",
    "   ",
    "Không có ngày tháng",
    "View count: 74",
    "32/13/2024",
    "31/02/2022",
    "29/02/2023",
    "24/10",  # no year: a body's "Chiều 24/10" must not become this year's date
    "Tháng 10 2024",  # no day
    "hôm qua",  # relative: dateparser would count back from now
    "2 ngày trước",
    "24/10/2024 25:00",  # invalid clock
    "24/10/2024 13:00 PM",
    "24/10/1024",  # out of range
]


@pytest.mark.parametrize("text", NOT_DATES, ids=[repr(t) for t in NOT_DATES])
def test_parse_date_rejects(text: str | None) -> None:
    assert parse_date(text) is None


MIDNIGHT = [
    ("02/08/2022 | 12:00 AM", True, False, "2022-08-02"),
    ("02/08/2022 | 12:00 AM", False, True, "2022-08-02T00:00:00+07:00"),
    ("02/08/2022 00:00", True, False, "2022-08-02"),
    ("2022-08-02 00:00", True, False, "2022-08-02"),
    ("02/08/2022 | 12:30 AM", True, True, "2022-08-02T00:30:00+07:00"),
    ("02/08/2022 | 12:00 PM", True, True, "2022-08-02T12:00:00+07:00"),
]


@pytest.mark.parametrize(
    ("text", "flag", "has_time", "iso"), MIDNIGHT, ids=[f"{r[0]}-{r[1]}" for r in MIDNIGHT]
)
def test_midnight_is_date_only(text: str, flag: bool, has_time: bool, iso: str) -> None:
    parsed = parse_date(text, midnight_is_date_only=flag)
    assert parsed is not None
    assert parsed.has_time is has_time
    assert parsed.iso() == iso


def test_date_only_is_not_midnight_in_iso() -> None:
    parsed = parse_date("24/10/2024")
    assert parsed is not None
    assert parsed.has_time is False
    assert parsed.iso() == "2024-10-24"
    # the value is still a full aware datetime, for sorting
    assert (parsed.value.hour, parsed.value.minute) == (0, 0)
    assert parsed.value.utcoffset() == SEVEN_HOURS


def test_raw_is_whitespace_collapsed() -> None:
    parsed = parse_date("  Ngày đăng\n\t 02/08/2022 |\xa05:00 PM ")
    assert parsed is not None
    assert parsed.raw == "Ngày đăng 02/08/2022 | 5:00 PM"


def test_decomposed_unicode_label() -> None:
    text = unicodedata.normalize("NFD", "Thứ năm, ngày 24 tháng 10 năm 2024 - 09:15")
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.iso() == "2024-10-24T09:15:00+07:00"


@pytest.mark.parametrize(
    ("text", "dayfirst", "iso"),
    [
        ("04/01/2024", True, "2024-01-04"),
        ("04/01/2024", False, "2024-04-01"),
        ("12/25/2024", False, "2024-12-25"),
        ("12/25/2024", True, None),
    ],
    ids=["dayfirst", "monthfirst", "monthfirst-us", "dayfirst-invalid"],
)
def test_dayfirst(text: str, dayfirst: bool, iso: str | None) -> None:
    parsed = parse_date(text, dayfirst=dayfirst)
    assert (parsed.iso() if parsed else None) == iso


def test_tz_argument() -> None:
    parsed = parse_date("24/10/2024 14:05", tz=UTC)
    assert parsed is not None
    assert parsed.iso() == "2024-10-24T14:05:00+00:00"
    # a stated offset wins over tz
    stated = parse_date("24/10/2024 14:05 GMT+7", tz=UTC)
    assert stated is not None
    assert stated.iso() == "2024-10-24T14:05:00+07:00"


def test_local_tz_is_plus_seven() -> None:
    assert LOCAL_TZ.utcoffset(datetime(2024, 7, 1)) == SEVEN_HOURS
    assert LOCAL_TZ.utcoffset(datetime(2024, 1, 1)) == SEVEN_HOURS


ISO = [
    ("2026-01-08", "2026-01-08", False),
    ("2026-01-08T10:00:00Z", "2026-01-08T10:00:00+00:00", True),
    ("2026-01-08T10:00:00+07:00", "2026-01-08T10:00:00+07:00", True),
    ("2026-01-08T10:00:00+0700", "2026-01-08T10:00:00+07:00", True),
    ("2026-01-08T10:00:00.123-05:00", "2026-01-08T10:00:00-05:00", True),
    ("2024-10-24T08:00:00", "2024-10-24T08:00:00+07:00", True),
    ("2024-10-24T08:00", "2024-10-24T08:00:00+07:00", True),
    (" 2024-10-24 08:00:00 ", "2024-10-24T08:00:00+07:00", True),
    # display forms some CMSs put in meta tags
    ("24/10/2024 08:00", "2024-10-24T08:00:00+07:00", True),
]


@pytest.mark.parametrize(("text", "iso", "has_time"), ISO, ids=[row[0] for row in ISO])
def test_parse_iso_date(text: str, iso: str, has_time: bool) -> None:
    parsed = parse_iso_date(text)
    assert parsed is not None
    assert parsed.iso() == iso
    assert parsed.has_time is has_time


@pytest.mark.parametrize(
    "text",
    [None, "", "2024-13-01", "2024-02-30", "2024-10-24T24:00:00", "not a date"],
    ids=["none", "empty", "month-13", "feb-30", "hour-24", "words"],
)
def test_parse_iso_date_rejects(text: str | None) -> None:
    assert parse_iso_date(text) is None


URLS = [
    ("https://example.vn/2024/10/24/giao-ban-quy-3.html", "2024-10-24"),
    ("https://example.vn/tin-tuc/2024/1/5/abc", "2024-01-05"),
    ("https://example.vn/tin/giao-ban-quy-3-20241024.html", "2024-10-24"),
    ("https://example.vn/tin/2024-10-24/giao-ban", "2024-10-24"),
    ("https://example.vn/tin/giao-ban_20241024", "2024-10-24"),
    ("https://baocantho.com.vn/tap-trung-trien-khai-a196670.html", None),
    ("https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-x.html", None),
    ("https://example.vn/tin/2024/10/abc", None),
    ("https://example.vn/tin/abc-20241399.html", None),
    ("https://example.vn/?date=2024/10/24", None),  # only the path counts
    # an event date in a slug, day first, is not a publish date
    ("https://danang.gov.vn/web/dng/-/tang-toc-hoan-thanh-chien-dich-truoc-15-01-2026", None),
]


@pytest.mark.parametrize(("url", "iso"), URLS, ids=[row[0] for row in URLS])
def test_date_from_url(url: str, iso: str | None) -> None:
    parsed = date_from_url(url)
    assert (parsed.iso() if parsed else None) == iso
    if parsed is not None:
        assert parsed.has_time is False


# --- real pages -------------------------------------------------------------------------------


def _liferay_articles() -> list[Path]:
    return sorted(LIFERAY_ARTICLES.glob("*.html")) if LIFERAY_ARTICLES.is_dir() else []


@pytest.mark.corpus
def test_liferay_publish_dates() -> None:
    articles = _liferay_articles()
    if not articles:
        pytest.skip(f"corpus absent: {LIFERAY_ARTICLES} (set NEWSFEED_CORPUS)")
    assert len(articles) == 20
    for path in articles:
        page = Selector(text=path.read_text(encoding="utf-8"))
        text = " ".join(page.css("div.assetPublishDate ::text").getall())
        parsed = parse_date(text, midnight_is_date_only=True)
        assert parsed is not None, path.name
        assert parsed.has_time, path.name
        assert parsed.value.year == 2022, path.name
        assert parsed.value.utcoffset() == SEVEN_HOURS, path.name
        # the clock must be the printed one, converted from 12-hour
        match = re.search(r"(\d{1,2}):(\d{2}) ([AP]M)", text)
        assert match is not None, path.name
        hour = int(match[1]) % 12 + (12 if match[3] == "PM" else 0)
        assert (parsed.value.hour, parsed.value.minute) == (hour, int(match[2])), path.name


@pytest.mark.corpus
def test_danang_public_time_column() -> None:
    """danang.gov.vn's ``public_time`` column: "13/01/2026 19:15" in most rows; a date alone
    ("13/01/2026", "5-1-2026", "13-01-2026") in the 23 rows whose date the scraper took from
    the article's own text, not from the page's publish date."""
    if not DANANG_CSV.is_file():
        pytest.skip(f"corpus absent: {DANANG_CSV} (set NEWSFEED_CORPUS)")
    with DANANG_CSV.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    shapes: set[str] = set()
    date_only = 0
    for row in rows:
        raw = row["public_time"]
        shapes.add(re.sub(r"\d", "9", raw))
        parsed = parse_date(raw)
        assert parsed is not None, raw
        numbers = [int(n) for n in re.findall(r"\d+", raw)]
        assert (parsed.value.day, parsed.value.month, parsed.value.year) == tuple(numbers[:3])
        assert parsed.has_time is (len(numbers) == 5), raw
        if parsed.has_time:
            assert (parsed.value.hour, parsed.value.minute) == tuple(numbers[3:5])
        else:
            date_only += 1
            # the wrong dates: each is a date printed in the article's text
            day, month, year = numbers
            printed = re.compile(rf"(?<!\d)0?{day}[-/.]0?{month}[-/.]{year}(?!\d)")
            assert printed.search(row["content"]), raw
        # event dates in slugs ("...-truoc-15-01-2026") must not pass for publish dates
        assert date_from_url(row["url"]) is None, row["url"]
    assert date_only == 23
    # both separators and both precisions occur: the test covers what it claims to
    assert {"99/99/9999 99:99", "99/99/9999", "9-9-9999", "99-99-9999"} <= shapes
