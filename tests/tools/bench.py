"""``make bench``: how fast extraction and feed building are, measured, never asserted.

Extraction runs over every fixture page (and the real corpus pages when present); the feed
builder over a synthetic store of N articles. Prints medians, 95th percentiles and peak memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from newsfeed.feeds.render import FeedEntry, FeedSpec, write_feeds
from newsfeed.items import Article
from newsfeed.platforms.extract import extract_page
from newsfeed.portals import Registry
from newsfeed.store import fulltext
from newsfeed.store.db import Store, content_hash, sort_key
from newsfeed.store.query import KEY_VERSION
from tests.memory import high_water_kib

REPO = Path(__file__).resolve().parents[2]


def _pages() -> Iterator[tuple[bytes, str, str | None]]:
    for meta_path in sorted((REPO / "tests" / "fixtures").glob("*/*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        page = meta_path.with_name(meta_path.name.replace(".meta.json", ".html"))
        yield page.read_bytes(), meta["url"], meta.get("content_type")
    yield from _corpus_pages()


def _corpus_pages() -> Iterator[tuple[bytes, str, str | None]]:
    """The real article pages of the shared corpus (sotttt.hanoi.gov.vn, Liferay 6.2)."""
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


def _fulltext_store(path: Path, n: int, *, kinds: int = 12) -> Store:
    """A store of ``n`` synthetic articles (250 words each, 20 portals), not yet indexed.

    Rows go in with plain INSERTs: the upsert's near-duplicate sketching would make the setup
    take an hour, and what is measured here is the index, built by ``fulltext.reindex``.
    """
    from tests.tools.synthetic import articles as synthetic_articles

    store = Store(path)
    rows = []
    categories = []
    for article in synthetic_articles(n, categories=kinds):
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


# -- the store backends and the crawl fleet (issue 15) ---------------------------------------

BACKEND_ARTICLES = 100_000
"""Articles in the store ``newsfeed build`` is timed on, on each backend."""
UPSERTS_PER_WRITER = 400
FLEET_PORTALS = 8
FLEET_SLOTS = 2
"""Jobs at once per scrapyd node (its ``max_proc``)."""
FLEET_DELAY = "0.25"
"""Seconds between two requests to one portal: politeness, what a fleet works around."""


def _skip(figure: str, why: str) -> None:
    print(f"{figure:<34} skipped: {why}")


@contextlib.contextmanager
def _postgres(figure: str) -> Iterator[Any]:
    """A private PostgreSQL cluster (tests.servers), or None after saying why not."""
    from tests.servers import postgres_bindir, private_postgres

    if postgres_bindir() is None:
        _skip(figure, "PostgreSQL is not installed (apt-get install postgresql)")
        yield None
        return
    with private_postgres() as server:
        yield server


def _real_portal_articles(n: int, *, first: int = 0) -> Iterator[Article]:
    """Synthetic articles (tests.tools.synthetic) under 20 real portals and their categories,
    so that ``newsfeed build`` puts them in its feeds."""
    from tests.tools.synthetic import article, texts

    portals = [p for p in Registry() if p.categories][:20]
    for i, text in texts(first + n):
        if i < first:
            continue
        portal = portals[i % len(portals)]
        category = portal.categories[(i // len(portals)) % len(portal.categories)].key
        synthetic = article(i, text)
        yield synthetic.replace(
            portal=portal.key,
            guid=f"tag:newsfeed,2025:{portal.key}/{i}",
            categories=(category,),
        )


def _upsert_writer(url: str, *, first: int, n: int, ready: Any, go: Any, out: Any) -> None:
    """One writer process: ``n`` articles upserted one by one (a crawl's pipeline does)."""
    prepared = list(_real_portal_articles(n, first=first))
    with Store(url) as store:
        ready.set()
        go.wait()
        start = time.monotonic()
        for item in prepared:
            store.upsert(item)
        out.put((start, time.monotonic(), n))


def _upserts(label: str, url: str, writers: int, n: int) -> None:
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    Store(url).close()  # the schema, before the writers race to make it
    readies = [spawn.Event() for _ in range(writers)]
    go, out = spawn.Event(), spawn.Queue()
    processes = [
        spawn.Process(
            target=_upsert_writer,
            args=(url,),
            kwargs={"first": w * n, "n": n, "ready": readies[w], "go": go, "out": out},
        )
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    for ready in readies:
        ready.wait(timeout=300)
    go.set()
    results = [out.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join()
    took = max(r[1] for r in results) - min(r[0] for r in results)
    total = sum(r[2] for r in results)
    print(f"{label:<34} {total:>6} articles {took:7.1f} s  {total / took:7.1f} articles/s")


def bench_upserts(n: int = UPSERTS_PER_WRITER) -> None:
    """Articles upserted per second (near-duplicate sketch, categories, URLs: a crawl's
    store pipeline) into SQLite and into PostgreSQL, by 1 and by 4 writer processes."""
    with tempfile.TemporaryDirectory() as tmp:
        for writers in (1, 4):
            path = Path(tmp) / f"upserts-{writers}.sqlite3"
            _upserts(f"upsert SQLite, {writers} writer(s)", str(path), writers, n)
    with _postgres("upsert PostgreSQL") as server:
        if server is None:
            return
        for writers in (1, 4):
            url = server.create_database()
            _upserts(f"upsert PostgreSQL, {writers} writer(s)", url, writers, n)
            server.drop_database(url)


POSTGRES_FILL = 2_400
POSTGRES_FILL_STEP = 400


def bench_postgres_fill(n: int = POSTGRES_FILL, step: int = POSTGRES_FILL_STEP) -> None:
    """A PostgreSQL store filled by upserts alone, as a first fleet crawl fills it: the time
    of an upsert by how full the store was. It stays flat when every statement is planned
    with the tables as they are; it grew with the store when a plan made on nearly empty
    tables was kept (7 December: 18.9 ms at 0-400 stored, 55.0 at 1,600-2,000)."""
    with _postgres("PostgreSQL filled by upserts") as server:
        if server is None:
            return
        url = server.create_database()
        stored = list(_real_portal_articles(n))
        times: list[str] = []
        with Store(url) as store:
            for first in range(0, n, step):
                batch = stored[first : first + step]
                started = time.perf_counter()
                for item in batch:
                    store.upsert(item)
                took = (time.perf_counter() - started) / len(batch)
                times.append(f"{first:,}-{first + step:,}: {took * 1000:.1f}")
        server.drop_database(url)
        print(
            f"{'upsert PostgreSQL while filling':<34} ms an upsert, by articles stored: "
            + (", ".join(times))
        )


def _bulk_store(target: str, n: int) -> None:
    """A store of ``n`` articles, written with plain INSERTs (the upsert's sketching would
    take an hour): what ``newsfeed build`` reads is the same."""
    with Store(target) as store:
        batch_rows: list[tuple[Any, ...]] = []
        batch_categories: list[tuple[str, str, str, str]] = []

        def flush() -> None:
            with store.transaction() as db:
                db.executemany(
                    "INSERT INTO articles (guid, portal, url, canonical_url, published,"
                    " sort_key, content_hash, data, first_seen, last_seen)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    batch_rows,
                )
                db.executemany(
                    "INSERT INTO article_categories (guid, portal, category, first_seen)"
                    " VALUES (?,?,?,?)",
                    batch_categories,
                )
            batch_rows.clear()
            batch_categories.clear()

        for item in _real_portal_articles(n):
            seen = item.published or ""
            batch_rows.append(
                (
                    item.guid,
                    item.portal,
                    item.url,
                    item.canonical_url,
                    item.published,
                    sort_key(item.published, seen),
                    content_hash(item),
                    json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True),
                    seen,
                    seen,
                )
            )
            batch_categories.extend((item.guid, item.portal, c, seen) for c in item.categories)
            if len(batch_rows) >= 2000:
                flush()
        if batch_rows:
            flush()


_MEASURED_CLI = """
import sys
from newsfeed.cli import main
try:
    code = main(sys.argv[1:])
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\n" + line)
raise SystemExit(code)
"""
"""``newsfeed ARGS``, then its own peak memory (``VmHWM``) on its last stderr line: a child's
``ru_maxrss`` from ``wait4`` counts the benchmark's own memory when it was started."""


def _timed_cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, peak resident KiB, exit code) of ``newsfeed ARGS`` in a child process."""
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", _MEASURED_CLI, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    took = time.perf_counter() - start
    lines = process.stderr.decode("utf-8", errors="replace").strip().splitlines()
    peak = 0
    if lines and lines[-1].startswith("VmHWM:"):
        peak = int(lines.pop().split()[1])
    error = "\n".join(lines).strip()
    if error:
        print(f"    newsfeed {' '.join(args)}: {error.splitlines()[-1]}")
    return took, peak, process.returncode


def _build_figure(label: str, store: str, tmp: Path) -> None:
    env = {
        **os.environ,
        "NEWSFEED_VAR_DIR": str(tmp / "var"),
        "NEWSFEED_FEEDS_DIR": str(tmp / "feeds"),
    }
    env.pop("NEWSFEED_CONFIG", None)
    env.pop("NEWSFEED_PROFILES_DIR", None)
    if store.startswith("postgresql://"):
        env["NEWSFEED_DATABASE_URL"] = store
    else:
        env.pop("NEWSFEED_DATABASE_URL", None)
    for run in ("first", "again"):
        took, peak, code = _timed_cli(["build"], env, tmp)
        files = sum(1 for _ in (tmp / "feeds").rglob("*.xml"))
        print(
            f"{label + ', ' + run:<34} {took:7.1f} s  peak {peak / 1024:6.0f} MiB"
            f"  {files} feed files  exit {code}"
        )


def bench_backend_build(n: int = BACKEND_ARTICLES) -> None:
    """``newsfeed build`` from an ``n``-article store on SQLite and on PostgreSQL: wall time
    and the build process's peak resident memory (its maxrss), a first build and an
    unchanged one."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sqlite"
        (folder / "var").mkdir(parents=True)
        path = folder / "var" / "newsfeed.sqlite3"
        start = time.perf_counter()
        _bulk_store(str(path), n)
        print(f"build: {n} articles into SQLite in {time.perf_counter() - start:.1f} s")
        _build_figure(f"build {n // 1000}k, SQLite", str(path), folder)
        with _postgres(f"build {n // 1000}k, PostgreSQL") as server:
            if server is None:
                return
            url = server.create_database()
            start = time.perf_counter()
            _bulk_store(url, n)
            print(f"build: {n} articles into PostgreSQL in {time.perf_counter() - start:.1f} s")
            folder = Path(tmp) / "postgres"
            folder.mkdir()
            _build_figure(f"build {n // 1000}k, PostgreSQL", url, folder)


def _fleet_run(nodes: list[Any], keys: list[str], url: str, env: dict[str, str], cwd: Path) -> None:
    from tests.servers import start_cli

    args = [a for node in nodes for a in ("--scrapyd", node.url)]
    start = time.perf_counter()
    proc = start_cli("schedule", *args, "--no-build", *keys, cwd=cwd, env=env)
    out, err = proc.communicate(timeout=1800)
    took = time.perf_counter() - start
    label = f"crawl {len(keys)} portals, {len(nodes)} node(s)"
    if proc.returncode != 0:
        print(f"{label:<34} failed (exit {proc.returncode}): {(err or out).strip()[-300:]}")
        return
    with Store(url) as store:
        reports = [r for r in store.reports() if set(r["portals"]) & set(keys)]
    pages = sum(
        int(p.get("listing_pages_fetched", 0)) + int(p.get("article_pages_fetched", 0))
        for r in reports
        for k, p in r["portals"].items()
        if k in keys
    )
    print(f"{label:<34} {pages:>6} pages {took:7.1f} s  {pages / took:7.1f} pages/s")


def bench_fleet(portals: int = FLEET_PORTALS) -> None:
    """Pages per second of ``newsfeed schedule`` crawling ``portals`` local demo portals (one
    job each, a polite delay between two requests to a portal) over 1 and over 2 real scrapyd
    nodes of ``FLEET_SLOTS`` slots, into one PostgreSQL store."""
    from tests.servers import cli_env, demo_portals, start_scrapyd

    figure = f"crawl {portals} portals, 1 vs 2 nodes"
    if not Path(sys.executable).with_name("scrapyd").exists():
        _skip(figure, "scrapyd is not installed (make install: the dev extra)")
        return
    with _postgres(figure) as server, tempfile.TemporaryDirectory() as tmp:
        if server is None:
            return
        folder = Path(tmp)
        for count in (1, 2):
            url = server.create_database()
            keys = [f"fleet{count}_{i}" for i in range(portals)]
            profiles = folder / f"profiles{count}"
            with demo_portals(keys, profiles), contextlib.ExitStack() as stack:
                nodes = []
                for name in range(count):
                    env = cli_env(
                        NEWSFEED_DATABASE_URL=url,
                        NEWSFEED_PROFILES_DIR=str(profiles),
                        NEWSFEED_DOWNLOAD_DELAY=FLEET_DELAY,
                        NEWSFEED_VAR_DIR=str(folder / f"run{count}" / f"node{name}" / "var"),
                    )
                    node = start_scrapyd(
                        folder / f"run{count}" / f"node{name}", env, slots=FLEET_SLOTS
                    )
                    stack.callback(node.kill)
                    nodes.append(node)
                env = cli_env(NEWSFEED_DATABASE_URL=url, NEWSFEED_PROFILES_DIR=str(profiles))
                _fleet_run(nodes, keys, url, env, folder / f"run{count}")


# -- extraction against trafilatura, store upserts, near duplicates (issue 14) ----------------

QUICK = os.environ.get("NEWSFEED_BENCH_QUICK") == "1"
"""``NEWSFEED_BENCH_QUICK=1 make bench``: 10,000 articles instead of 100,000 (a minute, not
several); the figures the README quotes come from the default run."""
NEAR_DUPLICATE_ARTICLES = 10_000 if QUICK else 100_000
UPSERT_SIZES = (1_000, 10_000) if QUICK else (1_000, 100_000)
_UPSERT_PROBES = 300


def bench_extraction_vs_trafilatura(repeat: int = 7) -> None:
    """newsfeed's extraction and trafilatura's on the corpus pages, interleaved, one process.

    trafilatura (``extract(html, url=...)``, main text only, no metadata) is a dev extra for
    this comparison only; newsfeed's figure includes title, date, author, images and links.
    """
    try:
        import trafilatura
    except ImportError:
        print("extraction vs trafilatura: trafilatura not installed (pip install -e '.[dev]')")
        return
    pages = list(_corpus_pages())
    if not pages:
        print("extraction vs trafilatura: no corpus pages (set NEWSFEED_CORPUS)")
        return
    from newsfeed.extraction.html import _absolute
    from newsfeed.extraction.urls import _canonical

    registry = Registry()
    ours: list[float] = []
    theirs: list[float] = []
    for round_ in range(repeat + 1):  # round 0 warms imports and caches, not counted
        for body, url, content_type in pages:
            # each page timed with none of its links remembered from an earlier round: a
            # crawl meets a page once, and only the links it shares with others are known
            _absolute.cache_clear()
            _canonical.cache_clear()
            t0 = time.perf_counter()
            extract_page(body, url, registry=registry, content_type=content_type)
            t1 = time.perf_counter()
            trafilatura.extract(body, url=url)
            t2 = time.perf_counter()
            if round_:
                ours.append(t1 - t0)
                theirs.append(t2 - t1)
    ratio = statistics.median(theirs) / statistics.median(ours)
    print(f"{'extract, newsfeed (corpus pages)':<34} n={len(ours):>5}  {_percentiles(ours)}")
    print(f"{'extract, trafilatura (same pages)':<34} n={len(theirs):>5}  {_percentiles(theirs)}")
    print(f"{'  newsfeed faster by (medians)':<34} {ratio:7.1f}x  (target >= 6x, <= 3 ms median)")


def _filled_store(path: Path, stored: list[Article]) -> Store:
    """A store holding ``stored`` as upserts would leave it (rows, categories, URLs, sketches
    and anchors clustered), written in bulk: a hundred thousand upserts, each its own
    transaction, would take longer than the whole benchmark. The full-text index is marked
    current but left empty (building it for 100,000 articles takes minutes; ``bench_fulltext``
    times that), so each upsert measured still indexes its own article."""
    from newsfeed.store import dedupe
    from newsfeed.store.db import NEAR_DUPLICATES_KEY

    store = Store(path)
    seen = "2026-01-01T00:00:00+00:00"
    sketches = {a.guid: dedupe.sketch(a.body_text) for a in stored}
    cluster_of = dedupe.clusters(sketches)
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO articles (guid, portal, url, canonical_url, published, sort_key,"
            " content_hash, data, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    a.guid,
                    a.portal,
                    a.url,
                    a.canonical_url,
                    a.published,
                    sort_key(a.published, seen),
                    content_hash(a),
                    json.dumps(a.to_dict(), ensure_ascii=False, sort_keys=True),
                    seen,
                    seen,
                )
                for a in stored
            ),
        )
        db.executemany(
            "INSERT INTO article_categories (guid, portal, category, first_seen) VALUES (?,?,?,?)",
            ((a.guid, a.portal, c, seen) for a in stored for c in a.categories),
        )
        db.executemany(
            "INSERT OR IGNORE INTO article_urls (url, guid) VALUES (?, ?)",
            ((u, a.guid) for a in stored for u in {a.url, a.canonical_url}),
        )
        db.executemany(
            "INSERT INTO near_duplicates (guid, sketch, cluster_id) VALUES (?, ?, ?)",
            (
                (guid, None if sk is None else dedupe.pack(sk), cluster_of[guid])
                for guid, sk in sketches.items()
            ),
        )
        db.executemany(
            "INSERT INTO near_duplicate_anchors (anchor, guid) VALUES (?, ?)",
            (
                (dedupe.to_signed(anchor), guid)
                for guid, sk in sketches.items()
                if sk is not None
                for anchor in dedupe.anchors(sk)
            ),
        )
        db.execute(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)",
            (NEAR_DUPLICATES_KEY, dedupe.SKETCH_VERSION),
        )
        db.execute(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)",
            (fulltext.META_KEY, KEY_VERSION),
        )
    return store


