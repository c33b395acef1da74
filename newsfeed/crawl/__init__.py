"""Crawling: the runner, Scrapy settings, the one spider, pipelines, the crawl's counters
(``stats.py``) and its one Store connection (``state.py``), WARC record/replay. Nothing here
imports the monitoring: the report is built from the stats by :mod:`newsfeed.jobs`."""
