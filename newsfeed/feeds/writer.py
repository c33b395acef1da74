"""The feeds folder, written incrementally: a feed is rendered only when what it shows changed.

A build hands :class:`FeedWriter` one feed at a time, with a *digest* of what the feed will show
(its articles' ids, content hashes, dates, categories and other publications, as the store keeps
them, and its channel data) and a way to load its entries. The writer folds in the render
inputs (the feeds' base URL, the item limit, and the code that renders: this package's
``render.py`` and the feedgen and lxml versions) and compares with the digest recorded at the
previous build. Only a feed whose digest differs, or one of whose files is missing, is loaded
and rendered; the others cost a stat. So a rebuild with nothing new renders nothing and writes
nothing, and one new article re-renders only the feeds it appears in. Cheaper still, when the
whole set's inputs are unchanged (:meth:`FeedWriter.replay`: the store's generation, the portals,
the health items, the watches), the feeds are taken from the manifest without a read of the
store's rows.

Files are written feed by feed as they are rendered (each atomically, left alone when the bytes
are unchanged), so memory does not grow with the number of feeds. Past the first
:data:`INLINE_FEEDS` feeds to render, the rest are rendered and written by worker processes,
one per core (:mod:`newsfeed.feeds.pool`), and waited for before any page or the manifest.
They are made durable in groups (:class:`newsfeed.files.DurableBatch`: temp files fsynced in
one pass, then renamed, then each folder fsynced once), the last group in
:meth:`FeedWriter.finish`, before the manifest records them: a build that fails leaves every
file whole, old or new, and a manifest that never names a file the disk may not hold. The
record of a build is the manifest, ``.newsfeed-manifest`` (JSON) in the feeds folder: per
feed, its digest, its newest item date and item count (for ``index.html``, which needs them
for every feed, rendered or not) and channel data, the files the build wrote, and the key of
the whole set with the feeds' order (``build``). A feed file listed in the
previous manifest that no longer belongs to any feed (a portal, category, topic or watch
removed from the config) is deleted; a file the build never wrote (a user's own) is never
touched.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsfeed.feeds import render
from newsfeed.feeds.render import (
    FORMATS,
    FeedEntry,
    FeedSpec,
    ItemCache,
    feed_url,
    prepare,
    render_opml,
    render_prepared,
)
from newsfeed.files import DurableBatch, atomic_write

if TYPE_CHECKING:
    from newsfeed.feeds.build import FeedRows
    from newsfeed.feeds.pool import RenderPool

INLINE_FEEDS = 32
"""Feeds a build renders in its own process before it hands the rest to worker processes: an
hourly run renders a handful, which starting processes would only slow down."""

log = logging.getLogger(__name__)

MANIFEST = ".newsfeed-manifest"
"""The build's record, in the feeds folder (a dot file: web servers usually do not serve it)."""
MANIFEST_VERSION = 1
OPML = "index.opml"


@cache
def code_digest() -> str:
    """What renders the feeds: a change to the renderer's code or its libraries re-renders
    every feed (no version number to forget to bump)."""
    h = hashlib.sha256(Path(render.__file__).read_bytes())
    for dist in ("feedgen", "lxml", "orjson"):
        h.update(f"\0{dist}={version(dist)}".encode())
    return h.hexdigest()


def entries_digest(entries: Iterable[FeedEntry]) -> str:
    """A digest of entries given whole (watch feeds, health items), in any order."""
    h = hashlib.sha256()
    for text in sorted(repr(entry) for entry in entries):
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """A written feed, as ``index.html`` shows it: channel data, newest news, item count."""

    spec: FeedSpec
    """Its channel data (``entries`` empty: they are not kept)."""
    latest: datetime | None
    count: int


@dataclass(slots=True)
class BuildCounts:
    """What a build did (for logs and ``make bench``)."""

    rendered: int = 0
    """Feeds rendered (their digest changed or a file was missing)."""
    unchanged: int = 0
    """Feeds whose digest was unchanged and whose files were all there: not rendered."""
    written: list[Path] = field(default_factory=list)
    """Files replaced (a rendered feed whose bytes did not change is not rewritten)."""
    removed: list[Path] = field(default_factory=list)
    """Files of earlier builds that no longer belong to any feed."""


