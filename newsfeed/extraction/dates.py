"""Publication dates as Vietnamese portals print them, to timezone-aware datetimes.

The numeric forms ("02/08/2022 | 5:00 PM", "08/01/2026 - 18:21", "24-10-2024 14:05", ISO) are
read by hand-written patterns: they are nearly all of what portals print, the rules (day first,
SA/CH clocks, GMT suffixes) are simple, and a regex cannot invent a date. Only text with a month
written in words ("24 tháng Mười, 2024", "October 24, 2024") falls back to dateparser, restricted
to absolute dates with day, month and year all present.

A date printed without a time is kept as such (``has_time`` False), not as midnight: midnight is
a real publication time, and feeds must not claim one the page did not give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from urllib.parse import urlsplit

from newsfeed.extraction.text import clean_text
from newsfeed.items import Article
from newsfeed.timezone import LOCAL_TZ

__all__ = [
    "EARLIEST",
    "ParsedDate",
    "choose_published",
    "date_from_url",
    "parse_date",
    "parse_iso_date",
    "plausible",
    "settle_dates",
]

_MIN_YEAR = 1900
_MAX_YEAR = 2100
_MAX_FALLBACK_LEN = 120


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date read from a page."""

    value: datetime
    """Timezone-aware; midnight of the day when ``has_time`` is False."""
    has_time: bool
    """False when the text gave a date only."""
    raw: str
    """The input string, whitespace collapsed."""

    def iso(self) -> str:
        """ISO 8601: with time and offset when the text had a time, else the date alone."""
        if self.has_time:
            return self.value.isoformat(timespec="seconds")
        return self.value.date().isoformat()


# --- patterns ---------------------------------------------------------------------------------

_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
# Year first: 2024-10-24, 2024/10/24, 2024.10.24 (one separator throughout).
_YMD_RE = re.compile(r"(?<!\d)(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)")
# Day first: 24/10/2024, 24-10-2024, 24.10.2024.
_DMY_RE = re.compile(
    r"(?<![\d/])(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"
)
# "24 tháng 10 năm 2024", "24 tháng 10, 2024", "ngày 24 tháng 10 năm 2024".
_TEXT_DMY_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s*(?:,|\s)\s*(?:năm\s+)?(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)
_DATE_PATTERNS = (_YMD_RE, _DMY_RE, _TEXT_DMY_RE)

# 5:00 PM, 04:30 PM, 18:21, 08:00:00 SA, 14h05, 9 giờ 15 sáng.
_TIME_RE = re.compile(
    r"(?<![\d:])(?P<H>\d{1,2})\s*(?::|h|giờ)\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2}))?(?![\d:])"
    r"(?:\s*(?P<ampm>a\.?m\.?|p\.?m\.?|sa|ch|sáng|chiều|tối)(?![^\W\d_]))?",
    re.IGNORECASE,
)

# "GMT+7", "(GMT+07:00)", "UTC+0700", "GMT" alone.
_OFFSET_RE = re.compile(
    r"\(?\b(?:GMT|UTC)(?:\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?\b\)?",
    re.IGNORECASE,
)

_WEEKDAY = r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|cn|t[2-7]"
_LABEL = (
    r"ngày\s+đăng|đăng\s+ngày|đăng\s+lúc|ngày\s+cập\s+nhật|cập\s+nhật(?:\s+lúc)?|ngày\s+xuất\s+bản"
    r"|xuất\s+bản|thời\s+gian\s+đăng|thời\s+gian|ngày\s+ban\s+hành|ngày|lúc|vào\s+lúc|published"
    r"|posted(?:\s+on)?|updated|date"
)
_LABEL_RE = re.compile(rf"(?<![^\W\d_])(?:{_WEEKDAY}|{_LABEL})(?![^\W\d_])\s*:?", re.IGNORECASE)
_COUNTER_RE = re.compile(
    r"(?:view\s+count|lượt\s+xem|lượt\s+đọc|số\s+lượt\s+xem|views?|lần\s+xem)\s*:?\s*[\d.,]+",
    re.IGNORECASE,
)
# An ISO date-time with its offset inside printed text ("Ngày đăng: 2024-03-15T10:00:00+09:00").
_ISO_EMBEDDED_RE = re.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})(?!\d)"
)
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DAY_RE = re.compile(r"(?<!\d)\d{1,2}(?!\d)")


def _make_date(year: str, month: str, day: str) -> date | None:
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None


def _offset(match: re.Match[str]) -> tzinfo:
    if not match["sign"]:
        return UTC
    delta = timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
    return timezone(delta if match["sign"] == "+" else -delta)


