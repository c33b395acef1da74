"""Cron-grade runs: killed, interrupted or overlapping runs lose nothing and corrupt nothing;
feeds rebuilt from unchanged content are the same bytes.

Every crawl here is a real ``newsfeed`` process over the corpus mini-site's WARC replay (or a
proxy on a closed 127.0.0.1 port): nothing goes to the network.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import feedparser
import pytest

from newsfeed.config import Config
from newsfeed.crawl.runner import crawl_settings
from newsfeed.jobs import build_feeds
from newsfeed.portals import Registry
from tests.crawl.test_crawl_replay import SECOND_URL_IDS
from tests.crawling import crawl_here
from tests.servers import HoldingProxy

pytestmark = pytest.mark.slow


def _start(*args: str, cwd: Path, **env: str) -> subprocess.Popen[str]:
    full_env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:newsfeed", **env}
    full_env.pop("NEWSFEED_CONFIG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def _wait_for_articles(store: Path, at_least: int, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        count = _count(store)
        if count >= at_least:
            return count
        assert proc.poll() is None, f"the crawl ended early: {proc.communicate()[1][-2000:]}"
        time.sleep(0.05)
    raise AssertionError("the crawl stored nothing in 120 s")


def _guids(store: Path) -> set[str]:
    with sqlite3.connect(store) as db:
        return {row[0] for row in db.execute("SELECT guid FROM articles")}


def _replay_here(reactor_thread: Any, liferay_warc: Path, var_dir: Path) -> dict[str, Any]:
    """``newsfeed crawl sotttt_hanoi --replay WARC`` in this process; its report."""
    config = Config(var_dir=var_dir, feeds_dir=var_dir.parent / "feeds")
    portal = Registry().get("sotttt_hanoi")
    return crawl_here(reactor_thread, [portal], config, replay=liferay_warc).report


def test_a_crawl_opens_no_console_and_leaves_nothing_in_the_users_home(
    reactor_thread: Any, liferay_warc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scrapy 2.19's remote control (an HTTP server running the Python code posted to it)
    would write its port and token under the user's state folder on every run."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    report = _replay_here(reactor_thread, liferay_warc, tmp_path / "var")
    assert report["portals"]["sotttt_hanoi"]["articles_new"] == 20
    assert not home.exists() or not any(home.rglob("*")), sorted(home.rglob("*"))
    settings = crawl_settings(Config(var_dir=tmp_path / "var"))
    extensions = settings.getwithbase("EXTENSIONS")
    assert not any("telnet" in k or "remote_control" in k for k in extensions), extensions


def test_a_crawl_killed_with_sigkill_is_completed_by_the_next_run(
    reactor_thread: Any, liferay_warc: Path, tmp_path: Path
) -> None:
    # what a whole crawl stores (in this process: the kill below is what needs a process)
    reference = tmp_path / "reference"
    done = _replay_here(reactor_thread, liferay_warc, reference / "var")
    assert not done.get("signal"), done  # `newsfeed crawl` would exit 0
    expected = _guids(reference / "var" / "newsfeed.sqlite3")
    assert len(expected) == 20

    work = tmp_path / "killed"
    work.mkdir()
    store = work / "var" / "newsfeed.sqlite3"
    proc = _start(
        "crawl",
        "sotttt_hanoi",
        "--replay",
        str(liferay_warc),
        cwd=work,
        NEWSFEED_DOWNLOAD_DELAY="0.3",
    )
    stored = _wait_for_articles(store, 3, proc)
    proc.kill()  # SIGKILL: no handler, no cleanup
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert 3 <= stored < 20, "killed mid-crawl"

    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        partial = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        # nothing of a half-written article: every stored article has its URLs and sketch
        assert (
            db.execute(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS"
                " (SELECT 1 FROM article_urls u WHERE u.guid = a.guid)"
                " OR NOT EXISTS (SELECT 1 FROM near_duplicates n WHERE n.guid = a.guid)"
            ).fetchone()[0]
            == 0
        )
        assert db.execute("SELECT count(*) FROM category_crawls").fetchone()[0] == 0
    assert partial < 20

    report = _replay_here(reactor_thread, liferay_warc, work / "var")  # the next run
    assert not report.get("signal"), report  # `newsfeed crawl` would exit 0
    assert _guids(store) == expected
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert report["interrupted"] is False
    assert report["portals"]["sotttt_hanoi"]["articles_new"] == 20 - partial


def test_sigterm_stops_gracefully_and_the_report_says_interrupted(
    reactor_thread: Any, liferay_warc: Path, tmp_path: Path
) -> None:
    store = tmp_path / "var" / "newsfeed.sqlite3"
    proc = _start(
        "crawl",
        "sotttt_hanoi",
        "--replay",
        str(liferay_warc),
        cwd=tmp_path,
        NEWSFEED_DOWNLOAD_DELAY="0.3",
    )
    at_signal = _wait_for_articles(store, 2, proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr[-3000:]
    assert stderr.count("newsfeed: interrupted") == 1, "said once"
    reports = list((tmp_path / "var" / "reports").glob("*.json"))
    assert len(reports) == 1, "the report is written"
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    assert report["interrupted"] is True and report["finish_reason"] == "shutdown"
    assert report["status"] == "warning"
    portal = report["portals"]["sotttt_hanoi"]
    assert "interrupted" in [c["name"] for c in portal["checks"]]
    assert portal["articles_new"] == _count(store) < 20
    # the pages waiting behind the delay were dropped, not fetched one by one before the stop
    # (a download under way when the signal came may still be stored)
    assert _count(store) <= at_signal + 2, f"{_count(store)} stored, {at_signal} at the signal"
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # an unfinished run saves no "pagination completed" marks and no validators
        assert db.execute("SELECT count(*) FROM category_crawls").fetchone()[0] == 0
    # and the next run completes it
    again = _replay_here(reactor_thread, liferay_warc, tmp_path / "var")
    assert not again.get("signal") and again["interrupted"] is False, again
    assert _count(store) == 20


def test_two_concurrent_runs_never_both_crawl(tmp_path: Path) -> None:
    """Two real ``newsfeed run`` processes; the first one's crawl goes through a proxy that
    holds its requests until the second has ended, then closes them (nothing touches the
    network); the second's through a proxy on a closed 127.0.0.1 port."""
    closed = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    with HoldingProxy() as proxy:
        held = {"http_proxy": proxy.url, "https_proxy": proxy.url, "no_proxy": ""}
        first = _start("run", "sotttt_hanoi", cwd=tmp_path, **held, NEWSFEED_DOWNLOAD_DELAY="0")
        lock = tmp_path / "var" / "run.lock"
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
            assert time.monotonic() < deadline and first.poll() is None, (
                "the first run took no lock"
            )
            time.sleep(0.05)
        assert proxy.reached.wait(60), "the first run is crawling"
        second = _start("run", "sotttt_hanoi", "--verbose", cwd=tmp_path, **closed)
        _, second_err = second.communicate(timeout=60)
        still_running = first.poll() is None
        proxy.release()
        _, first_err = first.communicate(timeout=120)
    assert still_running, "the runs overlapped"
    assert second.returncode == 75, second_err[-2000:]
    assert f"another newsfeed run is in progress (pid {first.pid})" in second_err
    assert first.returncode == 0, first_err[-3000:]
    assert len(list((tmp_path / "var" / "reports").glob("*.json"))) == 1, "one crawl only"


