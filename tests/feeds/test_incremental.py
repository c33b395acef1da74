"""Incremental builds: a feed is rendered only when what it shows changed, and the build
removes the files of feeds that are gone (its own files only, listed in its manifest)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from newsfeed import jobs
from newsfeed.config import Config, Watch
from newsfeed.feeds import writer
from newsfeed.feeds.build import feed_plans
from newsfeed.feeds.writer import MANIFEST
from newsfeed.files import DurableBatch
from newsfeed.items import Article
from newsfeed.jobs import build_feed_set
from newsfeed.portals import Portal, portal_from_dict
from newsfeed.store.db import Store
from newsfeed.store.query_feeds import BUILD_PAGE_CACHE_KIB

NOW = datetime(2026, 8, 6, 2, tzinfo=UTC)
BASE = "https://feeds.example.org/vn/"


def make_portal(key: str, province: str, categories: list[tuple[str, str]]) -> Portal:
    host = f"https://{key.replace('_', '')}.gov.vn"
    return portal_from_dict(
        {
            "key": key,
            "name": f"Cổng thông tin {province}",
            "province": province,
            "base_url": host,
            "platform": "liferay62",
            "categories": [
                {"key": k, "name": k.replace("_", " "), "url": f"{host}/{k}", "topic": t}
                for k, t in categories
            ],
        }
    )


PORTALS = [
    make_portal("ha_noi", "Hà Nội", [("tin_tuc", "news"), ("chi_dao", "direction")]),
    make_portal("can_tho", "Cần Thơ", [("thoi_su", "news"), ("lanh_dao", "leadership")]),
    make_portal("ca_mau", "Cà Mau", [("thong_bao", "announcements")]),
]
WATCH = Watch(key="chuyen_doi_so", name="Chuyển đổi số", query='"chuyển đổi số"')


def article(n: int, portal: str, category: str, *, day: int, title: str) -> Article:
    url = f"https://{portal.replace('_', '')}.gov.vn/tin/{n}.html"
    return Article(
        url=url,
        canonical_url=url,
        guid=f"tag:newsfeed,2025:{portal}/{n}",
        portal=portal,
        categories=(category,),
        title=title,
        summary=f"Tóm tắt: {title}.",
        published=f"2026-08-{day:02d}T09:00:00+07:00",
        body_html=f"<p>{title}.</p>",
        body_text=f"{title}.",
    )


ARTICLES = [
    article(1, "ha_noi", "tin_tuc", day=1, title="Hà Nội đẩy mạnh chuyển đổi số"),
    article(2, "ha_noi", "chi_dao", day=2, title="Chỉ thị về an toàn thông tin"),
    article(3, "can_tho", "thoi_su", day=3, title="Cần Thơ khởi công cầu mới"),
    article(4, "can_tho", "lanh_dao", day=4, title="Chủ tịch thành phố làm việc với các sở"),
    article(5, "ca_mau", "thong_bao", day=5, title="Thông báo lịch tiếp công dân"),
]


def config_in(root: Path, **changes: object) -> Config:
    config = Config(feeds_dir=root / "feeds", var_dir=root / "var", base_url=BASE, watches=(WATCH,))
    return replace(config, **changes)


def seeded(root: Path, **changes: object) -> Config:
    config = config_in(root, **changes)
    with Store(config.store_path) as store:
        for a in ARTICLES:
            store.upsert(a, now=NOW)
    return config


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file (dot files too): inode, mtime, bytes."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def contents(folder: Path) -> dict[str, bytes]:
    return {name: data for name, (_ino, _mtime, data) in snapshot(folder).items()}


def feed_stems(paths: list[Path], folder: Path) -> set[str]:
    stems = set()
    for path in paths:
        name = path.relative_to(folder).as_posix()
        for suffix in (".rss.xml", ".atom.xml", ".json"):
            if name.endswith(suffix):
                stems.add(name.removesuffix(suffix))
    return stems


def test_unchanged_rebuild_writes_nothing_and_equals_a_scratch_build(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    _files, first = build_feed_set(config, PORTALS, now=NOW)
    assert first.rendered == 13  # 5 categories, 3 portals' "all", 4 topics, 1 watch
    assert (config.feeds_dir / MANIFEST).is_file()
    old = 1_600_000_000_000_000_000
    for path in config.feeds_dir.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    before = snapshot(config.feeds_dir)

    _files, again = build_feed_set(config, PORTALS, now=NOW)
    assert (again.rendered, again.unchanged) == (0, 13)
    assert again.written == [] and again.removed == []
    assert snapshot(config.feeds_dir) == before  # same inodes, mtimes and bytes: no write

    scratch = replace(config, feeds_dir=tmp_path / "scratch")
    build_feed_set(scratch, PORTALS, now=NOW)
    assert contents(scratch.feeds_dir) == contents(config.feeds_dir)


def test_one_new_article_re_renders_only_its_feeds(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    with Store(config.store_path) as store:
        store.upsert(
            article(6, "can_tho", "lanh_dao", day=6, title="Lãnh đạo thăm trường"), now=NOW
        )
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert counts.rendered == 3
    assert feed_stems(counts.written, config.feeds_dir) == {
        "can_tho/lanh_dao",
        "can_tho/all",
        "topics/leadership",
    }
    # besides them, only what shows counts and dates: index.html, status.html, the manifest
    pages = {p for p in counts.written if feed_stems([p], config.feeds_dir) == set()}
    assert {p.name for p in pages} <= {"index.html", "status.html", MANIFEST}
    scratch = replace(config, feeds_dir=tmp_path / "scratch")
    build_feed_set(scratch, PORTALS, now=NOW)
    assert contents(scratch.feeds_dir) == contents(config.feeds_dir)


def test_a_changed_base_url_re_renders_every_feed(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    moved = replace(config, base_url="https://tin.example.org/")
    _files, counts = build_feed_set(moved, PORTALS, now=NOW)
    assert (counts.rendered, counts.unchanged) == (13, 0)
    rss = (config.feeds_dir / "ha_noi/tin_tuc.rss.xml").read_text(encoding="utf-8")
    assert "https://tin.example.org/ha_noi/tin_tuc.rss.xml" in rss
    assert BASE not in rss


def test_a_deleted_feed_file_is_written_again(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    gone = config.feeds_dir / "ca_mau/thong_bao.atom.xml"
    data = gone.read_bytes()
    gone.unlink()
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert counts.rendered == 1
    assert counts.written == [gone]
    assert gone.read_bytes() == data


def test_files_of_removed_feeds_disappear_and_foreign_files_stay(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    feeds = config.feeds_dir
    mine = [feeds / "notes.txt", feeds / "ca_mau/ghi_chu.json", feeds / "tu_lam/tin.rss.xml"]
    for path in mine:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("của người dùng", encoding="utf-8")

    # Cà Mau is no longer configured, Hà Nội lost a category, the watch was removed
    hanoi = replace(PORTALS[0], categories=PORTALS[0].categories[:1])
    fewer = replace(config, watches=())
    _files, counts = build_feed_set(fewer, [hanoi, PORTALS[1]], now=NOW)
    removed = feed_stems(counts.removed, feeds)
    assert removed == {
        "ca_mau/thong_bao",
        "ca_mau/all",
        "ha_noi/chi_dao",
        "topics/direction",
        "topics/announcements",
        "watch/chuyen_doi_so",
    }
    for stem in removed:
        for suffix in (".rss.xml", ".atom.xml", ".json"):
            assert not (feeds / f"{stem}{suffix}").exists()
    assert not (feeds / "watch").exists()  # a folder emptied by the build goes too
    for path in mine:  # never a file the build did not write
        assert path.read_text(encoding="utf-8") == "của người dùng"
    assert (feeds / "ha_noi/tin_tuc.rss.xml").is_file()
    listed = json.loads((feeds / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert "ca_mau/all.rss.xml" not in listed and "notes.txt" not in listed
    assert "index.html" in listed and "ha_noi/tin_tuc.json" in listed


def test_a_broken_manifest_means_a_full_build_not_a_failure(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    (config.feeds_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert counts.rendered == 13
    assert counts.written == [config.feeds_dir / MANIFEST]  # the feeds' bytes were the same
    assert json.loads((config.feeds_dir / MANIFEST).read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize("group", [512, 4])
def test_a_build_failing_at_one_feed_leaves_every_file_whole_and_the_next_build_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: int
) -> None:
    """A build that dies while rendering its 6th feed: no file is half written, none is a temp
    file; each is the previous build's or (a group committed before) this build's, whole; the
    manifest is the previous one, so the next build makes everything right."""
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    before = contents(config.feeds_dir)
    with Store(config.store_path) as store:  # every feed changes
        for n, (portal, category) in enumerate(
            [(p.key, c.key) for p in PORTALS for c in p.categories], start=10
        ):
            store.upsert(article(n, portal, category, day=7, title=f"Tin mới {n}"), now=NOW)
    scratch = replace(config, feeds_dir=tmp_path / "scratch")
    build_feed_set(scratch, PORTALS, now=NOW)
    after = contents(scratch.feeds_dir)

    monkeypatch.setattr(writer, "DurableBatch", partial(DurableBatch, group=group))
    real = writer.render_prepared
    rendered = 0

    def dies_at_the_sixth(fmt: str, *args: Any) -> bytes:
        nonlocal rendered
        rendered += fmt == "atom"
        if rendered == 6:
            raise RuntimeError("killed mid-build")
        return real(fmt, *args)

    monkeypatch.setattr(writer, "render_prepared", dies_at_the_sixth)
    with pytest.raises(RuntimeError, match="killed mid-build"):
        build_feed_set(config, PORTALS, now=NOW)
    left = contents(config.feeds_dir)
    assert not [name for name in left if name.endswith(".tmp")]
    assert set(left) == set(before)
    new = {name for name, data in left.items() if data != before[name]}
    assert all(left[name] == after[name] for name in new)  # whole: the new build's bytes
    assert (len(new) > 0) == (group < 6 * 3)  # committed groups only
    assert left[MANIFEST] == before[MANIFEST]

    monkeypatch.undo()
    build_feed_set(config, PORTALS, now=NOW)
    assert contents(config.feeds_dir) == after


def test_the_feed_plans_read_the_store_with_a_small_page_cache(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    with Store(config.store_path) as store:
        size = "PRAGMA cache_size"
        crawl = store.db.execute(size).fetchone()[0]
        plans = feed_plans(store, PORTALS, limit=10, base_url=BASE)
        first = next(plans)
        assert store.db.execute(size).fetchone()[0] == -BUILD_PAGE_CACHE_KIB != crawl
        assert [e.article.guid for e in first.load()] == [ARTICLES[0].guid]
        assert len([first, *plans]) == 12  # 5 categories, 3 portals' "all", 4 topics
        assert store.db.execute(size).fetchone()[0] == crawl


def test_every_file_a_build_wrote_is_on_disk_when_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file written was fsynced (its temp file: a rename keeps the inode), and so was
    each folder that got one, before ``build_feed_set`` returned; each folder once per group."""
    config = seeded(tmp_path)
    fsynced: list[int] = []
    real = os.fsync

    def record(fd: int) -> None:
        fsynced.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    monkeypatch.undo()
    written = {path.stat().st_ino for path in counts.written}
    folders = {path.parent.stat().st_ino for path in counts.written}
    assert len(written) == len(counts.written) > 13 * 3
    assert written <= set(fsynced) and folders <= set(fsynced)
    # one pass per group, not a folder fsync per file: 5 folders, 3 pages and the manifest
    assert len(fsynced) < len(written) + 2 * len(folders) + 2 * 4


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds render their first feed themselves and hand the others to two worker
    processes (newsfeed.feeds.pool), as a build of many feeds on two cores does."""
    monkeypatch.setattr(jobs, "default_workers", lambda: 2)
    monkeypatch.setattr(writer, "INLINE_FEEDS", 1)


def test_a_build_in_worker_processes_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooled: None
) -> None:
    config = seeded(tmp_path)
    alone = replace(config, feeds_dir=tmp_path / "alone")
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert counts.rendered == 13
    with monkeypatch.context() as one:
        one.setattr(jobs, "default_workers", lambda: 1)
        _files, by_one = build_feed_set(alone, PORTALS, now=NOW)
    assert contents(config.feeds_dir) == contents(alone.feeds_dir)  # manifest and pages too
    assert sorted(counts.written) == sorted(
        config.feeds_dir / p.relative_to(alone.feeds_dir) for p in by_one.written
    )

    before = snapshot(config.feeds_dir)
    _files, again = build_feed_set(config, PORTALS, now=NOW)
    assert (again.rendered, again.written) == (0, []) and snapshot(config.feeds_dir) == before

    with Store(config.store_path) as store:
        store.upsert(article(40, "ca_mau", "thong_bao", day=8, title="Tin mới"), now=NOW)
    _files, one_new = build_feed_set(config, PORTALS, now=NOW)
    assert feed_stems(one_new.written, config.feeds_dir) == {
        "ca_mau/thong_bao",
        "ca_mau/all",
        "topics/announcements",
    }
    with monkeypatch.context() as one:
        one.setattr(jobs, "default_workers", lambda: 1)
        build_feed_set(alone, PORTALS, now=NOW)
    assert contents(config.feeds_dir) == contents(alone.feeds_dir)


def test_a_worker_process_failing_fails_the_build_with_its_error_and_no_torn_file(
    tmp_path: Path, pooled: None
) -> None:
    config = seeded(tmp_path)
    # a folder where a later feed's file goes: renaming the new file over it fails
    obstacle = config.feeds_dir / "can_tho" / "all.atom.xml"
    obstacle.mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as failed:
        build_feed_set(config, PORTALS, now=NOW)
    assert str(obstacle) in str(failed.value)
    left = {p.relative_to(config.feeds_dir).as_posix() for p in config.feeds_dir.rglob("*")}
    assert not [name for name in left if name.endswith(".tmp")], left
    assert MANIFEST not in left and "index.html" not in left
    obstacle.rmdir()
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert counts.rendered == 13 and (config.feeds_dir / MANIFEST).is_file()


def test_a_build_failing_in_its_own_process_stops_the_workers_and_keeps_nothing_unfinished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooled: None
) -> None:
    """The feeds handed to the workers were written to temp files, not committed, when the
    build itself fails (here after the last feed, at the watch feeds): none of them stays."""
    config = seeded(tmp_path)

    def fails(*_: object, **__: object) -> list[Any]:
        raise RuntimeError("the build fails after its feeds")

    monkeypatch.setattr(jobs, "watch_specs", fails)
    with pytest.raises(RuntimeError, match="after its feeds"):
        build_feed_set(config, PORTALS, now=NOW)
    assert [p for p in config.feeds_dir.rglob("*") if p.is_file()] == []
