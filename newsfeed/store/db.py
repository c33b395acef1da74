"""The store: articles, the categories they were listed under, known URLs, reports.

One SQLite file by default (``var/newsfeed.sqlite3``), WAL journal so a reader (the feed builder,
``newsfeed report``) never blocks a crawl and a killed process leaves a consistent database; or
one PostgreSQL database (``database_url``) shared by crawl processes on several machines. The
queries are the same for both (:mod:`newsfeed.store.dialect` translates); the schema and its
versions are in :mod:`newsfeed.store.migrations`.
Every article is written in one transaction: its row, its categories, its URLs and its
near-duplicate fingerprint together.

What incremental crawling keeps here (see :mod:`newsfeed.crawl.spiders.portal`):

- ``listing_state``: the title and date each category's listing last showed for an article;
  a difference means "re-check the article page";
- ``http_validators``: the ETag / Last-Modified of listing pages, sent back as
  ``If-None-Match`` / ``If-Modified-Since``; saved only by a run that finished, so a killed
  run never turns a page it did not finish into a 304 next time;
- ``category_crawls``: when each category's pagination last completed; a category that never
  completed is paginated fully instead of stopping at the first page of known articles;
- ``portal_state``: each portal's (``category = ''``) and category's latest crawl outcome,
  what ``newsfeed check``, status.html, index.html, the metrics and the health item read (see
  :mod:`newsfeed.monitor.state`): a crawl of one portal never rewrites another's;
- ``near_duplicates`` + ``near_duplicate_anchors``: MinHash sketches, their bucket keys and the
  clusters of near-duplicate articles (the same notice reposted by several portals), see
  :mod:`newsfeed.store.dedupe`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from newsfeed.extraction.dates import parse_iso_date
from newsfeed.items import Article, Link, ListingItem
from newsfeed.store import dedupe, fulltext
from newsfeed.store.dialect import Connection, Row, connect, is_database_url, redact
from newsfeed.store.migrations import GENERATION_TABLE, migrate

Outcome = Literal["new", "updated", "unchanged"]

NEAR_DUPLICATES_KEY = "near_duplicates"
"""``store_meta`` key: the :data:`dedupe.SKETCH_VERSION` every stored sketch was made with."""
_RESKETCH_BATCH = 500
"""Articles re-sketched per transaction when the sketch version changes."""

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
    return _content_hash(article.to_dict())


def _content_hash(data: Mapping[str, Any]) -> str:
    payload = json.dumps({k: data[k] for k in _HASHED_FIELDS}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


def sort_key(published: str | None, fallback: str) -> str:
    """UTC ISO time to order articles by: published (a bare date is that day, +07:00)."""
    parsed = parse_iso_date(published)
    return parsed.value.astimezone(UTC).isoformat() if parsed else fallback


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownArticle:
    """What the spider needs to decide whether to fetch a stored article's page again."""

    guid: str
    url: str
    first_seen: datetime
    last_seen: datetime
    """When the page was last fetched and stored (``unchanged`` included)."""
    listed: ListingItem | None
    """What the category's listing showed last time, or None if never recorded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    """HTTP cache validators of a listing page, as the server sent them."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedRow:
    """An article as a feed build first sees it: identity and version, not content."""

    guid: str
    content_hash: str
    first_seen: str
    changed: str | None
    sort_key: str

    COLUMNS: ClassVar[str] = "a.guid, a.content_hash, a.first_seen, a.changed, a.sort_key"
    """The columns :meth:`of_row` reads, in its order."""

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> FeedRow:
        """A row of :attr:`COLUMNS`."""
        return cls(
            guid=str(row[0]),
            content_hash=str(row[1]),
            first_seen=str(row[2]),
            changed=None if row[3] is None else str(row[3]),
            sort_key=str(row[4]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredArticle:
    """An article as the store holds it: the merged Article and its history."""

    article: Article
    first_seen: datetime
    last_seen: datetime
    changed: datetime | None


def _newest_first(
    columns: str, *, portal: str | None, category: str | None, limit: int | None
) -> tuple[str, list[Any]]:
    """The statement selecting ``columns`` of articles newest first, optionally one feed's
    (a portal, a category of it, or a category across portals), and its arguments."""
    sql = f"SELECT {columns} FROM articles a"
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
    return sql, args


class Store:
    """Thread-unsafe handle on the store; open one per process.

    ``target`` is a SQLite file (the embedded default; ``:memory:`` for tests) or a
    PostgreSQL URL (``postgresql://user@host/db``, the shared store of several crawl
    machines). Opening upgrades an older store in place (:mod:`newsfeed.store.migrations`).
    """

    def __init__(self, target: Path | str) -> None:
        self.url = str(target)
        self.path = Path(target) if not is_database_url(self.url) else Path()
        if not is_database_url(self.url) and self.url != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db: Connection = connect(self.url)
        try:
            migrate(self.db)
        except BaseException:
            self.db.close()
            raise

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.db.dialect

    def __repr__(self) -> str:
        return f"Store({redact(self.url)!r})"

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.db.transaction() as db:
            yield db

    def generation(self) -> str:
        """Which version of the feeds' data the store holds: its identity and a counter that
        every committed change to what a feed shows increases (schema step 7). Equal answers
        mean equal feeds; a copy of the store file answers the same, being the same data."""
        row = self.db.execute(f"SELECT store, n FROM {GENERATION_TABLE} WHERE id = 1").fetchone()
        return f"{row[0]}:{row[1]}"

    # -- articles -------------------------------------------------------------------------

    def upsert(self, article: Article, *, now: datetime | None = None) -> Outcome:
        """Store one article with its categories and URLs, in one transaction.

        Returns ``new``, ``updated`` (content hash changed) or ``unchanged``. Categories are a
        union over every listing the article was ever found under. A new article costs about
        ten statements (row, categories, URLs, sketch, anchors, candidates), each an indexed
        look-up or insert, so the cost does not grow with the store.
        """
        now_iso = (now or utcnow()).isoformat()
        data = article.to_dict()
        digest = _content_hash(data)
        previous: dict[str, Any] | None = None
        with self.transaction() as db:
            db.lock(f"article:{article.guid}")  # concurrent writers: one outcome per guid
            row = db.execute(
                "SELECT content_hash FROM articles WHERE guid = ?", (article.guid,)
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
                        _dump(data),
                        now_iso,
                        now_iso,
                    ),
                )
            else:
                outcome = "unchanged" if row[0] == digest else "updated"
                if outcome == "updated":
                    old = db.execute("SELECT data FROM articles WHERE guid = ?", (article.guid,))
                    previous = json.loads(old.fetchone()[0])
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
                            _dump(data),
                            now_iso,
                            now_iso,
                            article.guid,
                        ),
                    )
                else:
                    db.execute(
                        "UPDATE articles SET last_seen = ? WHERE guid = ?", (now_iso, article.guid)
                    )
            categories = tuple(dict.fromkeys(article.categories))
            if categories:
                db.execute(
                    "INSERT OR IGNORE INTO article_categories (guid, portal, category, first_seen)"
                    f" VALUES {_rows(len(categories), 4)}",
                    [
                        value
                        for category in categories
                        for value in (article.guid, article.portal or "", category, now_iso)
                    ],
                )
            urls = tuple(dict.fromkeys((article.url, article.canonical_url)))
            db.execute(
                f"INSERT OR REPLACE INTO article_urls (url, guid) VALUES {_rows(len(urls), 2)}",
                [value for url in urls for value in (url, article.guid)],
            )
            if outcome != "unchanged":
                if fulltext.is_current(db):  # else a rebuild is due and will index it
                    fulltext.index_article(db, article.guid, data, previous)
                # last: the near-duplicate lock is held from here to the commit
                self._index_near_duplicate(db, article, fresh=outcome == "new")
        return outcome

    def add_categories(
        self,
        guid: str,
        portal: str,
        categories: Sequence[str],
        *,
        listing: ListingItem | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record that a known article is also listed under ``categories`` (no fetch needed).

        ``listing`` is what those listings showed (title, date), kept to notice a change next
        run. Nothing is written for an article that is not stored (dropped by validation).
        """
        now_iso = (now or utcnow()).isoformat()
        categories = tuple(dict.fromkeys(categories))
        if not categories:
            return
        # one statement per table for all categories; the join keeps unstored guids out
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO article_categories (guid, portal, category, first_seen)"
                " SELECT a.guid, ?, c.column1, ? FROM articles a,"
                f" (VALUES {_rows(len(categories), 1)}) c WHERE a.guid = ?",
                (portal, now_iso, *categories, guid),
            )
            if listing is not None:
                db.execute(
                    "INSERT OR REPLACE INTO listing_state"
                    " (guid, category, title, published_raw, last_listed)"
                    f" SELECT a.guid, c.column1, ?, ?, ? FROM articles a,"
                    f" (VALUES {_rows(len(categories), 1)}) c WHERE a.guid = ?",
                    (listing.title, listing.published_raw, now_iso, *categories, guid),
                )

    def known(self, guid: str, category: str) -> KnownArticle | None:
        """A stored article with what ``category``'s listing last showed of it, or None."""
        row = self.db.execute(
            "SELECT a.guid, a.url, a.first_seen, a.last_seen, l.title, l.published_raw,"
            " l.guid IS NOT NULL AS listed"
            " FROM articles a LEFT JOIN listing_state l ON l.guid = a.guid AND l.category = ?"
            " WHERE a.guid = ?",
            (category, guid),
        ).fetchone()
        if row is None:
            return None
        listed = (
            ListingItem(url=row["url"], title=row["title"], published_raw=row["published_raw"])
            if row["listed"]
            else None
        )
        return KnownArticle(
            guid=row["guid"],
            url=row["url"],
            first_seen=datetime.fromisoformat(row["first_seen"]),
            last_seen=datetime.fromisoformat(row["last_seen"]),
            listed=listed,
        )

    def recheck_due(
        self, portal: str, category: str, *, first_seen_after: datetime, fetched_before: datetime
    ) -> list[tuple[str, str]]:
        """(guid, url) of ``category``'s articles first seen after ``first_seen_after`` whose
        page was last fetched before ``fetched_before``: the re-check window's due articles."""
        rows = self.db.execute(
            "SELECT a.guid, a.url FROM articles a"
            " JOIN article_categories c ON c.guid = a.guid"
            " WHERE c.portal = ? AND c.category = ? AND a.first_seen > ? AND a.last_seen < ?"
            " ORDER BY a.first_seen, a.guid",
            (portal, category, first_seen_after.isoformat(), fetched_before.isoformat()),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    def least_recently_checked(
        self, portal: str, *, published_after: datetime, checked_before: datetime, limit: int
    ) -> list[tuple[str, str, str]]:
        """(guid, url, a category) of the portal's ``limit`` articles published (or, undated,
        first seen) after ``published_after`` whose page was checked longest ago, before
        ``checked_before``: the re-check budget of one run, oldest check first."""
        if limit <= 0:
            return []
        rows = self.db.execute(
            "SELECT a.guid, a.url, (SELECT min(c.category) FROM article_categories c"
            " WHERE c.guid = a.guid) AS category FROM articles a"
            " WHERE a.portal = ? AND a.last_seen < ? AND a.sort_key > ?"
            " ORDER BY a.last_seen, a.guid LIMIT ?",
            (portal, checked_before.isoformat(), published_after.isoformat(), limit),
        )
        return [(str(r[0]), str(r[1]), str(r[2] or "")) for r in rows]

    def guid_for_url(self, url: str) -> str | None:
        row = self.db.execute("SELECT guid FROM article_urls WHERE url = ?", (url,)).fetchone()
        return None if row is None else str(row["guid"])

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
        sql, args = _newest_first("a.*", portal=portal, category=category, limit=limit)
        return [self._stored(row) for row in self.db.execute(sql, args)]

    def feed_rows(
        self,
        *,
        portal: str | None = None,
        category: str | None = None,
        limit: int | None = None,
    ) -> list[FeedRow]:
        """What :meth:`articles` would return, without the articles: enough to tell whether a
        feed changed (an article's data changes only with its content hash)."""
        sql, args = _newest_first(FeedRow.COLUMNS, portal=portal, category=category, limit=limit)
        return [FeedRow.of_row(row) for row in self.db.execute(sql, args)]

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

    def published_history(self, portal: str, limit: int) -> list[str]:
        """The newest ``limit`` published dates (ISO strings) of a portal's articles."""
        rows = self.db.execute(
            "SELECT published FROM articles WHERE portal = ? AND published IS NOT NULL"
            " ORDER BY sort_key DESC LIMIT ?",
            (portal, limit),
        )
        return [str(r[0]) for r in rows]

    def first_seen_min(self, portal: str) -> datetime | None:
        """When the store first saw any article of the portal."""
        row = self.db.execute(
            "SELECT MIN(first_seen) FROM articles WHERE portal = ?", (portal,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def published_of_new(self, portal: str, since: datetime) -> list[str | None]:
        """The published dates of the portal's articles first seen at or after ``since``."""
        rows = self.db.execute(
            "SELECT published FROM articles WHERE portal = ? AND first_seen >= ?",
            (portal, since.isoformat()),
        )
        return [r[0] for r in rows]

    def dates_since(self, portal: str, since: datetime) -> list[tuple[str | None, str]]:
        """(published, first_seen) of the portal's articles ordered after ``since`` (UTC)."""
        rows = self.db.execute(
            "SELECT published, first_seen FROM articles WHERE portal = ? AND sort_key >= ?",
            (portal, since.astimezone(UTC).isoformat()),
        )
        return [(r[0], str(r[1])) for r in rows]

    def categories_of(self, guid: str) -> tuple[str, ...]:
        rows = self.db.execute(
            "SELECT category FROM article_categories WHERE guid = ? ORDER BY category", (guid,)
        )
        return tuple(str(r[0]) for r in rows)

    def _stored(self, row: Row) -> StoredArticle:
        article = Article.from_dict(json.loads(row["data"]))
        article = article.replace(categories=self.categories_of(article.guid))
        return StoredArticle(
            article=article,
            first_seen=datetime.fromisoformat(row["first_seen"]),
            last_seen=datetime.fromisoformat(row["last_seen"]),
            changed=datetime.fromisoformat(row["changed"]) if row["changed"] else None,
        )

    # -- listing pages: conditional GET, completed paginations --------------------------

    def validators(self, url: str) -> Validators | None:
        row = self.db.execute(
            "SELECT etag, last_modified FROM http_validators WHERE url = ?", (url,)
        ).fetchone()
        return None if row is None else Validators(etag=row[0], last_modified=row[1])

    def save_validators(self, pages: Mapping[str, Validators]) -> None:
        """Remember listing pages' validators; a page without any is forgotten."""
        now_iso = utcnow().isoformat()
        with self.transaction() as db:
            for url, found in pages.items():
                if found.etag is None and found.last_modified is None:
                    db.execute("DELETE FROM http_validators WHERE url = ?", (url,))
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO http_validators (url, etag, last_modified, saved)"
                    " VALUES (?, ?, ?, ?)",
                    (url, found.etag, found.last_modified, now_iso),
                )

    def mark_complete(self, portal: str, categories: Iterable[str]) -> None:
        """Record that these categories' paginations ran to their end in this run."""
        now_iso = utcnow().isoformat()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO category_crawls (portal, category, last_complete)"
                " VALUES (?, ?, ?)",
                [(portal, category, now_iso) for category in categories],
            )

    def discovered_url(self, portal: str, category: str) -> str | None:
        """The listing URL found in the portal's menu for a category known by label only."""
        row = self.db.execute(
            "SELECT url FROM discovered_categories WHERE portal = ? AND category = ?",
            (portal, category),
        ).fetchone()
        return None if row is None else str(row[0])

    def remember_discovered(self, portal: str, category: str, url: str | None) -> None:
        """Remember (or, with ``None``, forget) a category URL found in the portal's menu."""
        with self.transaction() as db:
            if url is None:
                db.execute(
                    "DELETE FROM discovered_categories WHERE portal = ? AND category = ?",
                    (portal, category),
                )
            else:
                db.execute(
                    "INSERT OR REPLACE INTO discovered_categories (portal, category, url, found)"
                    " VALUES (?, ?, ?, ?)",
                    (portal, category, url, utcnow().isoformat()),
                )

    def completed_categories(self, portal: str) -> set[str]:
        rows = self.db.execute("SELECT category FROM category_crawls WHERE portal = ?", (portal,))
        return {str(r[0]) for r in rows}

    # -- near duplicates across portals -------------------------------------------------

    def also_published(self, guid: str) -> list[Link]:
        """The other portals' copies of the article ``guid`` (its near-duplicate cluster).

        Ordered by portal, then newest first; the article's own portal is left out, so a
        portal that reposts its own notice does not link to itself.
        """
        rows = self.db.execute(
            "SELECT a.canonical_url, json_extract(a.data, '$.title') FROM near_duplicates n"
            " JOIN near_duplicates m ON m.cluster_id = n.cluster_id AND m.guid != n.guid"
            " JOIN articles a ON a.guid = m.guid"
            " JOIN articles self ON self.guid = n.guid"
            " WHERE n.guid = ? AND a.portal IS NOT self.portal"
            " ORDER BY a.portal, a.sort_key DESC, a.guid",
            (guid,),
        )
        return [Link(url=str(r[0]), title=str(r[1] or "")) for r in rows]

    def near_duplicate_clusters(self) -> list[list[str]]:
        """Every cluster of two or more articles, as sorted guids (for reports and tests)."""
        rows = self.db.execute(
            "SELECT group_concat(guid, char(10)) FROM (SELECT cluster_id, guid"
            " FROM near_duplicates ORDER BY guid) AS members"
            " GROUP BY cluster_id HAVING count(*) > 1"
        )
        return sorted(sorted(str(r[0]).split("\n")) for r in rows)

    def index_missing_near_duplicates(self) -> int:
        """Sketch every stored article again when the stored sketches are of another version
        (or predate near-duplicate detection); how many. A no-op, one look-up, otherwise.

        Sketches of two versions cannot be compared, so the clusters are rebuilt from scratch,
        in the order the articles were first seen (as the crawls built them).
        """
        row = self.db.execute(
            "SELECT value FROM store_meta WHERE key = ?", (NEAR_DUPLICATES_KEY,)
        ).fetchone()
        if row is not None and row[0] == dedupe.SKETCH_VERSION:
            return 0
        with self.transaction() as db:
            db.execute("DELETE FROM near_duplicate_anchors")
            db.execute("DELETE FROM near_duplicates")
        guids = [
            str(r[0])
            for r in self.db.execute("SELECT guid FROM articles ORDER BY first_seen, guid")
        ]
        for start in range(0, len(guids), _RESKETCH_BATCH):
            batch = guids[start : start + _RESKETCH_BATCH]
            with self.transaction() as db:
                texts = dict(
                    db.execute(
                        "SELECT guid, json_extract(data, '$.body_text') FROM articles"
                        f" WHERE guid IN ({_marks(len(batch))})",
                        batch,
                    ).fetchall()
                )
                for guid in batch:
                    self._sketch_into(db, guid, dedupe.sketch(str(texts.get(guid) or "")))
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)",
                (NEAR_DUPLICATES_KEY, dedupe.SKETCH_VERSION),
            )
        return len(guids)

    def _index_near_duplicate(self, db: Connection, article: Article, *, fresh: bool) -> None:
        """(Re)sketch one article and join it to the cluster of its near duplicates.

        Candidates come from the anchor index (articles sharing a bucket), so the cost does
        not grow with the store. When a changed article leaves a cluster, the cluster's other
        members are re-linked among themselves: the article may have been their bridge.
        ``fresh``: the article was just inserted, so it has no sketch to remove yet.
        """
        sketch = dedupe.sketch(article.body_text)  # before the lock: other writers wait on it
        if not fresh:
            db.lock("near_duplicates")  # clusters span portals: merged by one writer at a time
            old = db.execute(
                "SELECT cluster_id FROM near_duplicates WHERE guid = ?", (article.guid,)
            ).fetchone()
            db.execute("DELETE FROM near_duplicate_anchors WHERE guid = ?", (article.guid,))
            db.execute("DELETE FROM near_duplicates WHERE guid = ?", (article.guid,))
            if old is not None:
                rest = db.execute(
                    "SELECT guid, sketch FROM near_duplicates WHERE cluster_id = ?", (old[0],)
                ).fetchall()
                db.execute(
                    "UPDATE near_duplicates SET cluster_id = guid WHERE cluster_id = ?", (old[0],)
                )
                for r in rest:
                    if r[1] is not None:
                        self._link(db, str(r[0]), dedupe.unpack(r[1]))
        self._sketch_into(db, article.guid, sketch)

    def _sketch_into(self, db: Connection, guid: str, sketch: dedupe.Sketch | None) -> None:
        """Insert ``guid``'s ``sketch`` (:func:`dedupe.sketch` of its text) and anchors (it has
        none) and link it to its cluster, under the near-duplicate lock (taken here, or
        already)."""
        db.lock("near_duplicates")
        db.execute(
            "INSERT INTO near_duplicates (guid, sketch, cluster_id) VALUES (?, ?, ?)",
            (guid, None if sketch is None else dedupe.pack(sketch), guid),
        )
        if sketch is None:  # too short to judge: never clustered
            return
        anchors = dedupe.anchors(sketch)
        db.execute(
            "INSERT OR IGNORE INTO near_duplicate_anchors (anchor, guid)"
            f" VALUES {_rows(len(anchors), 2)}",
            [value for a in anchors for value in (dedupe.to_signed(a), guid)],
        )
        self._link(db, guid, sketch)

    @staticmethod
    def _link(db: Connection, guid: str, sketch: dedupe.Sketch) -> None:
        """Merge ``guid``'s cluster with the clusters of its near duplicates.

        Two statements whatever the number of anchors and candidates: the anchors' buckets
        (each read up to one row past :data:`dedupe.BUCKET_LIMIT`, in one compound SELECT),
        then the candidates' sketches with the article's own cluster.
        """
        anchors = [dedupe.to_signed(a) for a in dedupe.anchors(sketch)]
        if db.dialect == "postgresql":
            # One array parameter: PostgreSQL plans the compound SELECT of 32 parameters
            # in 1.5-2.4 ms a run, this one in 0.6 (2026-12-07, 500 articles stored; 13 ms
            # when psycopg still prepared it, the generic plan a scan).
            rows = db.execute(
                "SELECT a.anchor, b.guid FROM unnest(?::bigint[]) AS a(anchor)"
                " CROSS JOIN LATERAL (SELECT guid FROM near_duplicate_anchors n"
                " WHERE n.anchor = a.anchor LIMIT ?) AS b",
                (anchors, dedupe.BUCKET_LIMIT + 1),
            ).fetchall()
        else:
            rows = db.execute(
                " UNION ALL ".join(
                    "SELECT * FROM (SELECT anchor, guid FROM near_duplicate_anchors"
                    f" WHERE anchor = ? LIMIT ?) AS bucket{i}"
                    for i in range(len(anchors))
                ),
                [value for anchor in anchors for value in (anchor, dedupe.BUCKET_LIMIT + 1)],
            ).fetchall()
        members: dict[int, list[str]] = {}
        for anchor, member in rows:
            members.setdefault(anchor, []).append(str(member))
        shared: dict[str, int] = {}
        for bucket_members in members.values():
            if len(bucket_members) <= dedupe.BUCKET_LIMIT:  # else a boilerplate shingle: skip
                for member in bucket_members:
                    shared[member] = shared.get(member, 0) + 1
        shared.pop(guid, None)
        others = sorted(dedupe.candidates(shared))
        if not others:
            return
        found = {
            str(r[0]): (r[1], str(r[2]))
            for r in db.execute(
                "SELECT guid, sketch, cluster_id FROM near_duplicates"
                f" WHERE guid IN ({_marks(len(others) + 1)})",
                [guid, *others],
            )
        }
        clusters = {found[guid][1]}
        for other in others:
            packed, cluster = found.get(other, (None, ""))
            if packed is not None and dedupe.is_near_duplicate(sketch, dedupe.unpack(packed)):
                clusters.add(cluster)
        if len(clusters) == 1:
            return
        target = min(clusters)
        merged = sorted(clusters - {target})
        db.execute(
            "UPDATE near_duplicates SET cluster_id = ?"
            f" WHERE cluster_id IN ({_marks(len(merged))})",
            [target, *merged],
        )

    # -- pages that failed ----------------------------------------------------------------

    def record_failure(self, url: str, portal: str, status: str) -> None:
        now_iso = utcnow().isoformat()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO url_failures"
                " (url, portal, status, attempts, first_failed, last_failed)"
                " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " status = excluded.status, attempts = url_failures.attempts + 1,"
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

    def reports_since(self, since: datetime) -> list[dict[str, Any]]:
        """Every report of a run started at or after ``since`` (UTC), oldest first."""
        rows = self.db.execute(
            "SELECT data FROM reports WHERE started >= ? ORDER BY started, run_id",
            (since.astimezone(UTC).isoformat(timespec="seconds"),),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def report(self, run_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM reports WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def reports(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT data FROM reports ORDER BY started DESC LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    # -- latest state per portal and category ---------------------------------------------

    def save_state(self, row: StateRow) -> None:
        """Replace one portal's (``category=""``) or category's latest crawl outcome."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO portal_state (portal, category, run_id, finished, status,"
                " data, last_success, critical_since, critical_runs, announced)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    row.portal,
                    row.category,
                    row.run_id,
                    row.finished,
                    row.status,
                    json.dumps(row.data, ensure_ascii=False),
                    row.last_success,
                    row.critical_since,
                    row.critical_runs,
                    row.announced,
                ),
            )

    def states(self) -> list[StateRow]:
        """Every portal's and category's latest outcome, by portal then category."""
        rows = self.db.execute("SELECT * FROM portal_state ORDER BY portal, category").fetchall()
        return [
            StateRow(
                portal=r["portal"],
                category=r["category"],
                run_id=r["run_id"],
                finished=r["finished"],
                status=r["status"],
                data=json.loads(r["data"]),
                last_success=r["last_success"],
                critical_since=r["critical_since"],
                critical_runs=int(r["critical_runs"]),
                announced=r["announced"],
            )
            for r in rows
        ]

    def set_announced(self, portal: str, status: str) -> None:
        """Remember the status last announced on stderr for ``portal`` (cron mails changes)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE portal_state SET announced = ? WHERE portal = ? AND category = ''",
                (status, portal),
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class StateRow:
    """One row of ``portal_state``: a portal's (``category == ""``) or category's latest
    crawl outcome."""

    portal: str
    category: str = ""
    run_id: str
    finished: str
    """ISO 8601 end of the crawl that last touched it."""
    status: str
    data: dict[str, Any]
    """The portal's (or category's) object of that crawl's report."""
    last_success: str | None = None
    """End of the latest crawl that was not critical for it."""
    critical_since: str | None = None
    """End of the first crawl of the current run of critical outcomes."""
    critical_runs: int = 0
    """Critical outcomes in a row (0 when the latest was not critical)."""
    announced: str | None = None
    """The status last written to stderr for it (None: never)."""


def _dump(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _marks(count: int) -> str:
    """``?, ?, ...``: ``count`` placeholders for an IN list."""
    return ", ".join(["?"] * count)


def _rows(count: int, width: int) -> str:
    """``(?, ?), (?, ?), ...``: ``count`` rows of ``width`` placeholders for a VALUES list."""
    row = "(" + _marks(width) + ")"
    return ", ".join([row] * count)
