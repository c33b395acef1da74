"""The one way the tool replaces a file: atomically and durably.

Feeds, pages, reports and WARC archives are read by others (feed readers, web servers,
monitors) while the tool rewrites them, and a crash or a full disk must never leave a torn
file. So every write goes to a temp file in the same folder (``os.replace`` is atomic only
within one file system), is fsynced, and is renamed over the target; the folder is fsynced
too, so the rename survives a power cut.
"""

from __future__ import annotations

import os
import tempfile
import time
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
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = DEFAULT_MODE
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        fh = os.fdopen(fd, "wb")
        try:
            yield fh
        except BaseException:
            fh.close()
            raise
        tmp.chmod(mode)
        durable_replace(fh, tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
            # a full disk fails in write() or fsync(), which name no file: name the target
            exc.filename = str(path)
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
