"""The ``newsfeed`` command line (DESIGN.md §2). Thin: every command calls library functions."""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import logging
import os
import sqlite3
import sys
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsfeed import USER_AGENT, __version__
from newsfeed.config import LOG_LEVELS, Config, ConfigError, config_file, load_config
from newsfeed.extraction.html import looks_like_html
from newsfeed.items import REQUIRED_FIELDS
from newsfeed.portals import Portal, Registry
from newsfeed.store.dialect import db_errors
from newsfeed.store.errors import StoreFailure, explain
from newsfeed.store.locks import PortalLockedError

if TYPE_CHECKING:
    from newsfeed.crawl.progress import ProgressLine

logger = logging.getLogger("newsfeed")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; cron should just try next time
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C


class LockedError(RuntimeError):
    """Another ``newsfeed run`` holds the lock."""


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock; released by the kernel if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LockedError(f"another newsfeed run is in progress (pid {holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def _config(args: argparse.Namespace) -> Config:
    return load_config(
        {
            "feeds_dir": getattr(args, "feeds_dir", None),
            "var_dir": getattr(args, "var_dir", None),
            "base_url": getattr(args, "base_url", None),
            "log_level": getattr(args, "log_level", None),
            "database_url": getattr(args, "database_url", None),
        }
    )


def _select(registry: Registry, keys: Sequence[str]) -> list[Portal]:
    return [registry.get(k) for k in keys] if keys else list(registry)


def _setting_args(args: argparse.Namespace) -> dict[str, str] | None:
    """The ``-s NAME=VALUE`` Scrapy settings; None (said in one line) when one is malformed."""
    from newsfeed.crawl.runner import SettingArgError, parse_setting_args

    try:
        return parse_setting_args(getattr(args, "settings", None) or [])
    except SettingArgError as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return None


def cmd_crawl(args: argparse.Namespace) -> int:
    from newsfeed.jobs import run_crawl
    from newsfeed.monitor.report import format_table

    overrides = _setting_args(args)
    if overrides is None:
        return EXIT_USAGE
    config = _config(args)
    registry = Registry()
    portals = _select(registry, args.portals)
    if args.category is not None:
        portals = [p for p in portals if any(c.key == args.category for c in p.categories)]
        if not portals:
            which = ", ".join(args.portals) if args.portals else "any portal"
            print(
                f"newsfeed: unknown category {args.category!r} for {which}; "
                "`newsfeed portals` lists each portal's categories",
                file=sys.stderr,
            )
            return EXIT_USAGE
    replay = Path(args.replay) if args.replay else None
    if replay is not None and (problem := _replay_problem(replay)):
        print(f"newsfeed: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if problem := _unwritable(config.var_dir):
        print(f"newsfeed: {problem}", file=sys.stderr)
        return EXIT_FAILED
    progress = _progress_line(args, len(portals))
    try:
        report = run_crawl(
            portals,
            config,
            registry=registry,
            category=args.category,
            replay=replay,
            record=Path(args.record) if args.record else None,
            overrides=overrides,
            progress=progress,
        )
    except PortalLockedError as exc:
        print(f"newsfeed: {exc}; exiting", file=sys.stderr)
        return EXIT_LOCKED
    _announce(config, report)
    if _summary_wanted(args):
        print(format_table(report))
        print(f"report: {config.reports_dir / (report['run_id'] + '.json')}")
    return _crawl_exit(report)


def cmd_build(args: argparse.Namespace) -> int:
    from newsfeed.jobs import build_feeds

    config = _config(args)
    files = build_feeds(config)
    print(f"wrote {len(files)} files into {config.feeds_dir}/")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from newsfeed.jobs import build_feeds, run_crawl
    from newsfeed.monitor.report import format_table

    overrides = _setting_args(args)
    if overrides is None:
        return EXIT_USAGE
    config = _config(args)
    registry = Registry()
    # before the crawl: finding out at build time would throw the whole crawl's work away
    if problem := _unwritable(config.feeds_dir, config.var_dir):
        print(f"newsfeed: {problem}", file=sys.stderr)
        return EXIT_FAILED
    portals = _select(registry, args.portals)
    progress = _progress_line(args, len(portals))
    try:
        with run_lock(config.lock_path):
            report = run_crawl(
                portals, config, registry=registry, overrides=overrides, progress=progress
            )
            files = build_feeds(config, registry)
    except (LockedError, PortalLockedError) as exc:
        # not a failure: the run in progress does the work; cron should not mail it
        if args.verbose:
            print(f"newsfeed: {exc}; exiting", file=sys.stderr)
        return EXIT_LOCKED
    _announce(config, report)
    if _summary_wanted(args):
        print(format_table(report))
        print(f"wrote {len(files)} files into {config.feeds_dir}/")
    return _crawl_exit(report)


def _replay_problem(replay: Path) -> str | None:
    from newsfeed.crawl.warc import not_a_warc

    if not replay.is_file():
        return f"no such WARC file: {replay}"
    return not_a_warc(replay)


def _unwritable(*folders: Path) -> str | None:
    """The first folder files cannot be written into, as one line with what to do."""
    from newsfeed.files import unwritable

    for folder in folders:
        if problem := unwritable(folder):
            return f"{problem}; make it writable or choose another folder in newsfeed.toml"
    return None


PROGRESS_ENV = "NEWSFEED_PROGRESS"
_PROGRESS_OFF = ("0", "false", "no", "off")
_PROGRESS_ON = ("", "1", "true", "yes", "on")


def _progress_line(args: argparse.Namespace, portals: int) -> ProgressLine | None:
    """The live progress line of a crawl, for a person: only when stderr is a terminal that
    can redraw a line, unless ``--no-progress`` or ``NEWSFEED_PROGRESS=0``. Under cron, in a
    pipe or a test: None, and stderr gets exactly what it got without it."""
    value = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if value not in _PROGRESS_OFF + _PROGRESS_ON:
        raise ConfigError(
            f"{PROGRESS_ENV}={os.environ[PROGRESS_ENV]}: use 0 (no progress line) or 1"
            " (a progress line on a terminal)"
        )
    if getattr(args, "no_progress", False) or value in _PROGRESS_OFF:
        return None
    if not sys.stderr.isatty() or os.environ.get("TERM", "") in ("dumb", "unknown"):
        return None
    from newsfeed.crawl.progress import ProgressLine

    return ProgressLine(portals)


def _summary_wanted(args: argparse.Namespace) -> bool:
    """The table on stdout only for a person (a terminal) or when asked: cron mails stdout."""
    return bool(getattr(args, "summary", False)) or sys.stdout.isatty()


def _announce(config: Config, report: Mapping[str, Any]) -> None:
    """One stderr line per portal whose status changed for the worse, or recovered; one for
    the machine when it reached no portal at all (:func:`~newsfeed.monitor.state.announce_run`)."""
    from newsfeed.monitor.state import announce_run
    from newsfeed.store.db import Store

    with Store(config.store_url) as store:
        for line in announce_run(store, report, config.var_dir):
            print(line, file=sys.stderr)


def _crawl_exit(report: Mapping[str, Any]) -> int:
    """0 when the crawl ran (the portals' health is `check`'s business); 128 + the signal
    when SIGINT (130) or SIGTERM (143) stopped it."""
    signum = report.get("signal")
    return 128 + int(signum) if signum else EXIT_OK


def _read_page(source: str) -> tuple[bytes, str, str | None]:
    path = Path(source)
    if path.is_file():
        return path.read_bytes(), path.resolve().as_uri(), None
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), response.geturl(), response.headers.get("Content-Type")
    raise FileNotFoundError(f"no such file, and not an http(s) URL: {source}")


def cmd_extract(args: argparse.Namespace) -> int:
    from newsfeed.platforms.extract import extract_listing, extract_page

    registry = Registry()
    source = args.listing or args.source
    if source is None or (args.listing and args.source):
        print("newsfeed: extract needs one FILE_OR_URL, or --listing PAGE", file=sys.stderr)
        return EXIT_USAGE
    if args.url and not urlsplit(args.url).scheme:
        print(
            f"newsfeed: --url {args.url} has no scheme; write it as the browser shows it, "
            f"e.g. https://{args.url}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        body, fetched_url, content_type = _read_page(source)
    except (OSError, ValueError) as exc:
        print(f"newsfeed: cannot read {source}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not looks_like_html(body, content_type):
        print(f"newsfeed: {source} is not an HTML page", file=sys.stderr)
        return EXIT_FAILED
    portal = registry.get(args.portal) if args.portal else None
    if args.listing:
        listing = extract_listing(
            body,
            args.url or fetched_url,
            portal=portal,
            registry=registry,
            content_type=content_type,
        )
        json.dump(listing, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        if not listing["items"]:
            print(
                f"newsfeed: warning: no article links found on {source} "
                f"(platform {listing['platform']['used']}, generic fallback included)",
                file=sys.stderr,
            )
        return EXIT_OK
    article = extract_page(
        body,
        args.url or fetched_url,
        portal=portal,
        registry=registry,
        content_type=content_type,
    )
    how = f"platform {portal.platform}" if portal else "the portal's platform or generic rules"
    if not article.title or not article.body_text:
        # an Article without a title or a body is not an article: no JSON to mistake for one
        print(
            f"newsfeed: no article found in {source} with {how} "
            "(is it an article page, or does the profile need --portal?)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    json.dump(article.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    missing = [name for name in REQUIRED_FIELDS if not getattr(article, name)]
    if missing:
        print(
            f"newsfeed: warning: no {', '.join(missing)} found with {how}; "
            "is this an article page (or does the profile need --portal)?",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_fixture_record(args: argparse.Namespace) -> int:
    """Save one page of a portal as a fixture to review (newsfeed/fixtures.py)."""
    from newsfeed.fixtures import FixtureError, record_fixture

    portal = Registry().get(args.portal)
    replay = Path(args.replay) if args.replay else None
    if replay is not None and (problem := _replay_problem(replay)):
        print(f"newsfeed: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        recorded = record_fixture(
            portal,
            args.url,
            root=Path(args.into),
            name=args.name,
            replay=replay,
            listing=args.listing,
            force=args.force,
        )
    except FixtureError as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for path in (recorded.page, recorded.meta, recorded.expected):
        print(f"wrote {path}")
    if recorded.missing:
        print(
            f"newsfeed: warning: no {', '.join(recorded.missing)} found with platform "
            f"{portal.platform}; fix the profile or the platform before committing",
            file=sys.stderr,
        )
    print(f'review {recorded.expected} field by field, then set "reviewed": true in the meta')
    return EXIT_OK


def cmd_portals(args: argparse.Namespace) -> int:
    registry = Registry()
    if args.json:
        json.dump([p.to_dict() for p in registry], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    # status: verified (saved pages checked), evidence (platform shown by public code or
    # pages), unknown (the first live run must tell)
    for portal in registry:
        categories = ", ".join(c.key for c in portal.categories)
        print(
            f"{portal.key:<20} {portal.platform:<13} {portal.status:<9} "
            f"{portal.base_url:<36} {categories}"
        )
    for problem in registry.problems:  # a broken user profile: named, the others still listed
        print(f"skipped profile {problem}")
    return EXIT_OK


def _latest_report(config: Config) -> dict[str, Any] | None:
    from newsfeed.store.db import Store

    if not config.database_url and not config.store_path.exists():
        return None
    with Store(config.store_url) as store:
        reports = store.reports(limit=1)
    return reports[0] if reports else None


def cmd_report(args: argparse.Namespace) -> int:
    from newsfeed.monitor.report import format_table

    config = _config(args)
    report = _latest_report(config)
    if report is None:
        print("newsfeed: no crawl report yet; run `newsfeed crawl` first", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(report))
        print(f"report: {config.reports_dir / (str(report['run_id']) + '.json')}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Monitoring plugin: one line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
    from datetime import UTC, datetime, timedelta

    from newsfeed.monitor.checks import EXIT_CODES, check_line
    from newsfeed.monitor.state import configured_view
    from newsfeed.store.db import Store
    from newsfeed.store.dialect import db_errors

    config = _config(args)
    registry = Registry()
    now = datetime.now(UTC)
    errors: tuple[type[BaseException], ...] = (OSError, ValueError, RuntimeError, *db_errors())
    try:
        view = everyone = None
        if config.database_url or config.store_path.exists():
            with Store(config.store_url) as store:
                view = configured_view(store, registry, config, now=now, only=args.portal)
                if args.portal:  # whether the machine reaches any portal is not one's to say
                    everyone = configured_view(store, registry, config, now=now)
    except errors as exc:  # a plugin answers UNKNOWN, not a trace
        print(f"NEWSFEED UNKNOWN - cannot read the store: {exc}")
        return 3
    if args.portal and view is None:
        known = args.portal in {p.key for p in registry}
        what = "was never crawled" if known else "is not a known portal (`newsfeed portals`)"
        print(f"NEWSFEED UNKNOWN - {args.portal} {what}")
        return 3
    code, line = check_line(
        view,
        now=now,
        max_age=timedelta(hours=config.stale_after_hours),
        critical_age=timedelta(hours=config.stale_critical_hours),
        every_portal=everyone["portals"] if everyone else None,
    )
    if registry.problems and not args.portal:
        code, line = _with_skipped_profiles(code, line, registry.problems)
    if args.json:
        status = next(s for s, c in EXIT_CODES.items() if c == code)
        portals_out = {
            key: {
                "status": entry.get("status"),
                "finished": entry.get("finished"),
                "last_success": entry.get("last_success"),
                "checks": entry.get("checks", []),
            }
            for key, entry in (view or {}).get("portals", {}).items()
        }
        out = {"status": status, "exit": code, "line": line, "portals": portals_out}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(line)
    return code


def _with_skipped_profiles(code: int, line: str, problems: Sequence[str]) -> tuple[int, str]:
    """A broken user profile is a portal nobody watches: at least a WARNING, named briefly."""
    shown = "; ".join(problems[:2]) + (
        f"; and {len(problems) - 2} more" if len(problems) > 2 else ""
    )
    what = "profile" if len(problems) == 1 else "profiles"
    if code == 0:
        line = line.replace("NEWSFEED OK", "NEWSFEED WARNING", 1)
    text, bar, perfdata = line.partition(" | ")
    return max(code, 1), f"{text} - {len(problems)} {what} skipped: {shown[:600]}{bar}{perfdata}"


def cmd_store(args: argparse.Namespace) -> int:
    """``store export [FILE]``, ``store import FILE``, ``store migrate``: see store.transfer."""
    from newsfeed.store.db import Store
    from newsfeed.store.dialect import db_errors, redact
    from newsfeed.store.migrations import SchemaTooNewError, store_version
    from newsfeed.store.transfer import TransferError, export_store, import_store

    if args.action == "reindex":
        return cmd_store_reindex(args)
    config = _config(args)
    where = redact(config.store_url)
    errors: tuple[type[BaseException], ...] = (
        TransferError,
        SchemaTooNewError,
        OSError,
        *db_errors(),
    )
    try:
        if args.action == "export":
            if not config.database_url and not config.store_path.exists():
                print(f"newsfeed: no store at {where}", file=sys.stderr)
                return EXIT_FAILED
            with Store(config.store_url) as store:
                if args.file in (None, "-"):
                    counts = export_store(store, sys.stdout)
                else:
                    out = Path(args.file)
                    tmp = out.with_name(out.name + ".tmp")
                    with tmp.open("w", encoding="utf-8") as handle:
                        counts = export_store(store, handle)
                    tmp.replace(out)  # never a half-written export under the asked name
            print(f"exported {sum(counts.values())} rows from {where}", file=sys.stderr)
        elif args.action == "import":
            if args.file is None:
                print("newsfeed: store import needs a FILE (or - for stdin)", file=sys.stderr)
                return EXIT_USAGE
            with Store(config.store_url) as store:
                if args.file == "-":
                    counts = import_store(store, sys.stdin)
                else:
                    with Path(args.file).open(encoding="utf-8") as handle:
                        counts = import_store(store, handle)
            print(f"imported {sum(counts.values())} rows into {where}", file=sys.stderr)
        else:
            with Store(config.store_url) as store:
                print(f"{where}: {store.backend} store at schema version {store_version(store.db)}")
    except errors as exc:
        print(f"newsfeed: store {args.action}: {exc}".splitlines()[0], file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_schedule(args: argparse.Namespace) -> int:
    """One crawl job per portal over scrapyd nodes, then the feeds (see newsfeed.fleet)."""
    from newsfeed.fleet import merged_report, schedule_portals
    from newsfeed.jobs import build_feeds
    from newsfeed.monitor.metrics import write_metrics

    config = _config(args)
    if not config.database_url:
        print(
            "newsfeed: schedule needs the shared store: set database_url"
            " (NEWSFEED_DATABASE_URL or --database-url) to the nodes' PostgreSQL",
            file=sys.stderr,
        )
        return EXIT_USAGE
    registry = Registry()
    portals = [p.key for p in _select(registry, args.portals)]
    outcomes = schedule_portals(
        portals,
        args.scrapyd,
        store_url=config.store_url,
        project=args.project,
        slots=args.slots,
        say=lambda line: print(line, flush=True),
    )
    failed = [o for o in outcomes if o.status == "failed"]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "warning", "critical")}
    print(
        f"{len(outcomes)} portals: {counts['ok']} ok, {counts['warning']} warning,"
        f" {counts['critical']} critical, {sum(o.status == 'locked' for o in outcomes)} locked"
        f" (crawled elsewhere), {len(failed)} failed"
    )
    merged = merged_report(outcomes)
    if merged["portals"]:
        try:
            write_metrics(merged, config.var_dir / "metrics" / "newsfeed.prom")
        except OSError as exc:
            print(f"newsfeed: cannot write metrics: {exc}", file=sys.stderr)
    if not args.no_build:
        files = build_feeds(config, registry)
        print(f"wrote {len(files)} files into {config.feeds_dir}/")
    for outcome in failed:
        print(f"newsfeed: {outcome.portal}: {outcome.message}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from newsfeed.web.serve import serve_forever

    config = _config(args)
    try:
        serve_forever(config.feeds_dir, host=args.host, port=args.port)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        print(
            f"newsfeed: cannot listen on {args.host}:{args.port}: {exc.strerror}; "
            "is another server using that port? choose another with --port",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _positive(value: str) -> int:
    """A count of 1 or more for argparse: a usage error (exit 2) otherwise."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not 1 or more")
    return number


def _port(value: str) -> int:
    """A TCP port for argparse: a usage error (exit 2) outside 1-65535."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (1-65535)")
    return port


def cmd_demo(args: argparse.Namespace) -> int:
    from newsfeed.demo.run import run_demo

    return run_demo(
        _config(args),
        serve=not args.no_serve,
        host=args.host,
        port=args.port,
        base_url=args.base_url,
    )


def cmd_watch_list(args: argparse.Namespace) -> int:
    config = _config(args)
    if args.json:
        json.dump([w.to_dict() for w in config.watches], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not config.watches:
        print(f"no watch yet in {config_file()}; add one with `newsfeed watch add`")
    for watch in config.watches:
        scope = [*watch.provinces, *watch.portals, *(f"topic:{t}" for t in watch.topics)]
        print(
            f"{watch.key:<24} {watch.name:<28} {watch.query}"
            + (" [fold]" if watch.fold else "")
            + (f"  ({', '.join(scope)})" if scope else "")
        )
    return EXIT_OK


def cmd_watch_add(args: argparse.Namespace) -> int:
    from newsfeed.config import Watch, add_watch, check_watch_key
    from newsfeed.feeds.watch import check_watch

    _config(args)  # the file must load before it is edited
    watch = Watch(
        key=check_watch_key(args.key),
        name=(args.name or args.query).strip(),
        query=args.query.strip(),
        provinces=tuple(args.province or ()),
        portals=tuple(args.portal or ()),
        topics=tuple(args.topic or ()),
        fold=args.fold,
    )
    check_watch(watch, list(Registry()))
    path = config_file()
    add_watch(path, watch)
    print(f"added watch {watch.key!r} to {path}; `newsfeed build` writes feeds/watch/{watch.key}.*")
    return EXIT_OK


def cmd_watch_remove(args: argparse.Namespace) -> int:
    from newsfeed.config import remove_watch

    _config(args)
    path = config_file()
    removed = remove_watch(path, args.key)
    print(f"removed watch {removed.key!r} ({removed.name}) from {path}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from datetime import datetime

    from newsfeed.config import Watch
    from newsfeed.feeds.watch import check_watch, watch_query, watch_scope
    from newsfeed.store import fulltext
    from newsfeed.store.db import Store
    from newsfeed.timezone import LOCAL_TZ

    config = _config(args)
    watch = Watch(
        key="search",
        name="search",
        query=args.query,
        provinces=tuple(args.province or ()),
        portals=tuple(args.portal or ()),
        fold=args.fold,
    )
    portals = list(Registry())
    check_watch(watch, portals, where="search")
    query = watch_query(watch)
    scope = watch_scope(watch, portals)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(f"newsfeed: --since {args.since!r}: give a date, YYYY-MM-DD", file=sys.stderr)
            return EXIT_USAGE
        if since.tzinfo is None:  # a date or time as printed: local (+07:00), as feeds say
            since = since.replace(tzinfo=LOCAL_TZ)
    if not config.database_url and not config.store_path.exists():
        print("newsfeed: no store yet; run `newsfeed crawl` first", file=sys.stderr)
        return EXIT_FAILED
    with Store(config.store_url) as store:
        fulltext.ensure_current(store.db)
        hits = fulltext.search(
            store.db, query, limit=args.limit, order="rank", portals=scope.portals, since=since
        )
        rows = []
        for hit in hits:
            stored = store.get(hit.guid)
            if stored is not None:
                rows.append((hit, stored.article))
    if args.json:
        out = [
            {
                "guid": a.guid,
                "portal": a.portal,
                "title": a.title,
                "url": a.url,
                "published": a.published,
                "in_title": hit.in_title,
                "field": hit.passage.field,
                "snippet": hit.passage.text,
                "snippet_marked": hit.passage.marked(),
            }
            for hit, a in rows
        ]
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not rows:
        print(f"no article matches {query.text!r}")
    for hit, a in rows:
        print(f"{(a.published or '')[:16]:<16}  {a.portal or '-'}  {a.title}")
        print(f"    {a.url}")
        print(f"    {hit.passage.marked()}")
    return EXIT_OK


def cmd_store_reindex(args: argparse.Namespace) -> int:
    import time

    from newsfeed.store import fulltext
    from newsfeed.store.db import Store

    config = _config(args)
    start = time.monotonic()
    with Store(config.store_url) as store:
        count = fulltext.reindex(store.db)
    print(f"indexed {count} articles in {time.monotonic() - start:.1f} s")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfeed",
        description="Feeds for Vietnamese provincial government portals.",
    )
    parser.add_argument("--version", action="version", version=f"newsfeed {__version__}")
    parser.add_argument("--feeds-dir", help="feeds folder (default ./feeds)")
    parser.add_argument("--var-dir", help="store, reports and lock (default ./var)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR (default WARNING)")
    parser.add_argument(
        "--database-url", help="PostgreSQL store, postgresql://user@host/db (default: SQLite)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="crawl every portal, then build the feeds (for cron)")
    p.add_argument("portals", nargs="*", metavar="PORTAL")
    p.add_argument("--summary", action="store_true", help="print the table even off a terminal")
    p.add_argument("--verbose", action="store_true", help="say so when another run holds the lock")
    _add_progress_arg(p)
    p.add_argument("--base-url", help="public URL of the feeds folder")
    _add_setting_arg(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("crawl", help="crawl portals into the store and write a crawl report")
    p.add_argument("portals", nargs="*", metavar="PORTAL")
    p.add_argument("--summary", action="store_true", help="print the table even off a terminal")
    p.add_argument("--category", help="only this category key")
    p.add_argument("--replay", metavar="WARC", help="answer every request from a WARC file")
    p.add_argument("--record", metavar="WARC", help="record what was fetched into a WARC file")
    _add_progress_arg(p)
    _add_setting_arg(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("build", help="write all feeds from the store")
    p.add_argument("--base-url", help="public URL of the feeds folder")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("extract", help="print one page's Article (or --listing) as JSON")
    p.add_argument("source", metavar="FILE_OR_URL", nargs="?")
    p.add_argument(
        "--listing",
        metavar="PAGE",
        help="a listing or home page (file or URL): print its platform, items and next page",
    )
    p.add_argument("--url", help="the page's URL, when SOURCE is a saved file")
    p.add_argument("--portal", help="portal key (default: found by the URL's host)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("fixture", help="test fixtures from real pages")
    fixture = p.add_subparsers(dest="fixture_command", required=True, metavar="ACTION")
    f = fixture.add_parser("record", help="save a page, its metadata and its extraction")
    f.add_argument("portal", metavar="KEY", help="portal key")
    f.add_argument("url", metavar="URL", help="the page's URL")
    f.add_argument("--replay", metavar="WARC", help="take the page from a WARC, not the network")
    f.add_argument("--listing", action="store_true", help="a category page, not an article")
    f.add_argument("--name", help="file name stem (default: from the URL)")
    f.add_argument("--into", default="tests/fixtures", help="fixtures folder (tests/fixtures)")
    f.add_argument("--force", action="store_true", help="record over an existing fixture")
    f.set_defaults(func=cmd_fixture_record)

    p = sub.add_parser("portals", help="list known portals")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_portals)

    p = sub.add_parser("report", help="the latest crawl report")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("check", help="monitoring plugin: exit 0 OK, 1 WARNING, 2 CRITICAL")
    p.add_argument("--portal", metavar="KEY", help="only this portal (one service per portal)")
    p.add_argument("--json", action="store_true", help="every portal's status and checks")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "store", help="export / import the store as JSON lines, or upgrade its schema"
    )
    p.add_argument("action", choices=("export", "import", "migrate", "reindex"))
    p.add_argument("file", nargs="?", metavar="FILE", help="JSON lines file; - or none: stdio")
    p.set_defaults(func=cmd_store)

    p = sub.add_parser(
        "schedule", help="one crawl job per portal over scrapyd nodes, then build the feeds"
    )
    p.add_argument("portals", nargs="*", metavar="PORTAL")
    p.add_argument(
        "--scrapyd",
        action="append",
        required=True,
        metavar="URL",
        help="a scrapyd node, e.g. http://crawl1:6800/ (repeat for each node)",
    )
    p.add_argument("--project", default="newsfeed", help="scrapyd project (default newsfeed)")
    p.add_argument(
        "--slots",
        type=_positive,
        metavar="N",
        help="at most N jobs at once per node (default: as many as each node takes: one more"
        " whenever none of its jobs is waiting, daemonstatus.json)",
    )
    p.add_argument("--no-build", action="store_true", help="do not build the feeds after")
    p.add_argument("--base-url", help="public URL of the feeds folder")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("serve", help="serve the feeds folder over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8080, help="1-65535 (default 8080)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("search", help="the newest articles that match a query, with a snippet")
    p.add_argument("query", metavar="QUERY", help='words, "phrases", OR, -word, prefix*')
    p.add_argument("--portal", action="append", metavar="KEY", help="only this portal (repeat)")
    p.add_argument("--province", action="append", metavar="P", help="only this province")
    p.add_argument("--since", metavar="DATE", help="only articles of this date or later")
    p.add_argument("--fold", action="store_true", help="match without diacritics (đ = d)")
    p.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("watch", help="watches: a feed for a name or subject across portals")
    watch = p.add_subparsers(dest="watch_command", required=True, metavar="ACTION")
    w = watch.add_parser("list", help="the watches of newsfeed.toml")
    w.add_argument("--json", action="store_true")
    w.set_defaults(func=cmd_watch_list)
    w = watch.add_parser("add", help="add a [[watch]] to newsfeed.toml")
    w.add_argument("key", metavar="KEY", help="ASCII snake_case: the feed is watch/KEY")
    w.add_argument("query", metavar="QUERY", help='words, "phrases", OR, -word, prefix*')
    w.add_argument("--name", help="the feed's title (default: the query)")
    w.add_argument("--province", action="append", metavar="P", help="only this province")
    w.add_argument("--portal", action="append", metavar="KEY", help="only this portal")
    w.add_argument("--topic", action="append", metavar="T", help="only this topic")
    w.add_argument("--fold", action="store_true", help="match without diacritics (đ = d)")
    w.set_defaults(func=cmd_watch_add)
    w = watch.add_parser("remove", help="remove a [[watch]] from newsfeed.toml")
    w.add_argument("key", metavar="KEY")
    w.set_defaults(func=cmd_watch_remove)

    from newsfeed.probing import add_parsers as add_probe_parsers

    add_probe_parsers(sub)  # probe URL, discover PORTAL

    p = sub.add_parser(
        "demo",
        help="the whole pipeline offline against a bundled demo portal, into ./var/demo/feeds,"
        " served until Ctrl-C",
    )
    p.add_argument(
        "--base-url", help="public URL of the feeds folder (default: where they are served)"
    )
    p.add_argument(
        "--no-serve", action="store_true", help="build the demo feeds and exit (do not serve)"
    )
    p.add_argument("--host", default="127.0.0.1", help="serve on this address (127.0.0.1)")
    p.add_argument(
        "--port", type=_port, default=8080, help="serve on this port (8080; a free one if taken)"
    )
    p.set_defaults(func=cmd_demo)
    return parser


def _add_progress_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no live progress line on a terminal (also NEWSFEED_PROGRESS=0; never shown"
        " off a terminal)",
    )


def _add_setting_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting, as `scrapy crawl -s` takes it (repeatable)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in {"crawl", "run", "demo"}:
        # crawls log through Scrapy's handler, configured from the same level
        level = (args.log_level or "WARNING").upper()
        logging.basicConfig(
            level=level if level in LOG_LEVELS else "WARNING",
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    try:
        _config(args)  # a setting that cannot be used is bad usage, before anything runs
    except ConfigError as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result: int = args.func(args)
        # what is still buffered goes now, inside this try: flushed at exit, a closed pipe
        # would print "Exception ignored ... BrokenPipeError" and exit 120
        sys.stdout.flush()
    except KeyboardInterrupt:
        # Ctrl-C before a crawl's own handler was installed (while Python and Scrapy load):
        # said once, as the crawl says it, not a traceback
        print("newsfeed: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `newsfeed portals | head`: the reader has gone; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except KeyError as exc:  # unknown portal / category / platform
        print(f"newsfeed: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, sqlite3.Error, StoreFailure, *db_errors()) as exc:  # type: ignore[misc]
        # a full or read-only disk, a locked or damaged store, a PostgreSQL server gone: one
        # line, not a traceback
        config = _config(args)
        line = explain(
            exc, store=config.store_path, var_dir=config.var_dir, database=config.database_url
        )
        if line is None:
            raise
        if args.command == "check":
            # the monitoring-plugin convention: a check that cannot look is UNKNOWN
            print(f"NEWSFEED UNKNOWN - {line}")
            return 3
        print(f"newsfeed: {line}", file=sys.stderr)
        return EXIT_FAILED
    except ConfigError as exc:  # newsfeed.toml, a watch, a query
        print(f"newsfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return result
