"""Run configuration: defaults relative to the current folder, overridable in layers.

Precedence, lowest first: built-in defaults, ``newsfeed.toml`` in the current folder (or the
file named by ``NEWSFEED_CONFIG``), environment variables ``NEWSFEED_*``, command-line flags.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    feeds_dir: Path = Path("feeds")
    """Where feeds, ``index.opml`` and ``index.html`` are written (``NEWSFEED_FEEDS_DIR``)."""
    var_dir: Path = Path("var")
    """The SQLite store, reports and the run lock (``NEWSFEED_VAR_DIR``)."""
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


class ConfigError(ValueError):
    """A setting that cannot be used; the message names where it came from and what to do."""


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
    if isinstance(result, float) and result < 0:
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
    names = [f.name for f in fields(Config)]
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
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ConfigError(
                f"{config_file}: unknown setting{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)} (known: {', '.join(names)})"
            )
        values.update({k: _coerce(k, v, f"{config_file}: {k}") for k, v in data.items()})
    for name in names:
        env = environ.get(f"NEWSFEED_{name.upper()}")
        if env:
            values[name] = _coerce(name, env, f"NEWSFEED_{name.upper()}")
    for name, value in (flags or {}).items():
        if name in names and value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return replace(Config(), **values)
