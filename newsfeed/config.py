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

    @property
    def store_path(self) -> Path:
        return self.var_dir / "newsfeed.sqlite3"

    @property
    def reports_dir(self) -> Path:
        return self.var_dir / "reports"

    @property
    def lock_path(self) -> Path:
        return self.var_dir / "run.lock"


def _coerce(name: str, value: Any) -> Any:
    if name.endswith("_dir"):
        return Path(value)
    if name in ("item_limit", "health_after_runs"):
        return int(value)
    if name.endswith("_hours"):
        return float(value)
    return str(value)


def load_config(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """The effective configuration (see the module docstring for precedence)."""
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    names = [f.name for f in fields(Config)]
    values: dict[str, Any] = {}
    config_file = Path(environ.get("NEWSFEED_CONFIG", cwd / "newsfeed.toml"))
    if config_file.is_file():
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        values.update({k: _coerce(k, v) for k, v in data.items() if k in names})
    for name in names:
        env = environ.get(f"NEWSFEED_{name.upper()}")
        if env:
            values[name] = _coerce(name, env)
    for name, value in (flags or {}).items():
        if name in names and value is not None:
            values[name] = _coerce(name, value)
    return replace(Config(), **values)
