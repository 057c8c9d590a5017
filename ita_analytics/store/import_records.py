"""Import records of the kinds written beside the scores' own (measures, items): one row each
in ``imports``, found again by the file's hash."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from ita_analytics.store.scores import _fetch_df


def find_committed_kind_import(conn: duckdb.DuckDBPyConnection, kind: str,
                               sha256: str) -> int | None:
    """The newest committed import of ``kind`` of a file with this hash, if any."""
    frame = _fetch_df(conn, """SELECT import_id FROM imports
                               WHERE kind = ? AND sha256 = ? AND status = 'committed'
                               ORDER BY import_id DESC""", [kind, sha256])
    return int(frame["import_id"].iloc[0]) if len(frame) else None


def record_kind_import(cur: duckdb.DuckDBPyConnection, kind: str, *, file_name: str,
                       sha256: str, year: int | None, user_name: str | None, rows: int,
                       agencies: int, details: dict | None = None) -> int:
    """Add the record of an import of ``kind``; returns its id (inside the caller's transaction)."""
    import_id = int(cur.execute(
        "SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0])
    cur.execute("""
        INSERT INTO imports (import_id, kind, file_name, sha256, year, created_at, user_name,
                             rows, agencies, new_agencies, replaced_scores, status, details)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 'committed', ?)""",
                [import_id, kind, file_name, sha256, year, datetime.now(), user_name,
                 rows, agencies, json.dumps(details or {}, ensure_ascii=False)])
    return import_id
