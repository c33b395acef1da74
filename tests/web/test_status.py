"""``feeds/status.html``: content from the store, self-contained, and how it looks in Chromium.

The Chromium test writes screenshots (phone and desktop) and prints their paths: look at them
after changing the page.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsfeed.items import Article
from newsfeed.portals import Portal, portal_from_dict
from newsfeed.store.db import Store
from newsfeed.web.status import DAYS, write_status_page
from tests.conftest import which_tool

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def portal(key: str, name: str) -> Portal:
    return portal_from_dict(
        {
            "key": key,
            "name": name,
            "province": "Demo",
            "base_url": f"https://{key.replace('_', '')}.gov.vn",
            "platform": "liferay62",
            "categories": [
                {
                    "key": "tin_tuc",
                    "name": "Tin tức",
                    "url": f"https://{key}.gov.vn/tin-tuc",
                    "topic": "news",
                }
            ],
        },
        source="test",
    )


PORTALS = [
    portal("ca_mau", "Cổng Thông tin điện tử tỉnh Cà Mau"),
    portal("can_tho", "Báo Cần Thơ"),
    portal("tinh_moi", "Cổng TTĐT tỉnh Mới (chưa thu thập)"),
]


def fill_store(store: Store) -> None:
    """Eight weeks of articles: Cần Thơ daily with quiet weekends, Cà Mau stopped 10 days ago."""
    n = 0
    for back in range(DAYS + 5):
        day = NOW - timedelta(days=back)
        per_day = {"can_tho": 0 if day.weekday() >= 5 else 2 + back % 5, "ca_mau": 0}
        if back >= 10 and day.weekday() < 5:
            per_day["ca_mau"] = 1 + back % 3
        for key, count in per_day.items():
            for i in range(count):
                n += 1
                published = (day - timedelta(hours=i)).astimezone(UTC)
                store.upsert(
                    Article(
                        url=f"https://{key}.gov.vn/a/{n}",
                        canonical_url=f"https://{key}.gov.vn/a/{n}",
                        guid=f"tag:newsfeed,2025:{key}/{n}",
                        portal=key,
                        title=f"Tin {n}",
                        published=published.isoformat(),
                        body_text="Nội dung.",
                    ),
                    now=published,
                )
    store.save_report(
        {
            "schema": 1,
            "run_id": "20261127T073000Z",
            "started": "2026-11-27T07:30:00+00:00",
            "finished": "2026-11-27T07:31:10+00:00",
            "status": "critical",
            "portals": {
                "ca_mau": {
                    "status": "critical",
                    "articles_new": 0,
                    "newest_published": "2026-11-17T15:00:00+07:00",
                    "last_success": "2026-11-20T01:00:00+00:00",
                    "checks": [
                        {
                            "name": "missing_title",
                            "status": "critical",
                            "message": "0 of 40 articles had a title (layout changed?); run "
                            "`newsfeed extract URL` on one and fix the platform's article rules "
                            "<or> the profile's overrides",
                        },
                        {
                            "name": "stale",
                            "status": "warning",
                            "message": "newest article is from 2026-11-17 15:00, 7.7 working "
                            "days ago (usually every 1.0, alert after 3.0)",
                        },
                    ],
                },
                "can_tho": {
                    "status": "ok",
                    "articles_new": 4,
                    "newest_published": "2026-11-27T15:00:00+07:00",
                    "last_success": "2026-11-27T07:31:10+00:00",
                    "checks": [],
                },
            },
            "totals": {},
        }
    )


@pytest.fixture
def page(tmp_path: Path) -> Path:
    with Store(tmp_path / "store.sqlite3") as store:
        fill_store(store)
        return write_status_page(store, PORTALS, tmp_path / "feeds", now=NOW)


def test_status_page_content(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    doc = lxml_html.fromstring(text)
    assert doc.xpath("//html/@lang") == ["vi"]
    sections = doc.xpath("//section[contains(@class,'portal')]")
    assert [s.get("id") for s in sections] == ["ca_mau", "can_tho", "tinh_moi"], "worst first"
    assert [s.get("class") for s in sections] == [
        "portal critical",
        "portal ok",
        "portal unknown",
    ]
    ca_mau = sections[0]
    assert "Nghiêm trọng · Critical" in ca_mau.text_content()
    assert "Lần thành công cuối" in ca_mau.text_content()
    assert "20/11/2026 08:00" in ca_mau.text_content(), "last success, local time"
    checks = ca_mau.xpath(".//ul[@class='checks']/li")
    assert [li.get("class") for li in checks] == ["critical", "warning"]
    assert "<or>" in checks[0].text_content(), "messages are escaped, not markup"
    # one slot per day, with a tooltip; Cần Thơ has no bars on weekends
    can_tho_days = sections[1].xpath(".//svg//g/title/text()")
    assert len(can_tho_days) == DAYS
    assert "21/11/2026: 0 bài / articles" in can_tho_days  # a Saturday
    assert "27/11/2026: 2 bài / articles" in can_tho_days
    # 8 weekends and Vietnam Cultural Day (24/11, a public holiday since 2026)
    assert len(sections[1].xpath(".//svg//rect[@class='rest']")) == 17
    assert "Không có vấn đề · All checks passed" in sections[1].text_content()
    assert "Chưa có báo cáo · No report yet" in sections[2].text_content()


def test_status_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"\ssrc=|@import|url\(", text), "nothing is fetched"
    assert '<meta name="viewport"' in text
    assert [p.name for p in page.parent.iterdir()] == ["status.html"], "no temporary file left"


# -- in a real browser -------------------------------------------------------------------------

SCREENSHOTS = Path(os.environ.get("NEWSFEED_SCREENSHOTS", "/tmp/newsfeed-screenshots"))


def _chromium() -> str:
    return which_tool(
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
        install="apt-get install -y chromium fonts-noto-core",
    )


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_status_page_renders_in_chromium(
    page: Path, tmp_path: Path, width: int, height: int
) -> None:
    browser = _chromium()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"status-{width}x{height}.png"
    shot.unlink(missing_ok=True)
    args = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
        page.as_uri(),
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists(), result.stderr[-2000:]
    assert _png_size(shot) == (width, height)
    assert shot.stat().st_size > 10_000, "a blank page compresses to almost nothing"
    print(f"\nscreenshot: {shot}")
