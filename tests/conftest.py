"""Shared test fixtures: the real corpus (read in place, never copied), WARCs built from it,
and the CLI run as a user runs it (a subprocess: Scrapy's reactor runs once per process)."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

# the servers the tests start (PostgreSQL, scrapyd), and the skip-or-fail rule for tools
from tests.servers import REQUIRE_TOOLS, pg_url, postgres, require_tool, which_tool

pytest_plugins = ["tests.crawling"]

__all__ = ["REQUIRE_TOOLS", "pg_url", "postgres", "require_tool", "which_tool"]

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("NEWSFEED_CORPUS", REPO.parent / "shared" / "corpus"))
LIFERAY_BASE = "https://sotttt.hanoi.gov.vn"
_VIEW_CONTENT_ID = re.compile(r"/-/view_content/(\d+)-")


def corpus_path(*parts: str) -> Path:
    """A path in the real corpus; skips the test, saying why, when the corpus is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real corpus not found at {path} (set NEWSFEED_CORPUS to its folder)")
    return path


def html_pages() -> list[Path]:
    """Every HTML page the tests hold: the fixtures' (in the repository), then the real
    corpus's where it is present; sorted."""
    found = sorted((REPO / "tests" / "fixtures").rglob("*.html"))
    if CORPUS.is_dir():
        found += sorted(CORPUS.rglob("*.html"))
    return found


