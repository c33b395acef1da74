"""Clear failures: a damaged, locked or unwritable store and a full disk end in one line.

Crawls run as cron runs them (a subprocess); the other commands in the test process, with the
same output and exit code (tests.conftest.newsfeed_cli). What must hold: exit 1 (``check``: 3,
UNKNOWN), one line on stderr naming the path and what to do, no traceback, and the store's
bytes exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsfeed.files import remove_stale_temps
from newsfeed.items import Article
from newsfeed.store.db import Store
from newsfeed.store.errors import StoreFailure, explain
from tests.conftest import newsfeed_cli

pytestmark = pytest.mark.slow

STORE = Path("var") / "newsfeed.sqlite3"


def _one_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    store = tmp_path / STORE
    store.parent.mkdir(parents=True)
    garbage = b"this is not a database\n" * 500
    store.write_bytes(garbage)
    for command in (("build",), ("crawl", "an_giang"), ("report",)):
        result = newsfeed_cli(*command, cwd=tmp_path, timeout=120)
        assert result.returncode == 1, (command, result.stderr[-2000:])
        line = _one_line(result, str(STORE), "cannot be read", "backup")
        assert line.startswith("newsfeed: ")
    checked = newsfeed_cli("check", cwd=tmp_path)
    assert checked.returncode == 3 and checked.stdout.startswith("NEWSFEED UNKNOWN - ")
    assert store.read_bytes() == garbage, "the store was touched"
    assert not (tmp_path / "var" / "reports").exists()


def test_a_damaged_store_is_named_and_left_alone(tmp_path: Path) -> None:
    store = tmp_path / STORE
    Store(store).close()
    data = bytearray(store.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # page 1: the schema
    store.write_bytes(bytes(data))
    result = newsfeed_cli("build", cwd=tmp_path)
    assert result.returncode == 1
    _one_line(result, str(STORE), "cannot be read")
    assert store.read_bytes() == bytes(data)


@contextmanager
def _immutable(folder: Path) -> Iterator[None]:
    """``folder`` read-only even for root (the tests may run as root): chattr +i."""
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False).returncode:
        pytest.skip("chattr +i is not available here to make a folder read-only")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_read_only_var_folder_is_named(tmp_path: Path) -> None:
    var = tmp_path / "var"
    Store(var / "newsfeed.sqlite3").close()
    (var / "newsfeed.sqlite3-wal").unlink(missing_ok=True)
    (var / "newsfeed.sqlite3-shm").unlink(missing_ok=True)
    before = (var / "newsfeed.sqlite3").read_bytes()
    with _immutable(var):
        run = newsfeed_cli("run", "an_giang", cwd=tmp_path)
        crawl = newsfeed_cli("crawl", "an_giang", cwd=tmp_path)
    assert run.returncode == 1
    _one_line(run, "var/", "cannot write", "writable")
    assert crawl.returncode == 1
    _one_line(crawl, "var", "writable")
    assert (var / "newsfeed.sqlite3").read_bytes() == before


def _tiny_disk_command(mountpoint: Path, size: str, *args: str) -> list[str]:
    """``newsfeed ARGS`` with a ``size`` tmpfs mounted on ``mountpoint`` (a user namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not available here to mount a small disk")
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {mountpoint}"],
        capture_output=True,
        check=False,
    )
    if probe.returncode:
        pytest.skip(f"cannot mount a tmpfs in a user namespace: {probe.stderr[-200:]!r}")
    command = " ".join([sys.executable, "-m", "newsfeed", *args])
    return [
        unshare,
        "-rm",
        "sh",
        "-c",
        f"mount -t tmpfs -o size={size} tmpfs {mountpoint} && {command}",
    ]


def _articles(count: int) -> Iterator[Article]:
    body = "Nội dung bài viết. " * 400
    for i in range(count):
        url = f"https://angiang.gov.vn/tin-tuc/bai-{i}"
        yield Article(
            url=url,
            canonical_url=url,
            guid=f"tag:newsfeed,2025:an_giang/{i}",
            portal="an_giang",
            categories=("tin_tuc_su_kien",),
            title=f"Bài số {i}",
            published="2026-11-20T08:30:00+07:00",
            date_source="article",
            body_html=f"<p>{body}</p>",
            body_text=body,
        )


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NEWSFEED_CONFIG"}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_full_disk_under_the_feeds_is_named(tmp_path: Path) -> None:
    with Store(tmp_path / STORE) as store:
        for article in _articles(30):
            store.upsert(article)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    result = _run(_tiny_disk_command(feeds, "32k", "build"), tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    _one_line(result, "no space left", "feeds")


def test_a_full_disk_under_the_store_is_named(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    result = _run(_tiny_disk_command(var, "16k", "crawl", "an_giang"), tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    _one_line(result, "no space left", "var")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sqlite3.OperationalError("database or disk is full"), "no space left"),
        (sqlite3.OperationalError("database is locked"), "locked by another process"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "cannot write"),
        (sqlite3.DatabaseError("file is not a database"), "cannot be read"),
        (sqlite3.DatabaseError("database disk image is malformed"), "cannot be read"),
        (StoreFailure(Path("/srv/var/newsfeed.sqlite3"), "database or disk is full"), "/srv"),
        (OSError(28, "No space left on device", "/srv/feeds/a.xml"), "/srv/feeds/a.xml"),
        (PermissionError(13, "Permission denied", "/srv/var/run.lock"), "/srv/var/run.lock"),
    ],
)
def test_each_store_or_disk_failure_has_its_line(error: BaseException, expected: str) -> None:
    line = explain(error, store=Path("var/newsfeed.sqlite3"), var_dir=Path("var"))
    assert line is not None and expected in line


def test_a_postgresql_failure_names_the_database_without_its_password() -> None:
    import psycopg

    url = "postgresql://newsfeed:hunter2@db.example.org:5432/newsfeed"
    for error in (
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        StoreFailure(Path("var/newsfeed.sqlite3"), "the connection is closed", database=url),
    ):
        line = explain(error, store=Path("var/newsfeed.sqlite3"), var_dir=Path("var"), database=url)
        assert line is not None and "hunter2" not in line
        assert "PostgreSQL store postgresql://newsfeed:***@db.example.org:5432/newsfeed" in line
        assert "running and accepts connections" in line
    # a PostgreSQL error is not a SQLite store's failure: without a database URL, a bug
    assert explain(psycopg.OperationalError("x"), store=Path("s"), var_dir=Path("v")) is None


def test_what_is_not_a_store_or_disk_failure_keeps_its_traceback() -> None:
    assert explain(ValueError("bug"), store=Path("s"), var_dir=Path("v")) is None
    assert explain(sqlite3.ProgrammingError("bug"), store=Path("s"), var_dir=Path("v")) is None


def test_a_build_removes_the_temp_files_a_killed_build_left(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    (feeds / "an_giang").mkdir(parents=True)
    stale = feeds / "an_giang" / ".tin_tuc_su_kien.rss.xml.k3j2h1.tmp"
    fresh = feeds / ".index.html.a1b2c3.tmp"  # another build writing right now
    stale.write_text("half a feed")
    fresh.write_text("being written")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert remove_stale_temps(feeds) == [stale]
    assert fresh.exists() and not stale.exists()
    stale.write_text("half a feed")
    os.utime(stale, (old, old))
    result = newsfeed_cli("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not stale.exists()