def _snapshot(feeds: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(feeds)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(feeds.rglob("*"))
        if p.is_file()
    }


def test_rebuilt_feeds_are_byte_identical_and_one_guid_everywhere(
    reactor_thread: Any, liferay_warc: Path, tmp_path: Path
) -> None:
    config = Config(
        var_dir=tmp_path / "var",
        feeds_dir=tmp_path / "feeds",
        base_url="https://feeds.example.org/vn/",
    )
    portal = Registry().get("sotttt_hanoi")

    def crawl_and_build() -> dict[str, Any]:
        # what `newsfeed crawl --replay` then `newsfeed build` do, in this process
        report = crawl_here(reactor_thread, [portal], config, replay=liferay_warc).report
        build_feeds(config)
        return report

    crawl_and_build()
    feeds = tmp_path / "feeds"
    before = _snapshot(feeds)
    assert any(name.endswith(".atom.xml") for name in before)
    time.sleep(0.05)  # a rewrite would show in st_mtime_ns
    report = crawl_and_build()
    assert report["portals"]["sotttt_hanoi"]["article_pages_fetched"] == 0
    after = _snapshot(feeds)
    assert after.keys() == before.keys()
    changed = [name for name in before if before[name] != after[name]]
    # index.html and status.html are pages for people: they show the latest crawl's time and
    # health; every feed and index.opml must be untouched
    assert set(changed) <= {"index.html", "status.html"}, f"bytes or mtimes changed: {changed}"
    assert len(before) - 1 > len([n for n in before if n.endswith(".opml")]) > 0

    # the article listed under two categories: one id in both category feeds, in every format
    ids: dict[str, dict[str, set[str]]] = {}
    for path in sorted((feeds / "sotttt_hanoi").iterdir()):
        if not path.name.endswith((".rss.xml", ".atom.xml", ".json")):
            continue
        category, _, fmt = path.name.partition(".")
        if fmt == "json":
            entries = [item["id"] for item in json.loads(path.read_bytes())["items"]]
        else:
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            entries = [entry.id for entry in parsed.entries]
        ids.setdefault(fmt, {})[category] = set(entries)
    assert len(ids) >= 2, ids.keys()
    for article_id in SECOND_URL_IDS:
        guid = f"tag:newsfeed,2025:sotttt_hanoi/{article_id}"
        for fmt, by_category in ids.items():
            holding = [c for c, entries in by_category.items() if guid in entries]
            assert len(holding) >= 2, (fmt, guid, holding)
            assert "tin_tuc_su_kien" in holding
