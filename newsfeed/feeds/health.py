"""The health item: a feed entry telling a portal's readers that its feed is degraded.

A reader who follows a portal's feed learns nothing from a monitoring mail; when the crawl
report rates the portal CRITICAL, the builder (:mod:`newsfeed.feeds.build`) adds this item to
the portal's feeds, linking the status page.
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
) -> Article | None:
    """A feed item telling readers a portal's feed is degraded, or None when it is not.

    Only a CRITICAL portal gets one. Its guid is stable for ``day`` (portal local date), so a
    reader shows it once a day, not at every poll; its date is that day's midnight (+07:00).
    ``link``: the status page's public URL (base URL + ``status.html``); ``categories``: the
    portal's category keys, so the item shows in each of its feeds.
    """
    portal = report.get("portals", {}).get(portal_key)
    if not portal or portal.get("status") != CRITICAL:
        return None
    checks = [c for c in portal.get("checks", []) if c.get("status") == CRITICAL]
    items = "".join(f"<li>{html.escape(c['message'], quote=False)}</li>" for c in checks)
    text = "\n\n".join(c["message"] for c in checks)
    lead = (
        "Nguồn tin này đang gặp sự cố: có thể thiếu bài mới cho đến khi được sửa. "
        "This feed is degraded: new articles may be missing until it is fixed."
    )
    return Article(
        url=link,
        canonical_url=link,
        guid=f"tag:newsfeed,2025:{portal_key}/health/{day.isoformat()}",
        portal=portal_key,
        categories=tuple(categories),
        title=f"⚠ Nguồn tin gặp sự cố / Feed degraded ({day.isoformat()})",
        summary=lead,
        published=datetime.combine(day, time(0), tzinfo=LOCAL_TZ).isoformat(),
        date_source="meta",
        author="newsfeed",
        body_html=f"<p>{html.escape(lead, quote=False)}</p><ul>{items}</ul>",
        body_text=f"{lead}\n\n{text}",
        language="vi",
    )
