"""Pages that are not what was asked for, and listings whose dates are not the articles'.

Portals answer status 200 with a maintenance notice, a bot challenge or an error page; and some
listings print the page chrome's clock beside every item. These are pure functions of a page's
text: the spider counts what they find (``soft_errors/<kind>``, ``listing_same_timestamp``)
and the checks (:mod:`newsfeed.monitor.checks`) weigh the counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

SAME_TIMESTAMP_MIN = 5
"""This many new articles (or listing items) sharing one date with a time of day: the date comes
from the page chrome (a header clock, a "last updated" line), not from the article."""

SOFT_ERROR_KINDS = ("maintenance", "captcha", "error")
"""What :func:`classify_page` can answer."""

_CAPTCHA_STRONG = (
    "cf-browser-verification",
    "cf_chl_opt",
    "/cdn-cgi/challenge-platform/",
    "checking your browser before accessing",
    "attention required! | cloudflare",
    "g-recaptcha",
    "h-captcha",
    "verify you are human",
    "xác minh bạn không phải là robot",
    "xác nhận bạn không phải là robot",
    "tôi không phải là người máy",
)
_CAPTCHA_WEAK = ("captcha", "access denied", "just a moment", "request blocked", "ddos protection")
_MAINTENANCE_STRONG = (
    "website đang bảo trì",
    "trang web đang bảo trì",
    "hệ thống đang bảo trì",
    "đang được bảo trì",
    "đang bảo trì hệ thống",
    "đang trong quá trình bảo trì",
    "đang trong quá trình nâng cấp",
    "website đang nâng cấp",
    "hệ thống đang nâng cấp",
    "đang được nâng cấp",
    "tạm ngừng hoạt động để",
    "tạm ngừng truy cập",
    "under maintenance",
    "down for maintenance",
    "scheduled maintenance",
)
_MAINTENANCE_WEAK = ("bảo trì", "đang nâng cấp", "tạm ngừng", "tạm dừng", "maintenance")
_ERROR_STRONG = (
    "server error in '/' application",
    "error establishing a database connection",
    "503 service unavailable",
    "502 bad gateway",
    "504 gateway time-out",
    "504 gateway timeout",
    "500 internal server error",
    "an unexpected error has occurred",
    "sorry, something went wrong",
    "the service is unavailable",
)
_ERROR_WEAK = (
    "404 not found",
    "not found",
    "service unavailable",
    "service temporarily unavailable",
    "internal server error",
    "bad gateway",
    "runtime error",
    "không tìm thấy trang",
    "trang không tồn tại",
    "lỗi hệ thống",
    "đã xảy ra lỗi",
    "có lỗi xảy ra",
)
SHORT_PAGE = 1500
"""Visible text shorter than this is a stub page: weak markers count in it. In a real article
"bảo trì" is road maintenance and "captcha" a comment form."""
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.I | re.S)
_SPACE = re.compile(r"\s+")


def _norm(value: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip().lower()


def classify_page(text: str, title: str | None) -> str | None:
    """``maintenance``, ``captcha``, ``error`` or None for a page served with status 200.

    ``text`` is the page's HTML (``response.text``) or its text; ``title`` the ``<title>``.
    Strong markers (phrases no news article prints, challenge scripts) count anywhere; weak
    markers ("bảo trì", "captcha", "404 Not Found") count in the title, or in the text of a
    short page. Call it on pages that gave nothing (a listing with no items, an article without
    title or body) so that a news story about road maintenance is never a soft error.
    """
    raw = _norm(text)
    head = _norm(title or "")
    visible = _norm(_TAGS.sub(" ", text))
    short = len(visible) < SHORT_PAGE
    for kind, strong, weak in (
        ("captcha", _CAPTCHA_STRONG, _CAPTCHA_WEAK),
        ("maintenance", _MAINTENANCE_STRONG, _MAINTENANCE_WEAK),
        ("error", _ERROR_STRONG, _ERROR_WEAK),
    ):
        if any(m in raw or m in head for m in strong):
            return kind
        if any(m in head or (short and m in visible) for m in weak):
            return kind
    return None


_TIME_OF_DAY = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")


def shares_one_timestamp(published_raw: Sequence[str | None]) -> bool:
    """True when a listing page's items all print one date with a time of day.

    For the spider: bump ``newsfeed/<portal>/listing_same_timestamp`` when this holds for a
    listing page. Date-only values are not evidence (a busy day lists many of them).
    """
    values = [_norm(v) for v in published_raw if v and v.strip()]
    return (
        len(values) >= SAME_TIMESTAMP_MIN
        and len(values) == len(published_raw)
        and len(set(values)) == 1
        and _TIME_OF_DAY.search(values[0]) is not None
    )
