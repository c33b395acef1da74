"""``newsfeed demo``: serve the bundled demo portal on loopback, crawl it, build the feeds."""

from __future__ import annotations

import time
from dataclasses import replace

from newsfeed.config import Config
from newsfeed.demo import demo_profile_data
from newsfeed.demo.server import serve_demo_site
from newsfeed.portals import Registry, portal_from_dict


def run_demo(config: Config) -> int:
    from newsfeed.jobs import build_feeds, run_crawl
    from newsfeed.monitor.report import format_table

    # The demo keeps its own store so it never mixes with a real crawl's articles.
    config = replace(config, var_dir=config.var_dir / "demo", database_url="")
    started = time.monotonic()
    with serve_demo_site() as base_url:
        portal = portal_from_dict(demo_profile_data(base_url), source="demo profile")
        registry = Registry([portal])
        print(f"demo portal serving at {base_url}/ (Liferay 6.2 markup, loopback only)")
        report = run_crawl([portal], config, registry=registry, local=True)
    files = build_feeds(config, registry)
    elapsed = time.monotonic() - started
    print(format_table(report))
    print()
    print(f"crawled and built in {elapsed:.1f} s; store: {config.store_path}")
    print(f"feeds in {config.feeds_dir.resolve()}/:")
    for path in sorted(files):
        print(f"  {path}")
    print("serve them with `newsfeed serve` and subscribe to http://127.0.0.1:8080/index.opml")
    return 0 if report["status"] != "critical" else 1
