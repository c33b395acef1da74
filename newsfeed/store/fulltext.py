"""The store's full-text index: candidates for a query, which the Vietnamese matcher then checks.

SQLite: one FTS5 table, ``article_text``, tokenizer ``unicode61 remove_diacritics 0`` (so "mã"
and "ma" stay two words), **contentless** (``content=''``: the article text is already in
``articles.data``; a copy would double the store). Its rows are not the words as printed but
their keys (:func:`newsfeed.store.query.words_of`): NFC, lower case, the tone moved to a digit at
the end, so the two tone placements ("hoà"/"hòa") index alike; three more columns hold the
folded keys (no diacritics, đ -> d) for watches with ``fold = true``. Columns::

    title  lead  body  title_f  lead_f  body_f

``article_text_docs`` gives each article a stable integer id (an FTS5 rowid): ``articles``
is keyed by guid, and SQLite may renumber the rowid of such a table on VACUUM.

A contentless table forgets what it indexed, so replacing an article's row means telling FTS5
the old keys again (the ``'delete'`` command), computed from the old ``articles.data``: hence
the keys' version (:data:`newsfeed.store.query.KEY_VERSION`) in ``store_meta``. An index made
with other keys, or none yet (a store older than the index), is rebuilt whole by
:func:`reindex` (``newsfeed store reindex``; ``build`` and ``search`` do it when needed), and
upserts leave it alone until then.

PostgreSQL: ``article_text`` is a table of two ``tsvector`` columns (exact and folded keys,
title weighted ``A``, lead ``B``) with GIN indexes, ``to_tsvector('simple', keys)``.

The index only proposes: :meth:`Query.match` on each candidate's own text decides, so a
result is exactly what the matching rules say, whatever the tokenizer does at the edges.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newsfeed.store.dialect import Connection
from newsfeed.store.query import KEY_VERSION, Node, Or, Passage, Query, Term, fts_terms, words_of
from newsfeed.store.query import prepare as prepare_text

log = logging.getLogger(__name__)

META_KEY = "fulltext"
"""``store_meta`` key: the :data:`KEY_VERSION` the index was built with (absent: not built)."""
TABLE = "article_text"
DOCS = "article_text_docs"
_BATCH = 500
_FETCH = 64
"""Candidates read per round trip while looking for the newest matches."""

SQLITE_SCHEMA = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(
    title, lead, body, title_f, lead_f, body_f,
    content = '', tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS {DOCS} (
    docid INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE REFERENCES articles (guid) ON DELETE CASCADE
)
"""

POSTGRES_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    guid TEXT PRIMARY KEY REFERENCES articles (guid) ON DELETE CASCADE,
    exact tsvector NOT NULL,
    folded tsvector NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_exact ON {TABLE} USING GIN (exact);
