"""The live progress line of ``newsfeed crawl`` / ``run``: shown on a terminal, with the real
crawl's figures, cleanly ended (also on Ctrl-C); never shown off a terminal, where stderr stays
what cron mails.

Each crawl is a real ``newsfeed`` process whose stderr is a pseudo-terminal (``os.openpty``);
what it wrote there is fed to a terminal emulator (pyte), so the tests read the screen a
person sees, not escape codes. The portals are the demo site on 127.0.0.1.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyte
import pytest

from newsfeed.crawl.runner import INTERRUPTED
from tests.conftest import cli_here
from tests.servers import cli_env, demo_portals

pytestmark = pytest.mark.slow

COLUMNS, ROWS = 160, 40
LINE = re.compile(
    r"(?P<state>crawling|crawled|stopped \(\w+\)) .*?(?P<done>\d+)/(?P<total>\d+) portals"
    r" · (?P<pages>\d+) pages · (?P<articles>\d+) articles · (?P<errors>\d+) errors"
)
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
CLOSED_PROXY = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


@dataclass
class TerminalRun:
    returncode: int
    stdout: str
    raw: bytes
    """Everything written to the terminal."""

    def screen(self) -> list[str]:
        """The terminal's lines at the end, as a person sees them (blank ones left out)."""
        screen = pyte.Screen(COLUMNS, ROWS)
        pyte.ByteStream(screen).feed(self.raw)
        return [line.rstrip() for line in screen.display if line.strip()]

    def frames(self) -> list[dict[str, Any]]:
        """Every state the progress line was drawn in, in order."""
        text = ANSI.sub(b"", self.raw).decode("utf-8", "replace")
        return [
            {k: v if k == "state" else int(v) for k, v in m.groupdict().items()}
            for m in LINE.finditer(text)
        ]


