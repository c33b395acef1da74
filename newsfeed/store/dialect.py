"""One DB-API connection, SQLite or PostgreSQL, that speaks the store's SQLite-flavoured SQL.

The store's queries are written once, in the SQL that SQLite understands (``?`` placeholders,
``INSERT OR IGNORE`` / ``INSERT OR REPLACE``, ``json_extract``, ``group_concat``). For PostgreSQL
(psycopg 3) each statement is translated once and cached:

- ``?`` -> ``%s`` (and a literal ``%`` -> ``%%``), outside string literals;
- ``INSERT OR IGNORE`` -> ``INSERT ... ON CONFLICT DO NOTHING``; ``INSERT OR REPLACE`` ->
  ``INSERT ... ON CONFLICT (primary key) DO UPDATE SET`` every other column, the key read from
  the catalog: race-free under concurrent writers, where SQLite has only one writer anyway;
- ``json_extract(x, '$.k')`` -> ``(x::json ->> 'k')``, ``group_concat`` -> ``string_agg``,
  ``char(n)`` -> ``chr(n)``, ``a IS NOT b`` -> ``a IS DISTINCT FROM b``;
- DDL types: ``TEXT`` -> ``TEXT COLLATE "C"`` (so ORDER BY and comparisons of guids and ISO times
  are byte order, as in SQLite, whatever the database's locale), ``INTEGER`` -> ``BIGINT``
  (sketch anchors are signed 64-bit), ``BLOB`` -> ``BYTEA``; ``PRAGMA`` is SQLite's alone.

Rows answer ``row["column"]`` and ``row[0]`` on both backends, as :class:`sqlite3.Row` does.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Row(Protocol):
    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


def is_database_url(target: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://...``), False for a SQLite file path."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def redact(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def db_errors() -> tuple[type[BaseException], ...]:
    """The exception classes a store operation may raise, for one-line error messages.

    psycopg's are included only once it is imported: no PostgreSQL error can occur before.
    """
    errors: list[type[BaseException]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


class Connection:
    """A store connection: ``execute`` / ``executemany`` / ``executescript`` in SQLite's SQL.

    ``executescript`` runs statement by statement (not :meth:`sqlite3.Connection.executescript`,
    which commits first), so a migration's DDL is part of its transaction on both backends.
    """

    dialect = "sqlite"

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._depth = 0
        """Transactions open: 0 none, 1 the outer one, more its savepoints."""
        self._grouping = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self.raw.execute(sql, tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, [tuple(r) for r in rows])

    def executescript(self, script: str) -> None:
        for statement in split_statements(script):
            self.execute(statement)

    def begin(self) -> None:
        self.raw.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        self.raw.execute("ROLLBACK")

    def lock_schema(self) -> None:
        """Serialise migrations between processes (SQLite: ``BEGIN IMMEDIATE`` already does)."""

    def lock(self, name: str) -> None:
        """Serialise this transaction with others that lock ``name``, until it ends.

        SQLite has one writer at a time (``BEGIN IMMEDIATE``); PostgreSQL writers run at once,
        so a read-then-write (an upsert's outcome, a near-duplicate cluster merge) takes it.
        """

    def table_exists(self, name: str) -> bool:
        row = self.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def tables(self) -> list[str]:
        """The store's tables, in creation order (export order: referenced tables first)."""
        rows = self.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
        return [str(r[0]) for r in rows]

    def columns(self, table: str) -> list[str]:
        return [str(r[1]) for r in self.execute(f"PRAGMA table_info({quote_ident(table)})")]

    def forget_keys(self) -> None:
        """The schema changed (a migration); SQLite needs no catalog cache."""

    def set_user_version(self, version: int) -> None:
        """SQLite's own header field, so ``sqlite3 store 'PRAGMA user_version'`` tells too."""
        self.raw.execute(f"PRAGMA user_version={int(version)}")

    def close(self) -> None:
        self.raw.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; inside another (a group, :meth:`begin_group`), a savepoint of it:
        an error undoes this one's writes only, and they are committed with the group's."""
        if self._depth:
            name = f"newsfeed_{self._depth}"
            self.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                self._undo_savepoint(name)
                raise
            self._depth -= 1
            self.execute(f"RELEASE SAVEPOINT {name}")
            return
        self.begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self.rollback()
            raise
        self._depth = 0
        self.commit()

    def _undo_savepoint(self, name: str) -> None:
        try:
            self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.execute(f"RELEASE SAVEPOINT {name}")
        except Exception:
            # SQLite ends the whole transaction on some errors (a full disk): nothing is left
            # to undo, and the group is over; the error that undid it is the one raised
            self.rollback_group()

    def begin_group(self) -> None:
        """Open a transaction that the next ones join (as savepoints) until
        :meth:`commit_group`: many small writes committed at once."""
        if not self._depth:
            self._prepare_group()
            self.begin()
            self._depth = 1

    def _prepare_group(self) -> None:
        """SQLite: a savepoint keeps the pages it changes in a statement journal, by default a
        temporary file, written and truncated for every article of a group; in memory it is a
        few pages an article (a group's upserts: 1.4-1.6 -> 1.0-1.3 ms of CPU each). Only for
        the connections that group (the crawl's): elsewhere a large sort's temporary B-tree
        stays on disk, not in the build's memory."""
        if not self._grouping:
            self.raw.execute("PRAGMA temp_store=MEMORY")
            self._grouping = True

    @property
    def in_group(self) -> bool:
        return self._depth > 0

    def commit_group(self) -> None:
        if self._depth:
            self._depth = 0
            self.commit()

    def rollback_group(self) -> None:
        """Undo the group's writes (after an error the store cannot go on from)."""
        if self._depth:
            self._depth = 0
            with contextlib.suppress(Exception):  # already ended by the error
                self.rollback()


class PostgresConnection(Connection):
    """psycopg 3 in autocommit mode: ``BEGIN`` / ``COMMIT`` are explicit, as with SQLite."""

    dialect = "postgresql"

    def __init__(self, raw: Any) -> None:
        super().__init__(raw)
        self._keys: dict[str, tuple[str, ...]] | None = None
        self._translated: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self.raw.execute(self.translate(sql), tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            with self.raw.cursor() as cursor:
                cursor.executemany(self.translate(sql), batch)

    def begin(self) -> None:
        self.raw.execute("BEGIN")

    def _prepare_group(self) -> None:
        """Nothing: PostgreSQL keeps a subtransaction's state in its own memory."""

    def lock_schema(self) -> None:
        self.lock("schema")

    def lock(self, name: str) -> None:
        # a transaction-scoped advisory lock: released at COMMIT / ROLLBACK
        self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(f"newsfeed:{name}"),))

    def table_exists(self, name: str) -> bool:
        row = self.raw.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        return bool(row[0])

    def tables(self) -> list[str]:
        rows = self.raw.execute(
            "SELECT c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.oid"
        )
        return [str(r[0]) for r in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.raw.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return [str(r[0]) for r in rows]

    def set_user_version(self, version: int) -> None:
        """PostgreSQL keeps the version in ``schema_migrations`` only."""

    def forget_keys(self) -> None:
        """The schema changed (a migration): keys and translations are made again."""
        self._keys = None
        self._translated.clear()

    def primary_keys(self) -> dict[str, tuple[str, ...]]:
        if self._keys is None:
            rows = self.raw.execute(
                "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc"
                " JOIN information_schema.key_column_usage kcu"
                " ON kcu.constraint_name = tc.constraint_name"
                " AND kcu.table_schema = tc.table_schema"
                " WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
                " ORDER BY tc.table_name, kcu.ordinal_position"
            ).fetchall()
            keys: dict[str, list[str]] = {}
            for table, column in rows:
                keys.setdefault(str(table), []).append(str(column))
            self._keys = {t: tuple(c) for t, c in keys.items()}
        return self._keys

    def translate(self, sql: str) -> str:
        translated = self._translated.get(sql)
        if translated is None:
            translated = self._translated[sql] = to_postgres(sql, self.primary_keys)
        return translated


def connect(target: str, *, timeout: float = 30) -> Connection:
    """A connection to a SQLite file (path or ``:memory:``) or a PostgreSQL URL."""
    if is_database_url(target):
        import psycopg

        raw = psycopg.connect(
            target,
            autocommit=True,
            row_factory=_pg_rows,
            connect_timeout=int(timeout),
            application_name="newsfeed",
            # No server-side prepared statements. psycopg prepares a query run five times,
            # and PostgreSQL may then keep a generic plan made while the tables were nearly
            # empty (a sequential scan) however much they grow: filling a store by upserts,
            # one took 19 ms at first and 55 ms at 2,000 articles, until autovacuum analyzed
            # the tables; 8-9 ms flat planned each time (2026-12-07). A transaction-mode
            # PgBouncer could not keep them either (the portal locks, session advisory
            # locks, need a session-mode pool or the server itself all the same).
            prepare_threshold=None,
        )
        return PostgresConnection(raw)
    raw_sqlite = sqlite3.connect(target, isolation_level=None, timeout=timeout)
    raw_sqlite.row_factory = sqlite3.Row
    raw_sqlite.execute("PRAGMA journal_mode=WAL")
    raw_sqlite.execute("PRAGMA synchronous=NORMAL")
    raw_sqlite.execute("PRAGMA foreign_keys=ON")
    # 16 MiB of page cache instead of 2: the interior pages of every B-tree of a 100k-article
    # store stay cached, so a random insert or look-up reads only its leaf from the OS. Not
    # more: a COMMIT's CPU grows with the pages the cache holds (SQLite 3.40's pcache1 walks
    # its whole hash table, profiled 2026-12), so with 64 MiB full a COMMIT took 1.2 ms instead
    # of 0.6 and an upsert into a 100k-article store 3.4 ms of CPU instead of 2.9.
    raw_sqlite.execute("PRAGMA cache_size=-16384")
    return Connection(raw_sqlite)


class PgRow(tuple[Any, ...]):
    """A psycopg row read by position or by column name, like :class:`sqlite3.Row`."""

    __slots__ = ()
    names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _pg_rows(cursor: Any) -> Any:
    return _row_class(tuple(c.name for c in cursor.description or ()))


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    """The row class of a result's columns, made once per set of names (a class made for
    each statement run cost 19 us: some 0.3 ms of an upsert's 14 statements)."""
    return type("Row", (PgRow,), {"__slots__": (), "names": names})


def advisory_key(name: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock`` from a name (a portal key)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def split_statements(script: str) -> list[str]:
    """The statements of a DDL script (no ``;`` inside the store's string literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]


# -- SQLite -> PostgreSQL -----------------------------------------------------------------

_INSERT_OR = re.compile(
    r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE
)
_JSON_EXTRACT = re.compile(r"json_extract\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)", re.IGNORECASE)
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?!NULL\b)", re.IGNORECASE)
_DDL_TYPES = (
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
)


def to_postgres(sql: str, primary_keys: Any) -> str:
    """``sql`` in PostgreSQL's dialect (see the module docstring); ``primary_keys`` is called
    only for ``INSERT OR REPLACE``, to name the conflict target."""
    stripped = sql.lstrip()
    head = stripped[:12].upper()
    if head.startswith("PRAGMA"):
        return "SELECT 1"
    if head.startswith(("CREATE", "ALTER")):
        for pattern, replacement in _DDL_TYPES:
            sql = pattern.sub(replacement, sql)
    sql = _JSON_EXTRACT.sub(r"(\1::json ->> '\2')", sql)
    sql = re.sub(r"\bgroup_concat\(", "string_agg(", sql, flags=re.IGNORECASE)
    sql = re.sub(r"\bchar\((\d+)\)", r"chr(\1)", sql, flags=re.IGNORECASE)
    sql = _IS_NOT.sub("IS DISTINCT FROM ", sql)
    match = _INSERT_OR.match(sql)
    if match:
        action, table, columns = match.group(1).upper(), match.group(2), match.group(3)
        sql = f"INSERT INTO {table} ({columns})" + sql[match.end() :]
        if action == "IGNORE":
            sql += " ON CONFLICT DO NOTHING"
        else:
            key = primary_keys().get(table)
            if not key:
                raise ValueError(f"INSERT OR REPLACE into {table}: it has no primary key")
            names = [c.strip() for c in columns.split(",")]
            rest = [c for c in names if c not in key]
            target = ", ".join(key)
            if rest:
                sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)
                sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
            else:
                sql += f" ON CONFLICT ({target}) DO NOTHING"
    return _placeholders(sql)


def _placeholders(sql: str) -> str:
    """``?`` -> ``%s`` and ``%`` -> ``%%`` outside single-quoted literals."""
    out: list[str] = []
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
            out.append(char)
        elif char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)
