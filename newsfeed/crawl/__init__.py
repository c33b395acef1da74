"""Crawling: the runner, Scrapy settings, the one spider, pipelines and WARC record/replay."""
