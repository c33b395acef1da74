"""Schema versions: numbered steps that upgrade a store in place, in one transaction.

A store records every step applied to it in ``schema_migrations`` (version, name, when); SQLite
stores also carry the version in ``PRAGMA user_version``. Opening a store runs the steps it
lacks, in order, in one transaction (SQLite and PostgreSQL both roll DDL back): a step that fails
leaves the store as it was, at its old version, with its data. Two processes opening an old
store at once are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), and
the second finds nothing left to do. A store newer than this newsfeed is refused, never
downgraded.

Adding a schema change (an index, a table, a column):

1. append a function ``_vN_what(db)`` below, N = the last version + 1, whose docstring says
   what it changes and why; write the SQL as SQLite understands it (``?``, ``TEXT``,
   ``INTEGER``, ``BLOB``): :mod:`newsfeed.store.dialect` translates it for PostgreSQL;
2. add ``(N, _vN_what)`` at the end of :data:`STEPS`.

Never edit or renumber a step that has landed: stores out there have applied it. A step must
keep every row (``ALTER TABLE ... ADD COLUMN`` with a default, ``CREATE INDEX IF NOT EXISTS``, a
new table filled by ``INSERT ... SELECT``).
"""

from __future__ import annotations

from collections.abc import Callable

from newsfeed.store.dialect import Connection

Step = Callable[[Connection], None]


class SchemaTooNewError(RuntimeError):
    """The store was written by a newer newsfeed: upgrade newsfeed, do not downgrade the store."""


_V2_SCHEMA = """
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
CREATE TABLE IF NOT EXISTS listing_state (
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE,
    category TEXT NOT NULL,
    title TEXT,
    published_raw TEXT,
    last_listed TEXT NOT NULL,
    PRIMARY KEY (guid, category)
);
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    saved TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS discovered_categories (
    portal TEXT NOT NULL,
    category TEXT NOT NULL,
    url TEXT NOT NULL,
    found TEXT NOT NULL,
    PRIMARY KEY (portal, category)
);
CREATE TABLE IF NOT EXISTS category_crawls (
    portal TEXT NOT NULL,
    category TEXT NOT NULL,
    last_complete TEXT NOT NULL,
    PRIMARY KEY (portal, category)
);
CREATE TABLE IF NOT EXISTS near_duplicates (
    guid TEXT PRIMARY KEY REFERENCES articles (guid) ON DELETE CASCADE,
    sketch BLOB,
    cluster_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS near_duplicates_cluster ON near_duplicates (cluster_id);
CREATE TABLE IF NOT EXISTS near_duplicate_anchors (
    anchor INTEGER NOT NULL,
    guid TEXT NOT NULL REFERENCES articles (guid) ON DELETE CASCADE,
    PRIMARY KEY (anchor, guid)
);
CREATE TABLE IF NOT EXISTS reports (
    run_id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
"""


def _v2_baseline(db: Connection) -> None:
    """The schema of newsfeed before numbered migrations (SQLite stores: ``user_version`` 2).

    Every statement is ``IF NOT EXISTS``: on a store written before this table existed it
    changes nothing but records the version; on an empty database it creates the store.
    """
    db.executescript(_V2_SCHEMA)


def _v3_indexes_and_sketch_version(db: Connection) -> None:
    """Indexes so that no statement of the store scans a growing table, and the version of
    the near-duplicate sketches (``store_meta``).

    Without ``near_duplicate_anchors_guid``, re-sketching a changed article scanned the whole
    anchor table: an upsert cost 2 ms at 1k articles and 100 ms at 100k. ``reports_started``
    serves "the latest reports". ``store_meta`` names the hash the stored sketches were made
    with; a store that has articles but no version holds BLAKE2b-per-shingle sketches, which
    the next crawl makes again (:meth:`Store.index_missing_near_duplicates`). A new, empty
    store gets the current version: it has nothing to re-sketch.
    """
    from newsfeed.store.dedupe import SKETCH_VERSION

    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS near_duplicate_anchors_guid ON near_duplicate_anchors (guid);
        CREATE INDEX IF NOT EXISTS reports_started ON reports (started)
        """
    )
    if db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
        db.execute(
            "INSERT OR IGNORE INTO store_meta (key, value) VALUES (?, ?)",
            ("near_duplicates", SKETCH_VERSION),
        )


def _v4_portal_state(db: Connection) -> None:
    """``portal_state``: each portal's (``category = ''``) and category's latest crawl outcome.

    ``newsfeed check``, status.html, index.html, the metrics and the health item read it
    instead of the latest report, which covers only the portals that one run crawled (a crawl
    of one portal made every other look healthy). Empty at first: the first reader fills it
    from the stored reports (:func:`newsfeed.monitor.state.current_view`).
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS portal_state (
            portal TEXT NOT NULL,
            category TEXT NOT NULL,
            run_id TEXT NOT NULL,
            finished TEXT NOT NULL,
            status TEXT NOT NULL,
            data TEXT NOT NULL,
            last_success TEXT,
            critical_since TEXT,
            critical_runs INTEGER NOT NULL DEFAULT 0,
            announced TEXT,
            PRIMARY KEY (portal, category)
        )
        """
    )


def _v5_fulltext(db: Connection) -> None:
    """The full-text index of titles, leads and bodies (watches, ``newsfeed search``).

    Created empty; a store that already has articles is indexed by the first ``build`` or
    ``search`` (or ``newsfeed store reindex``), outside this transaction, which would
    otherwise hold the write lock for minutes on a large store
    (:mod:`newsfeed.store.fulltext`).
    """
    from newsfeed.store.fulltext import create_schema

    create_schema(db)


def _v6_last_checked(db: Connection) -> None:
    """An index on when each article page was last checked (``articles.last_seen``: the last
    time its page was fetched and stored, ``unchanged`` included), by portal: each run
    re-checks a portal's least recently checked articles (:meth:`Store.least_recently_checked`)
    without sorting the table."""
    db.execute("CREATE INDEX IF NOT EXISTS articles_last_checked ON articles (portal, last_seen)")


GENERATION_TABLE = "store_generation"
"""One row: the store's identity (random, made when the step runs) and a counter every change
to what the feeds show increases (:func:`_v7_generation`)."""

_WATCHED: tuple[tuple[str, str], ...] = (
    # table, the events that change what a feed shows: an article page re-checked unchanged
    # updates only articles.last_seen, which no feed shows
    (
        "articles",
        "INSERT OR DELETE OR UPDATE OF guid, portal, url, canonical_url, published, sort_key,"
        " content_hash, data, first_seen, changed",
    ),
    ("article_categories", "INSERT OR DELETE OR UPDATE"),
    ("near_duplicates", "INSERT OR DELETE OR UPDATE OF guid, cluster_id"),
    ("store_meta", "INSERT OR DELETE OR UPDATE"),
)
"""What the feed build reads; the full-text index's table is added per backend."""