def bench_store_upsert(sizes: tuple[int, ...] = UPSERT_SIZES) -> None:
    """``Store.upsert`` of a new article (SQLite, one transaction each) at each store size.

    The sizes are measured interleaved: every store is filled first, then one article goes
    into each in turn (the order alternating), so the other jobs of a shared machine weigh on
    every size alike; measured one size after the other, the ratio of two runs of the same
    code ranged from 0.5x to 3.8x at a load of 3-7. Wall time, and this thread's CPU time
    (what the store itself costs, whatever the machine's load). The means include the WAL
    checkpoints (one commit in ~20 copies the pages written since into the database file and
    syncs it), which the medians leave out."""
    from tests.tools.synthetic import articles as synthetic_articles

    with contextlib.ExitStack() as stack:
        stores: list[tuple[int, Store, list[Article], float]] = []
        for size in sizes:
            batch = list(synthetic_articles(size + _UPSERT_PROBES))
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            started = time.perf_counter()
            store = _filled_store(Path(tmp) / "store.sqlite3", batch[:size])
            stack.callback(store.close)
            stores.append((size, store, batch[size:], time.perf_counter() - started))
            del batch
        wall: dict[int, list[float]] = {size: [] for size in sizes}
        cpu: dict[int, list[float]] = {size: [] for size in sizes}
        for i in range(_UPSERT_PROBES):
            for size, store, probes, _ in stores if i % 2 == 0 else stores[::-1]:
                t0, c0 = time.perf_counter(), time.thread_time()
                store.upsert(probes[i])
                cpu[size].append(time.thread_time() - c0)
                wall[size].append(time.perf_counter() - t0)
    for size, _, _, filled in stores:
        label = f"upsert new, {size:,} stored"
        print(
            f"{label:<34} n={len(wall[size]):>5}  {_percentiles(wall[size])}"
            f"  mean {statistics.mean(wall[size]) * 1000:6.2f} ms"
            f"  CPU median {statistics.median(cpu[size]) * 1000:6.2f} ms"
            f"  (filled in {filled:.0f} s)"
        )
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]

        def ratio(times: dict[int, list[float]], of: Callable[[list[float]], float]) -> float:
            return of(times[last]) / of(times[first])

        print(
            f"{'  upsert at largest / at smallest':<34} {ratio(wall, statistics.median):7.2f}x"
            f"  (target <= 1.5x; means {ratio(wall, statistics.mean):.2f}x,"
            f" CPU medians {ratio(cpu, statistics.median):.2f}x)"
        )


