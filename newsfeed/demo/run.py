"""``newsfeed demo``: serve the bundled demo portal on loopback, crawl it, build its feeds, and
serve them while a user looks.

Everything the demo makes stays under ``<var_dir>/demo/`` (``./var/demo/``): its own store and
its own feeds folder (``./var/demo/feeds``), so a demo never mixes with, nor is served from, a
real installation's ``./feeds``. Unless ``--no-serve``, the feeds are served on loopback, their
self links and OPML pointing at that address, and the demo portal stays up beside them so the
articles' links open too, until Ctrl-C.
"""

from __future__ import annotations

import errno
import signal
import sys
import time
from dataclasses import replace
from http.server import ThreadingHTTPServer

from newsfeed.config import Config
from newsfeed.demo import demo_profile_data
from newsfeed.demo.server import serve_demo_site
from newsfeed.portals import Registry, portal_from_dict

DEMO_DIR = "demo"
"""The demo's folder inside ``var_dir``: its store, reports and ``feeds/``."""


def demo_config(config: Config) -> Config:
    """Where the demo writes: its own store and feeds folder under ``var_dir/demo``."""
    var_dir = config.var_dir / DEMO_DIR
    return replace(config, var_dir=var_dir, feeds_dir=var_dir / "feeds", database_url="")


def run_demo(
    config: Config,
    *,
    serve: bool = True,
    host: str = "127.0.0.1",
    port: int = 8080,
    base_url: str | None = None,
) -> int:
    """Crawl the demo portal and build its feeds; then (``serve``) serve them until Ctrl-C.

    ``port``: where the feeds are served (a free one if it is taken); ``base_url``: the feeds'
    public URL, by default the serving address (``config.base_url`` when not serving).
    """
    from newsfeed.jobs import build_feeds, run_crawl
    from newsfeed.monitor.report import format_table

    config = demo_config(config)
    server = _listen(config, host, port) if serve else None
    if server is not None:
        config = replace(config, base_url=base_url or f"http://{host}:{server.server_port}/")
    elif base_url:
        config = replace(config, base_url=base_url)
    started = time.monotonic()
    try:
        with serve_demo_site(host) as portal_url:
            portal = portal_from_dict(demo_profile_data(portal_url), source="demo profile")
            registry = Registry([portal])
            print(f"demo portal serving at {portal_url}/ (Liferay 6.2 markup, loopback only)")
            report = run_crawl([portal], config, registry=registry, local=True)
            files = build_feeds(config, registry)
            elapsed = time.monotonic() - started
            print(format_table(report))
            print()
            print(f"crawled and built in {elapsed:.1f} s; store: {config.store_path}")
            print(f"feeds in {config.feeds_dir.resolve()}/ (the demo's own folder):")
            for path in sorted(files):
                print(f"  {path}")
            status = 0 if report["status"] != "critical" else 1
            if server is None:
                print("not served (--no-serve); `newsfeed demo` serves them until Ctrl-C")
                return status
            print(
                f"serving the demo feeds at {config.base_url} (subscribe to"
                f" {config.base_url}index.opml) and the demo portal; Ctrl-C stops",
                flush=True,
            )
            # the crawl's own handlers (stop the crawl cleanly) are not for serving
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                print("demo stopped")
            return status
    finally:
        if server is not None:
            server.server_close()


def _listen(config: Config, host: str, port: int) -> ThreadingHTTPServer:
    """The feeds' server, bound before the build so the feeds can name its address."""
    from newsfeed.web.serve import make_server

    try:
        return make_server(config.feeds_dir, host, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
    print(f"port {port} is taken; serving the demo on a free port", file=sys.stderr)
    return make_server(config.feeds_dir, host, 0)
