"""Run configuration: defaults relative to the current folder, overridable in layers.

Precedence, lowest first: built-in defaults, ``newsfeed.toml`` in the current folder (or the
file named by ``NEWSFEED_CONFIG``), environment variables ``NEWSFEED_*``, command-line flags.

Watches (``[[watch]]`` tables, a feed per subject across portals) come from the file only;
``newsfeed watch add/remove`` edit it with tomlkit so the user's comments and layout stay.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit

from newsfeed.files import atomic_write

WATCH_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
"""A watch key names its feed files (``feeds/watch/<key>.rss.xml``): ASCII snake_case."""
WATCH_FIELDS = ("key", "name", "query", "provinces", "portals", "topics", "fold")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line for the user."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Watch:
    """One ``[[watch]]``: a feed of every article that matches a query, across portals."""

    key: str
    """ASCII snake_case (``lanh_dao_da_nang``); the feed is ``feeds/watch/<key>.*``."""
    name: str
    """The feed's title, as readers show it ("Lãnh đạo Đà Nẵng")."""
    query: str
    """Words, "exact phrases", OR, -excluded, prefix* (``newsfeed.store.query``)."""
    provinces: tuple[str, ...] = ()
    """Only portals of these provinces (names as ``newsfeed portals`` prints them); all if empty."""
    portals: tuple[str, ...] = ()
    """Only these portal keys; all if empty."""
    topics: tuple[str, ...] = ()
    """Only articles listed under categories of these topics; any if empty."""
    fold: bool = False
    """Match without diacritics (names typed without accents; đ = d)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "name": self.name, "query": self.query}
        for name in ("provinces", "portals", "topics"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        if self.fold:
            data["fold"] = True
        return data


def check_watch_key(key: str) -> str:
    if not WATCH_KEY_RE.match(key):
        raise ConfigError(
            f"bad watch key {key!r}: use lower-case ASCII letters, digits and _"
            " (e.g. lanh_dao_da_nang), at most 64"
        )
    return key


def parse_watch(data: Any, where: str = "watch") -> Watch:
    """A :class:`Watch` from a TOML table; :class:`ConfigError` says what is wrong."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: each [[watch]] must be a table")
    unknown = sorted(set(data) - set(WATCH_FIELDS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown field {unknown[0]!r} (known: {', '.join(WATCH_FIELDS)})"
        )
    for name in ("key", "name", "query"):
        if not isinstance(data.get(name), str) or not str(data[name]).strip():
            raise ConfigError(f"{where}: {name!r} must be a non-empty string")
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("provinces", "portals", "topics"):
        value = data.get(name, [])
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ConfigError(f"{where}: {name!r} must be a list of strings")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: {name!r} must be a list of non-empty strings")
        lists[name] = tuple(str(v).strip() for v in value)
    fold = data.get("fold", False)
    if not isinstance(fold, bool):
        raise ConfigError(f"{where}: 'fold' must be true or false")
    return Watch(
        key=check_watch_key(str(data["key"])),
        name=str(data["name"]).strip(),
        query=str(data["query"]).strip(),
        fold=fold,
        **lists,
    )


def parse_watches(items: Any) -> tuple[Watch, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ConfigError("'watch' must be an array of tables: write each one as [[watch]]")
    watches: list[Watch] = []
    for i, item in enumerate(items):
        key = item.get("key") if isinstance(item, Mapping) else None
        watch = parse_watch(item, f"[[watch]] {key!r}" if key else f"[[watch]] number {i + 1}")
        if any(w.key == watch.key for w in watches):
            raise ConfigError(f"[[watch]] {watch.key!r} is defined twice")
        watches.append(watch)
    return tuple(watches)


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    feeds_dir: Path = Path("feeds")
    """Where feeds, ``index.opml`` and ``index.html`` are written (``NEWSFEED_FEEDS_DIR``)."""
    var_dir: Path = Path("var")
    """The SQLite store, reports and the run lock (``NEWSFEED_VAR_DIR``)."""
    profiles_dir: Path = Path("profiles")
    """The user's own portal profiles, one ``KEY.toml`` each, read after the bundled ones (a
    bundled key is replaced); ``./profiles`` is read only when it exists
    (``NEWSFEED_PROFILES_DIR``). ``newsfeed probe`` writes its drafts there."""
    base_url: str = "http://localhost:8080/"
    """Public URL of the feeds folder, for self links and OPML (``NEWSFEED_BASE_URL``)."""
    item_limit: int = 50
    """Items per feed (``NEWSFEED_ITEM_LIMIT``)."""
    log_level: str = "WARNING"
    """Log level of the crawl (``NEWSFEED_LOG_LEVEL``); INFO shows progress."""
    recheck_window_hours: float = 48
    """Fetch a known article page again only within this long after first seeing it
    (``NEWSFEED_RECHECK_WINDOW_HOURS``; 0 = never, except when its listing entry changes)."""
    recheck_every_hours: float = 6
    """...and at most once per this long (``NEWSFEED_RECHECK_EVERY_HOURS``)."""
    recheck_budget: int = 10
    """Besides: each run fetches again this many of a portal's articles of the last
    :data:`RECHECK_DAYS` days, those checked longest ago (``NEWSFEED_RECHECK_BUDGET``; 0 =
    none). At 48 runs a day (cron every 30 minutes) that re-checks every article of a portal
    publishing up to 37 a day within a week (README "Incremental crawling")."""
    stale_after_hours: float = 6
    """A portal not crawled for this long is ``stale_crawl``: WARNING
    (``NEWSFEED_STALE_AFTER_HOURS``) ..."""
    stale_critical_hours: float = 24
    """... and CRITICAL after this long (``NEWSFEED_STALE_CRITICAL_HOURS``)."""
    health_after_runs: int = 3
    """The public "feed degraded" item appears once a portal has been CRITICAL for this many
    runs in a row (``NEWSFEED_HEALTH_AFTER_RUNS``) ..."""
    health_after_hours: float = 6
    """... or for this long (``NEWSFEED_HEALTH_AFTER_HOURS``): one failed run is not news."""
    database_url: str = ""
    """A PostgreSQL store shared by several crawl machines, ``postgresql://user@host/db``
    (``NEWSFEED_DATABASE_URL``); empty: the SQLite file in ``var_dir``."""
    watches: tuple[Watch, ...] = field(default=())
    """``[[watch]]`` tables of ``newsfeed.toml``: one feed per subject (``feeds/watch/``)."""

    @property
    def store_path(self) -> Path:
        return self.var_dir / "newsfeed.sqlite3"

    @property
    def store_url(self) -> str:
        """What :class:`newsfeed.store.db.Store` opens: the database URL, else the SQLite file."""
        return self.database_url or str(self.store_path)

    @property
    def reports_dir(self) -> Path:
        return self.var_dir / "reports"

    @property
    def lock_path(self) -> Path:
        return self.var_dir / "run.lock"


def config_file(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The configuration file: ``NEWSFEED_CONFIG``, else ``newsfeed.toml`` in the folder."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("NEWSFEED_CONFIG") or (cwd or Path.cwd()) / "newsfeed.toml")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


RECHECK_DAYS = 90
"""The re-check budget covers the articles of this many last days."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_POSITIVE = {"item_limit", "health_after_runs", "stale_after_hours", "stale_critical_hours"}


def _coerce(name: str, value: Any, where: str) -> Any:
    """``value`` as the type of setting ``name``, checked; ``where``: its source, for errors."""
    default = getattr(Config(), name)
    try:
        if isinstance(default, Path):
            if not isinstance(value, str) or not value:
                raise ValueError
            result: Any = Path(value)
        elif isinstance(default, bool):
            raise ValueError
        elif isinstance(default, int):
            if isinstance(value, (bool, float)):
                raise ValueError
            result = int(value)
        elif isinstance(default, float):
            if isinstance(value, bool):
                raise ValueError
            result = float(value)
        else:
            if not isinstance(value, str):
                raise ValueError
            result = value
    except (TypeError, ValueError):
        kind = (
            "a folder path"
            if isinstance(default, Path)
            else "a whole number"
            if isinstance(default, int)
            else "a number"
            if isinstance(default, float)
            else "a string"
        )
        raise ConfigError(f"{where}: {value!r} is not {kind}") from None
    if name in _POSITIVE and result <= 0:
        raise ConfigError(f"{where}: {value!r} must be more than 0")
    if isinstance(result, (int, float)) and not isinstance(result, bool) and result < 0:
        raise ConfigError(f"{where}: {value!r} must not be negative")
    if name == "log_level":
        result = result.upper()
        if result not in LOG_LEVELS:
            raise ConfigError(f"{where}: {value!r} is not a log level ({', '.join(LOG_LEVELS)})")
    if (
        name == "database_url"
        and result
        and not result.startswith(("postgresql://", "postgres://"))
    ):
        raise ConfigError(
            f"{where}: database_url must be a PostgreSQL URL (postgresql://user@host/db);"
            " leave it empty for the SQLite store in var_dir"
        )
    if name == "base_url":
        parts = urlsplit(result)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"{where}: {value!r} is not an http(s) URL (e.g. https://feeds.example.org/vn/)"
            )
    return result


def load_config(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """The effective configuration (see the module docstring for precedence).

    Raises :class:`ConfigError` for a setting that cannot be used: an unknown key in the
    file, a value of the wrong type or out of range, a file ``NEWSFEED_CONFIG`` names that is
    not there, a file that is not TOML."""
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    names = [f.name for f in fields(Config) if f.name != "watches"]
    values: dict[str, Any] = {}
    named = environ.get("NEWSFEED_CONFIG")
    config_file = Path(named) if named else cwd / "newsfeed.toml"
    if named and not config_file.is_file():
        raise ConfigError(f"NEWSFEED_CONFIG={named}: no such file; create it or unset the variable")
    if config_file.is_file():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: not valid TOML ({exc})") from None
        unknown = sorted(set(data) - {*names, "watch"})
        if unknown:
            raise ConfigError(
                f"{config_file}: unknown setting{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)} (known: {', '.join(names)})"
            )
        values.update(
            {k: _coerce(k, v, f"{config_file}: {k}") for k, v in data.items() if k != "watch"}
        )
        values["watches"] = parse_watches(data.get("watch"))
    for name in names:
        env = environ.get(f"NEWSFEED_{name.upper()}")
        if env:
            values[name] = _coerce(name, env, f"NEWSFEED_{name.upper()}")
    for name, value in (flags or {}).items():
        if name in names and value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return replace(Config(), **values)


# -- editing the file: newsfeed watch add / remove ------------------------------------------


def add_watch(path: Path, watch: Watch) -> None:
    """Append ``watch`` to the file as a ``[[watch]]`` table (the file is made if absent).

    tomlkit keeps every comment, blank line and key order of the rest of the file, and the
    file is replaced atomically: a crash never leaves half a configuration.
    """
    document = _load_document(path)
    existing = parse_watches(tomllib.loads(document.as_string()).get("watch"))
    if any(w.key == watch.key for w in existing):
        raise ConfigError(f"a watch {watch.key!r} already exists in {path}; remove it first")
    table = tomlkit.table()
    for name, value in watch.to_dict().items():
        if isinstance(value, str) and '"' in value and "'" not in value and "\n" not in value:
            value = tomlkit.string(value, literal=True)  # query = '"đấu thầu" OR ...'
        table.add(name, value)
    table.add(tomlkit.nl())
    watches = document.get("watch")
    if watches is None:
        aot = tomlkit.aot()
        aot.append(table)
        document.add("watch", aot)
    elif isinstance(watches, tomlkit.items.AoT):
        watches.append(table)
    else:
        raise ConfigError(f"{path}: 'watch' must be an array of tables ([[watch]])")
    _save_document(path, document)


def remove_watch(path: Path, key: str) -> Watch:
    """Remove the ``[[watch]]`` keyed ``key`` from the file; the watch removed."""
    document = _load_document(path)
    watches = document.get("watch")
    if not isinstance(watches, tomlkit.items.AoT):
        raise ConfigError(f"no watch {key!r} in {path}")
    for index, table in enumerate(watches.body):
        if table.get("key") == key:
            removed = parse_watch(table.unwrap(), f"[[watch]] {key!r}")
            del watches[index]
            if not len(watches.body):
                del document["watch"]
            _save_document(path, document)
            return removed
    raise ConfigError(f"no watch {key!r} in {path}")


def _load_document(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        return tomlkit.document()
    _read_toml(path)  # the same one-line error as load_config for a broken file
    return tomlkit.parse(path.read_text(encoding="utf-8"))


def _save_document(path: Path, document: tomlkit.TOMLDocument) -> None:
    # one newline at the end: adding then removing a watch gives the file back as it was
    text = tomlkit.dumps(document).rstrip("\n") + "\n"
    parse_watches(tomllib.loads(text).get("watch"))  # what is written must load again
    atomic_write(path, text.encode("utf-8"))