def bench_near_duplicates(n: int = NEAR_DUPLICATE_ARTICLES) -> None:
    """Sketching ``n`` synthetic articles (250 words, one in 20 a repost) and clustering them
    in one batch: time, then peak memory in a second, traced pass."""
    from newsfeed.store import dedupe
    from tests.tools.synthetic import texts as synthetic_texts

    texts = [text for _, text in synthetic_texts(n)]
    started = time.perf_counter()
    sketches = {i: dedupe.sketch(text) for i, text in enumerate(texts)}
    sketch_seconds = time.perf_counter() - started
    started = time.perf_counter()
    cluster_of = dedupe.clusters(sketches)
    cluster_seconds = time.perf_counter() - started
    joined = len(dedupe.pairs(cluster_of))
    tracemalloc.start()
    traced = {i: dedupe.sketch(text) for i, text in enumerate(texts)}
    _, sketch_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    dedupe.clusters(traced)
    _, cluster_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{f'near-dup sketch, {n:,} articles':<34} {sketch_seconds:7.1f} s"
        f"  {sketch_seconds / n * 1000:6.3f} ms an article  peak {sketch_peak / 2**20:6.1f} MiB"
    )
    print(
        f"{f'near-dup cluster, {n:,} articles':<34} {cluster_seconds:7.1f} s"
        f"  {joined:,} pairs joined  peak {(cluster_peak - base) / 2**20:6.1f} MiB"
        " above the sketches"
    )


