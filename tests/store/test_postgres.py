"""PostgreSQL as the shared store: the same behaviour as SQLite, concurrent crawls that lose and
duplicate nothing, one crawl per portal, and stores moved between the backends.

The server is real (a private cluster, :mod:`tests.servers`); crawls are real ``newsfeed``
processes against demo portals on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newsfeed import jobs
from newsfeed.config import Config
from newsfeed.feeds import writer
from newsfeed.feeds.writer import MANIFEST
from newsfeed.jobs import build_feeds
from newsfeed.portals import Registry
from newsfeed.store import migrations
from newsfeed.store.db import Store
from newsfeed.store.dialect import connect
from newsfeed.store.locks import PortalLockedError, PortalLocks
from newsfeed.store.migrations import SCHEMA_VERSION, migrate, store_version
from newsfeed.store.transfer import TransferError, export_store, import_store
from tests.conftest import cli_here
from tests.crawling import crawl_here
from tests.servers import Gate, cli_env, demo_portals, start_cli
from tests.store.test_migrations import _step_adds_column, _step_fails, old_store

pytestmark = pytest.mark.slow

# every demo portal lists 11 articles (one in both categories)
DEMO_ARTICLES = 11


def _export(store: Store) -> list[str]:
    out = io.StringIO()
    export_store(store, out)
    return out.getvalue().splitlines()


def _answers(store: Store) -> dict[str, object]:
    """What readers of the store get: articles, clusters, links, reports."""
    articles = store.articles()
    return {
        "articles": articles,
        "clusters": store.near_duplicate_clusters(),
        "also": {a.article.guid: store.also_published(a.article.guid) for a in articles},
        "reports": store.reports(),
        "history": {p: store.published_history(p, 5) for p in ("hanoi", "sotttt_hanoi")},
    }


def test_a_store_moves_sqlite_to_postgres_and_back_unchanged(tmp_path: Path, pg_url: str) -> None:
    with Store(old_store(tmp_path / "old.sqlite3")) as sqlite:
        exported = _export(sqlite)
        answers = _answers(sqlite)
    assert len(exported) > 250
    with Store(pg_url) as pg:
        assert pg.backend == "postgresql"
        import_store(pg, io.StringIO("\n".join(exported)))
        assert _answers(pg) == answers, "PostgreSQL answers as SQLite did"
        again = _export(pg)
        with pytest.raises(TransferError, match="not empty"):
            import_store(pg, io.StringIO("\n".join(exported)))
    assert again[1:] == exported[1:], "same rows, same order, same values"
    with Store(tmp_path / "back.sqlite3") as back:
        import_store(back, io.StringIO("\n".join(again)))
        assert _export(back)[1:] == exported[1:]
        assert _answers(back) == answers


def test_store_export_and_import_commands(tmp_path: Path, pg_url: str) -> None:
    work = tmp_path / "work"
    (work / "var").mkdir(parents=True)
    old_store(work / "var" / "newsfeed.sqlite3")
    dump = tmp_path / "store.jsonl"

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        # in this process: the store commands crawl nothing (tests.conftest.cli_here)
        return cli_here(*args, cwd=work, env=extra)

    done = cli("store", "export", str(dump))
    assert done.returncode == 0, done.stderr
    done = cli("store", "import", str(dump), NEWSFEED_DATABASE_URL=pg_url)
    assert done.returncode == 0, done.stderr
    assert "imported" in done.stderr and "***" not in done.stderr
    done = cli("store", "migrate", NEWSFEED_DATABASE_URL=pg_url)
    assert done.returncode == 0 and f"schema version {SCHEMA_VERSION}" in done.stdout
    again = cli("store", "import", str(dump), NEWSFEED_DATABASE_URL=pg_url)
    assert again.returncode == 1 and again.stderr.count("\n") == 1, again.stderr
    assert "not empty" in again.stderr
    done = cli("report", "--json", NEWSFEED_DATABASE_URL=pg_url)
    assert done.returncode == 0 and "20261120T010000000Z" in done.stdout
    bad = cli("report", NEWSFEED_DATABASE_URL="mysql://x@y/z")
    assert bad.returncode == 2 and "PostgreSQL URL" in bad.stderr


def test_migrations_run_in_one_transaction_on_postgres(pg_url: str) -> None:
    db = connect(pg_url)
    try:
        assert migrate(db) == list(range(2, SCHEMA_VERSION + 1))
        db.execute(
            "INSERT INTO reports (run_id, started, status, data) VALUES ('r', 's', 'ok', '{}')"
        )
        failing = (*migrations.STEPS, (SCHEMA_VERSION + 1, _step_fails))
        with pytest.raises(RuntimeError, match="step failed"):
            migrate(db, failing)
        assert store_version(db) == SCHEMA_VERSION and not db.table_exists("half_done")
        adding = (*migrations.STEPS, (SCHEMA_VERSION + 1, _step_adds_column))
        assert migrate(db, adding) == [SCHEMA_VERSION + 1]
        assert [tuple(r) for r in db.execute("SELECT run_id, origin FROM reports")] == [
            ("r", "here")
        ]
    finally:
        db.close()


def test_the_generation_counts_each_committed_transaction_once_on_postgres(
    tmp_path: Path, pg_url: str
) -> None:
    """What lets a build skip the store: a change not yet committed is not counted (the build
    reading it would record a state it did not see), a committed one is, once."""
    from tests.feeds.test_incremental import ARTICLES, NOW

    with Store(pg_url) as reader, Store(pg_url) as writer_:
        start = reader.generation()
        store_id, n = start.split(":")
        writer_.db.begin()
        writer_.db.execute("INSERT INTO store_meta (key, value) VALUES ('x', '1')")
        writer_.db.execute("UPDATE store_meta SET value = '2' WHERE key = 'x'")
        assert reader.generation() == start, "an open transaction is not counted yet"
        writer_.db.commit()
        assert reader.generation() == f"{store_id}:{int(n) + 1}"
        assert writer_.upsert(ARTICLES[0], now=NOW) == "new"  # rows in four tables
        assert reader.generation() == f"{store_id}:{int(n) + 2}"
        assert writer_.upsert(ARTICLES[0], now=NOW) == "unchanged"  # last_seen only
        assert reader.generation() == f"{store_id}:{int(n) + 2}"
    with Store(tmp_path / "other.sqlite3") as other:
        assert other.generation().split(":")[0] != store_id


def test_upserts_cluster_reposts_as_in_sqlite_and_prepare_no_statement(
    tmp_path: Path, pg_url: str
) -> None:
    """Near-duplicates found by the upserts themselves (the bucket look-up is PostgreSQL's
    own statement) are SQLite's; and the session holds no prepared statement: one kept from
    when the tables were nearly empty had PostgreSQL scan the whole anchors table on each
    upsert, 19 ms growing to 55 ms an article over the first 2,000 (2026-12-07)."""
    from tests.tools.bench import _real_portal_articles

    stored = list(_real_portal_articles(150))  # one in 20 a repost, edited, elsewhere
    found = {}
    for target in (str(tmp_path / "s.sqlite3"), pg_url):
        with Store(target) as store:
            for article in stored:
                store.upsert(article)
            found[target] = {frozenset(c) for c in store.near_duplicate_clusters()}
            if target == pg_url:
                prepared = store.db.execute("SELECT count(*) FROM pg_prepared_statements")
                assert prepared.fetchone()[0] == 0
    assert len(found[pg_url]) >= 5, "the reposts were not found"
    assert found[pg_url] == found[str(tmp_path / "s.sqlite3")]


def test_a_portal_is_claimed_by_one_process_at_a_time(tmp_path: Path, pg_url: str) -> None:
    for target in (pg_url, str(tmp_path / "var" / "newsfeed.sqlite3")):
        with PortalLocks(target, ["a", "b"]):
            with pytest.raises(PortalLockedError, match="portal b is being crawled"):
                PortalLocks(target, ["c", "b"])
            with PortalLocks(target, ["c"]):  # others are free, and c was released above
                pass
        with PortalLocks(target, ["b"]):  # released with the block
            pass


# -- real crawls --------------------------------------------------------------------------


def _crawl_env(profiles: Path, **extra: str) -> dict[str, str]:
    return cli_env(
        **{"NEWSFEED_PROFILES_DIR": str(profiles), "NEWSFEED_DOWNLOAD_DELAY": "0", **extra}
    )


def _feeds(folder: Path) -> dict[str, bytes]:
    # index.html and status.html show the crawl's time: pages for people, not feeds; the
    # build's manifest digests the articles' first-seen times (the two crawls ran apart)
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in {"index.html", "status.html", MANIFEST}
    }


def _rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in store.db.execute(sql))


def test_the_same_crawl_into_sqlite_and_postgres_gives_identical_feeds(
    reactor_thread: Any, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = tmp_path / "profiles"
    # one request at a time (a delay): the listings are read in the same order, and a listing
    # claims its articles as it is read (PortalSpider.parse_listing), so the article listed in
    # two categories is always fetched from the same one and the two crawls are the same crawl
    monkeypatch.setenv("NEWSFEED_DOWNLOAD_DELAY", "0.05")
    monkeypatch.setenv("NEWSFEED_PROFILES_DIR", str(profiles))
    with demo_portals(["demo_one"], profiles):
        for name, database_url in (("sqlite", ""), ("postgres", pg_url)):
            work = tmp_path / name
            # what `newsfeed run demo_one` does (crawl, then build), in this process: the
            # backends are under test here, not the process
            config = Config(
                var_dir=work / "var", feeds_dir=work / "feeds", database_url=database_url
            )
            registry = Registry()
            report = crawl_here(reactor_thread, [registry.get("demo_one")], config).report
            assert not report.get("signal"), report  # `newsfeed run` would exit 0
            build_feeds(config, registry)
    sqlite_feeds = _feeds(tmp_path / "sqlite" / "feeds")
    assert len(sqlite_feeds) > 10
    assert _feeds(tmp_path / "postgres" / "feeds") == sqlite_feeds, "byte-identical feeds"
    # the build in worker processes (newsfeed.feeds.pool), each on its own connection
    monkeypatch.setattr(jobs, "default_workers", lambda: 2)
    monkeypatch.setattr(writer, "INLINE_FEEDS", 1)
    pooled = Config(var_dir=tmp_path / "postgres" / "var", feeds_dir=tmp_path / "pooled")
    build_feeds(replace(pooled, database_url=pg_url), Registry())
    assert _feeds(tmp_path / "pooled") == sqlite_feeds
    sql = "SELECT guid, portal, url, canonical_url, published, content_hash, data FROM articles"
    with Store(tmp_path / "sqlite" / "var" / "newsfeed.sqlite3") as a, Store(pg_url) as b:
        assert len(_rows(a, sql)) == DEMO_ARTICLES
        assert _rows(b, sql) == _rows(a, sql)
        categories = "SELECT guid, portal, category FROM article_categories"
        assert _rows(b, categories) == _rows(a, categories)
        assert b.reports(limit=1)[0]["portals"]["demo_one"]["articles_new"] == DEMO_ARTICLES


def test_four_crawls_into_one_postgres_at_once_lose_and_duplicate_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    keys = ["demo_a", "demo_b", "demo_c", "demo_d"]
    profiles = tmp_path / "profiles"
    with demo_portals(keys, profiles):
        env = _crawl_env(profiles, NEWSFEED_DATABASE_URL=pg_url)
        procs = [start_cli("crawl", key, cwd=tmp_path, env=env) for key in keys]
        for proc in procs:
            _, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err[-3000:]
    with Store(pg_url) as store:
        for key in keys:
            assert store.count(key) == DEMO_ARTICLES, key
        guids = [s.article.guid for s in store.articles()]
        assert len(guids) == len(set(guids)) == 4 * DEMO_ARTICLES
        urls = store.db.execute(
            "SELECT count(DISTINCT u.guid), count(*) FILTER (WHERE a.guid IS NULL)"
            " FROM article_urls u LEFT JOIN articles a ON a.guid = u.guid"
        )
        assert tuple(urls.fetchone()) == (4 * DEMO_ARTICLES, 0), "every article's URLs, no orphan"
        # every demo article's body is on all four portals: clusters of four, none split
        clusters = store.near_duplicate_clusters()
        assert clusters and all(len(c) == 4 for c in clusters), clusters
        assert {g.split(":")[-1].split("/")[0] for c in clusters for g in c} == set(keys)
        reports = store.reports()
        assert sorted(k for r in reports for k in r["portals"]) == keys
        assert all(
            r["portals"][k]["articles_new"] == DEMO_ARTICLES for r in reports for k in r["portals"]
        )


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_second_crawl_of_the_same_portal_exits_75(
    backend: str, tmp_path: Path, pg_url: str
) -> None:
    profiles = tmp_path / "profiles"
    extra = {"NEWSFEED_DATABASE_URL": pg_url} if backend == "postgres" else {}
    target = pg_url if backend == "postgres" else str(tmp_path / "var" / "newsfeed.sqlite3")
    gate = Gate(passed=1)
    with (
        demo_portals(["demo_same"], profiles, gates={"demo_same": gate}),
        contextlib.ExitStack() as cleanup,
    ):
        # the first crawl is held by its site after one article, until the second has ended
        first = start_cli("crawl", "demo_same", cwd=tmp_path, env=_crawl_env(profiles, **extra))
        cleanup.callback(_stop, first)
        _wait_until_claimed(target, "demo_same", first)
        gate.wait_reached()
        second = start_cli("crawl", "demo_same", cwd=tmp_path, env=_crawl_env(profiles, **extra))
        cleanup.callback(_stop, second)
        _, err = second.communicate(timeout=120)
        assert first.poll() is None, "the first crawl was still running"
        assert second.returncode == 75, err[-2000:]
        assert "demo_same is being crawled by another process" in err
        assert err.count("\n") == 1, "one line, no traceback"
        gate.release()
        _, err = first.communicate(timeout=240)
        assert first.returncode == 0, err[-3000:]
    with Store(target) as store:
        assert store.count("demo_same") == DEMO_ARTICLES
        assert len(store.reports()) == 1, "the refused crawl wrote no report"


def _stop(proc: subprocess.Popen[str]) -> None:
    """A crawl left running by a failed assertion is ended, and its pipes closed."""
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)


def _wait_until_claimed(target: str, key: str, proc: subprocess.Popen[str]) -> None:
    """Until the first crawl stores an article: it holds the portal then (asking for the
    lock here could take it from under the crawl)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the first crawl ended early: {proc.communicate()[1][-2000:]}"
        if target.startswith("postgresql://") or Path(target).exists():
            with Store(target) as store:
                if store.count(key):
                    return
        time.sleep(0.05)
    raise AssertionError("the first crawl stored nothing in 60 s")
