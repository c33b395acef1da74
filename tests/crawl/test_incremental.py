"""Incremental crawling: conditional GET of listings, re-checks of article pages.

The spider's decisions are unit-tested with frozen times; the crawls run the real spider (in
this process, :mod:`tests.crawling`) against the bundled demo portal on 127.0.0.1 (it answers
If-Modified-Since with 304) or a WARC replay of the corpus mini-site.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsfeed.config import Config
from newsfeed.crawl.spiders.portal import RecheckPolicy, recheck_reason
from newsfeed.demo import demo_profile_data
from newsfeed.items import ListingItem
from newsfeed.portals import Registry, portal_from_dict
from newsfeed.store.db import KnownArticle
from tests.crawling import crawl_here
from tests.servers import serve_demo

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
POLICY = RecheckPolicy(window=timedelta(hours=48), every=timedelta(hours=6))
LISTED = ListingItem(url="https://p.vn/1", title="Tiêu đề", published_raw="27/11/2026 07:00")


def _known(age: timedelta, fetched: timedelta, listed: ListingItem | None = LISTED) -> KnownArticle:
    return KnownArticle(
        guid="g",
        url="https://p.vn/1",
        first_seen=NOW - age,
        last_seen=NOW - fetched,
        listed=listed,
    )


@pytest.mark.parametrize(
    ("age", "fetched", "expected"),
    [
        (timedelta(hours=1), timedelta(hours=1), None),  # young, fetched lately
        (timedelta(hours=7), timedelta(hours=6), "window"),  # young, due
        (timedelta(hours=47), timedelta(hours=20), "window"),
        (timedelta(hours=48), timedelta(hours=48), None),  # out of the window: never again
        (timedelta(days=30), timedelta(days=30), None),
    ],
)
def test_recheck_window(age: timedelta, fetched: timedelta, expected: str | None) -> None:
    assert recheck_reason(_known(age, fetched), LISTED, NOW, POLICY) == expected


def test_a_listing_change_always_triggers_a_recheck() -> None:
    old = _known(timedelta(days=30), timedelta(days=30))
    retitled = ListingItem(url=LISTED.url, title="Tiêu đề (sửa)", published_raw="27/11/2026 07:00")
    redated = ListingItem(url=LISTED.url, title="Tiêu đề", published_raw="27/11/2026 09:00")
    assert recheck_reason(old, retitled, NOW, POLICY) == "listing_changed"
    assert recheck_reason(old, redated, NOW, POLICY) == "listing_changed"
    # whitespace and Unicode normalization are not a change
    nfd = ListingItem(url=LISTED.url, title="Tie\u0302u  đề ", published_raw=" 27/11/2026 07:00")
    assert recheck_reason(old, nfd, NOW, POLICY) is None
    # nothing recorded yet (a store from before, or a new category): this run records it
    assert (
        recheck_reason(_known(timedelta(days=30), timedelta(days=30), None), retitled, NOW, POLICY)
        is None
    )


def test_window_zero_disables_rechecks() -> None:
    off = RecheckPolicy(window=timedelta(0))
    assert recheck_reason(_known(timedelta(hours=7), timedelta(hours=7)), LISTED, NOW, off) is None


# -- conditional GET against a real HTTP server on 127.0.0.1 ----------------------------------


def _crawl_demo(reactor: Any, base_url: str, var_dir: Path) -> dict[str, Any]:
    portal = portal_from_dict(demo_profile_data(base_url), source="demo profile")
    return crawl_here(reactor, [portal], Config(var_dir=var_dir)).report


def test_unchanged_listings_answer_304_and_nothing_is_fetched(
    reactor_thread: Any, tmp_path: Path
) -> None:
    with serve_demo() as base_url:
        first = _crawl_demo(reactor_thread, base_url, tmp_path / "var")["portals"]["demo"]
        with sqlite3.connect(tmp_path / "var" / "newsfeed.sqlite3") as db:
            saved = db.execute("SELECT count(*) FROM http_validators").fetchone()[0]
        second = _crawl_demo(reactor_thread, base_url, tmp_path / "var")["portals"]["demo"]
    assert first["articles_new"] == 11 and first["listing_pages_not_modified"] == 0
    assert saved == first["listing_pages_fetched"], "every listing page's Last-Modified kept"
    # one conditional GET per category, answered 304: no pagination, no article page
    assert second["listing_pages_not_modified"] == 2
    assert second["listing_pages_fetched"] == 0
    assert second["article_pages_fetched"] == 0
    assert second["articles_rechecked"] == 0
    assert second["http_errors"] == {}
    assert second["status"] == "ok", second["checks"]


# -- re-checks on the corpus mini-site -------------------------------------------------------


def _crawl(reactor: Any, warc: Path, cwd: Path) -> dict[str, Any]:
    portal = Registry().get("sotttt_hanoi")
    crawl = crawl_here(reactor, [portal], Config(var_dir=cwd / "var"), replay=warc)
    return crawl.report["portals"]["sotttt_hanoi"]  # type: ignore[no-any-return]


def test_rechecks_inside_the_window_and_on_listing_changes(
    reactor_thread: Any, liferay_warc: Path, tmp_path: Path
) -> None:
    first = _crawl(reactor_thread, liferay_warc, tmp_path)
    assert first["articles_new"] == 20 and first["articles_rechecked"] == 0
    store = tmp_path / "var" / "newsfeed.sqlite3"
    now = datetime.now(UTC)

    # young articles last fetched 7 h ago: each is fetched once more, content unchanged
    with sqlite3.connect(store) as db:
        db.execute(
            "UPDATE articles SET first_seen = ?, last_seen = ?",
            ((now - timedelta(hours=8)).isoformat(), (now - timedelta(hours=7)).isoformat()),
        )
    second = _crawl(reactor_thread, liferay_warc, tmp_path)
    assert second["articles_rechecked"] == 20
    assert second["article_pages_fetched"] == 20
    assert (second["articles_unchanged"], second["articles_updated"]) == (20, 0)
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM articles WHERE changed IS NULL").fetchone()[0] == 20

    # old articles: fetched again only where the listing shows another title
    with sqlite3.connect(store) as db:
        old = (now - timedelta(days=30)).isoformat()
        db.execute("UPDATE articles SET first_seen = ?, last_seen = ?", (old, old))
        db.execute(
            "UPDATE listing_state SET title = 'Tiêu đề cũ'"
            " WHERE guid = 'tag:newsfeed,2025:sotttt_hanoi/4409341'"
            " AND category = 'tin_tuc_su_kien'"
        )
    third = _crawl(reactor_thread, liferay_warc, tmp_path)
    assert third["articles_rechecked"] == 1
    assert third["article_pages_fetched"] == 1
    with sqlite3.connect(store) as db:
        (title,) = db.execute(
            "SELECT title FROM listing_state WHERE guid = 'tag:newsfeed,2025:sotttt_hanoi/4409341'"
            " AND category = 'tin_tuc_su_kien'"
        ).fetchone()
    assert title != "Tiêu đề cũ", "the listing as now shown is recorded after the fetch"
    fourth = _crawl(reactor_thread, liferay_warc, tmp_path)
    assert (fourth["articles_rechecked"], fourth["article_pages_fetched"]) == (0, 0)


def test_an_edit_of_an_older_article_is_noticed_by_the_recheck_budget(
    reactor_thread: Any, liferay_warc: Path, tmp_path: Path
) -> None:
    """Out of the young window and unchanged on its listing, an article is still fetched again
    when its turn in the budget comes (checked longest ago), and its new content replaces the
    stored one."""
    portal = Registry().get("sotttt_hanoi")

    def crawl(budget: int) -> dict[str, Any]:
        config = Config(var_dir=tmp_path / "var", recheck_budget=budget)
        report = crawl_here(reactor_thread, [portal], config, replay=liferay_warc).report
        return report["portals"]["sotttt_hanoi"]  # type: ignore[no-any-return]

    assert crawl(1)["articles_new"] == 20
    store = tmp_path / "var" / "newsfeed.sqlite3"
    now = datetime.now(UTC)
    edited = "tag:newsfeed,2025:sotttt_hanoi/4409341"
    with sqlite3.connect(store) as db:
        (title,) = db.execute(
            "SELECT json_extract(data, '$.title') FROM articles WHERE guid = ?", (edited,)
        ).fetchone()
        # published 10 days ago, checked 20 days ago; the edited one 21 days ago, as it was
        # stored before the portal corrected it
        db.execute(
            "UPDATE articles SET sort_key = ?, first_seen = ?, last_seen = ?",
            (
                (now - timedelta(days=10)).isoformat(),
                (now - timedelta(days=20)).isoformat(),
                (now - timedelta(days=20)).isoformat(),
            ),
        )
        db.execute(
            "UPDATE articles SET last_seen = ?, content_hash = 'old',"
            " data = json_set(data, '$.title', 'Tiêu đề trước khi sửa') WHERE guid = ?",
            ((now - timedelta(days=21)).isoformat(), edited),
        )
    second = crawl(1)
    assert second["articles_rechecked"] == 1
    assert (second["articles_updated"], second["articles_unchanged"]) == (1, 0)
    with sqlite3.connect(store) as db:
        stored_title, changed = db.execute(
            "SELECT json_extract(data, '$.title'), changed FROM articles WHERE guid = ?", (edited,)
        ).fetchone()
    assert stored_title == title and changed is not None
    # the next run takes the next article in line, and a budget of 0 takes none
    third = crawl(1)
    assert (third["articles_rechecked"], third["articles_unchanged"]) == (1, 1)
    assert crawl(0)["articles_rechecked"] == 0
