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
    return 0


if __name__ == "__main__":
    sys.exit(main())
