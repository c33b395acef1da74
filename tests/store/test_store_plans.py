"""No statement of the store scans a table that grows with it (EXPLAIN QUERY PLAN).

Every public :class:`Store` method runs once on a small store while SQLite's trace hook records
each statement it executes (with its values bound); then each statement's query plan must not
``SCAN`` a growing table. A missing index makes a crawl O(n²): one upsert cost 2 ms at 1k
articles and 100 ms at 100k when the near-duplicate anchors had no index on ``guid``.

A new Store method fails the coverage check until the scenario below calls it, so no
statement escapes the plan check. A method that reads the whole store by design is listed in
:data:`WHOLE_STORE` with the reason.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsfeed.items import Article, ListingItem
from newsfeed.store import query_feeds
from newsfeed.store.db import StateRow, Store, Validators
from newsfeed.store.dialect import Connection

SMALL_TABLES = {
    "discovered_categories",
    "category_crawls",
    "store_meta",
    "schema_migrations",
    "portal_state",
    "store_generation",
}
"""Tables with a row per portal or category, or a handful: a scan of them costs nothing."""

WHOLE_STORE: dict[str, str] = {
    "count": "the store's size: a count reads every row",
    "near_duplicate_clusters": "every cluster, for reports and tests",
    "index_missing_near_duplicates": "re-sketches every article, once, after a sketch change",
    "articles": "without a portal: every article (exports, tests); feeds always name one",
}
NOT_SQL = {"backend", "close", "transaction"}

_ALIAS_RE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO|,)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.I)
_SCAN_RE = re.compile(r"^SCAN (\w+)( USING (?:COVERING )?INDEX \w+)?")
# "--": what SQLite traces of the statements the FTS5 module runs on its own shadow tables
_NOT_QUERIES = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "CREATE", "--")


class _Recorder:
    """Which Store method ran which statements."""

    def __init__(self, store: Store) -> None:
        self.method = "?"
        self.called: set[str] = set()
        self.statements: list[tuple[str, str]] = []
        store.db.raw.set_trace_callback(self._trace)
        for name in _public_methods():
            setattr(store, name, self._wrap(name, getattr(store, name)))

    def _trace(self, sql: str) -> None:
        self.statements.append((self.method, sql))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            outer, self.method = self.method, name
            self.called.add(name)
            try:
                result = method(*args, **kwargs)
                if isinstance(result, Iterator):
                    result = list(result)
                return result
            finally:
                self.method = outer

        return run


def _public_methods() -> list[str]:
    return [
        name
        for name, _ in inspect.getmembers(Store, predicate=inspect.isfunction)
        if not name.startswith("_") and name not in NOT_SQL
    ]


def _article(portal: str, n: int, text: str, **changes: Any) -> Article:
    url = f"https://{portal}.gov.vn/vi/tin/-/view_content/{n}-bai"
    return Article(
        url=url,
        canonical_url=url,
        guid=f"tag:newsfeed,2025:{portal}/{n}",
        portal=portal,
        categories=("tin", "su_kien"),
        title=f"Bài {n}",
        published=f"2026-11-{n % 28 + 1:02d}T08:00:00+07:00",
        body_text=text,
    ).replace(**changes)


_TEXT = (
    "Ủy ban nhân dân tỉnh vừa ban hành kế hoạch triển khai công tác cải cách hành chính năm"
    " 2026, tập trung nâng cao chất lượng giải quyết thủ tục hành chính, số hóa hồ sơ và đẩy"
    " mạnh cung cấp dịch vụ công trực tuyến toàn trình cho người dân, doanh nghiệp."
)


def _scenario(store: Store) -> None:
    """Every public method, with arguments that reach its statements."""
    now = datetime(2026, 11, 30, tzinfo=UTC)
    for n in range(30):
        store.upsert(_article("a", n, f"Tin số {n}. " + " ".join(_TEXT.split()[n % 7 :])), now=now)
    store.upsert(_article("b", 1, _TEXT + " Theo VGP."), now=now)
    store.upsert(_article("b", 1, _TEXT + " Theo VGP."), now=now)  # unchanged
    store.upsert(_article("b", 1, "Nguồn: Chính phủ. " + _TEXT), now=now)  # updated
    guid = "tag:newsfeed,2025:a/1"
    listing = ListingItem(url="https://a.gov.vn/1", title="Bài 1", published_raw="30/11/2026")
    store.add_categories(guid, "a", ["tin", "thong_bao"], listing=listing, now=now)
    store.add_categories(guid, "a", ["tin"], now=now)
    store.known(guid, "tin")
    store.recheck_due(
        "a", "tin", first_seen_after=now - timedelta(days=2), fetched_before=now + timedelta(1)
    )
    store.least_recently_checked(
        "a", published_after=now - timedelta(days=90), checked_before=now, limit=10
    )
    store.guid_for_url("https://a.gov.vn/1")
    store.get(guid)
    store.articles(portal="a", category="tin", limit=10)
    store.articles(portal="a", limit=10)
    store.articles(limit=10)
    store.feed_rows(portal="a", category="tin", limit=10)
    store.feed_rows(portal="a", limit=10)
    store.count()
    store.count("a")
    store.generation()
    store.newest_published("a")
    store.published_history("a", 10)
    store.first_seen_min("a")
    store.published_of_new("a", now - timedelta(hours=1))
    store.dates_since("a", now - timedelta(days=30))
    store.categories_of(guid)
    store.save_validators(
        {"https://a.gov.vn/tin": Validators(etag='"1"'), "https://a.gov.vn/x": Validators()}
    )
    store.validators("https://a.gov.vn/tin")
    store.mark_complete("a", ["tin"])
    store.completed_categories("a")
    store.remember_discovered("a", "tin", "https://a.gov.vn/tin")
    store.discovered_url("a", "tin")
    store.remember_discovered("a", "tin", None)
    store.also_published("tag:newsfeed,2025:b/1")
    # the feed build's batched reads (newsfeed.store.query_feeds), checked here too
    feed = [guid, "tag:newsfeed,2025:a/2", "tag:newsfeed,2025:b/1"]
    query_feeds.feed_rows(store, portal="a", category="tin", limit=10)  # walks the portal
    query_feeds.feed_rows(store, portal="a", category="thong_bao", limit=10)  # reads its rows
    query_feeds.categories(store, feed)
    query_feeds.also_published(store, feed)
    query_feeds.stored_articles(store, feed)
    store.near_duplicate_clusters()
    store.db.execute("DELETE FROM store_meta")  # as in a store from an older version
    store.index_missing_near_duplicates()
    store.index_missing_near_duplicates()
    store.record_failure("https://a.gov.vn/gone", "a", "404")
    store.record_failure("https://a.gov.vn/gone", "a", "404")
    store.gone_since("https://a.gov.vn/gone", ["404"])
    store.save_report({"run_id": "r1", "started": now.isoformat(), "status": "ok"})
    store.reports(limit=5)
    store.save_state(
        StateRow(portal="p", run_id="r1", finished=now.isoformat(), status="ok", data={})
    )
    store.states()
    store.set_announced("p", "ok")
    store.report("nope")
    store.reports_since(now)


def _tables(db: Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r[0]) for r in rows}


def _full_scans(db: Connection, sql: str, growing: set[str]) -> list[str]:
    """The growing tables ``sql`` reads whole; an ordered index scan under LIMIT is bounded."""
    names = {t: t for t in growing}
    for table, alias in _ALIAS_RE.findall(sql):
        if table in growing and alias:
            names[alias] = table
    scans = []
    for row in db.execute("EXPLAIN QUERY PLAN " + sql):
        match = _SCAN_RE.match(str(row[3]))
        if match is None or match.group(1) not in names:
            continue
        if match.group(2) and re.search(r"\bLIMIT\b", sql, re.I):
            continue
        scans.append(f"{names[match.group(1)]}: {row[3]}")
    return scans


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Store, _Recorder]:
    store = Store(tmp_path / "s.sqlite3")
    recorder = _Recorder(store)
    _scenario(store)
    store.db.raw.set_trace_callback(None)
    return store, recorder


def test_every_store_method_is_in_the_scenario(recorded: tuple[Store, _Recorder]) -> None:
    _store, recorder = recorded
    missing = sorted(set(_public_methods()) - recorder.called)
    assert not missing, (
        f"Store methods not exercised by {__name__}._scenario: {missing}; add a call there so"
        " their statements are checked for full scans"
    )


def test_no_statement_scans_a_growing_table(recorded: tuple[Store, _Recorder]) -> None:
    store, recorder = recorded
    growing = _tables(store.db) - SMALL_TABLES
    failures: list[str] = []
    checked = 0
    for method, sql in dict.fromkeys(recorder.statements):
        if sql.lstrip().upper().startswith(_NOT_QUERIES):
            continue
        checked += 1
        scans = _full_scans(store.db, sql, growing)
        if scans and method not in WHOLE_STORE:
            failures.append(f"Store.{method}: {sql[:120]!r} -> {'; '.join(scans)}")
    store.close()
    assert checked > 40, "the trace hook recorded too few statements to mean anything"
    assert not failures, "full scans of growing tables (add an index):\n" + "\n".join(failures)


def test_the_plan_check_sees_a_missing_index(tmp_path: Path) -> None:
    """The check itself: without the anchors' guid index, re-sketching an article scans."""
    with Store(tmp_path / "s.sqlite3") as store:
        store.db.execute("DROP INDEX near_duplicate_anchors_guid")
        growing = _tables(store.db) - SMALL_TABLES
        sql = "DELETE FROM near_duplicate_anchors WHERE guid = 'x'"
        assert _full_scans(store.db, sql, growing) == [
            "near_duplicate_anchors: SCAN near_duplicate_anchors"
        ]
        aliased = "SELECT a.url FROM articles a WHERE a.url = 'x'"
        assert _full_scans(store.db, aliased, growing) == ["articles: SCAN a"]


def test_a_new_article_costs_a_few_statements(tmp_path: Path) -> None:
    """Row, categories, URLs, sketch, anchors, candidates: not one statement per anchor."""
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert(_article("a", 1, _TEXT))
        statements: list[str] = []
        store.db.raw.set_trace_callback(statements.append)
        store.upsert(_article("b", 1, _TEXT + " Theo VGP."))
        store.db.raw.set_trace_callback(None)
        # the full-text index adds three: its version, the article's id, its row (FTS5's
        # own statements on its shadow tables, traced as "-- ...", are not counted; nor the
        # generation counter's triggers, which Python traces as their statement again)
        own = [
            s
            for i, s in enumerate(statements)
            if not s.startswith("--") and (i == 0 or s != statements[i - 1])
        ]
        assert len(own) <= 15, own
        assert len(store.near_duplicate_clusters()) == 1
