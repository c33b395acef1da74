"""Feeds from the store: per portal and category, per portal, per topic; then the index page.

Feeds are built from the store, not from one run's items, so a feed holds the newest N articles
of its category whatever run found them. Three kinds of feed, each in RSS, Atom and JSON Feed:

* ``<portal>/<category>``: one category of one portal, for every category with articles;
* ``<portal>/all``: every article of one portal, whatever category listed it;
* ``topics/<topic>``: one topic of the shared taxonomy (``Category.topic``) across all portals.

An article has the same id in all of them, and lists the other portals' copies of it (the
store's near-duplicate clusters) as "Cũng đăng trên" / related links.

A category keyed ``all`` or a portal keyed ``topics`` would collide with these paths: the
category feed wins and the aggregate is skipped with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from newsfeed.feeds.health import health_entry
from newsfeed.feeds.render import FeedEntry, FeedSpec, Source
from newsfeed.items import Article, Link
from newsfeed.monitor.checks import CRITICAL
from newsfeed.portals import Portal, Registry
from newsfeed.portals.topics import TOPICS, topic_label
from newsfeed.store.db import Store, StoredArticle

log = logging.getLogger(__name__)

ALL_FEED = "all"
"""The stem of a portal's feed of all its categories: ``<portal>/all``."""
TOPICS_DIR = "topics"
"""The folder of the topic feeds: ``topics/<topic>``."""


def topic_anchor(topic: str) -> str:
    """The id of a topic's section in ``index.html`` (topic feeds link there)."""
    return f"topic-{topic}"


def feed_specs(
    store: Store,
    portals: Registry | Iterable[Portal],
    *,
    limit: int,
    base_url: str = "http://localhost:8080/",
    health: Mapping[str, Article] | None = None,
) -> list[FeedSpec]:
    """Every feed with at least one stored article: categories, then portals, then topics.

    ``base_url`` (the feeds folder's public URL) gives the topic feeds their home page, the
    topic's section of ``index.html``; a topic has no page on any portal. ``health``: per
    portal key, an item telling readers the portal's feed is degraded (:func:`health_items`);
    it goes into that portal's own feeds, not into the topic feeds.
    """
    health = health or {}
    categories: list[FeedSpec] = []
    aggregates: list[FeedSpec] = []
    by_topic: dict[str, list[FeedEntry]] = {}
    entries = _EntryMaker(store)
    for portal in portals:
        source = Source(
            name=portal.name,
            link=portal.base_url,
            feed=f"{portal.key}/{ALL_FEED}",
            province=portal.province,
        )
        for category in portal.categories:
            stored = store.articles(portal=portal.key, category=category.key, limit=limit)
            if not stored:
                continue
            items = entries(stored, portal)
            warning = _health_entry(health.get(portal.key))
            categories.append(
                FeedSpec(
                    path=f"{portal.key}/{category.key}",
                    title=f"{portal.name} – {category.name}",
                    description=f"{category.name} – {portal.name} ({portal.province})",
                    # A category found from the portal's menu at run time has no URL here.
                    link=category.url or portal.base_url,
                    language=portal.language,
                    portal=portal.key,
                    category=category.key,
                    topic=category.topic,
                    publisher=portal.name,
                    entries=items + warning,
                )
            )
            if category.topic:
                by_topic.setdefault(category.topic, []).extend(
                    FeedEntry(
                        article=e.article,
                        first_seen=e.first_seen,
                        changed=e.changed,
                        also_published=e.also_published,
                        categories=e.categories,
                        source=source,
                    )
                    for e in items
                )
        stored = store.articles(portal=portal.key, limit=limit)
        if stored:
            aggregates.append(
                FeedSpec(
                    path=f"{portal.key}/{ALL_FEED}",
                    title=f"{portal.name} – Tất cả tin",
                    description=f"Mọi chuyên mục – {portal.name} ({portal.province})",
                    link=portal.base_url,
                    language=portal.language,
                    portal=portal.key,
                    publisher=portal.name,
                    entries=entries(stored, portal) + _health_entry(health.get(portal.key)),
                )
            )
    for topic in sorted(by_topic, key=_topic_order):
        vi, en = topic_label(topic)
        aggregates.append(
            FeedSpec(
                path=f"{TOPICS_DIR}/{topic}",
                title=f"{vi} – các tỉnh, thành phố",
                description=f"{vi} ({en}): tin từ cổng thông tin các tỉnh, thành phố",
                link=urljoin(_folder(base_url), f"index.html#{topic_anchor(topic)}"),
                language="vi",
                topic=topic,
                publisher="newsfeed",
                entries=tuple(by_topic[topic]),
            )
        )
    taken = {spec.path for spec in categories}
    for spec in aggregates:
        if spec.path in taken:
            log.warning("feed %s is also a category feed; the aggregate is not written", spec.path)
    return categories + [spec for spec in aggregates if spec.path not in taken]


def _health_entry(article: Article | None) -> tuple[FeedEntry, ...]:
    if article is None:
        return ()
    # dated the local midnight of its day, like the article's own date
    when = datetime.fromisoformat(article.published or "")
    return (FeedEntry(article=article, first_seen=when),)


def health_items(
    health: Mapping[str, Mapping[str, Any]],
    portals: Iterable[Portal],
    *,
    base_url: str,
    day: date,
) -> dict[str, Article]:
    """Per critical portal, the day's "feed degraded" item (guid stable for the day)."""
    status_url = urljoin(_folder(base_url), "status.html")
    items: dict[str, Article] = {}
    for portal in portals:
        entry = health.get(portal.key)
        if not entry:
            continue
        item = health_entry(
            portal.key,
            {"portals": {portal.key: entry}},
            day,
            link=status_url,
            categories=[c.key for c in portal.categories],
        )
        if item is not None:
            items[portal.key] = item
    return items


def long_critical(entry: Mapping[str, Any], *, now: datetime, runs: int, hours: float) -> bool:
    """Whether a portal has been CRITICAL long enough to tell the public: ``runs`` crawls in a
    row, or ``hours`` since its first critical crawl. One failed run is not news."""
    if entry.get("status") != CRITICAL:
        return False
    if int(entry.get("critical_runs") or 0) >= runs:
        return True
    since = entry.get("critical_since")
    if not since:
        return False
    try:
        return (now - datetime.fromisoformat(str(since))).total_seconds() >= hours * 3600
    except ValueError:
        return False


class _EntryMaker:
    """Stored articles as feed entries, with the other portals' copies of each (asked once per
    article per build: an article is in several feeds)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.elsewhere: dict[str, tuple[Link, ...]] = {}

    def __call__(self, stored: Iterable[StoredArticle], portal: Portal) -> tuple[FeedEntry, ...]:
        return tuple(
            FeedEntry(
                article=s.article,
                first_seen=s.first_seen,
                changed=s.changed,
                categories=portal.category_names(s.article.categories),
                also_published=self._also_published(s.article.guid),
            )
            for s in stored
        )

    def _also_published(self, guid: str) -> tuple[Link, ...]:
        if guid not in self.elsewhere:
            self.elsewhere[guid] = tuple(self.store.also_published(guid))
        return self.elsewhere[guid]


def _topic_order(topic: str) -> tuple[int, str]:
    """Known topics in the taxonomy's order, then the others alphabetically."""
    order = list(TOPICS)
    return (order.index(topic), topic) if topic in TOPICS else (len(order), topic)


def _folder(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"
