"""Shared test fixtures: the real corpus (read in place, never copied), WARCs built from it,
and the CLI run as a user runs it (a subprocess: Scrapy's reactor runs once per process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
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


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``newsfeed ARGS`` in a subprocess, as cron or a user runs it."""
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:newsfeed"}
    env.pop("NEWSFEED_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
def liferay_warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Liferay mini-site as a WARC, built from the corpus mirror at test time."""
    from newsfeed.crawl.warc import warc_from_mirror

    source = corpus_path("liferay-sotttt-hanoi", "source")
    extras = dict(liferay_mirror_extra_urls(source))
    out = tmp_path_factory.mktemp("warc") / "sotttt.warc.gz"
    warc_from_mirror(source, LIFERAY_BASE, out, extra_urls=lambda url, path: extras.get(path, []))
    return out
