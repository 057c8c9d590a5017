"""Backups: every table of the store read in one snapshot, and a fresh store filled from them."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pyarrow as pa

from ita_analytics.store.connection import CONNECTION_CONFIG
from ita_analytics.store.schema import migrate, plain_transaction, schema_version
from ita_analytics.store.versions import logical_path


def _quoted(name: str) -> str:
    """A table name as a quoted SQL identifier. Names come only from the store's own catalogue
    (:func:`table_names`), never from a backup's manifest or a user."""
    return '"' + name.replace('"', '""') + '"'


def opened_file(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The file the connection has open (a version's own file), None for an in-memory one."""
    rows = conn.execute("SELECT path FROM duckdb_databases() "
                        "WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0]) if rows and rows[0][0] else None


def store_path(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The store path of the open store (the name users give it, not the version file a
    connection has open: see ``store.versions``), None for an in-memory one."""
    path = opened_file(conn)
    return logical_path(path) if path else None


def table_names(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The store's base tables, sorted."""
    rows = conn.execute("""SELECT table_name FROM information_schema.tables
                           WHERE table_schema = 'main' AND table_catalog = current_database()
                             AND table_type = 'BASE TABLE' ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


def read_snapshot(conn: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, pa.Table]]:
    """(schema version, every table as Arrow) read inside one transaction, so a commit running
    in another thread is wholly in the snapshot or wholly out of it."""
    cur = conn.cursor()
    try:
        with plain_transaction(cur):  # nothing written: its commit keeps nothing
            version = schema_version(cur)
            tables = {name: cur.sql(f"SELECT * FROM {_quoted(name)}").to_arrow_table()
                      for name in table_names(cur)}
    finally:
        cur.close()
    return version, tables


def create_store(path: Path, version: int) -> duckdb.DuckDBPyConnection:
    """A new store file at ``path`` with the schema as it was at ``version`` (no rows but the
    version marks), for restoring a backup written by that version."""
    conn = duckdb.connect(str(path), config=CONNECTION_CONFIG)
    try:
        migrate(conn, target=version)
    except Exception:
        conn.close()
        raise
    return conn


def fill_tables(conn: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Replace every table's rows with the given ones in one transaction (all or nothing).

    ``tables`` must name exactly the store's tables (checked by the caller); columns are
    matched by name. Returns the rows written per table.
    """
    known = table_names(conn)
    if sorted(tables) != known:
        raise ValueError(f"tables {sorted(tables)} do not match the store's {known}")
    written: dict[str, int] = {}
    cur = conn.cursor()
    try:
        with plain_transaction(cur):  # the backup's own data version is among its rows
            for name in known:  # the store's own names, never the manifest's text
                cur.execute(f"DELETE FROM {_quoted(name)}")
                cur.register("backup_rows", tables[name])
                try:
                    cur.execute(f"INSERT INTO {_quoted(name)} BY NAME SELECT * FROM backup_rows")
                finally:
                    with contextlib.suppress(duckdb.Error):
                        cur.unregister("backup_rows")
                written[name] = int(cur.execute(f"SELECT count(*) FROM {_quoted(name)}")
                                    .fetchall()[0][0])
    finally:
        cur.close()
    return written


def checkpoint(conn: duckdb.DuckDBPyConnection) -> None:
    """Write everything into the store file itself (no write-ahead log left beside it)."""
    conn.execute("CHECKPOINT")
