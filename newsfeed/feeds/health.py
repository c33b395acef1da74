"""The health item: a feed entry telling a portal's readers that its feed is degraded.

A reader who follows a portal's feed learns nothing from a monitoring mail; when the crawl
portal has been CRITICAL for ``health_after_runs`` crawls in a row or ``health_after_hours``
(:func:`newsfeed.feeds.build.long_critical`: one failed run is not news), the builder adds this
item to the portal's feeds, linking the status page. Its text is for the public, in Vietnamese;
the operator's advice stays in the report, ``newsfeed check`` and status.html.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from newsfeed.items import Article
from newsfeed.monitor.checks import CRITICAL
from newsfeed.timezone import LOCAL_TZ


def health_entry(
    portal_key: str,
    report: Mapping[str, Any],
    day: date,
    *,
    link: str = "status.html",
    categories: Sequence[str] = (),
    machine: bool = False,
) -> Article | None:
    """A feed item telling readers a portal's feed is degraded, or None when it is not.

    Only a CRITICAL portal gets one. Its guid is stable for ``day`` (portal local date), so a
    reader shows it once a day, not at every poll; its date is that day's midnight (+07:00).
    ``link``: the status page's public URL (base URL + ``status.html``); ``categories``: the
    portal's category keys, so the item shows in each of its feeds. ``machine``: no portal
    could be reached at all (:func:`~newsfeed.monitor.checks.unreachable_from_here`): the fault
    is the crawling machine's link, and the item does not blame the portal.
    """
    portal = report.get("portals", {}).get(portal_key)
    if not portal or portal.get("status") != CRITICAL:
        return None
    # For the public, in Vietnamese: what it means to a reader, and where to look. The checks'
    # messages are advice for the operator (English, "fix the profile"): they stay in the
    # report, ``check`` and status.html.
    if machine:
        lead = (
            "Nguồn tin này đang gặp sự cố: hệ thống thu thập tin tạm thời mất kết nối tới các "
            "cổng thông tin, nên có thể thiếu bài mới cho đến khi kết nối được khôi phục."
        )
        back = "khi kết nối được khôi phục"
    else:
        lead = (
            "Nguồn tin này đang gặp sự cố: hệ thống chưa lấy được tin mới từ cổng thông tin, "
            "nên có thể thiếu bài mới cho đến khi sự cố được khắc phục."
        )
        back = "khi cổng hoạt động bình thường"
    since = _since(portal.get("critical_since"))
    detail = (
        f"Sự cố bắt đầu từ {since}. " if since else ""
    ) + f"Bạn không cần làm gì: tin sẽ tự cập nhật lại {back}."
    more = "Xem tình trạng các nguồn tin"
    return Article(
        url=link,
        canonical_url=link,
        guid=f"tag:newsfeed,2025:{portal_key}/health/{day.isoformat()}",
        portal=portal_key,
        categories=tuple(categories),
        title=f"⚠ Nguồn tin gặp sự cố ({day.strftime('%d/%m/%Y')})",
        summary=lead,
        published=datetime.combine(day, time(0), tzinfo=LOCAL_TZ).isoformat(),
        date_source="meta",
        author="newsfeed",
        body_html=(
            f"<p>{html.escape(lead, quote=False)}</p><p>{html.escape(detail, quote=False)}</p>"
            f'<p><a href="{html.escape(link)}">{more}</a></p>'
        ),
        body_text=f"{lead}\n\n{detail}",
        language="vi",
    )


def _since(value: Any) -> str | None:
    """``critical_since`` as a reader reads a time: ``14:30 ngày 27/11/2026`` (+07:00)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return when.astimezone(LOCAL_TZ).strftime("%H:%M ngày %d/%m/%Y")