def _parse_time(match: re.Match[str]) -> time | None:
    """The clock of a time match; None when out of range (25:00, 13:00 PM, 0:30 AM)."""
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    marker = (match["ampm"] or "").casefold().replace(".", "")
    if marker in {"am", "sa", "pm", "ch"}:
        # A 12-hour clock: 12:30 AM is 00:30, 12:30 PM is 12:30.
        if not 1 <= hour <= 12:
            return None
        hour %= 12
        if marker in {"pm", "ch"}:
            hour += 12
    elif marker in {"chiều", "tối"} and hour < 12:
        # "3:30 chiều" is 15:30; "15:30 chiều" is redundant but already right.
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _find_date(text: str) -> tuple[date, int, int] | None:
    """The earliest valid numeric date in ``text`` and its span."""
    found: list[tuple[int, int, date]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _make_date(match["y"], match["m"], match["d"])
            if value is not None:
                found.append((match.start(), match.end(), value))
                break
    if not found:
        return None
    start, end, value = min(found, key=lambda item: item[0])
    return value, start, end


def _swap_month_first(text: str) -> str:
    """Month-first numeric dates rewritten day-first, for ``dayfirst=False``."""
    return _DMY_RE.sub(
        lambda m: f"{m['m']}{m['sep']}{m['d']}{m['sep']}{m['y']}",
        text,
    )


def _dateparser_date(text: str) -> date | None:
    """A date with its month in words, via dateparser; None unless day, month and year are
    all in the text (dateparser would otherwise fill the gaps from today)."""
    if len(text) > _MAX_FALLBACK_LEN or not _YEAR_RE.search(text):
        return None
    if not re.search(r"[^\W\d_]{3,}", text) or not _DAY_RE.search(text):
        return None
    # Imported here: it is slow to import, and most dates never need it.
    import dateparser

    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "STRICT_PARSING": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        # Only absolute forms: no "hôm qua", "2 giờ trước" or bare timestamps.
        "PARSERS": ["absolute-time"],
    }
    try:
        parsed = dateparser.parse(text, languages=["vi", "en"], settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed is None:
        return None
    value = parsed.date()
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None


def parse_date(
    text: str | None,
    *,
    tz: tzinfo = LOCAL_TZ,
    midnight_is_date_only: bool = False,
    dayfirst: bool = True,
) -> ParsedDate | None:
    """Read a printed date such as "Ngày đăng 02/08/2022 | 5:00 PM | View count: 74".

    The first valid date in the text wins, with the first valid time outside it. The result is
    in ``tz`` unless the text states an offset ("GMT+7"). ``midnight_is_date_only`` treats a
    printed midnight ("12:00 AM", "00:00") as no time, for platforms that print midnight when no
    time was entered. None when the text holds no complete, valid date.
    """
    raw = clean_text(text)
    if not raw:
        return None
    if _ISO_RE.fullmatch(raw):
        parsed = parse_iso_date(raw, tz=tz)
        if parsed and midnight_is_date_only and parsed.value.time() == time(0, 0):
            return ParsedDate(value=parsed.value, has_time=False, raw=raw)
        return parsed

    if embedded := _ISO_EMBEDDED_RE.search(raw):
        # the page states the offset: keep it (only zone-less times are portal local time)
        stated = parse_iso_date(embedded.group(0), tz=tz)
        if stated is not None:
            return ParsedDate(value=stated.value, has_time=True, raw=raw)
    work = raw
    zone = tz
    if offset := _OFFSET_RE.search(work):
        zone = _offset(offset)
        work = work[: offset.start()] + " " + work[offset.end() :]
    work = _COUNTER_RE.sub(" ", work)
    work = _LABEL_RE.sub(" ", work)
    if not dayfirst:
        work = _swap_month_first(work)

    found = _find_date(work)
    if found is not None:
        day, start, end = found
        rest = work[:start] + " " + work[end:]
    else:
        time_match = _TIME_RE.search(work)
        rest = work
        without_time = work
        if time_match:
            without_time = work[: time_match.start()] + " " + work[time_match.end() :]
        fallback = _dateparser_date(clean_text(without_time))
        if fallback is None:
            return None
        day = fallback

    clock: time | None = None
    if (time_match := _TIME_RE.search(rest)) is not None:
        clock = _parse_time(time_match)
        if clock is None:
            return None
    has_time = clock is not None
    if midnight_is_date_only and clock == time(0, 0, 0):
        has_time = False
    value = datetime.combine(day, clock or time(0, 0), tzinfo=zone)
    return ParsedDate(value=value, has_time=has_time, raw=raw)


def parse_iso_date(text: str | None, *, tz: tzinfo = LOCAL_TZ) -> ParsedDate | None:
    """Read a machine date (meta, JSON-LD, ``<time datetime>``): "2026-01-08",
    "2026-01-08T10:00:00Z", "...+07:00"; no offset means ``tz``. Text that is not ISO is read
    as a printed date, since some CMSs put the display form in their meta tags."""
    raw = clean_text(text)
    if not raw:
        return None
    match = _ISO_RE.fullmatch(raw)
    if match is None:
        return parse_date(raw, tz=tz)
    day = _make_date(match["y"], match["m"], match["d"])
    if day is None:
        return None
    if match["H"] is None:
        return ParsedDate(
            value=datetime.combine(day, time(0, 0), tzinfo=tz), has_time=False, raw=raw
        )
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    zone = tz
    if offset := match["tz"]:
        if offset.upper() == "Z":
            zone = UTC
        else:
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            if delta >= timedelta(hours=24):
                return None
            zone = timezone(delta if offset[0] == "+" else -delta)
    value = datetime.combine(day, time(hour, minute, second), tzinfo=zone)
    return ParsedDate(value=value, has_time=True, raw=raw)


# /2024/10/24/, /2024-10-24/, -20241024, _20241024.html
_URL_DATE_RES = (
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?=/|$|\.|-)"),
    re.compile(r"(?<![\d])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?<=[-_/.])(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
)


def date_from_url(url: str) -> ParsedDate | None:
    """The date in an article URL's path (a last resort, date only), or None."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for pattern in _URL_DATE_RES:
        for match in pattern.finditer(path):
            day = _make_date(match["y"], match["m"], match["d"])
            if day is not None:
                value = datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)
                return ParsedDate(value=value, has_time=False, raw=url)
    return None


def choose_published(
    printed: ParsedDate | None,
    declared: Sequence[tuple[ParsedDate | None, str]],
    url: str,
    *,
    printed_trusted: bool,
) -> tuple[ParsedDate | None, str | None]:
    """The publication date and where it came from, by one precedence for both engines.

    ``printed``: the date printed with the article (source ``article``); ``printed_trusted``
    when a platform's own selector found it in reviewed markup, not a guess near the headline
    (the generic fallback). ``declared``: structured data and the listing, best first, as
    (date, source). ``url``: a date in the URL is the last resort.

    - A trusted printed date with a time wins (with the zone of a declared date of the same
      wall-clock time: a page's explicit offset is kept). A guessed one wins only over a declared
      midnight of its day, or over the same instant declared in another offset (WordPress
      gives UTC; feeds show the portal's local time); otherwise a declared date-time wins.
    - **A date without a time is not midnight**: a printed date-only takes its time from a
      declared date-time of the same day; a declared date-time beats a date-only.
    - Then the first declared date-only, the printed date-only, the URL's date.
    """
    timed = [(d, s) for d, s in declared if d is not None and d.has_time]
    printed_timed = printed is not None and printed.has_time
    if printed is not None and printed_trusted:
        if printed_timed:
            for parsed, source in timed:
                # the same wall-clock time, where structured data states the zone: keep it
                same_clock = parsed.value.replace(tzinfo=None) == printed.value.replace(tzinfo=None)
                if same_clock and parsed.value.utcoffset() != printed.value.utcoffset():
                    return parsed, source
            return printed, "article"
        for parsed, source in timed:
            if parsed.value.date() == printed.value.date():
                return parsed, source
        return printed, "article"
    if timed:
        best, source = timed[0]
        if printed is not None and printed_timed and _printed_is_better(printed, best):
            return printed, "article"
        return best, source
    if printed is not None and printed_timed:
        return printed, "article"
    dated = [(d, s) for d, s in declared if d is not None]
    if dated:
        return dated[0]
    if printed is not None:
        return printed, "article"
    from_url = date_from_url(url)
    return (from_url, "url") if from_url else (None, None)


def _printed_is_better(printed: ParsedDate, declared: ParsedDate) -> bool:
    """A guessed printed date-time over a declared one: the declared is the day's midnight, or
    the same instant given in another offset than the portal's."""
    local = LOCAL_TZ.utcoffset(None)
    midnight = declared.value.timetz().replace(tzinfo=None) == time(0, 0)
    if midnight and printed.value.date() == declared.value.date():
        return True
    return (
        declared.value.utcoffset() != local
        and printed.value == declared.value
        and printed.value.utcoffset() == local
    )


EARLIEST = datetime(1990, 1, 1, tzinfo=LOCAL_TZ)
"""No portal published before this: the first Vietnamese web sites date from the late 1990s,
so an earlier date is a placeholder (01/01/1900) or a parsing accident."""
FUTURE_SLACK = timedelta(days=1)
"""A page may be dated a little ahead: portals print local time and some server clocks are off."""


def plausible(value: datetime, now: datetime) -> bool:
    """Whether a publication date could be true: from :data:`EARLIEST` to now (plus slack)."""
    return EARLIEST <= value <= now + FUTURE_SLACK


def settle_dates(article: Article, listing_raw: str | None, now: datetime) -> tuple[Article, bool]:
    """``article`` with only plausible dates, and whether one was rejected.

    An impossible ``published`` gives way to the listing's date when that one is plausible
    (``date_source`` ``listing``), else to none: ``published`` null, ``date_source``
    ``rejected`` and ``published_raw`` the rejected text, so the report and ``extract`` show
    what the page said. An impossible ``updated`` is dropped.
    """
    changes: dict[str, object] = {}
    published = parse_iso_date(article.published)
    if published is not None and not plausible(published.value, now):
        listing = parse_date(listing_raw) if article.date_source != "listing" else None
        if listing is not None and plausible(listing.value, now):
            changes.update(
                published=listing.iso(), published_raw=listing.raw, date_source="listing"
            )
        else:
            changes.update(published=None, date_source="rejected")
    updated = parse_iso_date(article.updated)
    if updated is not None and not plausible(updated.value, now):
        changes["updated"] = None
    if not changes:
        return article, False
    return article.replace(**changes), "published" in changes
