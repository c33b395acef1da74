"""``newsfeed crawl/run -s NAME=VALUE``: any Scrapy setting from the command line, as
``scrapy crawl -s`` takes it (a malformed one is a usage error: tests/cli/test_usage_errors.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsfeed.config import Config
from newsfeed.crawl.runner import SettingArgError, crawl_settings, parse_setting_args
from tests.conftest import newsfeed_cli, run_cli


def test_pairs_split_at_the_first_equals_sign_and_the_last_one_wins() -> None:
    assert parse_setting_args(["A=1", "B=x=y", "C=", "A=2"]) == {"A": "2", "B": "x=y", "C": ""}
    for bad in ("A", "=1", " =1", "A B=1"):
        with pytest.raises(SettingArgError, match="use -s NAME=VALUE"):
            parse_setting_args([bad])


def test_values_are_read_as_scrapy_reads_them_and_go_on_last(tmp_path: Path) -> None:
    overrides = parse_setting_args(
        [
            "DOWNLOAD_DELAY=2.5",
            "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            "AUTOTHROTTLE_ENABLED=False",
            "ROBOTSTXT_OBEY=0",
            'DOWNLOAD_HANDLERS={"ftp": null}',
        ]
    )
    # a local crawl lifts the delay itself; the command line still wins over that
    settings = crawl_settings(Config(var_dir=tmp_path), local=True, overrides=overrides)
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.5
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 16
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getbool("ROBOTSTXT_OBEY") is False
    assert settings.getdict("DOWNLOAD_HANDLERS") == {"ftp": None}
    # untouched settings keep the project's values
    assert settings.getint("NEWSFEED_HOST_TIMEOUTS_MAX") == 3


def test_cookies_are_off_unless_asked_for_and_then_scrapys_middleware_handles_them(
    tmp_path: Path,
) -> None:
    cookies = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
    off = crawl_settings(Config(var_dir=tmp_path))
    assert off.getbool("COOKIES_ENABLED") is False
    assert cookies not in off.getwithbase("DOWNLOADER_MIDDLEWARES")
    on = crawl_settings(Config(var_dir=tmp_path), overrides={"COOKIES_ENABLED": "1"})
    assert on.getwithbase("DOWNLOADER_MIDDLEWARES")[cookies] == 700


def test_a_setting_given_with_s_changes_the_crawl(liferay_warc: Path, tmp_path: Path) -> None:
    """A title bound of 5 characters: every article is over it, none stored."""
    result = newsfeed_cli(
        "crawl",
        "sotttt_hanoi",
        "--replay",
        str(liferay_warc),
        "-s",
        "NEWSFEED_MAX_TITLE_CHARS=5",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    portal = json.loads(newsfeed_cli("report", "--json", cwd=tmp_path).stdout)["portals"][
        "sotttt_hanoi"
    ]
    assert portal["articles_new"] == 0
    assert portal["faults"]["too_large"] == 20


def test_global_concurrency_grows_with_the_portals_crawled_unless_set(tmp_path: Path) -> None:
    from newsfeed.crawl.runner import global_concurrency

    settings = crawl_settings(Config(var_dir=tmp_path))
    per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    assert global_concurrency(settings, 1) == settings.getint("CONCURRENT_REQUESTS")
    assert global_concurrency(settings, 40) == 2 * per_host * 40
    assert global_concurrency(settings, 100_000) == settings.getint(
        "NEWSFEED_CONCURRENT_REQUESTS_MAX"
    )


_GROW_THEN_EXEC = """
import os, sys
grown = bytearray(600 << 20)  # every page touched: 600 MB resident, then given back
del grown
os.execv(sys.executable, [sys.executable, "-m", "newsfeed", *sys.argv[1:]])
"""


def test_the_memory_limit_is_the_crawls_own_not_its_launchers(
    liferay_warc: Path, tmp_path: Path
) -> None:
    """Linux carries ru_maxrss (what Scrapy's memory limit reads) across fork and exec: a crawl
    exec'd by a process that once held 600 MB was closed as memusage_exceeded at a 400 MB limit
    before it fetched a page. Its own peak is what the limit bounds."""
    import sys

    done = run_cli(
        *("crawl", "sotttt_hanoi", "--replay", str(liferay_warc), "-s", "MEMUSAGE_LIMIT_MB=400"),
        cwd=tmp_path,
        launcher=(sys.executable, "-c", _GROW_THEN_EXEC),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Memory usage exceeded" not in done.stderr
    portal = json.loads(newsfeed_cli("report", "--json", cwd=tmp_path).stdout)["portals"][
        "sotttt_hanoi"
    ]
    assert portal["articles_new"] == 20
    assert all(check["name"] != "interrupted" for check in portal["checks"])
