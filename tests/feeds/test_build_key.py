"""A rebuild with nothing changed skips the feeds' rows altogether: the store's generation
(schema step 7) and the build's other inputs are one key, recorded in the manifest. Every
kind of change, whoever makes it, must make the next build read the store again and write what
a build from scratch writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newsfeed import jobs
from newsfeed.config import Config, Watch
from newsfeed.feeds.writer import MANIFEST
from newsfeed.items import Article
from newsfeed.jobs import build_feed_set
from newsfeed.portals import Portal
from newsfeed.store.db import Store
from tests.feeds.test_incremental import (
    ARTICLES,
    NOW,
    PORTALS,
    article,
    contents,
    seeded,
    snapshot,
)


def _no_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> Any:
        raise AssertionError("the build read the feeds' rows")

    monkeypatch.setattr(jobs, "feed_plans", refuse)
    monkeypatch.setattr(jobs, "watch_specs", refuse)


def test_a_rebuild_with_nothing_changed_reads_no_feed_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = seeded(tmp_path)
    _files, first = build_feed_set(config, PORTALS, now=NOW)
    assert first.rendered == 13
    before = snapshot(config.feeds_dir)
    with monkeypatch.context() as patched:
        _no_walk(patched)
        files, again = build_feed_set(config, PORTALS, now=NOW)
    assert (again.rendered, again.unchanged, again.written) == (0, 13, [])
    assert snapshot(config.feeds_dir) == before  # index.html and the OPML list every feed
    assert {p.relative_to(config.feeds_dir).as_posix() for p in files} == set(
        json.loads((config.feeds_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
    )


def test_an_article_re_checked_unchanged_changes_nothing_a_build_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    with Store(config.store_path) as store:
        assert store.upsert(ARTICLES[0], now=NOW.replace(hour=5)) == "unchanged"
    _no_walk(monkeypatch)
    assert build_feed_set(config, PORTALS, now=NOW)[1].unchanged == 13


Change = Callable[[Config, list[Portal]], tuple[Config, list[Portal]]]


def _upsert(*articles: Article) -> Change:
    def change(config: Config, portals: list[Portal]) -> tuple[Config, list[Portal]]:
        with Store(config.store_path) as store:
            for a in articles:
                store.upsert(a, now=NOW)
        return config, portals

    return change


def _sql(statement: str, args: Sequence[object] = ()) -> Change:
    """A change made outside newsfeed: the triggers count it too."""

    def change(config: Config, portals: list[Portal]) -> tuple[Config, list[Portal]]:
        with Store(config.store_path) as store, store.transaction() as db:
            assert db.raw.execute(statement, tuple(args)).rowcount == 1
        return config, portals

    return change


def _categorized(config: Config, portals: list[Portal]) -> tuple[Config, list[Portal]]:
    with Store(config.store_path) as store:
        store.add_categories(ARTICLES[0].guid, "ha_noi", ["chi_dao"], now=NOW)
    return config, portals


def _renamed(config: Config, portals: list[Portal]) -> tuple[Config, list[Portal]]:
    return config, [replace(portals[0], name="Cổng thông tin điện tử Hà Nội"), *portals[1:]]


def _watch_changed(config: Config, portals: list[Portal]) -> tuple[Config, list[Portal]]:
    watch = Watch(key="chuyen_doi_so", name="Chuyển đổi số", query='"an toàn thông tin"')
    return replace(config, watches=(watch,)), portals


def _limited(config: Config, portals: list[Portal]) -> tuple[Config, list[Portal]]:
    return replace(config, item_limit=1), portals


CHANGES: dict[str, Change] = {
    "a new article": _upsert(article(6, "ca_mau", "thong_bao", day=6, title="Thông báo mới")),
    "an article edited": _upsert(replace(ARTICLES[4], title="Thông báo (đã sửa)")),
    "a category added to an article": _categorized,
    "an article edited by SQL": _sql(
        # a feed's digest knows an article's data by its content hash
        "UPDATE articles SET data = json_set(data, '$.title', 'Sửa tay'), content_hash = 'x'"
        " WHERE guid = ?",
        [ARTICLES[2].guid],
    ),
    "an article deleted by SQL": _sql("DELETE FROM articles WHERE guid = ?", [ARTICLES[1].guid]),
    "two articles made near-duplicates by SQL": _sql(
        "UPDATE near_duplicates SET cluster_id = ? WHERE guid = ?",
        [ARTICLES[0].guid, ARTICLES[2].guid],
    ),
    "a portal renamed": _renamed,
    "a watch's query changed": _watch_changed,
    "the item limit changed": _limited,
}
"""(A feed file deleted: tests/feeds/test_incremental.py.)"""


@pytest.mark.parametrize("what", CHANGES)
def test_after_any_change_the_rebuild_equals_a_build_from_scratch(
    tmp_path: Path, what: str
) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    before = contents(config.feeds_dir)
    config, portals = CHANGES[what](config, list(PORTALS))
    _files, counts = build_feed_set(config, portals, now=NOW)
    assert counts.rendered > 0, f"{what}: no feed was rendered again"
    after = contents(config.feeds_dir)
    assert after != before
    scratch = replace(config, feeds_dir=tmp_path / "scratch")
    build_feed_set(scratch, portals, now=NOW)
    assert after == contents(scratch.feeds_dir)


def test_a_new_health_item_is_a_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The day's "feed degraded" item: its own inputs (reports, the clock) are not the store's
    articles, so the key holds the items themselves."""
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    notice = replace(
        ARTICLES[4],
        guid="tag:newsfeed,2025:ca_mau/health/2026-08-06",
        title="Nguồn tin Cà Mau đang gián đoạn",
    )
    monkeypatch.setattr(jobs, "health_items", lambda *_a, **_k: {"ca_mau": notice})
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert counts.rendered == 2  # Cà Mau's category and "all" feeds
    assert "Nguồn tin Cà Mau đang gián đoạn" in (config.feeds_dir / "ca_mau/all.rss.xml").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda build: build.update(order=[*build["order"], "ha_noi/khong_co"]),
        lambda build: build.update(order=build["order"][:1] * 2),
        lambda build: build.update(order="ha_noi/tin_tuc"),
    ],
    ids=["a feed it does not hold", "a feed twice", "not a list"],
)
def test_a_manifest_whose_record_does_not_hold_together_means_a_full_build(
    tmp_path: Path, damage: Callable[[dict[str, Any]], None]
) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    before = contents(config.feeds_dir)
    path = config.feeds_dir / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    damage(manifest["build"])
    path.write_text(json.dumps(manifest), encoding="utf-8")
    _files, counts = build_feed_set(config, PORTALS, now=NOW)
    assert (counts.rendered, counts.unchanged) == (0, 13)  # read again, found unchanged
    assert contents(config.feeds_dir) == before


def test_a_channel_tampered_with_in_the_manifest_means_a_full_build(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    build_feed_set(config, PORTALS, now=NOW)
    before = contents(config.feeds_dir)
    path = config.feeds_dir / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["feeds"]["ha_noi/tin_tuc"]["channel"]["script"] = "<b>"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    build_feed_set(config, PORTALS, now=NOW)
    assert contents(config.feeds_dir) == before
