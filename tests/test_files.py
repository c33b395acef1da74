"""newsfeed.files: the one atomic writer (feeds, pages, reports and WARC files go through it),
and its batch for builds (durable once per group of files, each still atomic)."""

from __future__ import annotations

import errno
import gc
import os
import stat
from pathlib import Path

import pytest

from newsfeed.files import DurableBatch, atomic_output, atomic_write


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


def _fsynced(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Records (inode, is a folder) of every fsync from now on."""
    calls: list[tuple[int, bool]] = []
    real = os.fsync

    def record(fd: int) -> None:
        info = os.fstat(fd)
        calls.append((info.st_ino, stat.S_ISDIR(info.st_mode)))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    return calls


def test_a_batch_changes_nothing_until_commit_then_fsyncs_each_file_and_each_folder_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "a" / "old.xml"
    old.parent.mkdir()
    old.write_bytes(b"old")
    targets = [tmp_path / folder / f"{n}.xml" for folder in ("a", "b") for n in range(3)]
    fsynced = _fsynced(monkeypatch)
    batch = DurableBatch()
    assert batch.write(old, b"new") is True
    for path in targets:
        assert batch.write(path, path.name.encode()) is True
    assert batch.write(old, b"newer") is True  # twice before the commit: the last bytes win
    assert old.read_bytes() == b"old"  # nothing visible before the commit
    assert not any(path.exists() for path in targets)
    assert fsynced == []
    batch.commit()
    assert old.read_bytes() == b"newer"
    assert [path.read_bytes() for path in targets] == [p.name.encode() for p in targets]
    files = [(p.stat().st_ino, False) for p in (old, *targets)]
    folders = [((tmp_path / f).stat().st_ino, True) for f in ("a", "b")]
    assert sorted(fsynced) == sorted(files + folders)  # each once: files first, then folders
    assert sorted(fsynced[: len(files)]) == sorted(files)
    assert leftovers(tmp_path) == []


def test_a_batch_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(b"same")
    old = 1_600_000_000_000_000_000
    os.utime(path, ns=(old, old))
    batch = DurableBatch()
    assert batch.write(path, b"same") is False
    batch.commit()
    assert path.stat().st_mtime_ns == old


def test_a_batch_commits_by_itself_every_group_of_files(tmp_path: Path) -> None:
    batch = DurableBatch(group=2)
    first, second, third = (tmp_path / f"{n}.json" for n in range(3))
    batch.write(first, b"1")
    assert not first.exists()
    batch.write(second, b"2")
    assert (first.read_bytes(), second.read_bytes()) == (b"1", b"2")
    batch.write(third, b"3")
    assert not third.exists()
    batch.commit()
    assert third.read_bytes() == b"3"


def test_a_failed_commit_changes_no_file_and_names_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / f"{n}.xml" for n in range(4)]
    for path in paths:
        path.write_bytes(b"old")
    batch = DurableBatch()
    for path in paths:
        batch.write(path, b"new")
    calls = 0
    real = os.fsync

    def full_disk(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left") as failure:
        batch.commit()
    assert failure.value.filename == str(paths[2])
    assert [path.read_bytes() for path in paths] == [b"old"] * 4
    assert leftovers(tmp_path) == []


def test_an_aborted_or_dropped_batch_leaves_the_old_files_and_no_temp_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(b"old")
    batch = DurableBatch()
    batch.write(path, b"new")
    batch.write(tmp_path / "new.xml", b"new")
    batch.abort()
    batch.commit()  # nothing left to commit
    assert path.read_bytes() == b"old" and not (tmp_path / "new.xml").exists()
    assert leftovers(tmp_path) == []
    dropped = DurableBatch()
    dropped.write(path, b"new")
    assert len(leftovers(tmp_path)) == 1
    del dropped  # e.g. a build unwound by an exception
    gc.collect()
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
