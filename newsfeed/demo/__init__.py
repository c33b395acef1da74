"""The bundled demo portal behind ``newsfeed demo``.

``site/`` holds the static pages of a fictional provincial portal, "Cổng Thông tin điện tử tỉnh
Demo", written for this project in the markup of a Liferay 6.2 Asset Publisher portal (the
platform of several real provincial portals): two categories of two listing pages each, eleven
articles (one listed in both categories), images, and a PDF attachment. Every name, figure and
event on it is invented. :func:`newsfeed.demo.server.serve_demo_site` serves it on 127.0.0.1 so
the real spider can crawl it with :func:`demo_profile_data` as its portal profile.
"""

from __future__ import annotations

DEMO_PORTAL_KEY = "demo"

_CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    # key, name, path, topic
    ("hoat_dong_lanh_dao", "Hoạt động lãnh đạo", "/vi/hoat-dong-lanh-dao", "leadership"),
    ("tin_tuc_su_kien", "Tin tức sự kiện", "/vi/tin-tuc-su-kien", "news"),
)


def demo_profile_data(base_url: str) -> dict[str, object]:
    """Portal profile data for the demo portal served at ``base_url`` (no trailing slash)."""
    base = base_url.rstrip("/")
    return {
        "key": DEMO_PORTAL_KEY,
        "name": "Cổng TTĐT tỉnh Demo",
        "province": "Demo",
        "base_url": base,
        "platform": "liferay62",
        "language": "vi",
        "verified": "2026-11-27",
        "categories": [
            {"key": key, "name": name, "url": base + path, "topic": topic}
            for key, name, path, topic in _CATEGORIES
        ],
    }
