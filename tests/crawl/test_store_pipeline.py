"""The store pipeline's writes (newsfeed.crawl.pipelines.StorePipeline): on SQLite the items'
transactions are savepoints of one committed every second, so a crawl's articles reach other
readers (``newsfeed build``, ``serve``, a monitor) while it runs, each whole; the grouping
itself (newsfeed.store.dialect) on both backends."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from newsfeed.config import Config
from newsfeed.portals import Registry
from newsfeed.store.db import Store
from tests.crawl.test_safe_runs import _count  # what another connection sees
from tests.crawling import crawl_here
from tests.servers import Gate, demo_portals


def test_a_crawl_held_by_its_site_has_its_articles_committed_meanwhile(
    reactor_thread: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site answers 3 article pages, then holds the crawl: those 3 are committed (a
    second's group, with no further item to trigger it) while the crawl is still held."""
    profiles = tmp_path / "profiles"
    monkeypatch.setenv("NEWSFEED_PROFILES_DIR", str(profiles))
    gate = Gate(passed=3)
    config = Config(var_dir=tmp_path / "var", feeds_dir=tmp_path / "feeds")
    store = config.var_dir / "newsfeed.sqlite3"
    with demo_portals(["held"], profiles, gates={"held": gate}):
        portal = Registry().get("held")
        done: list[Any] = []
        crawl = threading.Thread(
            target=lambda: done.append(crawl_here(reactor_thread, [portal], config))
        )
        crawl.start()
        try:
            gate.wait_reached()
            deadline = time.monotonic() + 30
            while _count(store) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            seen_while_held = _count(store)
            assert crawl.is_alive(), "the crawl is still held"
        finally:
            gate.release()
            crawl.join(120)
    assert seen_while_held == 3
    assert done and done[0].report["portals"]["held"]["articles_new"] == _count(store) > 3


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        url = str(tmp_path / "newsfeed.sqlite3")
    else:
        url = request.getfixturevalue("pg_url")
    with Store(url) as opened:
        opened.db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        yield opened


def _rows(store: Store) -> list[int]:
    return [int(r[0]) for r in store.db.execute("SELECT n FROM t ORDER BY n")]


def test_transactions_in_a_group_are_undone_alone_and_committed_together(store: Store) -> None:
    db = store.db
    db.begin_group()
    with store.transaction():
        db.execute("INSERT INTO t (n) VALUES (1)")
    with pytest.raises(RuntimeError), store.transaction():
        db.execute("INSERT INTO t (n) VALUES (2)")
        raise RuntimeError("this item fails")
    with store.transaction(), store.transaction():  # nested deeper: savepoints too
        db.execute("INSERT INTO t (n) VALUES (3)")
    assert db.in_group and _rows(store) == [1, 3]
    db.commit_group()
    assert not db.in_group
    db.begin_group()
    with store.transaction():
        db.execute("INSERT INTO t (n) VALUES (4)")
    db.rollback_group()
    assert _rows(store) == [1, 3]
    with store.transaction():  # outside a group: a transaction of its own, as before
        db.execute("INSERT INTO t (n) VALUES (5)")
    assert _rows(store) == [1, 3, 5]
