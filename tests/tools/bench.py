"""``make bench``: how fast extraction and feed building are, measured, never asserted.

Extraction runs over every fixture page (and the real corpus pages when present); the feed
builder over a synthetic store of N articles. Prints medians, 95th percentiles and peak memory.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from newsfeed.feeds.render import FeedEntry, FeedSpec, write_feeds
from newsfeed.items import Article
from newsfeed.platforms.extract import extract_page
from newsfeed.portals import Registry
from newsfeed.store import fulltext
from newsfeed.store.db import Store, content_hash, sort_key

REPO = Path(__file__).resolve().parents[2]


def _pages() -> Iterator[tuple[bytes, str, str | None]]:
    for meta_path in sorted((REPO / "tests" / "fixtures").glob("*/*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        page = meta_path.with_name(meta_path.name.replace(".meta.json", ".html"))
        yield page.read_bytes(), meta["url"], meta.get("content_type")
    corpus = Path(os.environ.get("NEWSFEED_CORPUS", REPO.parent / "shared" / "corpus"))
    mirror = corpus / "liferay-sotttt-hanoi" / "source"
    for path in sorted(mirror.glob("vi/tin-tuc-su-kien/-/view_content/*.html")):
        yield path.read_bytes(), f"https://sotttt.hanoi.gov.vn/{path.relative_to(mirror)}", None


def _measure(label: str, runs: list[Callable[[], object]], repeat: int) -> None:
    for run in runs:  # warm caches and imports
        run()
    times: list[float] = []
    for _ in range(repeat):
        for run in runs:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    # memory in a separate pass: tracing slows the timed runs
    tracemalloc.start()
    for run in runs:
        run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"{label:<34} n={len(times):>5}  median {statistics.median(times) * 1000:7.2f} ms"
        f"  p95 {p95 * 1000:7.2f} ms  peak {peak / 2**20:6.1f} MiB"
    )


def _synthetic(n: int) -> list[FeedEntry]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    body = "<p>" + "Nội dung bài viết về hoạt động của tỉnh. " * 40 + "</p>"
    return [
        FeedEntry(
            article=Article(
                url=f"https://demo.gov.vn/vi/tin/-/view_content/{i}-bai-{i}",
                canonical_url=f"https://demo.gov.vn/vi/tin/-/view_content/{i}-bai-{i}",
                guid=f"tag:newsfeed,2025:demo/{i}",
                portal="demo",
                categories=("tin",),
                title=f"Bài viết số {i}",
                published=(start + timedelta(hours=i)).isoformat(),
                body_html=body,
                body_text=body[3:-4],
            ),
            first_seen=start + timedelta(hours=i),
        )
        for i in range(n)
    ]


# -- full-text index, search and watches (issue 16) ------------------------------------------

FULLTEXT_ARTICLES = 100_000
_NAME_EVERY = 97
"""One synthetic article in this many names a leader, one in 31 an industrial park."""
_FULLTEXT_QUERIES = (
    '"Hồ Kỳ Minh"',
    "hồ kỳ minh",
    '"khu công nghiệp"',
    '"khu công nghiệp" -"Hòa Khánh"',
    '"chuyển đổi số"',
    "chuyển*",
    "đấu thầu OR đấu giá",
    "dự án công trình",
    '"cải cách hành chính" OR "dịch vụ công"',
    "thiên tai -bão",
    "nghị quyết hội đồng",
    "giáo dục",
)
_FOLDED_QUERIES = ('"ho ky minh"', '"khu cong nghiep"', "chuyen doi so", "dau thau")


def _fulltext_store(path: Path, n: int) -> Store:
    """A store of ``n`` synthetic articles (250 words each, 20 portals), not yet indexed.

    Rows go in with plain INSERTs: the upsert's near-duplicate sketching would make the setup
    take an hour, and what is measured here is the index, built by ``fulltext.reindex``.
    """
    from tests.tools.synthetic import articles as synthetic_articles

    store = Store(path)
    rows = []
    categories = []
    for article in synthetic_articles(n):
        i = int(article.guid.rsplit("/", 1)[1])
        body = article.body_text
        if i % _NAME_EVERY == 0:
            body = f"Ông Hồ Kỳ Minh, Phó Chủ tịch UBND thành phố, {body}"
        if i % 31 == 0:
            body = f"{body} tại khu công nghiệp {'Hòa Khánh' if i % 2 else 'Liên Chiểu'}."
        article = article.replace(body_text=body)
        data = article.to_dict()
        seen = article.published or ""
        rows.append(
            (
                article.guid,
                article.portal,
                article.url,
                article.canonical_url,
                article.published,
                sort_key(article.published, seen),
                content_hash(article),
                json.dumps(data, ensure_ascii=False, sort_keys=True),
                seen,
                seen,
            )
        )
        categories.extend((article.guid, article.portal, c, seen) for c in article.categories)
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO articles (guid, portal, url, canonical_url, published, sort_key,"
            " content_hash, data, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO article_categories (guid, portal, category, first_seen) VALUES (?,?,?,?)",
            categories,
        )
        db.execute("DELETE FROM store_meta WHERE key = ?", (fulltext.META_KEY,))
    return store


def _pages_used(store: Store) -> int:
    page_size = store.db.execute("PRAGMA page_size").fetchone()[0]
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    free = store.db.execute("PRAGMA freelist_count").fetchone()[0]
    return int((pages - free) * page_size)


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"median {statistics.median(times) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"


def bench_fulltext(n: int = FULLTEXT_ARTICLES) -> None:
    """Index build time and size, query times, and what 20 watches cost a build."""
    from newsfeed.config import Watch
    from newsfeed.feeds.watch import watch_specs
    from newsfeed.store.query import parse_query

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store = _fulltext_store(Path(tmp) / "store.sqlite3", n)
        print(f"full-text: {n} synthetic articles stored in {time.perf_counter() - start:.1f} s")
        before = _pages_used(store)
        start = time.perf_counter()
        fulltext.reindex(store.db)
        took = time.perf_counter() - start
        size = _pages_used(store) - before
        print(
            f"{'index build (reindex)':<34} {took:7.1f} s  {n / took:7.0f} articles/s"
            f"  size {size / 2**20:7.1f} MiB ({size / n:.0f} B an article)"
        )
        for label, queries, fold in (
            ("query, exact (limit 50, ranked)", _FULLTEXT_QUERIES, False),
            ("query, folded (limit 50, ranked)", _FOLDED_QUERIES, True),
        ):
            parsed = [parse_query(q, fold=fold) for q in queries]
            for query in parsed:  # warm the page cache
                fulltext.search(store.db, query, limit=50, order="rank")
            times: list[float] = []
            slowest = (0.0, "")
            for _ in range(5):
                for query in parsed:
                    t0 = time.perf_counter()
                    fulltext.search(store.db, query, limit=50, order="rank")
                    elapsed = time.perf_counter() - t0
                    times.append(elapsed)
                    slowest = max(slowest, (elapsed, query.text))
            print(
                f"{label:<34} n={len(times):>5}  {_percentiles(times)}"
                f"  slowest {slowest[1]!r} {slowest[0] * 1000:.0f} ms"
            )
        everything = parse_query('"Hồ Kỳ Minh"')
        t0 = time.perf_counter()
        hits = fulltext.search(store.db, everything, limit=None)
        print(
            f"{'every match of a name (no limit)':<34} {len(hits):>5} articles"
            f"  {(time.perf_counter() - t0) * 1000:7.1f} ms"
        )
        watches = [
            Watch(key=f"w{i:02d}", name=f"Watch {i}", query=q, fold=i >= len(_FULLTEXT_QUERIES))
            for i, q in enumerate(
                (*_FULLTEXT_QUERIES, *_FOLDED_QUERIES, '"phòng chống tham nhũng"', "vắc xin")
            )
        ][:20]
        portals = list(Registry())
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            specs = watch_specs(store, watches, portals, limit=50, base_url="http://localhost/")
            write_feeds(specs, Path(tmp) / "feeds", "http://localhost/", limit=50)
            times.append(time.perf_counter() - t0)
        print(f"{'build: 20 watch feeds (50 items)':<34} n={len(times):>5}  {_percentiles(times)}")
        store.close()


def main() -> int:
    registry = Registry()
    pages = list(_pages())
    _measure(
        f"extract ({len(pages)} pages)",
        [partial(extract_page, b, u, registry=registry, content_type=c) for b, u, c in pages],
        repeat=5,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in (50, 500):
            spec = FeedSpec(
                path="demo/tin",
                title="Demo",
                description="Demo",
                link="https://demo.gov.vn/vi/tin",
                language="vi",
                entries=tuple(_synthetic(n)),
            )
            _measure(
                f"build RSS+Atom+OPML ({n} items)",
                [partial(write_feeds, [spec], Path(tmp), "http://localhost/", limit=n)],
                repeat=5,
            )
    bench_fulltext()
    return 0


if __name__ == "__main__":
    sys.exit(main())
