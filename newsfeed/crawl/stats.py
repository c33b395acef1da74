"""The crawl's counters: Scrapy stats keys ``newsfeed/<portal>/<name>``.

The spider and the pipelines bump them; the crawl report (:mod:`newsfeed.monitor.report`) reads
them back per portal with the prefix removed, and the checks weigh them.
"""

from __future__ import annotations

PREFIX = "newsfeed/"


def stat(portal: str, name: str) -> str:
    """The stats key of a per-portal counter (read back by the crawl report)."""
    return f"{PREFIX}{portal}/{name}"
