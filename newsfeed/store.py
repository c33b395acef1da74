"""The SQLite store: articles, the categories they were listed under, known URLs, reports.

One file (``var/newsfeed.sqlite3`` by default), WAL journal so a reader (the feed builder,
``newsfeed report``) never blocks a crawl and a killed process leaves a consistent database.
Every article is written in one transaction: its row, its categories and its URLs together.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from newsfeed.extraction.dates import parse_iso_date
from newsfeed.items import Article

SCHEMA_VERSION = 1
Outcome = Literal["new", "updated", "unchanged"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    guid TEXT PRIMARY KEY,
    portal TEXT,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    published TEXT,
    sort_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    data TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    changed TEXT
);
CREATE INDEX IF NOT EXISTS articles_portal ON articles (portal, sort_key);
CREATE TABLE IF NOT EXISTS article_categories (
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE,
    portal TEXT NOT NULL,
    category TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (guid, portal, category)
);
CREATE INDEX IF NOT EXISTS categories_feed ON article_categories (portal, category);
CREATE TABLE IF NOT EXISTS article_urls (
    url TEXT PRIMARY KEY,
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS url_failures (
    url TEXT PRIMARY KEY,
    portal TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failed TEXT NOT NULL,
    last_failed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    run_id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
"""

_HASHED_FIELDS = (
    "title",
    "summary",
    "published",
    "author",
    "body_text",
    "images",
    "attachments",
    "related_links",
)