class FeedWriter:
    """Writes feeds one by one into ``out_dir``; :meth:`finish` writes the OPML, removes what
    earlier builds wrote and this one did not, and records the manifest."""

    def __init__(self, out_dir: Path, base_url: str, *, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        self.out_dir = out_dir
        self.base = render._base_url(base_url)
        self.limit = limit
        self.counts = BuildCounts()
        # Items are shared by the formats of a feed and by feeds rendered one after another
        # (an article in two categories); a portal's "all" and the topic feeds come after
        # every category feed, too far back for any cache that keeps memory flat.
        self.cache = ItemCache(self.base, size=max(256, 2 * limit))
        self._inputs = f"{code_digest()}\0{self.base}\0{limit}"
        self._previous = _read_manifest(out_dir)
        self._feeds: dict[str, dict[str, Any]] = {}
        self._listed: list[tuple[FeedSpec, str, str]] = []
        self._files: list[Path] = []
        self._pages: list[str] = []
        self._batch = DurableBatch()
        self._summaries: list[FeedSummary] = []
        self._pool: RenderPool | None = None
        self._inline = 0
        self._pending: dict[str, int] = {}
        """Feeds handed to the pool: stem -> index in ``_summaries``."""
        self._key: str | None = None
        """What the whole set is made of (:meth:`replay`), recorded in the manifest."""
        self._order: list[str] = []

    def use_pool(self, pool: RenderPool) -> None:
        """Render feeds in ``pool``'s worker processes once :data:`INLINE_FEEDS` feeds were
        rendered here (:mod:`newsfeed.feeds.pool`)."""
        self._pool = pool
        self._inline = INLINE_FEEDS

    @property
    def files(self) -> list[Path]:
        """Every file of the set so far (written or already up to date), in order."""
        return list(self._files)

    def replay(self, key: str) -> bool:
        """The whole set at once, when nothing it is made of changed: ``key`` names every input
        of every feed (the store's generation, the portals, the health items, the watches and
        the code that plans them; the writer adds the render inputs). When the last build
        recorded the same key and every file it listed is there, its feeds are added again
        from the manifest, as :meth:`add` would find each unchanged, without a read of the
        store; True. Else False: the caller adds every feed (and the key is recorded)."""
        h = hashlib.sha256(self._inputs.encode())
        h.update(b"\0" + key.encode())
        self._key = h.hexdigest()
        build = self._previous.get("build")
        feeds = self._previous.get("feeds")
        if not isinstance(build, dict) or build.get("key") != self._key:
            return False
        order = build.get("order")
        if not isinstance(order, list) or not isinstance(feeds, dict):
            return False
        try:
            again = [(stem, feeds[stem], _channel(feeds[stem]["channel"])) for stem in order]
        except (KeyError, TypeError, ValueError):
            return False
        files = self._previous.get("files")
        if not isinstance(files, list) or not all(
            (self.out_dir / name).is_file()
            for name in files
            if isinstance(name, str) and _is_feed_file(name)
        ):
            return False
        if self._feeds or len(set(order)) < len(order):
            return False
        if any(channel.path != stem for stem, _old, channel in again):
            return False
        for stem, old, channel in again:
            self.counts.unchanged += 1
            latest = _parse_time(old.get("latest"))
            count = int(old.get("count") or 0)
            self._added(stem, channel, str(old.get("digest")), latest, count)
        return True

    def add(
        self,
        spec: FeedSpec,
        *,
        digest: str | None = None,
        load: Callable[[], Iterable[FeedEntry]] | None = None,
        rows: FeedRows | None = None,
    ) -> None:
        """Write the feed ``spec`` unless it is unchanged since the last build.

        ``digest``: of what the feed shows, from the store (cheap); ``load``: its entries, asked
        only when it must be rendered. Without them the feed is ``spec.entries``. ``rows``:
        what ``load`` loads, as data, for a worker process (:meth:`use_pool`).
        :meth:`summaries` then tells each feed's newest date and item count.
        """
        stem = render._checked_path(spec.path)
        if stem in self._feeds:
            raise ValueError(f"two feeds share the path {stem!r}")
        if digest is None:
            digest = entries_digest(spec.entries)
        channel = replace(spec, entries=())
        h = hashlib.sha256(self._inputs.encode())
        h.update(repr(channel).encode("utf-8", "surrogatepass"))
        h.update(b"\0" + digest.encode())
        full = h.hexdigest()
        paths = [self.out_dir / f"{stem}{suffix}" for suffix, _type in FORMATS.values()]
        old = self._previous.get("feeds", {}).get(stem)
        if (
            isinstance(old, dict)
            and old.get("digest") == full
            and all(path.is_file() for path in paths)
        ):
            self.counts.unchanged += 1
            latest = _parse_time(old.get("latest"))
            count = int(old.get("count") or 0)
        elif self._pool is not None and rows is not None and self.counts.rendered >= self._inline:
            from newsfeed.feeds.pool import Task  # the pool's module imports the builder's

            urls = [feed_url(self.base, stem, fmt) for fmt in FORMATS]
            files = tuple(zip(FORMATS, paths, urls, strict=True))
            self._pool.submit(Task(stem, channel, rows, spec.portal, files))
            self.counts.rendered += 1
            self._pending[stem] = len(self._summaries)
            latest, count = None, 0  # the worker's answer tells (_drain)
        else:
            entries = tuple(load()) if load is not None else spec.entries
            prepared = prepare(entries, limit=self.limit, base_url=self.base, cache=self.cache)
            try:
                for fmt, path in zip(FORMATS, paths, strict=True):
                    url = feed_url(self.base, stem, fmt)
                    if self._batch.write(path, render_prepared(fmt, channel, prepared, url)):
                        self.counts.written.append(path)
            except BaseException:
                # the build fails: the feeds not committed yet keep their old files
                self._batch.abort()
                raise
            self.counts.rendered += 1
            latest = prepared.latest
            count = prepared.count
        self._added(stem, channel, full, latest, count)

    def _added(
        self, stem: str, channel: FeedSpec, digest: str, latest: datetime | None, count: int
    ) -> None:
        self._feeds[stem] = {
            "digest": digest,
            "latest": latest.isoformat() if latest else None,
            "count": count,
            "channel": {
                f.name: getattr(channel, f.name) for f in fields(FeedSpec) if f.name != "entries"
            },
        }
        self._order.append(stem)
        self._files.extend(self.out_dir / f"{stem}{suffix}" for suffix, _type in FORMATS.values())
        if channel.category is not None or channel.watch is not None:
            self._listed.append(
                (channel, feed_url(self.base, stem, "rss"), feed_url(self.base, stem, "atom"))
            )
        self._summaries.append(FeedSummary(channel, latest, count))

    def abort(self) -> None:
        """The build failed: the feeds not committed yet keep their old files, in this
        process and in the pool's workers."""
        if self._pool is not None:
            self._pool.abort()
        self._batch.abort()

    def summaries(self) -> list[FeedSummary]:
        """Every feed added, in order, with its newest date and item count (the feeds in
        worker processes waited for)."""
        self._drain()
        return list(self._summaries)

    def _drain(self) -> None:
        """Wait for the feeds handed to the pool; their files are then on disk."""
        if self._pool is None or not self._pool.started:
            return
        try:
            answers = self._pool.drain()
        except BaseException:
            self._batch.abort()
            raise
        for answer in answers:
            i = self._pending.pop(answer.stem)
            self._summaries[i] = replace(
                self._summaries[i], latest=answer.latest, count=answer.count
            )
            self._feeds[answer.stem]["latest"] = (
                answer.latest.isoformat() if answer.latest else None
            )
            self._feeds[answer.stem]["count"] = answer.count
            self.counts.written.extend(answer.written)

    def write_opml(self, title: str = "newsfeed") -> Path:
        """``index.opml``: the category and watch feeds added so far."""
        return self.write_page(OPML, render_opml(self._listed, title))

    def write_page(self, name: str, data: bytes) -> Path:
        """A page of the set (``index.opml``, ``status.html``, ``index.html``), written only
        when its bytes changed. The feeds written so far are committed first: a page never
        links a feed the disk may not hold yet, and sees the pages before it on disk
        (``index.html`` links ``status.html`` only when that file exists)."""
        self._drain()
        self._batch.commit()
        path = self.out_dir / name
        if atomic_write(path, data):
            self.counts.written.append(path)
        self._files.append(path)
        self._pages.append(name)
        return path

    def finish(self) -> BuildCounts:
        """Remove the feed files earlier builds wrote that no feed of this build has, then
        record the manifest (itself rewritten only when it changed). Every file written is
        on disk when this returns."""
        self._drain()
        self._batch.commit()
        keep = {path.relative_to(self.out_dir).as_posix() for path in self._files}
        earlier = self._previous.get("files", [])
        for name in earlier if isinstance(earlier, list) else []:
            if not isinstance(name, str) or name in keep or not _is_feed_file(name):
                continue
            path = self.out_dir / name
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("cannot remove %s, no longer a feed: %s", path, exc)
                continue
            log.info("removed %s: no longer a feed", path)
            self.counts.removed.append(path)
            _prune(path.parent, self.out_dir)
        manifest: dict[str, Any] = {
            "version": MANIFEST_VERSION,
            "feeds": dict(sorted(self._feeds.items())),
            "files": sorted(keep),
        }
        if self._key is not None:
            manifest["build"] = {"key": self._key, "order": self._order}
        data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        if atomic_write(self.out_dir / MANIFEST, data):
            self.counts.written.append(self.out_dir / MANIFEST)
        return self.counts


def _is_feed_file(name: str) -> bool:
    """Only feed files are ever removed, and only inside the feeds folder."""
    parts = name.split("/")
    if any(part in {"", ".", ".."} for part in parts) or Path(name).is_absolute():
        return False
    return any(name.endswith(suffix) for suffix, _type in FORMATS.values())


def _prune(folder: Path, root: Path) -> None:
    """Remove the folders a removed feed leaves empty, up to (not including) ``root``."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (a user's file, another feed) or already gone
            return
        folder = folder.parent


def _read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s (%s): every feed is rendered", out_dir / MANIFEST, exc)
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    return data


def _channel(data: object) -> FeedSpec:
    """A feed's channel data as the manifest records it (:meth:`FeedWriter._added`)."""
    if not isinstance(data, dict):
        raise TypeError("a channel is an object")
    names = {f.name for f in fields(FeedSpec)} - {"entries"}
    if set(data) - names or not all(v is None or isinstance(v, str) for v in data.values()):
        raise ValueError("not a channel")
    return FeedSpec(entries=(), **data)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
