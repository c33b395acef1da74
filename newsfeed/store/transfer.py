"""``newsfeed store export`` / ``import``: a whole store as JSON lines, to move it between
SQLite and PostgreSQL (either way) or to another machine.

The first line says what follows: ``{"newsfeed_store": 1, "schema": N, "backend": ...}``; then
one line per row, ``{"table": name, "row": {column: value}}``, ``articles`` first (the other
tables refer to it), the rest by name. Bytes (near-duplicate sketches) are
``{"base64": "..."}``. Every value is copied as stored (times stay their ISO strings), so a
store exported and imported back answers every query the same.

Import goes into an empty store of the same or a newer schema (older stores are upgraded on
open) and runs in one transaction: a bad line leaves the target empty. ``store_meta`` (what
the stored data was made with, e.g. the sketches' hash) comes from the export.
The full-text index is not exported; it is rebuilt after the import.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import IO, Any

from newsfeed.store import fulltext
from newsfeed.store.db import Store
from newsfeed.store.migrations import GENERATION_TABLE, SCHEMA_VERSION, store_version

FORMAT = 1
_SKIPPED = frozenset({"schema_migrations", GENERATION_TABLE})
"""Facts about this store, not its data: its schema steps, its identity and change counter."""
_REPLACED = frozenset({"store_meta"})
"""Facts about the data (the sketches' hash version): the export's replace the target's."""
_BATCH = 500


class TransferError(ValueError):
    """An export that cannot be imported here (format, schema, a non-empty target)."""


def _tables(store: Store) -> list[str]:
    # The full-text index (and SQLite's FTS5 shadow tables) is derived from the articles and
    # differs by backend: it is rebuilt after an import, never copied.
    names = sorted(
        t for t in store.db.tables() if t not in _SKIPPED and not t.startswith(fulltext.TABLE)
    )
    return sorted(names, key=lambda t: t != "articles")


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    return value


def export_store(store: Store, out: IO[str]) -> dict[str, int]:
    """Write every row of ``store`` to ``out``; rows written per table."""
    header = {"newsfeed_store": FORMAT, "schema": store_version(store.db), "backend": store.backend}
    out.write(json.dumps(header) + "\n")
    counts: dict[str, int] = {}
    for table in _tables(store):
        columns = store.db.columns(table)
        # a stable order (every table has a primary key), so two exports of one store match
        order = ", ".join(columns)
        count = 0
        for row in store.db.execute(f"SELECT {order} FROM {table} ORDER BY {order}"):
            data = {c: _encode(row[i]) for i, c in enumerate(columns)}
            if table == "store_meta" and data.get("key") == fulltext.META_KEY:
                continue  # the index's version: it belongs to the index, rebuilt on import
            out.write(json.dumps({"table": table, "row": data}, ensure_ascii=False) + "\n")
            count += 1
        counts[table] = count
    return counts


def _lines(source: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TransferError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise TransferError(f"line {number}: not a JSON object")
        yield number, data


def import_store(store: Store, source: IO[str]) -> dict[str, int]:
    """Load an export into the empty ``store``, in one transaction; rows loaded per table."""
    lines = _lines(source)
    first = next(lines, None)
    if first is None or first[1].get("newsfeed_store") != FORMAT:
        raise TransferError("not a newsfeed store export (no header line)")
    schema = first[1].get("schema")
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise TransferError(
            f"the export has schema version {schema}, newer than this newsfeed"
            f" ({SCHEMA_VERSION}); upgrade newsfeed"
        )
    tables = set(_tables(store))
    counts: dict[str, int] = {}
    with store.transaction() as db:
        for table in sorted(tables):
            if table in _REPLACED:
                db.execute(f"DELETE FROM {table}")
            elif db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise TransferError(f"the target store is not empty ({table} has rows)")
        columns_of = {t: set(db.columns(t)) for t in tables}
        batch: list[tuple[Any, ...]] = []
        batch_sql = ""
        for number, data in lines:
            name, row = data.get("table"), data.get("row")
            if not isinstance(name, str) or name not in tables or not isinstance(row, dict):
                raise TransferError(f"line {number}: unknown table {name!r}")
            unknown = set(row) - columns_of[name]
            if unknown:
                raise TransferError(f"line {number}: {name} has no column {sorted(unknown)}")
            names = sorted(row)
            sql = (
                f"INSERT INTO {name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
            )
            if sql != batch_sql or len(batch) >= _BATCH:
                if batch:
                    db.executemany(batch_sql, batch)
                batch, batch_sql = [], sql
            batch.append(tuple(_decode(row[n]) for n in names))
            counts[name] = counts.get(name, 0) + 1
        if batch:
            db.executemany(batch_sql, batch)
    fulltext.reindex(store.db)
    return counts
