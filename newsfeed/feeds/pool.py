"""Feeds rendered in worker processes, so that a build of many feeds uses every core.

Rendering is CPU-bound Python (an article's body is parsed, its links checked, its item
serialized three ways), so threads would take turns; processes do not. The builder plans every
feed in its own process (rows and digests: cheap) and renders the first few itself; past
:data:`~newsfeed.feeds.writer.INLINE_FEEDS` feeds to render (a scratch build, a new code
version), the rest go to ``workers`` processes forked from it. Each worker opens its own
store connection (a connection never crosses a fork: the worker leaves the builder's alone
and ends with ``os._exit``, as :mod:`multiprocessing` ends a forked child), loads the feed's
articles, renders and writes its files through its own :class:`~newsfeed.files.DurableBatch`,
and answers with the feed's newest date and item count.

A portal's feeds go to one worker as far as it keeps up, so an article in a category feed and
in the portal's ``all`` feed is mostly prepared once (:class:`~newsfeed.feeds.render.ItemCache`).
Each worker has at most :data:`IN_FLIGHT` feeds handed to it and not answered, so neither
pipe fills and memory stays flat however many feeds; a feed goes to its portal's worker
while that one has room, else to the least busy, so no worker waits for another's. An error
in a worker (a full disk) is raised again in the builder, the same exception, after every
worker has stopped; the files a worker had not committed are left as they were.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from newsfeed.feeds.build import EntryLoader, FeedRows
from newsfeed.feeds.render import FeedSpec, ItemCache, prepare, render_prepared
from newsfeed.files import DurableBatch
from newsfeed.portals import Portal
from newsfeed.store.db import Store

IN_FLIGHT = 4
"""Feeds handed to one worker and not yet answered, at most."""


def default_workers() -> int:
    """The cores this process may run on; 1 (no workers) where processes are not forked
    (not Linux) or where this process runs other threads: a fork copies only the thread that
    forks, and a lock another thread held stays locked in the copy."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1
    return len(os.sched_getaffinity(0))


@dataclass(frozen=True, slots=True)
class Task:
    """One feed to render: its folder-relative stem, channel, rows and files with their URLs."""

    stem: str
    channel: FeedSpec
    rows: FeedRows
    portal: str | None
    files: tuple[tuple[str, Path, str], ...]
    """Per format: its key, the file and the URL the file is served at."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A worker's answer for one feed."""

    stem: str
    latest: datetime | None
    count: int
    written: tuple[Path, ...]
    """The files whose bytes changed (the others were left untouched)."""


@dataclass(frozen=True, slots=True)
class _Settings:
    store_url: str
    portals: Mapping[str, Portal]
    base: str
    limit: int
    cache_size: int


