"""``newsfeed demo``: its own folder and store, served while a user looks, never mixed with a
real installation's ``./feeds``."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.conftest import newsfeed_cli
from tests.servers import cli_env, free_port, start_cli

pytestmark = pytest.mark.slow

DEMO_GUID = "tag:newsfeed,2025:demo/"


def test_demo_writes_its_own_folder_and_a_real_build_serves_no_demo_article(
    tmp_path: Path,
) -> None:
    demo = newsfeed_cli("demo", "--no-serve", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr[-3000:]
    demo_feeds = tmp_path / "var" / "demo" / "feeds"
    assert f"feeds in {demo_feeds}/" in demo.stdout  # printed, so the user finds them
    assert (demo_feeds / "demo" / "all.rss.xml").is_file()
    assert (tmp_path / "var" / "demo" / "newsfeed.sqlite3").is_file()  # its own store
    assert not (tmp_path / "feeds").exists()
    assert not (tmp_path / "var" / "newsfeed.sqlite3").exists()

    real = newsfeed_cli("build", cwd=tmp_path)  # the real installation, after the demo
    assert real.returncode == 0, real.stderr[-3000:]
    served = [p for p in (tmp_path / "feeds").rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in served)
    for path in served:
        assert DEMO_GUID not in path.read_text(encoding="utf-8"), path
    assert not (tmp_path / "feeds" / "demo").exists()


def test_demo_serves_its_feeds_and_portal_until_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    proc = start_cli("demo", "--port", str(port), cwd=tmp_path, env=cli_env())
    lines: queue.Queue[str] = queue.Queue()
    out = proc.stdout
    assert out is not None

    def read() -> None:
        for text in out:
            lines.put(text)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        seen = []
        while True:
            line = lines.get(timeout=180)
            seen.append(line)
            if line.startswith("serving the demo feeds at"):
                break
        base = f"http://127.0.0.1:{port}/"
        assert line.split()[5] == base, seen

        with urllib.request.urlopen(base + "index.html", timeout=10) as resp:
            assert resp.status == 200
            assert "Demo" in resp.read().decode("utf-8")
        with urllib.request.urlopen(base + "index.opml", timeout=10) as resp:
            urls = etree.fromstring(resp.read()).xpath("//outline/@xmlUrl")
        assert urls and all(u.startswith(base) for u in urls), urls  # links at this address
        with urllib.request.urlopen(urls[0], timeout=10) as resp:
            feed = feedparser.parse(resp.read())
        assert feed.entries
        assert any(link.href == urls[0] for link in feed.feed.links)  # its self link
        # the articles' links open: the demo portal is served beside the feeds
        with urllib.request.urlopen(feed.entries[0].link, timeout=10) as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
        out.close()
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
    assert proc.returncode == 0, err[-3000:]  # Ctrl-C is how a user ends the demo
    assert (tmp_path / "var" / "demo" / "feeds" / "index.opml").is_file()
    assert not (tmp_path / "feeds").exists()
