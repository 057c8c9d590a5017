"""One agency's name keys without every agency's: what a command naming one agency reads.

The plain-row readers (:func:`agency_key_rows_named`, :func:`agency_result_row`) import no
pandas: ``show`` reads one agency-year with them (tests/test_cli_speed.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ita_analytics.store.result_columns import REPORTED_JOIN, RESULT_COLUMNS

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# load_agency_keys' statement, kept to the given keys.
_KEYS_NAMED = """
    SELECT a.name_key AS key, a.agency_id, a.name, a.agency_type, a.province, a.district,
           a.official_code
    FROM agencies a WHERE a.name_key IN (SELECT UNNEST($keys))
    UNION
    SELECT al.alias_key AS key, a.agency_id, a.name, a.agency_type, a.province, a.district,
           a.official_code
    FROM agency_aliases al JOIN agencies a USING (agency_id)
    WHERE al.alias_key IN (SELECT UNNEST($keys))
    ORDER BY agency_id, key"""


def load_agency_keys_named(conn: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> pd.DataFrame:
    """The rows of ``store.load_agency_keys`` whose key is one of ``keys`` (same columns):
    enough to find an agency by its exact name; near names need every key."""
    from ita_analytics.store.scores import _fetch_df

    return _fetch_df(conn, _KEYS_NAMED, {"keys": [str(k) for k in keys]})


def _fetch_rows(conn: duckdb.DuckDBPyConnection, sql: str, params) -> list[dict]:
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
        names = [column[0] for column in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        cur.close()


def agency_key_rows_named(conn: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> list[dict]:
    """:func:`load_agency_keys_named` as plain rows (missing values None), in the same order."""
    return _fetch_rows(conn, _KEYS_NAMED, {"keys": [str(k) for k in keys]})


def agency_result_row(conn: duckdb.DuckDBPyConnection, agency_id: int, year: int,
                      columns: Iterable[str]) -> dict | None:
    """The ``columns`` of ``store.load_results`` for one agency-year as a plain row (the same
    SQL; missing values None), or None when the store holds no result for it."""
    wanted = list(columns)
    select = ", ".join(f'{RESULT_COLUMNS[c]} AS "{c}"' for c in wanted)
    rows = _fetch_rows(conn, f"""
        SELECT {select}
        FROM results r
        JOIN agencies a ON a.agency_id = r.agency_id
        {REPORTED_JOIN}
        WHERE r.agency_id = ? AND r.year = ?""", [int(agency_id), int(year)])
    return rows[0] if rows else None
