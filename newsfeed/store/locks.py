"""One crawl process per portal: claims held for a crawl's whole life, released if it dies.

- PostgreSQL (the shared store of several machines): a session-level advisory lock per portal,
  ``pg_try_advisory_lock(key)``, on a connection of its own held open for the crawl. The server
  drops it when that connection ends, so a crashed or killed crawl (or node) never leaves a
  portal claimed; ``pg_stat_activity.application_name`` says who holds it.
- SQLite (one machine): a ``flock`` on ``locks/<portal>.lock`` beside the store file, released
  by the kernel when the process dies; the file says the holder's pid.

Locks are taken without waiting: a portal another process is crawling is not crawled twice,
the crawl that finds it claimed exits 75 (EX_TEMPFAIL, "try again later") or, as a scrapyd job,
ends with the finish reason ``locked``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from newsfeed.store.dialect import advisory_key, is_database_url


class PortalLockedError(RuntimeError):
    """Another process is crawling some of the portals asked for."""

    def __init__(self, held: Sequence[str], holders: Sequence[str] = ()) -> None:
        self.held = tuple(held)
        who = f" ({'; '.join(holders)})" if holders else ""
        super().__init__(f"portal {', '.join(self.held)} is being crawled by another process{who}")


class PortalLocks:
    """The claims of one crawl on its portals; :meth:`release` (or the process's end) frees them."""

    def __init__(self, target: str, portals: Sequence[str]) -> None:
        self.portals = tuple(sorted(set(portals)))
        self._connection: Any = None
        self._files: list[IO[str]] = []
        if is_database_url(target):
            self._claim_postgres(target)
        elif target != ":memory:":
            self._claim_files(Path(target).parent / "locks")

    def _claim_postgres(self, url: str) -> None:
        import psycopg

        holder = f"newsfeed crawl {socket.gethostname()} pid {os.getpid()}"[:63]
        self._connection = psycopg.connect(
            url,
            autocommit=True,
            application_name=holder,
            # a node that vanishes from the network frees its portals within about a minute
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
        held: list[str] = []
        for key in self.portals:
            row = self._connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (advisory_key(f"newsfeed:portal:{key}"),)
            ).fetchone()
            if not row[0]:
                held.append(key)
        if held:
            self.release()
            raise PortalLockedError(held)

    def _claim_files(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        held: list[str] = []
        holders: list[str] = []
        for key in self.portals:
            handle = (folder / f"{key}.lock").open("a+", encoding="utf-8")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holders.append(f"{key}: pid {handle.read().strip() or 'unknown'}")
                held.append(key)
                handle.close()
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            self._files.append(handle)
        if held:
            self.release()
            raise PortalLockedError(held, holders)

    def release(self) -> None:
        if self._connection is not None:
            import psycopg

            # unlocked before the close: a closed session's locks go only when the server has
            # ended its backend, after close() returns, and a claim made right after (the
            # next run, or this one's other portals) would find them still held
            with contextlib.suppress(psycopg.Error):  # a server gone: its session ends anyway
                self._connection.execute("SELECT pg_advisory_unlock_all()")
            self._connection.close()
            self._connection = None
        for handle in self._files:
            handle.close()
        self._files = []

    def __enter__(self) -> PortalLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