# -- incremental feed builds (issue 14) -------------------------------------------------------

BUILD_ARTICLES = 100_000
BUILD_TOPICS = ("leadership", "news", "direction", "announcements")


def _build_step(root: str, categories: int, topics: bool, add: int) -> None:
    """One build in this (fresh) process: prints time, feeds rendered, files written and the
    process's peak RSS as JSON. ``add``: new articles stored first (through ``upsert``)."""
    from newsfeed.config import Config
    from newsfeed.jobs import build_feed_set
    from tests.tools.synthetic import articles as synthetic_articles
    from tests.tools.synthetic import portals as synthetic_portals

    config = Config(feeds_dir=Path(root) / "feeds", var_dir=Path(root) / "var")
    registry = Registry(
        synthetic_portals(categories=categories, topics=BUILD_TOPICS if topics else ("news",))
    )
    if add:
        with Store(config.store_path) as store:
            have = store.count()
            for article in synthetic_articles(have + add, seed=7, categories=categories):
                i = int(article.guid.rsplit("/", 1)[1])
                if i >= have:
                    store.upsert(article)  # the newest of their feeds
    before = high_water_kib()
    t0 = time.perf_counter()
    _files, counts = build_feed_set(config, registry)
    took = time.perf_counter() - t0
    peak = high_water_kib()
    import resource

    # the largest worker's peak (newsfeed.feeds.pool; its RSS counts the pages it shares with
    # this process since the fork): 0 when the build rendered everything itself
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": took,
                "rendered": counts.rendered,
                "unchanged": counts.unchanged,
                "written": len(counts.written),
                "peak_mib": peak / 1024,
                "before_mib": before / 1024,
                "worker_mib": workers / 1024,
            }
        )
    )


