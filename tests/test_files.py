"""newsfeed.files: the one atomic writer (feeds, pages, reports and WARC files go through it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsfeed.files import atomic_output, atomic_write


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_atomic_write(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "feed.xml"
    assert atomic_write(path, b"one") is True
    assert path.read_bytes() == b"one"
    old = 1_600_000_000_000_000_000
    os.utime(path, ns=(old, old))
    assert atomic_write(path, b"one") is False
    assert path.stat().st_mtime_ns == old
    assert atomic_write(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert path.stat().st_mtime_ns != old
    assert leftovers(tmp_path) == []


def test_atomic_write_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "feed.xml"
    atomic_write(path, b"old")

    def fail(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_atomic_output_keeps_the_old_file_and_mode_when_the_block_fails(tmp_path: Path) -> None:
    path = tmp_path / "archive.warc.gz"
    path.write_bytes(b"old")
    path.chmod(0o640)
    with pytest.raises(RuntimeError), atomic_output(path) as fh:
        fh.write(b"half")
        raise RuntimeError("crawl died")
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
    with atomic_output(path) as fh:
        fh.write(b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_new_file_is_readable_by_a_web_server(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "index.html"
    assert atomic_write(path, b"<html></html>") is True
    assert path.stat().st_mode & 0o777 == 0o644
