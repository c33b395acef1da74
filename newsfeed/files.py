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
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


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
