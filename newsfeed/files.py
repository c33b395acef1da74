"""The one way the tool replaces a file: atomically and durably.

Feeds, pages, reports and WARC archives are read by others (feed readers, web servers,
monitors) while the tool rewrites them, and a crash or a full disk must never leave a torn
file. So every write goes to a temp file in the same folder (``os.replace`` is atomic only
within one file system), is fsynced, and is renamed over the target; the folder is fsynced
too, so the rename survives a power cut.

A build writes thousands of files, and an fsync of each file and of its folder in turn costs
two journal commits per file: 1 to 5 s per 1,000 files on this project's VM (ext4), by load,
against about 0.2 s when the same files are fsynced in one pass. :class:`DurableBatch` keeps
the guarantees and pays them once per group of files: each file is written whole to its temp
file as it comes (nothing is visible yet), then at :meth:`DurableBatch.commit` every temp
file is fsynced in one pass (the file system writes them back together), only then is each
renamed over its target, and then each folder that got a file is fsynced once. So a reader
sees either a file's old bytes or its new ones, never a part; a crash before the commit
leaves the old files (and temp files that the next build removes, :func:`remove_stale_temps`);
and once ``commit`` has returned the new files are on disk. ``os.sync()`` or ``syncfs`` would
also flush in one call, but they flush every other writer's data on the disk too and, before
Linux 5.8, report no write error.
"""

from __future__ import annotations

import os
import tempfile
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

DEFAULT_MODE = 0o644
"""mkstemp makes 0600 files; a web server must be able to read the feeds and pages."""


@contextmanager
def atomic_output(path: Path, *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` only once the block succeeded.

    On an exception the temp file is removed and ``path`` is left as it was. ``mode``: the new
    file's permissions (default: the old file's, else 0644).
    """
    fh, tmp = _temp_file(path, mode)
    try:
        try:
            yield fh
        except BaseException:
            fh.close()
            raise
        durable_replace(fh, tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        _name(exc, path)
        raise


def durable_replace(fh: IO[bytes], tmp: Path, path: Path) -> None:
    """Make ``tmp`` (written through the open ``fh``) the file ``path``: flush and fsync it,
    close it, rename it over ``path``, fsync the folder. Also for a file written over a whole
    crawl (the WARC recorder's ``.part``), not only through :func:`atomic_output`."""
    try:
        fh.flush()
        os.fsync(fh.fileno())
    finally:
        fh.close()
    tmp.replace(path)
    _fsync_dir(path.parent)


TEMP_GLOB = ".*.tmp"
"""The names :func:`atomic_output` gives its temp files (``.<name>.<random>.tmp``)."""
STALE_TEMP_AGE = 600.0
"""Seconds after which a temp file is a killed writer's leftover, not one being written: a
whole build takes seconds."""


def remove_stale_temps(folder: Path, *, older_than: float = STALE_TEMP_AGE) -> list[Path]:
    """Delete the temp files a killed writer left under ``folder``; return what was removed."""
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than
    removed: list[Path] = []
    for tmp in folder.rglob(TEMP_GLOB):
        try:
            if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:  # another build took it first
            continue
    return removed


def unwritable(folder: Path) -> str | None:
    """Why files cannot be written into ``folder`` (created if missing), or None if they can.

    Checked by creating and removing a temp file, not with ``os.access``, which says yes on a
    read-only mount and for root."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".newsfeed-write-check.", suffix=".tmp")
        os.close(fd)
        Path(name).unlink()
    except OSError as exc:
        return f"cannot write into {folder}/: {exc.strerror or exc}"
    return None


class DurableBatch:
    """Files replaced together, each atomically, made durable once for all (module docstring).

    :meth:`write` puts the new bytes in a temp file beside the target at once; the targets
    change only at :meth:`commit`, which runs by itself every ``group`` files (so temp files
    and open work stay bounded however many files a build writes) and must be called at the
    end. :meth:`abort` (or the batch being dropped uncommitted, e.g. by an exception) removes
    the temp files and leaves every target as it was.
    """

    def __init__(self, *, group: int = 512) -> None:
        if group < 1:
            raise ValueError(f"group must be >= 1, got {group}")
        self.group = group
        self._pending: dict[Path, Path] = {}
        """target -> its temp file, in write order."""
        # a batch dropped without commit (an exception unwound the build) leaves no temp file
        self._finalizer = weakref.finalize(self, _remove_temps, self._pending)

    def write(self, path: Path, data: bytes) -> bool:
        """Replace ``path`` with ``data`` at the next commit; False (file and mtime untouched)
        if it already holds them. Compared first, as :func:`atomic_write` does."""
        try:
            old: bytes | None = path.read_bytes()
        except FileNotFoundError:
            old = None
        earlier = self._pending.pop(path, None)
        if earlier is not None:  # written twice before a commit: the last bytes win
            earlier.unlink(missing_ok=True)
        if old == data:
            return False
        fh, tmp = _temp_file(path)
        try:
            with fh:
                fh.write(data)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            _name(exc, path)
            raise
        self._pending[path] = tmp
        if len(self._pending) >= self.group:
            self.commit()
        return True

    def commit(self) -> None:
        """Fsync every pending temp file, rename each over its target, fsync each folder once.

        On a failure before the renames (a full disk, an I/O error) every temp file is removed
        and no target changed."""
        pending = list(self._pending.items())
        try:
            for path, tmp in pending:
                try:
                    fd = os.open(tmp, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                except OSError as exc:
                    _name(exc, path)
                    raise
        except BaseException:
            self.abort()
            raise
        folders: dict[Path, None] = {}
        try:
            for path, tmp in pending:
                tmp.replace(path)
                del self._pending[path]
                folders[path.parent] = None
        except BaseException:
            self.abort()  # the files not renamed yet keep their old bytes
            raise
        finally:
            for folder in folders:
                _fsync_dir(folder)

    def abort(self) -> None:
        """Forget the pending files: their temp files go, their targets stay as they were."""
        _remove_temps(self._pending)


def _remove_temps(pending: dict[Path, Path]) -> None:
    for tmp in pending.values():
        tmp.unlink(missing_ok=True)
    pending.clear()


def _temp_file(path: Path, mode: int | None = None) -> tuple[IO[bytes], Path]:
    """A new temp file beside ``path`` (named as :data:`TEMP_GLOB` says), open for writing,
    with ``mode`` (default: the old file's permissions, else :data:`DEFAULT_MODE`; set on the
    open handle, so a read-only mode does not stop the writing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = DEFAULT_MODE
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    fh = os.fdopen(fd, "wb")
    try:
        os.fchmod(fd, mode)
    except BaseException:
        fh.close()
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return fh, Path(tmp_name)


def _name(exc: BaseException, path: Path) -> None:
    if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
        # a full disk fails in write() or fsync(), which name no file: name the target
        exc.filename = str(path)


def atomic_write(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically; False (file and mtime untouched) if unchanged.

    Comparing first keeps a feed's bytes and mtime stable when nothing changed, so ETag and
    Last-Modified stay put between builds.
    """
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old == data:
        return False
    with atomic_output(path) as fh:
        fh.write(data)
    return True


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; not every file system lets a folder be fsynced."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