class RenderPool:
    """Worker processes, started at the first :meth:`submit`; :meth:`drain` waits for every
    feed submitted and stops them."""

    def __init__(
        self,
        store_url: str,
        portals: Mapping[str, Portal],
        *,
        base: str,
        limit: int,
        workers: int,
        cache_size: int,
    ) -> None:
        if workers < 2:
            raise ValueError(f"a pool needs 2 workers or more, got {workers}")
        self.workers = workers
        self._settings = _Settings(store_url, dict(portals), base, limit, cache_size)
        self._conns: list[Connection] = []
        self._processes: list[Any] = []
        self._in_flight: list[int] = []
        self._answers: list[Rendered] = []
        self._error: BaseException | None = None
        self._worker_of: dict[str, int] = {}

    @property
    def started(self) -> bool:
        return bool(self._processes)

    def submit(self, task: Task) -> None:
        if self._error is not None:
            return  # a worker failed: drain raises it; nothing more is rendered
        if not self._processes:
            self._start()
        # the worker of the portal's earlier feeds while it has room (its items are shared
        # with the portal's "all" feed), else the least busy: a worker never waits for the
        # builder to be done with another's feeds
        for ready in wait(self._conns, timeout=0):
            self._receive(self._conns.index(ready))  # type: ignore[arg-type]
        i = self._worker_of.get(task.portal or "", -1)
        if i < 0 or self._in_flight[i] >= IN_FLIGHT:
            while min(self._in_flight) >= IN_FLIGHT and self._error is None:
                for ready in wait(self._conns):
                    self._receive(self._conns.index(ready))  # type: ignore[arg-type]
            i = min(range(self.workers), key=lambda w: (self._in_flight[w], w))
            if task.portal is not None:
                self._worker_of[task.portal] = i
        if self._error is None:
            try:
                self._conns[i].send(task)
            except OSError:  # the worker failed and hung up: its last word says why
                while self._error is None:
                    self._receive(i)
                return
            self._in_flight[i] += 1

    def drain(self) -> list[Rendered]:
        """Every feed's answer (in the order they came); the workers have committed their
        files and stopped. Raises the first error a worker met."""
        for i, conn in enumerate(self._conns):
            while self._in_flight[i] and self._error is None:
                self._receive(i)
            with contextlib.suppress(OSError):  # a worker that failed has hung up
                conn.send(None)  # commit and stop
        for i in range(len(self._conns)):
            self._finish(i)
        for process in self._processes:
            process.join()
        self._conns, self._processes, self._in_flight = [], [], []
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        answers, self._answers = self._answers, []
        return answers

    def abort(self) -> None:
        """Stop the workers without committing: each drops its temp files (the build failed
        here, not there)."""
        for conn in self._conns:
            conn.close()  # a worker's next read ends: it aborts its batch and exits
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():  # stuck: its temp files are the next build's to remove
                process.kill()
                process.join()
        self._conns, self._processes, self._in_flight, self._answers = [], [], [], []

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        for _ in range(self.workers):
            parent, child = context.Pipe()
            # the worker closes its copies of the builder's ends (its own and the workers'
            # before it): a pipe ends, for the worker reading it, only when the builder's end
            # is closed everywhere
            ends = [*self._conns, parent]
            process = context.Process(target=_work, args=(child, ends, self._settings), daemon=True)
            process.start()
            child.close()
            self._conns.append(parent)
            self._processes.append(process)
            self._in_flight.append(0)

    def _receive(self, i: int) -> str:
        """Read worker ``i``'s next word: "ok" (a feed's answer, kept), "done" (its files
        committed) or "error" (kept; also a worker that hung up without saying "done")."""
        try:
            kind, value = self._conns[i].recv()
        except (EOFError, OSError):
            kind, value = "error", RuntimeError("a feed-building worker process died")
        if kind == "error":
            self._error = self._error or value
            self._in_flight[i] = 0
        elif kind == "ok":
            self._answers.append(value)
            self._in_flight[i] -= 1
        return str(kind)

    def _finish(self, i: int) -> None:
        """Wait for worker ``i``'s last word: done (its files committed) or an error."""
        while self._receive(i) == "ok":
            pass


def _work(conn: Connection, builders: list[Connection], settings: _Settings) -> None:
    """A worker: feeds from ``conn`` until None, then its files committed, then "done"; the
    end of ``conn`` (the builder aborted or died) drops its temp files."""
    for end in builders:
        end.close()
    batch = DurableBatch()
    try:
        with Store(settings.store_url) as store:
            load = EntryLoader(store, settings.portals)
            cache = ItemCache(settings.base, size=settings.cache_size)
            while (task := conn.recv()) is not None:
                conn.send(("ok", _render(task, load, cache, batch, settings)))
        batch.commit()
        conn.send(("done", None))
    except EOFError:  # the builder aborted (or died): nothing of this worker's is kept
        batch.abort()
    except BaseException as exc:  # the builder raises it again; nothing here is visible yet
        batch.abort()
        with contextlib.suppress(OSError):
            try:
                conn.send(("error", exc))
            except OSError:
                raise
            except Exception:  # the exception would not pickle: its text then
                conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def _render(
    task: Task, load: EntryLoader, cache: ItemCache, batch: DurableBatch, settings: _Settings
) -> Rendered:
    prepared = prepare(load(task.rows), limit=settings.limit, base_url=settings.base, cache=cache)
    written = [
        path
        for fmt, path, url in task.files
        if batch.write(path, render_prepared(fmt, task.channel, prepared, url))
    ]
    return Rendered(task.stem, prepared.latest, prepared.count, tuple(written))
