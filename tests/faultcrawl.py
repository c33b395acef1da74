"""The crawl of the fault site (``tests/faultsite.py``), run as its own process.

``python -m tests.faultcrawl BASE_URL WORK_DIR`` crawls the site into ``WORK_DIR/var`` with
small bounds and timeouts, builds the feeds into ``WORK_DIR/feeds`` and prints one JSON line:
the crawl report and the process's peak memory (its own address space's high water, not
inherited from the test process that started it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from newsfeed.config import Config
from newsfeed.jobs import build_feeds, run_crawl
from newsfeed.portals import Registry, portal_from_dict
from tests.memory import high_water_kib

PORTAL_KEY = "faulty"
TEST_SETTINGS: dict[str, object] = {
    # every fault at once: the slow ones must not queue the others
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 2,
    "DOWNLOAD_MAXSIZE": 4 << 20,
    "DOWNLOAD_WARNSIZE": 1 << 20,
    "RETRY_TIMES": 2,
    "NEWSFEED_MAX_BODY_CHARS": 100_000,
    "NEWSFEED_MAX_TITLE_CHARS": 500,
    "NEWSFEED_MAX_LINKS": 50,
    "NEWSFEED_HOST_TIMEOUTS_MAX": 10,
}


def main(base_url: str, work: Path) -> None:
    portal = portal_from_dict(
        {
            "key": PORTAL_KEY,
            "name": "Cổng thử lỗi",
            "province": "Thử",
            "base_url": base_url,
            "platform": "liferay62",
            "categories": [
                {
                    "key": "tin_tuc",
                    "name": "Tin tức",
                    "url": f"{base_url}/vi/tin-tuc",
                    "topic": "news",
                }
            ],
        },
        source="fault site",
    )
    registry = Registry([portal])
    config = Config(var_dir=work / "var", feeds_dir=work / "feeds")
    report = run_crawl(
        [portal], config, registry=registry, local=True, extra_settings=TEST_SETTINGS
    )
    build_feeds(config, registry)
    peak_mb = high_water_kib() / 1024
    print(json.dumps({"report": report, "peak_mb": peak_mb}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
