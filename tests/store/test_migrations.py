"""Schema versions: an older store is upgraded in place, in one transaction, keeping its data."""

from __future__ import annotations

import inspect
import json
import sqlite3
from pathlib import Path

import pytest

from newsfeed.store import migrations
from newsfeed.store.db import Store, Validators
from newsfeed.store.dialect import Connection, connect
from newsfeed.store.migrations import SCHEMA_VERSION, SchemaTooNewError, migrate, store_version

DATA = Path(__file__).parents[1] / "data"


def old_store(path: Path) -> Path:
    """A store as newsfeed wrote it before numbered migrations: today's DDL and real rows."""
    with sqlite3.connect(path) as db:
        db.executescript((DATA / "schema_v2.sql").read_text(encoding="utf-8"))
        db.executescript((DATA / "store_v2.sql").read_text(encoding="utf-8"))
        db.execute("PRAGMA user_version=2")
    return path


def _old_articles(path: Path) -> dict[str, dict[str, object]]:
    """The articles of an old store as its rows hold them (read with plain sqlite3)."""
    with sqlite3.connect(path) as db:
        return {
            guid: json.loads(data) for guid, data in db.execute("SELECT guid, data FROM articles")
        }


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
            if name != "schema_migrations"
        }


def test_a_store_of_the_old_schema_is_upgraded_and_keeps_every_row(tmp_path: Path) -> None:
    path = old_store(tmp_path / "old.sqlite3")
    before = _tables(path)
    assert sum(len(rows) for rows in before.values()) > 100
    with Store(path) as store:
        assert store_version(store.db) == SCHEMA_VERSION
        old = _old_articles(path)
        stored = store.articles()
        assert len(stored) == len(old) == 12
        for entry in stored:
            expected = old[entry.article.guid]
            article = entry.article
            assert (article.title, article.body_text, article.published) == (
                expected["title"],
                expected["body_text"],
                expected["published"],
            )
            assert "tin_tuc" in article.categories and "su_kien" in article.categories
            known = store.known(article.guid, "su_kien")
            assert known is not None and known.listed is not None
            assert known.listed.title == expected["title"]
            assert store.guid_for_url(article.url) == article.guid
        assert store.validators("https://hanoi.gov.vn/tin-tuc") == Validators(
            etag='"v1-abc"', last_modified="Fri, 20 Nov 2026 01:00:00 GMT"
        )
        assert store.completed_categories("hanoi") == {"tin_tuc", "thong_bao"}
        assert store.discovered_url("bac_ninh", "thong_bao") == "https://bacninh.gov.vn/thong-bao"
        assert store.gone_since("https://hanoi.gov.vn/gone.htm", ["404"]) is not None
        assert [r["run_id"] for r in store.reports()] == [
            "20261120T010000000Z",
            "20261119T010000000Z",
        ]
        after = _tables(path)
        # v2 sketches hash each shingle with BLAKE2b: the first crawl makes them again, once
        assert store.index_missing_near_duplicates() == 12
        assert store.index_missing_near_duplicates() == 0
    for name, rows in before.items():
        assert after[name] == rows, f"{name}: rows changed by the upgrade"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _step_adds_column(db: Connection) -> None:
    """Test step: a column with a default on every row."""
    db.execute("ALTER TABLE reports ADD COLUMN origin TEXT NOT NULL DEFAULT 'here'")


def _step_fails(db: Connection) -> None:
    """Test step: creates a table, then fails."""
    db.execute("CREATE TABLE half_done (x TEXT)")
    db.execute("DELETE FROM articles")
    raise RuntimeError("step failed")


def test_a_new_step_runs_once_in_order_and_is_recorded(tmp_path: Path) -> None:
    path = old_store(tmp_path / "old.sqlite3")
    steps = (*migrations.STEPS, (SCHEMA_VERSION + 1, _step_adds_column))
    db = connect(str(path))
    try:
        assert migrate(db, steps) == list(range(2, SCHEMA_VERSION + 2)), "every step, in order"
        assert migrate(db, steps) == [], "a current store is left alone"
        assert store_version(db) == SCHEMA_VERSION + 1
        origins = {r[0] for r in db.execute("SELECT origin FROM reports")}
        assert origins == {"here"}
        names = [r[0] for r in db.execute("SELECT name FROM schema_migrations ORDER BY version")]
        assert names[-1] == "step_adds_column"
    finally:
        db.close()


def test_a_failing_step_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = old_store(tmp_path / "old.sqlite3")
    with Store(path):
        pass
    before = _tables(path)
    steps = (*migrations.STEPS, (SCHEMA_VERSION + 1, _step_fails))
    db = connect(str(path))
    try:
        with pytest.raises(RuntimeError, match="step failed"):
            migrate(db, steps)
        assert store_version(db) == SCHEMA_VERSION
        assert not db.table_exists("half_done")
    finally:
        db.close()
    assert _tables(path) == before


def test_a_store_newer_than_this_newsfeed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with Store(path) as store:
        store.db.execute(
            "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
            (SCHEMA_VERSION + 5, "future", "2030-01-01T00:00:00+00:00"),
        )
    with pytest.raises(SchemaTooNewError, match="upgrade newsfeed"):
        Store(path)


def test_steps_are_numbered_in_order_and_each_says_what_it_does() -> None:
    versions = [version for version, _ in migrations.STEPS]
    assert versions == list(range(versions[0], versions[0] + len(versions)))
    for version, step in migrations.STEPS:
        assert inspect.getdoc(step), f"step {version} ({step.__name__}) needs a docstring"
        assert step.__name__.startswith(f"_v{version}_"), f"step {version}: name it _v{version}_..."