def content_hash(article: Article) -> str:
    """Hash of what a reader sees; categories, URLs and fetch times are not content."""
    data = article.to_dict()
    payload = json.dumps({k: data[k] for k in _HASHED_FIELDS}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


def sort_key(published: str | None, fallback: str) -> str:
    """UTC ISO time to order articles by: published (a bare date is that day, +07:00)."""
    parsed = parse_iso_date(published)
    return parsed.value.astimezone(UTC).isoformat() if parsed else fallback


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredArticle:
    """An article as the store holds it: the merged Article and its history."""

    article: Article
    first_seen: datetime
    last_seen: datetime
    changed: datetime | None


class Store:
    """Thread-unsafe handle on the SQLite store; open one per process."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- articles -------------------------------------------------------------------------

    def upsert(self, article: Article, *, now: datetime | None = None) -> Outcome:
        """Store one article with its categories and URLs, in one transaction.

        Returns ``new``, ``updated`` (content hash changed) or ``unchanged``. Categories are a
        union over every listing the article was ever found under.
        """
        now_iso = (now or utcnow()).isoformat()
        digest = content_hash(article)
        with self.transaction() as db:
            row = db.execute(
                "SELECT content_hash, data FROM articles WHERE guid = ?", (article.guid,)
            ).fetchone()
            outcome: Outcome
            if row is None:
                outcome = "new"
                db.execute(
                    "INSERT INTO articles (guid, portal, url, canonical_url, published, sort_key,"
                    " content_hash, data, first_seen, last_seen, changed)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (
                        article.guid,
                        article.portal,
                        article.url,
                        article.canonical_url,
                        article.published,
                        sort_key(article.published, now_iso),
                        digest,
                        _dump(article),
                        now_iso,
                        now_iso,
                    ),
                )
            else:
                outcome = "unchanged" if row["content_hash"] == digest else "updated"
                if outcome == "updated":
                    db.execute(
                        "UPDATE articles SET url = ?, canonical_url = ?, published = ?,"
                        " sort_key = ?, content_hash = ?, data = ?,"
                        " last_seen = ?, changed = ? WHERE guid = ?",
                        (
                            article.url,
                            article.canonical_url,
                            article.published,
                            sort_key(article.published, now_iso),
                            digest,
                            _dump(article),
                            now_iso,
                            now_iso,
                            article.guid,
                        ),
                    )
                else:
                    db.execute(
                        "UPDATE articles SET last_seen = ? WHERE guid = ?", (now_iso, article.guid)
                    )
            for category in article.categories:
                db.execute(
                    "INSERT OR IGNORE INTO article_categories (guid, portal, category, first_seen)"
                    " VALUES (?, ?, ?, ?)",
                    (article.guid, article.portal or "", category, now_iso),
                )
            for url in {article.url, article.canonical_url}:
                db.execute(
                    "INSERT OR REPLACE INTO article_urls (url, guid) VALUES (?, ?)",
                    (url, article.guid),
                )
        return outcome

    def add_categories(self, guid: str, portal: str, categories: Sequence[str]) -> None:
        """Record that a known article is also listed under ``categories`` (no fetch needed)."""
        now_iso = utcnow().isoformat()
        with self.transaction() as db:
            for category in categories:
                # an article dropped by validation is not stored: nothing to attach to
                db.execute(
                    "INSERT OR IGNORE INTO article_categories (guid, portal, category, first_seen)"
                    " SELECT guid, ?, ?, ? FROM articles WHERE guid = ?",
                    (portal, category, now_iso, guid),
                )

    def add_url(self, url: str, guid: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO article_urls (url, guid) VALUES (?, ?)", (url, guid))

    def guid_for_url(self, url: str) -> str | None:
        row = self.db.execute("SELECT guid FROM article_urls WHERE url = ?", (url,)).fetchone()
        return None if row is None else str(row["guid"])

    def has_guid(self, guid: str) -> bool:
        row = self.db.execute("SELECT 1 FROM articles WHERE guid = ?", (guid,)).fetchone()
        return row is not None

    def get(self, guid: str) -> StoredArticle | None:
        row = self.db.execute("SELECT * FROM articles WHERE guid = ?", (guid,)).fetchone()
        return None if row is None else self._stored(row)

    def articles(
        self,
        *,
        portal: str | None = None,
        category: str | None = None,
        limit: int | None = None,
    ) -> list[StoredArticle]:
        """Articles newest first (by published, else first seen), optionally one feed's."""
        sql = "SELECT a.* FROM articles a"
        args: list[Any] = []
        where: list[str] = []
        if category is not None:
            sql += " JOIN article_categories c ON c.guid = a.guid"
            where.append("c.category = ?")
            args.append(category)
            if portal is not None:
                where.append("c.portal = ?")
                args.append(portal)
        if portal is not None:
            where.append("a.portal = ?")
            args.append(portal)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.sort_key DESC, a.guid"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [self._stored(row) for row in self.db.execute(sql, args)]

    def count(self, portal: str | None = None) -> int:
        if portal is None:
            return int(self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        row = self.db.execute("SELECT COUNT(*) FROM articles WHERE portal = ?", (portal,))
        return int(row.fetchone()[0])

    def newest_published(self, portal: str) -> str | None:
        row = self.db.execute(
            "SELECT MAX(published) FROM articles WHERE portal = ?", (portal,)
        ).fetchone()
        return None if row[0] is None else str(row[0])

    def categories_of(self, guid: str) -> tuple[str, ...]:
        rows = self.db.execute(
            "SELECT category FROM article_categories WHERE guid = ? ORDER BY category", (guid,)
        )
        return tuple(str(r[0]) for r in rows)

    def _stored(self, row: sqlite3.Row) -> StoredArticle:
        article = Article.from_dict(json.loads(row["data"]))
        article = article.replace(categories=self.categories_of(article.guid))
        return StoredArticle(
            article=article,
            first_seen=datetime.fromisoformat(row["first_seen"]),
            last_seen=datetime.fromisoformat(row["last_seen"]),
            changed=datetime.fromisoformat(row["changed"]) if row["changed"] else None,
        )

    # -- pages that failed ----------------------------------------------------------------

    def record_failure(self, url: str, portal: str, status: str) -> None:
        now_iso = utcnow().isoformat()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO url_failures"
                " (url, portal, status, attempts, first_failed, last_failed)"
                " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " status = excluded.status, attempts = attempts + 1,"
                " last_failed = excluded.last_failed",
                (url, portal, status, now_iso, now_iso),
            )

    def gone_since(self, url: str, statuses: Iterable[str]) -> datetime | None:
        """When ``url`` last answered one of ``statuses`` (e.g. 404/410), if it did."""
        row = self.db.execute(
            "SELECT status, last_failed FROM url_failures WHERE url = ?", (url,)
        ).fetchone()
        if row is None or row["status"] not in set(statuses):
            return None
        return datetime.fromisoformat(row["last_failed"])

    def forget_failure(self, url: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM url_failures WHERE url = ?", (url,))

    # -- reports --------------------------------------------------------------------------

    def save_report(self, report: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO reports (run_id, started, status, data) VALUES (?,?,?,?)",
                (
                    report["run_id"],
                    report["started"],
                    report["status"],
                    json.dumps(report, ensure_ascii=False),
                ),
            )

    def reports(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT data FROM reports ORDER BY started DESC LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]


def _dump(article: Article) -> str:
    return json.dumps(article.to_dict(), ensure_ascii=False, sort_keys=True)