def run_cli(
    *args: str,
    cwd: Path,
    timeout: float = 300,
    env: Mapping[str, str] | None = None,
    launcher: Sequence[str] = (sys.executable, "-m", "newsfeed"),
) -> subprocess.CompletedProcess[str]:
    """``newsfeed ARGS`` in a subprocess, as cron or a user runs it (``env`` added to this
    process's environment; ``NEWSFEED_CONFIG`` unset unless ``env`` sets it). ``launcher``:
    what ARGS follow, when another program is to start newsfeed (and exec it)."""
    full = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:newsfeed"}
    full.pop("NEWSFEED_CONFIG", None)
    full.update(env or {})
    return subprocess.run(
        [*launcher, *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _command(args: Iterable[str]) -> str:
    """The command of ``newsfeed ARGS``: the first word after the global options."""
    words = iter(args)
    for word in words:
        if word in {"--feeds-dir", "--var-dir", "--log-level", "--database-url"}:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


IN_PROCESS_REFUSED = frozenset({"demo", "serve"})
"""Commands that serve until stopped: run them as a process (:func:`run_cli`)."""


def cli_here(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``newsfeed ARGS`` in this process (:func:`newsfeed.cli.main`), as :func:`run_cli` runs
    it in a subprocess, without the second of Python and imports a process costs: the same
    argv, working folder and environment (``env`` added, ``NEWSFEED_CONFIG`` unset), stdout
    and stderr captured, logging configured as in a fresh process, exit code returned (also
    from argparse's ``SystemExit``). For commands that crawl nothing: a crawl would start
    Scrapy's reactor in the test process, so one started here fails the test instead. An
    exception escaping ``main`` (what a user would see as a traceback) fails the test."""
    import logging
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO
    from unittest import mock

    from newsfeed import cli, jobs

    command = _command(args)
    assert command not in IN_PROCESS_REFUSED, f"run `newsfeed {command}` with run_cli"

    def no_crawl(*_: object, **__: object) -> None:
        raise AssertionError(f"`newsfeed {' '.join(args)}` started a crawl in the test process")

    def fresh_settings() -> None:
        # the Scrapy settings module reads newsfeed.toml and NEWSFEED_* when imported, as in
        # each new process: read again for this folder and environment (and after it, for
        # the test process's own)
        from newsfeed.config import ConfigError

        settings = sys.modules.get("newsfeed.crawl.settings")
        if settings is not None:
            # a bad setting: the command says so (main reads the configuration first)
            with contextlib.suppress(ConfigError):
                importlib.reload(settings)

    out, err = StringIO(), StringIO()
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        os.environ.pop("NEWSFEED_CONFIG", None)
        os.environ.update(env or {})
        os.chdir(cwd)
        fresh_settings()
        root.handlers = []  # main's logging.basicConfig then writes to the stderr captured
        with (
            redirect_stdout(out),
            redirect_stderr(err),
            mock.patch.object(jobs, "run_crawl", no_crawl),
        ):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse: usage errors, --help
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        fresh_settings()
    return subprocess.CompletedProcess(["newsfeed", *args], code, out.getvalue(), err.getvalue())


CRAWLING = frozenset({"crawl", "run", "schedule"})


def newsfeed_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``newsfeed ARGS`` in this process (:func:`cli_here`) when the command crawls nothing,
    else as a process (:func:`run_cli`): crawl, run, schedule, demo, serve."""
    if _command(args) in CRAWLING | IN_PROCESS_REFUSED:
        return run_cli(*args, cwd=cwd, timeout=timeout)
    return cli_here(*args, cwd=cwd)


def liferay_mirror_extra_urls(source: Path) -> Iterable[tuple[Path, list[str]]]:
    """Every URL the live site answered with each mirror file.

    The original URL from the manifest (listing pages), the HTTrack file path with the
    original query (what the mirror's pagination links ask for), and for every article the
    other category paths of the same id that listing pages link to: the site served an article
    under the path of every category that lists it.
    """
    manifest = json.loads((source.parent / "manifest.json").read_text(encoding="utf-8"))
    by_file = {entry["file"]: entry for entry in manifest["files"]}
    article_links: dict[str, set[str]] = {}
    for entry in manifest["files"]:
        if entry["kind"] != "listing":
            continue
        page = source.parent / entry["file"]
        page_url = f"{LIFERAY_BASE}/{entry['file'].removeprefix('source/')}"
        selector = Selector(text=page.read_text(encoding="utf-8"))
        for href in selector.xpath("//a/@href").getall():
            url = urljoin(page_url, href)
            match = _VIEW_CONTENT_ID.search(url)
            if match:
                article_links.setdefault(match.group(1), set()).add(url.split("?")[0])
    for path in sorted(source.rglob("*.html")):
        rel = path.relative_to(source).as_posix()
        url = f"{LIFERAY_BASE}/{rel}"
        extra: list[str] = []
        entry = by_file.get(f"source/{rel}")
        if entry:
            original = entry["original_url"]
            extra.append(original)
            query = urlsplit(original).query
            if query:
                extra.append(f"{url}?{query}")
        match = _VIEW_CONTENT_ID.search(url)
        if match:
            extra.extend(sorted(article_links.get(match.group(1), set()) - {url}))
        yield path, extra


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The feeds folder ``newsfeed demo`` (a real process) writes, made once per run (shared
    by the xdist workers: the first one makes it, under a lock) and read by the feed, reader,
    README, CLI and site tests: treat it as read-only. What the command printed is in
    ``demo-output.stdout`` beside the folder it ran in (``demo_output.parents[2]``)."""
    import fcntl

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # this run's folder, above each worker's own
    cwd, made = root / "demo-output", root / "demo-output.made"
    with (root / "demo-output.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            shutil.rmtree(cwd, ignore_errors=True)  # a failed attempt of another worker
            cwd.mkdir()
            result = run_cli("demo", "--no-serve", cwd=cwd)
            assert result.returncode == 0, result.stderr[-3000:]
            (root / "demo-output.stdout").write_text(result.stdout, encoding="utf-8")
            made.touch()
    return cwd / "var" / "demo" / "feeds"


@pytest.fixture(scope="session")
def liferay_warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Liferay mini-site as a WARC, built from the corpus mirror at test time."""
    from newsfeed.crawl.warc import warc_from_mirror

    source = corpus_path("liferay-sotttt-hanoi", "source")
    extras = dict(liferay_mirror_extra_urls(source))
    out = tmp_path_factory.mktemp("warc") / "sotttt.warc.gz"
    warc_from_mirror(source, LIFERAY_BASE, out, extra_urls=lambda url, path: extras.get(path, []))
    return out


# -- scheduling under pytest-xdist (`make test`: -n cores+1 --dist loadfile --no-loadscope-reorder)
# Each test file runs on one worker (its module-scoped fixtures are built once), files handed
# out in this order as workers free up. Not loadgroup: under pytest 9, pytest-xdist 3.8's
# loadgroup cannot rename the tests it groups (Node.nodeid is read-only), so its xdist_group
# marks placed nothing. --no-loadscope-reorder: else xdist sorts the files by how many tests
# they hold, which puts the few long tests of real servers last.

_DURATIONS_KEY = "newsfeed/durations"
SLOW_FILE_SECONDS = 10.0
"""What a file marked ``slow`` is taken to last when the last run's times are unknown (a
fresh clone, as in CI)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slowest test files first (by the last run's times, else those marked ``slow``),
    so that no long file starts last and runs alone while the other worker idles. Only the
    order changes: every test runs, and runs the same."""
    cache = getattr(config, "cache", None)
    last: dict[str, float] = cache.get(_DURATIONS_KEY, {}) if cache is not None else {}
    per_file: dict[str, float] = {}
    for nodeid, seconds in last.items():
        file = nodeid.split("::", 1)[0]
        per_file[file] = per_file.get(file, 0.0) + seconds
    for item in items:
        file = item.nodeid.split("::", 1)[0]
        if file not in per_file and item.get_closest_marker("slow"):
            per_file[file] = SLOW_FILE_SECONDS
    # whole files move; a stable sort keeps the order inside a file, and new files after the
    # known slow ones
    items.sort(key=lambda item: -per_file.get(item.nodeid.split("::", 1)[0], 0.0))


_durations: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remember each test's time (setup + call + teardown) for the next run's order; on the
    controller only (xdist workers report to it)."""
    cache = getattr(session.config, "cache", None)
    if cache is None or not _durations or hasattr(session.config, "workerinput"):
        return
    merged = {**cache.get(_DURATIONS_KEY, {}), **{k: round(v, 2) for k, v in _durations.items()}}
    cache.set(_DURATIONS_KEY, merged)
