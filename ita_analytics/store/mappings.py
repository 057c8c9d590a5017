"""Column mappings remembered by a file layout's header signature (kept in the meta table)."""

from __future__ import annotations

import json

import duckdb

from ita_analytics.store.connection import get_meta

_PREFIX = "mapping:"


def load_mapping(conn: duckdb.DuckDBPyConnection, signature: str) -> dict[str, str] | None:
    """The mapping (header text → role) last used for files of this header signature."""
    raw = get_meta(conn, _PREFIX + signature)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None


def remember_mapping(conn: duckdb.DuckDBPyConnection, signature: str,
                     mapping: dict[str, str]) -> None:
    """Keep ``mapping`` (header text → role) for the next file with this header signature.

    One statement (atomic by itself) outside :func:`~ita_analytics.store.connection.transaction`:
    a remembered mapping is no change of the data, so it does not bump the data version that
    caches and pending previews are keyed on."""
    cur = conn.cursor()
    try:
        cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [_PREFIX + signature, json.dumps(mapping, ensure_ascii=False, sort_keys=True)])
    finally:
        cur.close()
