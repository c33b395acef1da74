"""The SQLite store: one article per guid, categories merged, change detection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsfeed.items import Article, Image
from newsfeed.store.db import Store


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


# -- incremental crawling state ------------------------------------------------------------


def test_listing_state_is_kept_per_category_only_for_stored_articles(tmp_path: Path) -> None:
    from newsfeed.items import ListingItem

    with Store(tmp_path / "s.sqlite3") as store:
        seen = ListingItem(url="u", title="Tiêu đề", published_raw="20/11/2026")
        store.add_categories("tag:newsfeed,2025:p/1", "p", ["tin"], listing=seen)
        assert store.known("tag:newsfeed,2025:p/1", "tin") is None, "not stored: nothing kept"
        t1 = datetime(2026, 11, 20, 1, tzinfo=UTC)
        store.upsert(_article(), now=t1)
        known = store.known("tag:newsfeed,2025:p/1", "tin")
        assert known is not None and known.listed is None and known.first_seen == t1
        store.add_categories("tag:newsfeed,2025:p/1", "p", ["tin"], listing=seen)
        known = store.known("tag:newsfeed,2025:p/1", "tin")
        assert known is not None and known.listed is not None
        assert (known.listed.title, known.listed.published_raw) == ("Tiêu đề", "20/11/2026")
        other = store.known("tag:newsfeed,2025:p/1", "bao_chi")
        assert other is not None and other.listed is None


def test_recheck_due_selects_young_articles_not_fetched_lately(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        old = datetime(2026, 11, 1, tzinfo=UTC)
        young = datetime(2026, 11, 20, 0, tzinfo=UTC)
        store.upsert(_article(guid="old", url="https://p.vn/old"), now=old)
        store.upsert(_article(guid="young", url="https://p.vn/young"), now=young)
        due = store.recheck_due(
            "p",
            "tin",
            first_seen_after=datetime(2026, 11, 19, tzinfo=UTC),
            fetched_before=datetime(2026, 11, 20, 6, tzinfo=UTC),
        )
        assert due == [("young", "https://p.vn/young")]
        assert (
            store.recheck_due(
                "p",
                "tin",
                first_seen_after=datetime(2026, 11, 19, tzinfo=UTC),
                fetched_before=young,
            )
            == []
        )


def test_validators_and_completed_categories(tmp_path: Path) -> None:
    from newsfeed.store.db import Validators

    with Store(tmp_path / "s.sqlite3") as store:
        assert store.validators("https://p.vn/tin") is None
        store.save_validators(
            {
                "https://p.vn/tin": Validators(etag='"abc"', last_modified=None),
                "https://p.vn/bao": Validators(),
            }
        )
        assert store.validators("https://p.vn/tin") == Validators(etag='"abc"')
        assert store.validators("https://p.vn/bao") is None
        store.save_validators({"https://p.vn/tin": Validators()})
        assert store.validators("https://p.vn/tin") is None, "a page without validators forgets"
        assert store.completed_categories("p") == set()
        store.mark_complete("p", ["tin", "bao"])
        assert store.completed_categories("p") == {"tin", "bao"}


# -- near duplicates -------------------------------------------------------------------------

_NOTICE = (
    "Thực hiện Công văn số 1234 của Văn phòng Chính phủ về việc tăng cường công tác phòng chống"
    " dịch bệnh trong mùa mưa bão, Ủy ban nhân dân tỉnh yêu cầu các sở, ban, ngành, địa phương"
    " triển khai ngay các biện pháp kiểm tra, giám sát, bảo đảm nước sạch, vệ sinh môi trường và"
    " chuẩn bị đầy đủ thuốc men, vật tư y tế tại các trạm y tế xã, phường trước ngày 30 tháng 11."
)
_OTHER = (
    "Sáng nay, đoàn công tác của Sở Thông tin và Truyền thông đã làm việc với Trung tâm chuyển"
    " đổi số thành phố về tiến độ triển khai nền tảng dữ liệu dùng chung, kết nối hệ thống một"
    " cửa điện tử và cổng dịch vụ công, đồng thời ghi nhận các kiến nghị về kinh phí đầu tư."
)


def _copy(portal: str, n: int, text: str) -> Article:
    return _article(
        guid=f"tag:newsfeed,2025:{portal}/{n}",
        portal=portal,
        url=f"https://{portal}.vn/{n}",
        canonical_url=f"https://{portal}.vn/{n}",
        title=f"Tin {portal} {n}",
        body_text=text,
    )


def test_near_duplicates_across_portals_link_each_other(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert(_copy("a", 1, _NOTICE))
        store.upsert(_copy("b", 1, "Tin từ Văn phòng Chính phủ. " + _NOTICE + " Theo VGP."))
        store.upsert(_copy("c", 1, _NOTICE.replace("30 tháng 11", "1 tháng 12")))
        store.upsert(_copy("a", 2, _OTHER))
        store.upsert(_copy("d", 1, "Ngắn quá."))
        assert store.near_duplicate_clusters() == [
            ["tag:newsfeed,2025:a/1", "tag:newsfeed,2025:b/1", "tag:newsfeed,2025:c/1"]
        ]
        links = store.also_published("tag:newsfeed,2025:a/1")
        assert [(link.url, link.title) for link in links] == [
            ("https://b.vn/1", "Tin b 1"),
            ("https://c.vn/1", "Tin c 1"),
        ]
        assert [link.url for link in store.also_published("tag:newsfeed,2025:c/1")] == [
            "https://a.vn/1",
            "https://b.vn/1",
        ]
        assert store.also_published("tag:newsfeed,2025:a/2") == []
        assert store.also_published("tag:newsfeed,2025:d/1") == []
        # a copy on the same portal is clustered but never listed as "also published"
        store.upsert(_copy("a", 3, _NOTICE + " Cập nhật."))
        assert [link.url for link in store.also_published("tag:newsfeed,2025:a/1")] == [
            "https://b.vn/1",
            "https://c.vn/1",
        ]


def test_a_changed_article_leaves_its_cluster_and_the_rest_stay_linked(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert(_copy("a", 1, _NOTICE))
        store.upsert(_copy("b", 1, _NOTICE + " Theo VGP."))
        store.upsert(_copy("c", 1, "Nguồn: Chính phủ. " + _NOTICE))
        assert len(store.near_duplicate_clusters()[0]) == 3
        assert store.upsert(_copy("a", 1, _OTHER)) == "updated"
        assert store.near_duplicate_clusters() == [
            ["tag:newsfeed,2025:b/1", "tag:newsfeed,2025:c/1"]
        ]
        assert store.also_published("tag:newsfeed,2025:a/1") == []


def test_articles_stored_before_sketches_are_indexed_once(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert(_copy("a", 1, _NOTICE))
        store.upsert(_copy("b", 1, _NOTICE))
        # a store from before near-duplicate detection: no sketch, no sketch version
        store.db.execute("DELETE FROM near_duplicates")
        store.db.execute("DELETE FROM near_duplicate_anchors")
        store.db.execute("DELETE FROM store_meta")
        assert store.also_published("tag:newsfeed,2025:a/1") == []
        assert store.index_missing_near_duplicates() == 2
        assert store.index_missing_near_duplicates() == 0
        assert [link.url for link in store.also_published("tag:newsfeed,2025:a/1")] == [
            "https://b.vn/1"
        ]


def test_sketches_of_an_older_hash_are_replaced(tmp_path: Path) -> None:
    """Sketches of another version cannot be compared with new ones: all are made again."""
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert(_copy("a", 1, _NOTICE))
        # what the BLAKE2b-per-shingle version left: other hashes, clusters of their own
        store.db.execute("UPDATE near_duplicates SET sketch = zeroblob(512), cluster_id = guid")
        store.db.execute("UPDATE near_duplicate_anchors SET anchor = anchor + 1")
        store.db.execute("UPDATE store_meta SET value = 'blake2b' WHERE key = 'near_duplicates'")
    with Store(tmp_path / "s.sqlite3") as store:
        assert store.index_missing_near_duplicates() == 1
        store.upsert(_copy("b", 1, _NOTICE + " Theo VGP."))
        assert [link.url for link in store.also_published("tag:newsfeed,2025:a/1")] == [
            "https://b.vn/1"
        ]
        assert store.index_missing_near_duplicates() == 0
