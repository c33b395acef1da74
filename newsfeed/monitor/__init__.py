"""Monitoring: the crawl report, its checks and the Prometheus metrics."""