_PG_BUMP = f"""
CREATE OR REPLACE FUNCTION newsfeed_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('newsfeed.generation_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE {GENERATION_TABLE} SET n = n + 1;
        PERFORM set_config('newsfeed.generation_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END $$
"""


def _v7_generation(db: Connection) -> None:
    """``store_generation``: a store identity and a change counter, so a feed build can tell
    in one read that nothing it shows changed since the last build (the feeds folder's
    manifest records both, :mod:`newsfeed.feeds.writer`), and skip reading every feed's rows.

    Triggers count every change to the articles, their categories, near-duplicate clusters,
    the full-text index and ``store_meta``, whatever code makes it (a crawl, ``newsfeed store
    import``, a user's SQL). SQLite: each changed row adds one (one writer at a time anyway).
    PostgreSQL: a deferred constraint trigger adds one per transaction, at its commit, so
    concurrent writers hold the counter's row lock only while committing; a build reads the
    counter before it reads any feed, so a change committed meanwhile is seen by the next one.
    """
    from newsfeed.store.fulltext import DOCS, TABLE

    # an article's URLs by its guid: with triggers on articles, SQLite plans each insert's
    # foreign-key actions, and removing an article (ON DELETE CASCADE) scanned every URL
    db.execute("CREATE INDEX IF NOT EXISTS article_urls_guid ON article_urls (guid)")
    if db.dialect == "postgresql":
        db.raw.execute(
            f"CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (id INTEGER PRIMARY KEY"
            " CHECK (id = 1), store TEXT NOT NULL, n BIGINT NOT NULL)"
        )
        db.raw.execute(
            f"INSERT INTO {GENERATION_TABLE} (id, store, n)"
            " VALUES (1, md5(random()::text || clock_timestamp()::text), 0)"
            " ON CONFLICT DO NOTHING"
        )
        db.raw.execute(_PG_BUMP)
        for table, events in (*_WATCHED, (TABLE, "INSERT OR DELETE OR UPDATE")):
            db.raw.execute(
                f"CREATE CONSTRAINT TRIGGER newsfeed_generation AFTER {events} ON {table}"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                " EXECUTE FUNCTION newsfeed_bump_generation()"
            )
        return
    db.raw.execute(
        f"CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (id INTEGER PRIMARY KEY"
        " CHECK (id = 1), store TEXT NOT NULL, n INTEGER NOT NULL)"
    )
    db.raw.execute(
        f"INSERT OR IGNORE INTO {GENERATION_TABLE} (id, store, n)"
        " VALUES (1, lower(hex(randomblob(16))), 0)"
    )
    for table, events in (*_WATCHED, (DOCS, "INSERT OR DELETE OR UPDATE")):
        # SQLite's triggers take one event each
        for event in events.split(" OR "):
            name = f"{table}_generation_{event.split()[0].lower()}"
            db.raw.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table}"
                f" BEGIN UPDATE {GENERATION_TABLE} SET n = n + 1; END"
            )


STEPS: tuple[tuple[int, Step], ...] = (
    (2, _v2_baseline),
    (3, _v3_indexes_and_sketch_version),
    (4, _v4_portal_state),
    (5, _v5_fulltext),
    (6, _v6_last_checked),
    (7, _v7_generation),
)
"""The numbered steps, oldest first; a store at version N has run every step up to N."""

SCHEMA_VERSION = STEPS[-1][0]

_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
)


def store_version(db: Connection) -> int:
    """The store's schema version: 0 for an empty database or one from before migrations."""
    if not db.table_exists("schema_migrations"):
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: Connection, steps: tuple[tuple[int, Step], ...] = STEPS) -> list[int]:
    """Bring the store up to the newest version; the versions applied (none when current)."""
    from newsfeed.store.db import utcnow

    target = steps[-1][0]
    current = store_version(db)
    if current == target:  # the common case: no write lock taken, read-only stores open
        return []
    if current > target:
        raise SchemaTooNewError(
            f"the store has schema version {current}, newer than this newsfeed knows"
            f" ({target}); upgrade newsfeed"
        )
    applied: list[int] = []
    with db.transaction():
        db.lock_schema()
        db.execute(_MIGRATIONS_TABLE)
        current = store_version(db)  # another process may have migrated meanwhile
        for version, step in steps:
            if version <= current:
                continue
            step(db)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
                (version, step.__name__.lstrip("_"), utcnow().isoformat()),
            )
            applied.append(version)
        if applied:
            db.set_user_version(applied[-1])
    db.forget_keys()
    return applied