def _run_step(root: Path, *, categories: int, topics: bool, add: int = 0) -> dict[str, float]:
    code = (
        "from tests.tools.bench import _build_step;"
        f"_build_step({str(root)!r}, {categories}, {topics}, {add})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_build(n: int = BUILD_ARTICLES, items: int = 50) -> None:
    """Feed builds over a synthetic store: scratch, unchanged, after 10 new; 1,000 feeds."""

    def line(label: str, r: dict[str, float], scratch: float | None = None) -> None:
        ratio = f"  {r['seconds'] / scratch:5.2f}x scratch" if scratch else ""
        print(
            f"{label:<34} {r['seconds']:7.2f} s  {int(r['rendered']):>5} feeds rendered"
            f"  {int(r['written']):>5} files written  peak RSS {r['peak_mib']:6.1f} MiB"
            f" (before build {r['before_mib']:5.1f}, largest worker {r['worker_mib']:5.1f})"
            f"{ratio}"
        )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "big"
        (root / "var").mkdir(parents=True)
        _fulltext_store(root / "var" / "newsfeed.sqlite3", n).close()
        scratch = _run_step(root, categories=12, topics=True)
        feeds = int(scratch["rendered"])
        line(f"build scratch ({n // 1000}k art., {feeds} feeds)", scratch)
        line("build unchanged", _run_step(root, categories=12, topics=True), scratch["seconds"])
        line(
            "build after 10 new articles",
            _run_step(root, categories=12, topics=True, add=10),
            scratch["seconds"],
        )
        # 1,001 feeds, full: 20 portals x 49 categories of 50 articles, 20 "all", one topic
        root = Path(tmp) / "wide"
        (root / "var").mkdir(parents=True)
        _fulltext_store(root / "var" / "newsfeed.sqlite3", 20 * 49 * items, kinds=49).close()
        wide = _run_step(root, categories=49, topics=False)
        line(f"build scratch ({int(wide['rendered'])} feeds, 50 items)", wide)


# -- crawl speed: newsfeed against a bare Scrapy spider (issue 14) ---------------------------

CRAWL_ARTICLES = 3_000
CRAWL_RUNS = 3
LIFTED = ("CONCURRENT_REQUESTS_PER_DOMAIN=16", "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=0")
"""Politeness lifted the same way for both crawlers (``-s``): 16 requests per host, no delay."""


def _crawl_once(which: str, base_url: str, count: int, work: Path) -> dict[str, float]:
    """One crawl of the synthetic portal in its own process: pages, articles, wall and CPU
    seconds (the whole process, Python's start-up and imports included)."""
    import resource
    import subprocess

    work.mkdir(parents=True)
    env = {**os.environ, "NEWSFEED_PROFILES_DIR": str(work.parent / "profiles")}
    env.pop("NEWSFEED_CONFIG", None)
    env.pop("NEWSFEED_DOWNLOAD_DELAY", None)
    if which == "scrapy":
        command = [sys.executable, "-m", "tests.tools.synthetic_portal", "bare", base_url]
        command += [str(count), *LIFTED]
    else:
        command = [sys.executable, "-m", "newsfeed", "--var-dir", str(work / "var"), "crawl"]
        command += ["synthetic", *(arg for pair in LIFTED for arg in ("-s", pair))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{which} crawl failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if which == "scrapy":
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        pages, articles = figures["responses"] - 1, figures["items"]  # less robots.txt
    else:
        report = subprocess.run(
            [sys.executable, "-m", "newsfeed", "--var-dir", str(work / "var"), "report", "--json"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        entry = json.loads(report.stdout)["portals"]["synthetic"]
        pages = entry["listing_pages_fetched"] + entry["article_pages_fetched"]
        articles = entry["articles_new"]
        if not articles:  # a figure of nothing is no figure: say why instead
            raise RuntimeError(
                f"{which} crawl stored no article: {json.dumps(entry)[:1500]}\n"
                + done.stderr[-1500:]
            )
    return {"pages": pages, "articles": articles, "seconds": seconds, "cpu": cpu}


def bench_crawl(count: int = CRAWL_ARTICLES, runs: int = CRAWL_RUNS) -> None:
    """Crawl pages/s of newsfeed and of a bare Scrapy spider over the same local synthetic
    Liferay portal (``tests/tools/synthetic_portal.py``, served by its own process), runs
    interleaved, politeness lifted alike; their ratio and CPU ms per article."""
    import subprocess

    from tests.tools.synthetic_portal import profile_toml

    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.tools.synthetic_portal", "serve", str(count)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            base_url = server.stdout.readline().strip()
            profiles = Path(tmp) / "profiles"
            profiles.mkdir()
            (profiles / "synthetic.toml").write_text(profile_toml(base_url), encoding="utf-8")
            results: dict[str, list[dict[str, float]]] = {"scrapy": [], "newsfeed": []}
            for run in range(runs):
                for which, rows in results.items():
                    rows.append(_crawl_once(which, base_url, count, Path(tmp) / f"{which}-{run}"))
        finally:
            server.terminate()
            server.wait(timeout=10)
    speed: dict[str, float] = {}
    print(f"crawl: synthetic Liferay portal, {count} articles on 127.0.0.1, {runs} runs each")
    for which, label in (("scrapy", "bare Scrapy spider"), ("newsfeed", "newsfeed crawl")):
        rows = results[which]
        speed[which] = statistics.median(r["pages"] / r["seconds"] for r in rows)
        cpu_ms = statistics.median(1000 * r["cpu"] / max(1, r["articles"]) for r in rows)
        print(
            f"{label:<34} {speed[which]:7.1f} pages/s (median)  {cpu_ms:6.2f} CPU ms/article"
            f"  pages {int(rows[0]['pages'])}  articles {int(rows[0]['articles'])}"
            f"  wall {statistics.median(r['seconds'] for r in rows):5.1f} s"
        )
    print(f"{'newsfeed / bare Scrapy':<34} {speed['newsfeed'] / speed['scrapy']:7.2f}x pages/s")


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
    bench_extraction_vs_trafilatura()
    bench_store_upsert()
    bench_near_duplicates()
    bench_fulltext()
    bench_build()
    bench_upserts()
    bench_postgres_fill()
    bench_backend_build()
    bench_fleet()
    bench_crawl()
    return 0


if __name__ == "__main__":
    sys.exit(main())
