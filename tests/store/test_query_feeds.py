"""newsfeed.store.query_feeds: how a feed build reads the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsfeed.items import Article
from newsfeed.store import query_feeds
from newsfeed.store.db import Store
from newsfeed.store.query_feeds import BUILD_PAGE_CACHE_KIB, build_page_cache


def cache_size(store: Store) -> int:
    return int(store.db.execute("PRAGMA cache_size").fetchone()[0])


def test_the_page_cache_is_small_while_a_build_reads_and_restored_after(tmp_path: Path) -> None:
    with Store(tmp_path / "newsfeed.sqlite3") as store:
        crawl = cache_size(store)
        assert crawl < -BUILD_PAGE_CACHE_KIB  # the crawl's, in KiB (negative: KiB, not pages)
        with build_page_cache(store):
            assert cache_size(store) == -BUILD_PAGE_CACHE_KIB
        assert cache_size(store) == crawl
        with pytest.raises(RuntimeError), build_page_cache(store, kib=1024):
            assert cache_size(store) == -1024
            raise RuntimeError("the build failed")
        assert cache_size(store) == crawl


def test_a_feeds_worth_of_reads_answers_as_the_store_does_article_by_article(
    tmp_path: Path,
) -> None:
    text = (
        "Ủy ban nhân dân tỉnh vừa ban hành kế hoạch triển khai công tác cải cách hành chính năm"
        " 2026, tập trung nâng cao chất lượng giải quyết thủ tục hành chính, số hóa hồ sơ và"
        " đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình cho người dân, doanh nghiệp."
    )
    now = datetime(2026, 11, 30, tzinfo=UTC)
    with Store(tmp_path / "newsfeed.sqlite3") as store:
        for portal, n, body, categories in [
            ("a", 1, text, ("tin", "su_kien")),
            ("b", 1, "Theo VGP. " + text, ("thoi_su",)),  # a near-duplicate of a/1
            ("c", 1, text + " (PV)", ("tin",)),  # and another
            ("a", 2, "Một tin khác hẳn, về giao thông nông thôn.", ()),
        ]:
            url = f"https://{portal}.gov.vn/tin/{n}"
            store.upsert(
                Article(
                    url=url,
                    canonical_url=url,
                    guid=f"tag:newsfeed,2025:{portal}/{n}",
                    portal=portal,
                    categories=categories,
                    title=f"Bài {portal} {n}",
                    published=f"2026-11-{n:02d}T08:00:00+07:00",
                    body_text=body,
                ),
                now=now,
            )
        guids = [f"tag:newsfeed,2025:{key}" for key in ("c/1", "a/2", "a/1", "b/1", "gone/9")]
        guids.append(guids[0])  # a guid twice is asked once
        assert query_feeds.categories(store, guids) == {g: store.categories_of(g) for g in guids}
        elsewhere = query_feeds.also_published(store, guids)
        assert elsewhere == {g: tuple(store.also_published(g)) for g in guids}
        assert len(elsewhere["tag:newsfeed,2025:a/1"]) == 2  # b's and c's copies, in order
        stored = query_feeds.stored_articles(store, guids)
        assert stored == {g: store.get(g) for g in guids if store.get(g) is not None}
        assert set(stored) == set(guids) - {"tag:newsfeed,2025:gone/9"}
        assert stored["tag:newsfeed,2025:a/1"].article.categories == ("su_kien", "tin")
        # categories the caller read already (for a feed's digest) are what the articles carry
        planned = dict.fromkeys(guids, ("da_doc",))
        assert query_feeds.stored_articles(store, guids, planned)["tag:newsfeed,2025:a/1"] == (
            replace(
                stored["tag:newsfeed,2025:a/1"],
                article=stored["tag:newsfeed,2025:a/1"].article.replace(categories=("da_doc",)),
            )
        )
        del planned["tag:newsfeed,2025:a/1"]  # one unknown: all are read
        assert query_feeds.stored_articles(store, guids, planned) == stored


def test_reads_of_more_articles_than_one_statement_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query_feeds, "CHUNK", 2)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    with Store(tmp_path / "newsfeed.sqlite3") as store:
        guids = []
        for n in range(5):
            url = f"https://a.gov.vn/tin/{n}"
            guids.append(f"tag:newsfeed,2025:a/{n}")
            store.upsert(
                Article(
                    url=url,
                    canonical_url=url,
                    guid=guids[-1],
                    portal="a",
                    categories=(f"muc_{n % 2}",),
                    title=f"Bài {n}",
                    body_text=f"Tin số {n} về một việc riêng của nó, số {n * 7919}.",
                ),
                now=now,
            )
        assert query_feeds.categories(store, guids) == {g: store.categories_of(g) for g in guids}
        assert query_feeds.stored_articles(store, guids) == {g: store.get(g) for g in guids}


def test_a_category_feeds_rows_are_the_stores_whichever_way_they_are_read(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    with Store(tmp_path / "newsfeed.sqlite3") as store:
        for n in range(60):
            url = f"https://a.gov.vn/tin/{n}"
            store.upsert(
                Article(
                    url=url,
                    canonical_url=url,
                    guid=f"tag:newsfeed,2025:a/{n}",
                    portal="a",
                    # "nho": three of the oldest; every fifth shares its minute (ties by guid)
                    categories=("lon", "nho") if n in (3, 5, 8) else ("lon",),
                    title=f"Bài {n}",
                    published=f"2026-11-{n // 5 + 1:02d}T08:00:00+07:00",
                    body_text=f"Tin số {n} về một việc riêng của nó, số {n * 7919}.",
                ),
                now=now,
            )
        statements: list[str] = []
        store.db.raw.set_trace_callback(statements.append)
        for category, limit, read_by_guid in [
            ("nho", 10, True),  # 3 rows of 60: read them
            ("nho", 2, True),
            ("lon", 10, False),  # the whole portal: walk it newest first
            ("lon", 60, False),  # every row needed, still the cheaper walk
            ("khong_co", 10, True),
        ]:
            statements.clear()
            rows = query_feeds.feed_rows(store, portal="a", category=category, limit=limit)
            assert rows == store.feed_rows(portal="a", category=category, limit=limit)
            assert any("CROSS JOIN" in sql for sql in statements) == read_by_guid
        assert [r.guid.rsplit("/")[-1] for r in rows] == []
        nho = query_feeds.feed_rows(store, portal="a", category="nho", limit=10)
        assert [r.guid.rsplit("/")[-1] for r in nho] == ["5", "8", "3"]  # 5 and 8: one day, by guid
