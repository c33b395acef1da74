"""Scrapy settings: polite by default (robots.txt, AutoThrottle, 2 requests per host)."""

from __future__ import annotations

import os as _os

from scrapy.settings.default_settings import (
    DOWNLOADER_MIDDLEWARES_BASE as _SCRAPY_DOWNLOADER_MIDDLEWARES,
)
from scrapy.settings.default_settings import EXTENSIONS_BASE as _SCRAPY_EXTENSIONS

from newsfeed import USER_AGENT as _USER_AGENT
from newsfeed.config import load_config as _load_config

# The store and var folder of a crawl started outside `newsfeed` (a scrapyd job, `scrapy crawl`):
# from newsfeed.toml / NEWSFEED_* as for the CLI, which sets both itself.
_CONFIG = _load_config()
NEWSFEED_STORE = _CONFIG.store_url
NEWSFEED_VAR_DIR = str(_CONFIG.var_dir)

BOT_NAME = "newsfeed"
SPIDER_MODULES = ["newsfeed.crawl.spiders"]
NEWSPIDER_MODULE = "newsfeed.crawl.spiders"

USER_AGENT = _USER_AGENT
ROBOTSTXT_OBEY = True

# Government portals run on small servers: two requests at a time per host at most (each host
# is its own download slot), a delay apart, with AutoThrottle backing off further when the
# server slows down. Lifted for a local crawl or a benchmark with -s (newsfeed crawl -s
# CONCURRENT_REQUESTS_PER_DOMAIN=16 -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0).
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
# Many hosts at once (a run of every portal, thousands for communes): the runner raises the
# global bound to CONCURRENT_REQUESTS_PER_DOMAIN * 2 per portal crawled, up to
# NEWSFEED_CONCURRENT_REQUESTS_MAX, so hosts never wait for each other while few requests wait
# in the downloader's per-host queues (a stop, SIGTERM, drops the queued ones unsent); DNS
# answers are cached for the run and resolved on enough threads that a slow resolver does not
# hold the others.
CONCURRENT_REQUESTS = 16
NEWSFEED_CONCURRENT_REQUESTS_MAX = 1024
# Scrapy runs the items and requests of one response through CONCURRENT_ITEMS tasks (100 by
# default, a hundred asyncio tasks created for every page). newsfeed's pipelines are
# synchronous (an article is one store transaction) and a page yields one article or one
# listing's links, so more than a few buy nothing; 100 cost over a millisecond of CPU a page.
CONCURRENT_ITEMS = 8
DNSCACHE_ENABLED = True
DNSCACHE_SIZE = 20_000
REACTOR_THREADPOOL_MAXSIZE = 20
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
# A 5xx is usually a passing overload: asked again twice. A timeout is retried once (a server
# that did not answer in DOWNLOAD_TIMEOUT rarely answers the next time, and each try costs the
# whole timeout); a host that times out NEWSFEED_HOST_TIMEOUTS_MAX times in a row is not asked
# again this run (its pending requests dropped, counted host_given_up; a refused connection or
# a name that does not resolve costs milliseconds, not a timeout, and is retried as a 5xx).
# Retry-After (429, 503) is honoured up to NEWSFEED_RETRY_AFTER_MAX seconds, summed per host;
# past it the page waits for the next run. So one stalled host adds at most about
# ceil((3 + 2) / 2) * 20 s = 60 s of timeouts (two in flight, and the one the downloader had
# already sent) plus 10 minutes of Retry-After to a run (README, "Hostile servers").
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NEWSFEED_TIMEOUT_RETRY_TIMES = 1
NEWSFEED_HOST_TIMEOUTS_MAX = 3
NEWSFEED_RETRY_AFTER_MAX = 600
# DOWNLOAD_TIMEOUT bounds the whole download, so a server dripping one byte a second costs
# this much too.
DOWNLOAD_TIMEOUT = 20
# Portals that cannot be reached must not hold a run up for long: DNS and connect errors
# fail fast, retried twice, then reported.
DNS_TIMEOUT = 15

# -- bounds: what one page may cost -------------------------------------------------------------
# The largest real article pages (inline base64 images, pasted Word HTML) are about 1.5 MB; a
# page over DOWNLOAD_MAXSIZE is cancelled while it streams, and a compressed body is inflated
# in 64 KiB steps up to the same bound (Scrapy's HttpCompressionMiddleware), never whole: a
# gzip bomb costs DOWNLOAD_MAXSIZE of memory, not a gigabyte. Either way the page is counted
# (faults: too_large) and not stored.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_MAXSIZE = 6 * 1024 * 1024
# What one stored article may hold (newsfeed.extraction.bounds.Bounds): an article over the
# body or title bound is not stored (too_large; a truncated article would be a wrong one), and
# lists over theirs keep their first items (links_truncated and friends, counted). The longest
# real article bodies (decrees with annexes) are about 150,000 characters; titles about 300.
NEWSFEED_MAX_BODY_CHARS = 400_000
NEWSFEED_MAX_TITLE_CHARS = 1_000
NEWSFEED_MAX_LINKS = 200
NEWSFEED_MAX_IMAGES = 200
NEWSFEED_MAX_ATTACHMENTS = 100
# Nesting deeper than this (broken WYSIWYG output, or hostile): libxml2 stops parsing at 2048
# levels, so the end of such a page is lost; the page is too_large rather than stored cut.
# Everything below it is walked without recursion.
NEWSFEED_MAX_DOM_DEPTH = 2000
# An article page with more links than this (menus included, real ones have a few hundred) is
# not an article; reading it would cost minutes. too_large, like the above.
NEWSFEED_MAX_PAGE_LINKS = 10_000
# Dropped items are counted in the report; the log line names the URL, not the whole item.
LOG_FORMATTER = "newsfeed.crawl.pipelines.ItemlessLogFormatter"
# A last resort: a crawl whose memory passes this is closed (finish reason memusage_exceeded,
# reported as interrupted) rather than swapping the machine to death.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 1024

