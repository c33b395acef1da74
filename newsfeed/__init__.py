"""newsfeed: RSS, Atom and JSON feeds for Vietnamese provincial government portals."""

from __future__ import annotations

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/newsfeed-vn/newsfeed"
USER_AGENT = f"newsfeed/{__version__} (+{PROJECT_URL})"