def on_terminal(
    *args: str,
    cwd: Path,
    env: dict[str, str],
    interrupt_when: Callable[[bytes], bool] | None = None,
    timeout: float = 180,
) -> TerminalRun:
    """``newsfeed ARGS`` with stderr on a pseudo-terminal (stdout a pipe); with
    ``interrupt_when``, SIGINT (Ctrl-C) as soon as the terminal shows what it waits for."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=cwd,
        env={**env, "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    raw = bytearray()
    deadline = time.monotonic() + timeout
    interrupted = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer of the terminal has gone
                    break
                if not chunk:
                    break
                raw += chunk
            if interrupt_when and not interrupted and interrupt_when(bytes(raw)):
                proc.send_signal(signal.SIGINT)
                interrupted = True
        else:
            proc.kill()
            raise AssertionError(f"no end in {timeout} s: {bytes(raw[-2000:])!r}")
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if interrupt_when:
        assert interrupted, "the terminal never showed what the test waited for"
    return TerminalRun(proc.returncode, out.decode(), bytes(raw))


@pytest.fixture
def demo_portal(tmp_path: Path) -> Iterator[dict[str, str]]:
    """One demo portal ``alpha`` on 127.0.0.1: the environment to crawl it with."""
    profiles = tmp_path / "profiles"
    with demo_portals(["alpha"], profiles):
        yield cli_env(NEWSFEED_PROFILES_DIR=str(profiles))


def the_report(cwd: Path) -> dict[str, Any]:
    (path,) = (cwd / "var" / "reports").glob("*.json")
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def figures(report: dict[str, Any]) -> dict[str, int]:
    """What the progress line must say at the end, from the report."""
    totals = report["totals"]
    return {
        "done": len(report["portals"]),
        "total": len(report["portals"]),
        "pages": totals["listing_pages_fetched"]
        + totals["listing_pages_not_modified"]
        + totals["article_pages_fetched"],
        "articles": totals["articles_new"] + totals["articles_updated"],
        "errors": sum(totals["http_errors"].values()),
    }


def test_a_crawl_on_a_terminal_shows_live_progress_ending_with_the_reports_figures(
    tmp_path: Path, demo_portal: dict[str, str]
) -> None:
    # a delay between requests, so the line is seen moving
    env = {**demo_portal, "NEWSFEED_DOWNLOAD_DELAY": "0.1"}
    run = on_terminal("crawl", "alpha", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.screen()
    assert run.stdout == "", "stdout is not a terminal: no table"
    report = the_report(tmp_path)
    expected = figures(report)
    assert expected["articles"] > 5 and expected["pages"] > expected["articles"]

    screen = run.screen()
    assert len(screen) == 1, screen  # only the line, finished: nothing else was said
    last = LINE.search(screen[0])
    assert last, screen
    assert last["state"] == "crawled"
    assert {k: int(v) for k, v in last.groupdict().items() if k != "state"} == expected

    frames = run.frames()
    assert frames[0]["done"] == 0 and frames[0]["state"] == "crawling"
    pages = [f["pages"] for f in frames]
    assert pages == sorted(pages), "figures only grow"
    assert len(set(pages)) >= 3, f"the line was updated while the crawl ran: {pages}"
    # done means done: once the portal counts as done, nothing more is fetched or stored
    for frame in frames:
        if frame["done"] == 1:
            assert (frame["pages"], frame["articles"]) == (expected["pages"], expected["articles"])
    assert b"\x1b[?25h" in run.raw[-200:], "the cursor is given back"


def test_ctrl_c_on_a_terminal_says_so_once_on_its_own_line_and_ends_the_line(
    tmp_path: Path, demo_portal: dict[str, str]
) -> None:
    # a delay, so the crawl is still going when Ctrl-C comes; what waits behind it is dropped
    env = {**demo_portal, "NEWSFEED_DOWNLOAD_DELAY": "0.2"}

    def fetching(raw: bytes) -> bool:
        frames = LINE.findall(ANSI.sub(b"", raw).decode("utf-8", "replace"))
        return any(int(pages) >= 2 for _, _, _, pages, _, _ in frames)

    run = on_terminal("crawl", "alpha", cwd=tmp_path, env=env, interrupt_when=fetching)
    assert run.returncode == 128 + signal.SIGINT, run.screen()
    assert run.raw.count(INTERRUPTED.encode()) == 1, "said once"
    screen = run.screen()
    assert INTERRUPTED in screen, f"a line of its own, not written into the progress line: {screen}"
    progress = [line for line in screen if LINE.search(line)]
    assert len(progress) == 1, screen  # one progress line left, after the message
    assert screen.index(INTERRUPTED) < screen.index(progress[0])
    last = LINE.search(progress[0])
    assert last and last["state"] == "stopped (shutdown)", progress
    report = the_report(tmp_path)
    assert report["interrupted"] is True
    expected = figures(report)
    expected["done"] = 0  # the portal was not finished
    assert {k: int(v) for k, v in last.groupdict().items() if k != "state"} == expected


@pytest.mark.parametrize(
    ("args", "extra_env"),
    [(("--no-progress",), {}), ((), {"NEWSFEED_PROGRESS": "0"})],
    ids=["--no-progress", "NEWSFEED_PROGRESS=0"],
)
def test_the_line_can_be_turned_off_on_a_terminal(
    args: tuple[str, ...],
    extra_env: dict[str, str],
    tmp_path: Path,
    demo_portal: dict[str, str],
) -> None:
    # no delay between requests (AutoThrottle's would start at 1 s): only the terminal counts
    env = {**demo_portal, "NEWSFEED_DOWNLOAD_DELAY": "0", **extra_env}
    run = on_terminal("crawl", "alpha", *args, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.screen()
    assert run.raw == b"", "nothing on the terminal: a healthy crawl has nothing to say"
    assert the_report(tmp_path)["totals"]["articles_new"] > 0


def test_off_a_terminal_stderr_is_only_the_status_lines_as_cron_mails_them(
    tmp_path: Path,
) -> None:
    """Under cron (stdout and stderr pipes), even with NEWSFEED_PROGRESS=1, a crawl prints
    nothing on stdout and only the changed portals' lines on stderr: no progress."""
    env = cli_env(**CLOSED_PROXY, NEWSFEED_DOWNLOAD_DELAY="0", NEWSFEED_PROGRESS="1")
    first = subprocess.run(
        [sys.executable, "-m", "newsfeed", "run", "hanoi"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout == b""
    # one line, as the status changed, with nothing of a terminal display in it
    assert re.fullmatch(
        rb"newsfeed: hanoi is CRITICAL \(first crawl\): [^\r\n\x1b]+\n", first.stderr
    ), first.stderr
    again = subprocess.run(
        [sys.executable, "-m", "newsfeed", "crawl", "hanoi"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert (again.returncode, again.stdout, again.stderr) == (0, b"", b""), again.stderr


def test_a_progress_setting_that_means_nothing_is_bad_usage(tmp_path: Path) -> None:
    # refused before any crawl: in this process (a crawl started there fails the test)
    done = cli_here("crawl", "hanoi", cwd=tmp_path, env={"NEWSFEED_PROGRESS": "maybe"})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "NEWSFEED_PROGRESS=maybe" in done.stderr
    assert not (tmp_path / "var" / "reports").exists(), "nothing was crawled"
