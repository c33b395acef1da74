"""Store and disk failures as one line that names the path and says what to do.

A cron job's mail must say "the disk holding var/ is full", not print a traceback, and the store
must be left as it was: every failure here happens before a write succeeds (SQLite rolls an
unfinished transaction back), and a store that cannot be read is never rewritten. The CLI prints
:func:`explain` and exits 1; what it cannot explain is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
from pathlib import Path

from newsfeed.store.dialect import redact

__all__ = ["STORE_ERROR_STAT", "STORE_FAILED", "StoreFailure", "explain", "postgres_line"]

STORE_ERROR_STAT = "newsfeed/store_error"
"""The stats key where the crawl's pipelines leave a store failure met mid-crawl."""
STORE_FAILED = "store_failed"
"""The spider's close reason when the store failed mid-crawl."""


class StoreFailure(Exception):
    """A store write failed during the crawl (the message is SQLite's or PostgreSQL's);
    ``database``: the PostgreSQL store's URL, when it is one."""

    def __init__(self, path: Path, message: str, *, database: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.database = database


def _is_postgres_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "psycopg"


def explain(exc: BaseException, *, store: Path, var_dir: Path, database: str = "") -> str | None:
    """One line for a failure of the store or the disk, or None when it is neither.
    ``database``: the PostgreSQL URL when the store is one (named without its password)."""
    if isinstance(exc, StoreFailure):
        store = exc.path
        database = exc.database or database
    if database and (_is_postgres_error(exc) or isinstance(exc, StoreFailure)):
        return postgres_line(database, str(exc))
    if _is_postgres_error(exc):
        return None
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        where = Path(exc.filename) if exc.filename else var_dir
        if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
            return f"no space left on the disk holding {where}: free some space and run again"
        if exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
            return (
                f"cannot write {where} ({exc.strerror}): make it writable by this user, "
                "or point --var-dir / --feeds-dir (NEWSFEED_VAR_DIR, NEWSFEED_FEEDS_DIR) elsewhere"
            )
        return None
    if not isinstance(exc, sqlite3.Error | StoreFailure):
        return None
    message = str(exc).lower()
    if "full" in message:
        return f"no space left on the disk holding {store}: free some space and run again"
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        return (
            f"cannot write the store {store}: make it and its folder writable by this user, "
            "or point --var-dir (NEWSFEED_VAR_DIR) elsewhere"
        )
    if "locked" in message or "busy" in message:
        return (
            f"the store {store} is locked by another process (a crawl still running, an "
            "sqlite3 shell?): let it finish and run again"
        )
    if any(word in message for word in ("not a database", "malformed", "corrupt", "encrypted")):
        return (
            f"the store {store} cannot be read (not a SQLite database, damaged, or a WAL that "
            f"cannot be replayed); it was left as it is: restore a backup, or move {store} and "
            f"its -wal/-shm files aside to start a new store"
        )
    if "disk i/o" in message:
        # SQLite says "disk I/O error" when a full disk stops its WAL from growing
        if _nearly_full(store.parent):
            return f"no space left on the disk holding {store}: free some space and run again"
        return f"the disk holding {store} failed to read or write (I/O error): check the disk"
    return None


def postgres_line(database: str, message: str) -> str:
    """What to say when the PostgreSQL store failed (gone away, refusing, out of space)."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "no reason")
    if re.search(r"no space|disk full", first, re.IGNORECASE):
        advice = "free space on the database server and run again"
    else:
        advice = "check that the server is running and accepts connections, then run again"
    return (
        f"the PostgreSQL store {redact(database)} failed ({redact(first)}); what the failed"
        f" transaction wrote was rolled back: {advice}"
    )


FULL_BELOW = 1 << 20
"""Free bytes under which a disk counts as full (SQLite needs room for its WAL and index)."""


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < FULL_BELOW
    except OSError:
        return False
