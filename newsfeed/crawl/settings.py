"""Scrapy settings: polite by default (robots.txt, AutoThrottle, 2 requests per host)."""

from __future__ import annotations

from newsfeed import USER_AGENT as _USER_AGENT

BOT_NAME = "newsfeed"
SPIDER_MODULES = ["newsfeed.crawl.spiders"]
NEWSPIDER_MODULE = "newsfeed.crawl.spiders"

USER_AGENT = _USER_AGENT
ROBOTSTXT_OBEY = True

# Government portals run on small servers: two requests at a time per host at most, with
# AutoThrottle backing off further when the server slows down.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
# Portals that cannot be reached must not hold a run up for long: DNS and connect errors
# fail fast, retried twice, then reported.
DNS_TIMEOUT = 15

HTTPERROR_ALLOW_ALL = False
REDIRECT_ENABLED = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "newsfeed.crawl.pipelines.NormalizePipeline": 100,
    "newsfeed.crawl.pipelines.ValidatePipeline": 200,
    "newsfeed.crawl.pipelines.DedupePipeline": 300,
    "newsfeed.crawl.pipelines.StorePipeline": 400,
}

# The crawl's one Store connection: reads for the spider, the store pipeline's writes, and
# the close hook that saves what only a finished run may claim (newsfeed.crawl.state).
EXTENSIONS = {"newsfeed.crawl.state.CrawlState": 0}

# Local crawls (replay, the demo portal, tests) need no politeness delays.
LOCAL_OVERRIDES: dict[str, object] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "RETRY_TIMES": 0,
}
