"""``newsfeed probe URL`` and ``newsfeed discover PORTAL``: the commands, over
:mod:`newsfeed.crawl.probe` and :mod:`newsfeed.crawl.discover`.

Both write draft profiles into the user's profiles folder (setting ``profiles_dir``), never over
an existing file unless ``--force``; both keep what they fetched with ``--record FILE.warc.gz``
and answer from one with ``--replay FILE.warc.gz``. Exit 0 when a site yields articles with
title, date and body, 1 when none does (the reason in one line on stderr), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsfeed.config import Config, load_config
from newsfeed.files import atomic_write
from newsfeed.portals import Portal, ProfileError, Registry

if TYPE_CHECKING:  # the crawl modules are imported by the commands: `newsfeed --help` stays quick
    from newsfeed.crawl.fetch import Fetcher
    from newsfeed.crawl.probe import ProbeResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``probe`` and ``discover`` subcommands, each calling its function below."""
    p = sub.add_parser("probe", help="what a site yields, and a draft profile for it")
    p.add_argument("url", metavar="URL", help="the site's home page, https://...")
    p.add_argument("--key", help="the profile's key (default: from the host)")
    p.add_argument("--province", help="the province (default: from the site's name)")
    _common(p)
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("discover", help="the sites a portal links to, probed, as profiles")
    p.add_argument("portal", metavar="PORTAL", help="a known portal's key")
    p.add_argument(
        "--only-subdomains",
        action="store_true",
        help="only sites below the portal's own domain (<commune>.<province>.gov.vn)",
    )
    _common(p)
    p.set_defaults(func=cmd_discover)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="write over an existing profile")
    p.add_argument("--no-write", action="store_true", help="write no profile, only report")
    p.add_argument("--record", metavar="WARC", help="keep what was fetched in a WARC file")
    p.add_argument("--replay", metavar="WARC", help="answer every request from a WARC file")
    p.add_argument("--json", action="store_true", help="the probe as JSON")


@contextmanager
def _fetcher(args: argparse.Namespace) -> Iterator[Fetcher]:
    from newsfeed.crawl.fetch import Fetcher

    fetcher = Fetcher(
        replay=Path(args.replay) if args.replay else None,
        record=Path(args.record) if args.record else None,
    )
    try:
        yield fetcher
    finally:
        if fetcher.record is not None:
            count = fetcher.save()
            print(f"recorded {count} responses into {fetcher.record}", file=sys.stderr)


def _write(
    config: Config,
    result: ProbeResult,
    *,
    force: bool,
    key: str | None = None,
    province: str | None = None,
    parent: Portal | None = None,
) -> tuple[Path | None, str]:
    """Write the draft profile; (path, what happened) — path None when not written."""
    from newsfeed.crawl.probe import draft_profile

    try:
        name, text = draft_profile(result, key=key, province=province, parent=parent)
    except ProfileError as exc:
        return None, f"no profile drafted: {exc}"
    path = config.profiles_dir / f"{name}.toml"
    if path.exists() and not force:
        return None, f"not written: {path} exists (--force replaces it)"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))
    return path, f"wrote {path}"


def cmd_probe(args: argparse.Namespace) -> int:
    from newsfeed.crawl.fetch import ReplayFileError
    from newsfeed.crawl.probe import format_table, probe_site

    config = load_config()
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        print(
            f"newsfeed: probe needs an http(s) URL such as https://camau.gov.vn/, not {args.url!r}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        with _fetcher(args) as fetcher:
            result = probe_site(args.url, fetcher, registry=Registry())
    except ReplayFileError as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(result))
    written = "not written (--no-write)"
    path: Path | None = None
    if result.categories and not args.no_write:
        path, written = _write(
            config, result, force=args.force, key=args.key, province=args.province
        )
    if not result.ok:
        print(f"newsfeed: probe failed: {result.reason}", file=sys.stderr)
        return EXIT_FAILED
    print(f"ok: {result.reason}; {written}", file=sys.stderr)
    if path is None and not args.no_write:
        return EXIT_FAILED
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    from newsfeed.crawl.discover import discover
    from newsfeed.crawl.fetch import ReplayFileError

    config = load_config()
    registry = Registry()
    portal = registry.get(args.portal)
    try:
        with _fetcher(args) as fetcher:
            found, problem = discover(
                portal, fetcher, registry=registry, only_subdomains=args.only_subdomains
            )
    except ReplayFileError as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if problem is not None:
        print(f"newsfeed: discover failed: {problem}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        out = [
            {
                "url": d.site.url,
                "name": d.site.name,
                "how": d.site.how,
                "skipped": d.skipped,
                "probe": d.result.to_dict() if d.result else None,
            }
            for d in found
        ]
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    working = 0
    for d in found:
        if d.result is None:
            line = f"skipped: {d.skipped}"
        elif not d.result.ok:
            line = f"failed: {d.result.reason}"
        else:
            working += 1
            line = "ok"
            if not args.no_write:
                _, line = _write(config, d.result, force=args.force, parent=portal)
                line = f"ok, {line}"
        if not args.json:
            print(f"{d.site.url:<40} {d.site.how:<9} {d.site.name} — {line}")
    if not found:
        print(f"newsfeed: discover: {portal.base_url} links to no other site", file=sys.stderr)
        return EXIT_FAILED
    known = sum(d.known_child for d in found)
    if not working and known:
        print(f"{known} of {len(found)} linked sites are known portals already", file=sys.stderr)
        return EXIT_OK
    if not working:
        print(
            f"newsfeed: discover: none of the {len(found)} linked sites yields articles",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"{working} of {len(found)} linked sites yield articles", file=sys.stderr)
    return EXIT_OK


__all__ = ["add_parsers", "cmd_discover", "cmd_probe"]