CREATE INDEX IF NOT EXISTS {TABLE}_folded ON {TABLE} USING GIN (folded)
"""


def create_schema(db: Connection) -> None:
    """The index's tables, empty (a migration step). An empty store's index is current."""
    if db.dialect == "postgresql":
        for statement in POSTGRES_SCHEMA.split(";"):
            db.raw.execute(statement)
    else:
        db.executescript(SQLITE_SCHEMA)
    if db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
        db.execute(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", (META_KEY, KEY_VERSION)
        )


# -- keeping it up to date -------------------------------------------------------------------


_TOKEN_CACHE_LIMIT = 1 << 16
"""Tokens kept (a few MiB); emptied when full, as names and numbers make it grow slowly."""


class _TokenKeys(dict[str, tuple[str, str] | None]):
    """A whitespace-separated token ("nẵng,") -> the exact and the folded keys of its words,
    space-separated, or None when it has no word; computed on the first look-up.

    A word never spans whitespace, so a text's keys are its tokens' keys in order: a portal's
    vocabulary is a few thousand syllables, so nearly every token is a cache hit, and the
    word regular expression runs once per new token instead of over every text (the largest
    part of an upsert's Python time: 0.45 ms for a 1,200-character article, now 0.25)."""

    def __missing__(self, token: str) -> tuple[str, str] | None:
        if len(self) >= _TOKEN_CACHE_LIMIT:
            self.clear()
        words = words_of(token)
        value = (" ".join([w[0] + w[1] for w in words]), " ".join([w[2] for w in words]))
        self[token] = value if words else None
        return self[token]


_token_keys = _TokenKeys()


def keys(data: Mapping[str, Any]) -> tuple[str, str, str, str, str, str]:
    """The six column texts of an article (``Article.to_dict()``), exact then folded."""
    exact: list[str] = []
    folded: list[str] = []
    for field in ("title", "summary", "body_text"):
        tokens = [
            k for k in map(_token_keys.__getitem__, prepare_text(data.get(field)).split()) if k
        ]
        exact.append(" ".join([k[0] for k in tokens]))
        folded.append(" ".join([k[1] for k in tokens]))
    return (exact[0], exact[1], exact[2], folded[0], folded[1], folded[2])


def is_current(db: Connection) -> bool:
    row = db.execute("SELECT value FROM store_meta WHERE key = ?", (META_KEY,)).fetchone()
    return row is not None and row[0] == KEY_VERSION


def index_article(
    db: Connection, guid: str, data: Mapping[str, Any], old: Mapping[str, Any] | None
) -> None:
    """(Re)index one article inside the upsert's transaction; ``old``: its previous data."""
    if db.dialect == "postgresql":
        _pg_index(db, guid, data)
        return
    row = None
    if old is not None:
        row = db.execute(f"SELECT docid FROM {DOCS} WHERE guid = ?", (guid,)).fetchone()
    if row is None:
        row = db.execute(
            f"INSERT INTO {DOCS} (guid) VALUES (?) RETURNING docid", (guid,)
        ).fetchone()
    elif old is not None:
        db.execute(
            f"INSERT INTO {TABLE} ({TABLE}, rowid, title, lead, body, title_f, lead_f, body_f)"
            " VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
            (row[0], *keys(old)),
        )
    db.execute(
        f"INSERT INTO {TABLE} (rowid, title, lead, body, title_f, lead_f, body_f)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row[0], *keys(data)),
    )


def _pg_index(db: Connection, guid: str, data: Mapping[str, Any]) -> None:
    title, lead, body, title_f, lead_f, body_f = keys(data)
    db.raw.execute(
        f"INSERT INTO {TABLE} (guid, exact, folded) VALUES (%s,"
        " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || to_tsvector('simple', %s),"
        " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || to_tsvector('simple', %s))"
        " ON CONFLICT (guid) DO UPDATE SET exact = EXCLUDED.exact, folded = EXCLUDED.folded",
        (guid, title, lead, body, title_f, lead_f, body_f),
    )


def reindex(db: Connection) -> int:
    """Rebuild the whole index from the stored articles; how many were indexed.

    In batches of their own transactions; the version is recorded last, so an interrupted
    rebuild is simply done again next time.
    """
    with db.transaction():
        db.execute("DELETE FROM store_meta WHERE key = ?", (META_KEY,))
        if db.dialect == "postgresql":
            db.execute(f"DELETE FROM {TABLE}")
        else:
            db.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')")
            db.execute(f"DELETE FROM {DOCS}")
    guids = [str(r[0]) for r in db.execute("SELECT guid FROM articles ORDER BY sort_key, guid")]
    for start in range(0, len(guids), _BATCH):
        batch = guids[start : start + _BATCH]
        with db.transaction():
            marks = ", ".join("?" * len(batch))
            rows = db.execute(
                f"SELECT guid, data FROM articles WHERE guid IN ({marks})", batch
            ).fetchall()
            for guid, data in rows:
                index_article(db, str(guid), json.loads(data), None)
    with db.transaction():
        if db.dialect == "sqlite":
            db.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")
        db.execute(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", (META_KEY, KEY_VERSION)
        )
    return len(guids)


def ensure_current(db: Connection) -> int:
    """Rebuild the index if it is missing or of other keys; how many articles were indexed."""
    if is_current(db):
        return 0
    log.warning("building the full-text index (once, after an upgrade)")
    return reindex(db)


# -- searching -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One matching article."""

    guid: str
    in_title: bool
    """The title alone matches the query (ranked first by :func:`search` ``order="rank"``)."""
    passage: Passage


def fts5_expression(query: Query, *, title_only: bool = False) -> str:
    """The FTS5 MATCH expression proposing every article ``query`` may match.

    Excluded terms are left out (the matcher applies them): an index key may stand for more
    than one word (a prefix with a tone is searched by its letters), and excluding a
    superset would lose true matches.
    """
    if query.fold:
        columns = "title_f" if title_only else "title_f lead_f body_f"
    else:
        columns = "title" if title_only else "title lead body"
    return f"{{{columns}}} : ({_fts5(query.root, fold=query.fold)})"


def _fts5(node: Node, *, fold: bool) -> str:
    if isinstance(node, Term):
        words = list(fts_terms(node, fold=fold))
        phrase = '"' + " ".join(word for word, _ in words) + '"'
        return phrase + " *" if words[-1][1] else phrase
    if isinstance(node, Or):
        return "(" + " OR ".join(_fts5(n, fold=fold) for n in node.options) + ")"
    return "(" + " AND ".join(_fts5(n, fold=fold) for n in node.include) + ")"


def tsquery(query: Query, *, title_only: bool = False) -> str:
    """The PostgreSQL ``to_tsquery('simple', ...)`` text of :func:`fts5_expression`."""
    weight = "A" if title_only else ""

    def walk(node: Node) -> str:
        if isinstance(node, Term):
            words = list(fts_terms(node, fold=query.fold))
            parts = [
                f"'{word}':{'*' if prefix else ''}{weight}" if prefix or weight else f"'{word}'"
                for word, prefix in words
            ]
            return "(" + " <-> ".join(parts) + ")"
        if isinstance(node, Or):
            return "(" + " | ".join(walk(n) for n in node.options) + ")"
        return "(" + " & ".join(walk(n) for n in node.include) + ")"

    return walk(query.root)


def candidates(
    db: Connection,
    query: Query,
    *,
    portals: Sequence[str] | None = None,
    feeds: Sequence[tuple[str, str]] | None = None,
    since: datetime | None = None,
    title_only: bool = False,
) -> list[str]:
    """Guids the index proposes for ``query``, newest first, within the filters.

    ``portals``: portal keys; ``feeds``: (portal, category) pairs (a watch's topics);
    ``since``: articles ordered (published, else first seen) at or after it.
    """
    if db.dialect == "postgresql":
        column = "folded" if query.fold else "exact"
        sql = (
            f"SELECT a.guid FROM {TABLE} t JOIN articles a ON a.guid = t.guid"
            f" WHERE t.{column} @@ to_tsquery('simple', ?)"
        )
        args: list[Any] = [tsquery(query, title_only=title_only)]
    else:
        sql = (
            f"SELECT a.guid FROM {TABLE} t JOIN {DOCS} d ON d.docid = t.rowid"
            f" JOIN articles a ON a.guid = d.guid WHERE {TABLE} MATCH ?"
        )
        args = [fts5_expression(query, title_only=title_only)]
    if portals is not None:
        sql += f" AND a.portal IN ({', '.join('?' * len(portals)) or 'NULL'})"
        args.extend(portals)
    if feeds is not None:
        pairs = " OR ".join("(c.portal = ? AND c.category = ?)" for _ in feeds) or "0 = 1"
        sql += (
            f" AND EXISTS (SELECT 1 FROM article_categories c WHERE c.guid = a.guid AND ({pairs}))"
        )
        args.extend(value for pair in feeds for value in pair)
    if since is not None:
        sql += " AND a.sort_key >= ?"
        args.append(since.astimezone(UTC).isoformat())  # sort_key is UTC
    sql += " ORDER BY a.sort_key DESC, a.guid"
    return [str(r[0]) for r in db.execute(sql, args)]


def verified(
    db: Connection, query: Query, guids: Sequence[str], *, title_only: bool = False
) -> Iterator[Hit]:
    """The candidates that really match (``title_only``: by their title alone), in order,
    read a few at a time."""
    for start in range(0, len(guids), _FETCH):
        batch = guids[start : start + _FETCH]
        marks = ", ".join("?" * len(batch))
        texts = {
            str(r[0]): json.loads(r[1])
            for r in db.execute(f"SELECT guid, data FROM articles WHERE guid IN ({marks})", batch)
        }
        for guid in batch:
            data = texts.get(guid)
            if data is None:
                continue
            found = query.match(data.get("title"), data.get("summary"), data.get("body_text"))
            if found is not None and (found[0] or not title_only):
                yield Hit(guid=guid, in_title=found[0], passage=found[1])


def search(
    db: Connection,
    query: Query,
    *,
    limit: int | None = 50,
    order: str = "date",
    portals: Sequence[str] | None = None,
    feeds: Sequence[tuple[str, str]] | None = None,
    since: datetime | None = None,
) -> list[Hit]:
    """The ``limit`` newest articles that match ``query`` (all of them with ``limit=None``).

    ``order="rank"``: the articles whose title alone matches first (newest first), then the
    others (newest first); ``"date"``: newest first. Only as many candidates are read and
    checked as it takes to find ``limit`` matches.
    """
    filters: dict[str, Any] = {"portals": portals, "feeds": feeds, "since": since}
    hits: list[Hit] = []
    seen: set[str] = set()
    if order == "rank":
        title_guids = candidates(db, query, title_only=True, **filters)
        for hit in verified(db, query, title_guids, title_only=True):
            if limit is not None and len(hits) >= limit:
                return hits
            hits.append(hit)
            seen.add(hit.guid)
    elif order != "date":
        raise ValueError(f"order must be 'date' or 'rank', not {order!r}")
    rest = [g for g in candidates(db, query, **filters) if g not in seen]
    for hit in verified(db, query, rest):
        if limit is not None and len(hits) >= limit:
            break
        hits.append(hit)
    return hits
