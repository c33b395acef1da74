"""Feeds from the store: one feed per portal and category that has news.

Feeds are built from the store, not from one run's items, so a feed holds the newest N articles
of its category whatever run found them.
"""

from __future__ import annotations

from pathlib import Path

from newsfeed.config import Config
from newsfeed.feeds import FeedEntry, FeedSpec, write_feeds
from newsfeed.portals import Portal, Registry
from newsfeed.store import Store


def feed_specs(store: Store, portals: Registry | list[Portal], *, limit: int) -> list[FeedSpec]:
    """A spec per (portal, category) with at least one stored article."""
    specs: list[FeedSpec] = []
    for portal in portals:
        for category in portal.categories:
            stored = store.articles(portal=portal.key, category=category.key, limit=limit)
            if not stored:
                continue
            specs.append(
                FeedSpec(
                    path=f"{portal.key}/{category.key}",
                    title=f"{portal.name} – {category.name}",
                    description=f"{category.name} – {portal.name} ({portal.province})",
                    link=category.url,
                    language=portal.language,
                    portal=portal.key,
                    category=category.key,
                    entries=tuple(
                        FeedEntry(article=s.article, first_seen=s.first_seen, changed=s.changed)
                        for s in stored
                    ),
                )
            )
    return specs


def build_feeds(config: Config, registry: Registry | None = None) -> list[Path]:
    """Write every feed and ``index.opml`` into ``config.feeds_dir``; return the files."""
    registry = registry or Registry()
    with Store(config.store_path) as store:
        specs = feed_specs(store, registry, limit=config.item_limit)
    return write_feeds(specs, config.feeds_dir, config.base_url, limit=config.item_limit)