# -- the guards (newsfeed.crawl.guards) ------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # before robots.txt: another host is not even asked for its robots.txt
    "newsfeed.crawl.guards.SameSiteMiddleware": 90,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsfeed.crawl.guards.PoliteRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newsfeed.crawl.guards.SameSiteMetaRefreshMiddleware": 580,
    # responses go down the list: decompressed (590), recorded (585, --record), decoded right
    # (583), then read for a meta refresh (580)
    "newsfeed.crawl.guards.EncodingMiddleware": 583,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newsfeed.crawl.guards.BoundedCompressionMiddleware": 590,
    # before Scrapy's redirect middleware (600) sees the 3xx
    "newsfeed.crawl.guards.RedirectGuardMiddleware": 610,
}

SPIDER_MIDDLEWARES = {
    # outermost (its output is taken last): a page's tree is freed when its callback is done
    "newsfeed.crawl.guards.ReleasePageMiddleware": 5,
}

HTTPERROR_ALLOW_ALL = False
REDIRECT_ENABLED = True
COOKIES_ENABLED = False
# and Scrapy's cookie middleware left out of its base list, so that tldextract (with requests,
# urllib3 and filelock: 35 ms of every crawl's start) is not imported for nothing;
# `-s COOKIES_ENABLED=1` puts it back (newsfeed.crawl.runner.crawl_settings)
COOKIES_MIDDLEWARE = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
DOWNLOADER_MIDDLEWARES_BASE = {
    k: v for k, v in _SCRAPY_DOWNLOADER_MIDDLEWARES.items() if k != COOKIES_MIDDLEWARE
}
# No console into a running crawl: Scrapy's telnet console, and its remote control (2.19+), an
# HTTP server on localhost that runs the Python code sent to it, with its token in a job file
# under ~/.local/state/scrapy/job_files (left there when a run is killed): a cron job on a
# server wants no such door. Both are also left out of Scrapy's base extensions, so their
# modules are not even imported (Scrapy imports every listed component, None or not, and the
# remote control's aiohttp was 0.15 s of every crawl's start); Scrapy's other base extensions,
# today's and those a later release adds, stay.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
_CONSOLES = (
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
)
EXTENSIONS_BASE = {k: v for k, v in _SCRAPY_EXTENSIONS.items() if k not in _CONSOLES}
LOG_LEVEL = "INFO"

# NEWSFEED_DOWNLOAD_DELAY (tests, debugging) fixes the delay, as newsfeed.crawl.runner does
if _os.environ.get("NEWSFEED_DOWNLOAD_DELAY"):
    DOWNLOAD_DELAY = float(_os.environ["NEWSFEED_DOWNLOAD_DELAY"])
    DOWNLOAD_DELAY_JITTER = 0.0
    AUTOTHROTTLE_ENABLED = False

ITEM_PIPELINES = {
    "newsfeed.crawl.pipelines.NormalizePipeline": 100,
    "newsfeed.crawl.pipelines.ValidatePipeline": 200,
    "newsfeed.crawl.pipelines.DedupePipeline": 300,
    "newsfeed.crawl.pipelines.StorePipeline": 400,
}

# The crawl's one Store connection: reads for the spider, the store pipeline's writes, and
# the close hook that saves what only a finished run may claim (newsfeed.crawl.state).
EXTENSIONS = {
    # MEMUSAGE_LIMIT_MB on the crawl's own peak memory, not on one inherited from whoever
    # started it (scrapy's MemoryUsage reads ru_maxrss)
    "scrapy.extensions.memusage.MemoryUsage": None,
    "newsfeed.crawl.extensions.OwnMemoryUsage": 0,
    # the crawl's one store connection and close hook (validators, completed paginations)
    "newsfeed.crawl.state.CrawlState": 0,
    # claims the portals when the spider opens: a claimed portal closes it as "locked"
    "newsfeed.crawl.extensions.PortalLockExtension": 10,
    # the crawl report at spider close, after CrawlState's hook (connected in this order);
    # named, not imported: it is the jobs layer's, above the crawl
    "newsfeed.jobs.CrawlReportExtension": 20,
}

# Local crawls (replay, the demo portal, tests) need no politeness delays.
LOCAL_OVERRIDES: dict[str, object] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "RETRY_TIMES": 0,
}
