"""A real feed reader: newsboat subscribes to the served demo feeds over 127.0.0.1.

``newsfeed demo`` runs once (a subprocess); ``newsfeed.web.serve`` serves its folder on a free
port; newsboat reloads in a temporary HOME with its own urls file, cache and config, and its
cache (SQLite, table ``rss_item``) must hold every item of every feed, with the same ids, titles
and full text. One cache per format, because newsboat keeps one item per guid across all its
feeds: subscribed to the RSS and the Atom twin at once, an article is one item, not two (which
is also tested: that is what "the same id everywhere" buys a reader).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsfeed.web.serve import make_server
from tests.conftest import which_tool

NEWSBOAT = shutil.which("newsboat")


@pytest.fixture(autouse=True)
def _newsboat() -> None:
    which_tool("newsboat", install="Debian: apt-get install newsboat")


SUFFIXES = {"rss": ".rss.xml", "atom": ".atom.xml", "json": ".json"}


@dataclass
class Served:
    folder: Path
    url: str
    log: io.StringIO


@pytest.fixture(scope="module")
def demo_feeds(demo_output: Path) -> Path:
    """What ``newsfeed demo`` wrote (tests.conftest, once per session: read only)."""
    return demo_output


@pytest.fixture(scope="module")
def served(demo_feeds: Path) -> Iterator[Served]:
    log = io.StringIO()
    server = make_server(demo_feeds, port=0, access_log=log)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Served(demo_feeds, f"http://127.0.0.1:{server.server_address[1]}/", log)
    finally:
        server.shutdown()
        server.server_close()


def stems(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix().removesuffix(".json") for p in folder.rglob("*.json")
    )


def newsboat(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert NEWSBOAT is not None
    return subprocess.run(
        [
            NEWSBOAT,
            "-u",
            str(home / "urls"),
            "-c",
            str(home / "cache.db"),
            "-C",
            str(home / "config"),
            *args,
        ],
        env={**os.environ, "HOME": str(home), "TERM": "dumb", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def subscribe(home: Path, urls: list[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "urls").write_text("".join(f"{u}\n" for u in urls), encoding="utf-8")
    # No network beyond the test server, no pauses between feeds.
    (home / "config").write_text("reload-threads 4\ndownload-timeout 20\n", encoding="utf-8")
    result = newsboat(home, "-x", "reload")
    assert result.returncode == 0, result.stdout + result.stderr


def cached(home: Path) -> dict[str, tuple[str, str, str]]:
    """guid -> (title, feed url, content) of every item newsboat stored."""
    with sqlite3.connect(home / "cache.db") as db:
        rows = db.execute("SELECT guid, title, feedurl, content FROM rss_item").fetchall()
    return {guid: (title, feed, content) for guid, title, feed, content in rows}


def expected(folder: Path, stem: str) -> dict[str, dict[str, str]]:
    """The items of a feed, from its JSON twin (same ids, titles and content in every format)."""
    data = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["items"]}


def newsboat_version() -> str:
    assert NEWSBOAT is not None
    out = subprocess.run([NEWSBOAT, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"newsboat (\S+)", out.stdout)
    return match.group(1) if match else "unknown"


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_newsboat_reads_every_item_of_every_feed(fmt: str, served: Served, tmp_path: Path) -> None:
    all_stems = stems(served.folder)
    assert {"demo/all", "topics/news", "demo/tin_tuc_su_kien"} <= set(all_stems)
    read: dict[str, dict[str, tuple[str, str, str]]] = {}
    for stem in all_stems:
        # One cache per feed: newsboat keeps one item per guid across the feeds it follows.
        home = tmp_path / stem.replace("/", "_")
        url = served.url + stem + SUFFIXES[fmt]
        subscribe(home, [url])
        read[stem] = cached(home)
    if fmt == "json" and not any(read.values()):
        pytest.skip(
            f"newsboat {newsboat_version()} does not read JSON Feed (newsboat/newsboat#426);"
            " the JSON feeds were fetched, with 200, and yielded no item"
        )
    total = 0
    for stem in all_stems:
        want = expected(served.folder, stem)
        got = read[stem]
        assert set(got) == set(want), f"{stem}{SUFFIXES[fmt]}: {set(want) ^ set(got)}"
        for guid, (title, feed, content) in got.items():
            assert title == want[guid]["title"], guid
            assert feed == served.url + stem + SUFFIXES[fmt]
            # Full text, not the summary: the body's first words are in newsboat's copy.
            body = re.sub(r"<[^>]+>", " ", want[guid]["content_html"])
            first_words = " ".join(body.split()[:6])
            assert first_words in " ".join(re.sub(r"<[^>]+>", " ", content).split()), guid
        total += len(got)
    print(f"\nnewsboat {newsboat_version()} read {total} items from {len(all_stems)} {fmt} feeds")


def test_rss_and_atom_twins_are_one_item_each_and_polling_is_cheap(
    served: Served, tmp_path: Path
) -> None:
    home = tmp_path / "both"
    urls = [served.url + "demo/all" + SUFFIXES[fmt] for fmt in ("rss", "atom")]
    subscribe(home, urls)
    want = expected(served.folder, "demo/all")
    assert set(cached(home)) == set(want)  # 11 articles, not 22
    printed = newsboat(home, "-x", "print-unread")
    assert printed.stdout.strip() == f"{len(want)} unread articles"

    # Polling is cheap: newsboat asks with the ETag / Last-Modified it stored and gets 304s.
    # Newsboat stores them only once the feed is in its cache, so its second request is still
    # unconditional (newsboat/newsboat#2734); from the third on, they are used.
    subscribe(home, urls)
    before = len(served.log.getvalue().splitlines())
    subscribe(home, urls)
    lines = served.log.getvalue().splitlines()[before:]
    assert len(lines) == 2, lines
    assert all('" 304 - ' in line for line in lines), lines
    assert set(cached(home)) == set(want)
