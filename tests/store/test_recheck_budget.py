"""The re-check budget over simulated runs, the clock frozen at each run's time: every article
of the last 90 days is checked again within a week at the README's cron cadence, oldest check
first, and nothing older is asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsfeed.config import RECHECK_DAYS
from newsfeed.items import Article
from newsfeed.store.db import Store

START = datetime(2026, 11, 1, tzinfo=UTC)
CRON = timedelta(minutes=30)
RUNS_A_WEEK = 7 * 24 * 2
BUDGET = 2
EVERY = timedelta(hours=6)


def _article(i: int, published: datetime) -> Article:
    url = f"https://p.gov.vn/vi/tin/-/view_content/{i}-bai-{i}"
    return Article(
        url=url,
        canonical_url=url,
        guid=f"tag:newsfeed,2025:p/{i}",
        portal="p",
        categories=("tin",),
        title=f"Bài {i}",
        published=published.isoformat(),
        body_html=f"<p>Nội dung bài {i}</p>",
        body_text=f"Nội dung bài {i}",
    )


def test_every_article_of_the_last_90_days_is_rechecked_within_a_week(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")
    # as many recent articles as the budget covers in a week, spread over the days that stay
    # within the last 90 all week, and some older ones; all stored (checked) a month before
    recent = BUDGET * RUNS_A_WEEK
    span = timedelta(days=RECHECK_DAYS - 7)
    articles = [_article(i, START - span * (i + 0.5) / recent) for i in range(recent)]
    old = [_article(recent + i, START - timedelta(days=RECHECK_DAYS + 1 + i)) for i in range(20)]
    for n, article in enumerate(articles + old):
        store.upsert(article, now=START - timedelta(days=30) + timedelta(seconds=n))
    by_guid = {a.guid: a for a in articles + old}
    checked: dict[str, int] = {}
    for run in range(RUNS_A_WEEK):
        now = START + run * CRON
        due = store.least_recently_checked(
            "p",
            published_after=now - timedelta(days=RECHECK_DAYS),
            checked_before=now - EVERY,
            limit=BUDGET,
        )
        assert len(due) == BUDGET
        for guid, url, category in due:
            assert category == "tin" and url == by_guid[guid].url
            checked[guid] = checked.get(guid, 0) + 1
            store.upsert(by_guid[guid], now=now)  # fetched again, unchanged
    assert set(checked) == {a.guid for a in articles}, "every recent article, none older"
    assert set(checked.values()) == {1}, "each once: the oldest check goes first"
    store.close()


def test_no_budget_no_recheck(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")
    store.upsert(_article(1, START - timedelta(days=3)), now=START - timedelta(days=2))
    assert (
        store.least_recently_checked(
            "p", published_after=START - timedelta(days=90), checked_before=START, limit=0
        )
        == []
    )
    assert store.least_recently_checked(
        "p", published_after=START - timedelta(days=90), checked_before=START, limit=5
    ) == [("tag:newsfeed,2025:p/1", "https://p.gov.vn/vi/tin/-/view_content/1-bai-1", "tin")]
    store.close()
