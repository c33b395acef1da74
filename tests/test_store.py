"""The SQLite store: one article per guid, categories merged, change detection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsfeed.items import Article, Image
from newsfeed.store import Store


def _article(**changes: object) -> Article:
    base = Article(
        url="https://portal.vn/vi/tin/-/view_content/1-a.html",
        canonical_url="https://portal.vn/vi/tin/-/view_content/1-a.html",
        guid="tag:newsfeed,2025:p/1",
        portal="p",
        categories=("tin",),
        title="Tiêu đề",
        published="2026-11-20T08:00:00+07:00",
        body_html="<p>Nội dung</p>",
        body_text="Nội dung",
        images=(Image(url="https://portal.vn/a.jpg", caption="Ảnh"),),
    )
    return base.replace(**changes)


def test_upsert_new_unchanged_updated(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        t1 = datetime(2026, 11, 20, 1, tzinfo=UTC)
        t2 = datetime(2026, 11, 21, 1, tzinfo=UTC)
        assert store.upsert(_article(), now=t1) == "new"
        assert store.upsert(_article(), now=t2) == "unchanged"
        stored = store.get("tag:newsfeed,2025:p/1")
        assert stored is not None and stored.first_seen == t1 and stored.last_seen == t2
        assert stored.changed is None
        assert store.upsert(_article(body_text="Nội dung mới"), now=t2) == "updated"
        stored = store.get("tag:newsfeed,2025:p/1")
        assert stored is not None and stored.changed == t2 and stored.first_seen == t1


def test_same_article_two_categories_is_one_row(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert(_article(categories=("tin",)))
        # the same guid reached from another category URL
        second = _article(
            categories=("bao_chi",), url="https://portal.vn/vi/bao-chi/-/view_content/1-a.html"
        )
        assert store.upsert(second) == "unchanged"
        assert store.count() == 1
        assert [s.article.guid for s in store.articles(portal="p", category="tin")] == [
            "tag:newsfeed,2025:p/1"
        ]
        assert [s.article.categories for s in store.articles(portal="p", category="bao_chi")] == [
            ("bao_chi", "tin")
        ]
        assert store.guid_for_url(second.url) == "tag:newsfeed,2025:p/1"


def test_categories_for_unknown_guid_are_ignored(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.add_categories("tag:newsfeed,2025:p/404", "p", ["tin"])
        assert store.articles(portal="p", category="tin") == []


def test_articles_newest_first_and_limit(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        for day in (3, 1, 2):
            store.upsert(
                _article(guid=f"g{day}", published=f"2026-11-0{day}T08:00:00+07:00", url=f"u{day}")
            )
        assert [s.article.guid for s in store.articles(portal="p")] == ["g3", "g2", "g1"]
        assert [s.article.guid for s in store.articles(portal="p", limit=2)] == ["g3", "g2"]
        assert store.newest_published("p") == "2026-11-03T08:00:00+07:00"


def test_reports_round_trip(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.save_report({"run_id": "a", "started": "2026-11-01T00:00:00", "status": "ok"})
        store.save_report({"run_id": "b", "started": "2026-11-02T00:00:00", "status": "warning"})
        assert [r["run_id"] for r in store.reports()] == ["b", "a"]
