"""Nothing a user types, sets or points at gives a traceback: one line naming the value, the
file or the port and what to do, with the exit code the README promises (2 usage, 1 failure).
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import cli_here, run_cli

CASES: list[tuple[tuple[str, ...], dict[str, str], int, str]] = [
    # args, environment, exit code, what the line must say
    (("serve", "--port", "99999"), {}, 2, "99999 is not a port"),
    (("serve", "--port", "abc"), {}, 2, "'abc' is not a port number"),
    (("build", "--base-url", "notaurl"), {}, 2, "--base-url: 'notaurl' is not an http(s) URL"),
    (("build",), {"NEWSFEED_ITEM_LIMIT": "abc"}, 2, "NEWSFEED_ITEM_LIMIT: 'abc' is not a whole"),
    (("build",), {"NEWSFEED_ITEM_LIMIT": "0"}, 2, "NEWSFEED_ITEM_LIMIT: '0' must be more than 0"),
    (("build",), {"NEWSFEED_LOG_LEVEL": "LOUD"}, 2, "'LOUD' is not a log level"),
    (("build",), {"NEWSFEED_CONFIG": "absent.toml"}, 2, "NEWSFEED_CONFIG=absent.toml: no such"),
    (("check", "--portal", "nowhere"), {}, 3, "NEWSFEED UNKNOWN - nowhere is not a known"),
    (("crawl", "hanoi", "--category", "nosuch"), {}, 2, "unknown category 'nosuch'"),
    (("crawl", "-s", "DOWNLOAD_DELAY"), {}, 2, "invalid -s value 'DOWNLOAD_DELAY': use -s NAME="),
    (("run", "-s", "=3"), {}, 2, "invalid -s value '=3': use -s NAME=VALUE"),
    (("build",), {"NEWSFEED_RECHECK_BUDGET": "-1"}, 2, "RECHECK_BUDGET: '-1' must not be negative"),
    (("build",), {"NEWSFEED_RECHECK_BUDGET": "2.5"}, 2, "'2.5' is not a whole number"),
]


FILES: dict[str, bytes] = {
    "empty.html": b"",
    "binary.html": bytes(range(256)) * 8,
    "doc.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00",
    "menu.html": b"<!DOCTYPE html><html><body><ul><li><a href='/a'>Trang chu</a></li></ul>",
    "page.html": b"<html><head><title>Tin</title></head><body><p>Noi dung.</p></body></html>",
    "notes.warc": b"not a warc\njust text\n",
    "a_file": b"x",
}
"""Files a user may point the CLI at, written into the test's folder first."""

FILE_CASES: list[tuple[tuple[str, ...], str, int, str]] = [
    # args, newsfeed.toml, exit code, what the line must say
    (("extract", "empty.html"), "", 1, "empty.html is not an HTML page"),
    (("extract", "binary.html"), "", 1, "binary.html is not an HTML page"),
    (("extract", "doc.pdf"), "", 1, "doc.pdf is not an HTML page"),
    (("extract", "menu.html"), "", 1, "no article found in menu.html"),
    (
        ("extract", "--url", "baocantho.com.vn/x.html", "page.html"),
        "",
        2,
        "--url baocantho.com.vn/x.html has no scheme; write it as the browser shows it, "
        "e.g. https://baocantho.com.vn/x.html",
    ),
    (("crawl", "hanoi", "--replay", "notes.warc"), "", 2, "notes.warc is not a WARC file"),
    (("crawl", "hanoi", "--replay", "empty.html"), "", 2, "empty.html holds no WARC record"),
    # a_file is a file: nothing can be written below it, not even by root
    (("run", "hanoi"), 'feeds_dir = "a_file/feeds"', 1, "cannot write into a_file/feeds/"),
    (("crawl", "hanoi"), 'var_dir = "a_file/var"', 1, "cannot write into a_file/var/"),
]


def _run(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in this process (what it prints and exits with are the same as a
    process's: tests.conftest.cli_here), but ``serve``, which would serve until stopped."""
    if args[0] == "serve":
        return run_cli(*args, cwd=cwd, env=env, timeout=120)
    return cli_here(*args, cwd=cwd, env=env)


@pytest.mark.parametrize(("args", "env", "code", "says"), CASES)
def test_bad_input_is_one_line_and_the_promised_exit_code(
    args: tuple[str, ...], env: dict[str, str], code: int, says: str, tmp_path: Path
) -> None:
    result = _run(args, env, tmp_path)
    out = (result.stderr + result.stdout).strip()
    assert "Traceback" not in out, out
    assert result.returncode == code, out
    assert says in out, out
    if code != 3:  # argparse prints its usage line first
        assert out.splitlines()[-1].count("newsfeed") >= 1 and len(out.splitlines()) <= 2, out


@pytest.mark.parametrize(("args", "toml", "code", "says"), FILE_CASES)
def test_a_bad_file_or_folder_is_one_line_before_anything_runs(
    args: tuple[str, ...], toml: str, code: int, says: str, tmp_path: Path
) -> None:
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    if toml:
        (tmp_path / "newsfeed.toml").write_text(toml + "\n")
    result = _run(args, {}, tmp_path)
    err = result.stderr.strip()
    assert "Traceback" not in err, err
    assert (result.returncode, err) == (code, f"newsfeed: {says}") or (
        result.returncode == code and err.startswith(f"newsfeed: {says}")
    ), err
    assert len(err.splitlines()) == 1, err
    assert result.stdout == "", "no empty Article, no crawl table"
    # refused before crawling: nothing was crawled, no report written
    assert not list(tmp_path.glob("var/reports/*.json"))


@pytest.mark.parametrize("slots", ["0", "two"])
def test_schedule_slots_must_be_a_count(slots: str, tmp_path: Path) -> None:
    result = _run(("schedule", "--scrapyd", "http://127.0.0.1:9/", "--slots", slots), {}, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("newsfeed schedule: error: argument --slots:"), last
    assert "is not 1 or more" in last or "is not a number" in last, last


def test_a_broken_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "newsfeed.toml").write_text('base_url = "https://x.org/"\nfeeds_dir = \n')
    broken = _run(("build",), {}, tmp_path)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "newsfeed.toml: not valid TOML" in broken.stderr
    (tmp_path / "newsfeed.toml").write_text('base_url = "https://x.org/"\nfeed_dir = "f"\n')
    unknown = _run(("build",), {}, tmp_path)
    assert unknown.returncode == 2 and "unknown setting feed_dir (known: feeds_dir" in (
        unknown.stderr
    )


def test_a_busy_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(("serve", "--port", str(port)), {}, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another with --port" in result.stderr


def test_run_cli_still_sees_a_good_config(tmp_path: Path) -> None:
    (tmp_path / "newsfeed.toml").write_text('base_url = "https://x.org/vn/"\nitem_limit = 5\n')
    assert run_cli("check", cwd=tmp_path).returncode == 3  # no crawl yet: UNKNOWN, not usage
