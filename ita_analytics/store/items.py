"""Item-level results (คะแนนรายข้อ): reads, writes, and items imports with undo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb
import pandas as pd

from ita_analytics.store.import_records import find_committed_kind_import, record_kind_import
from ita_analytics.store.scores import _fetch_arrow_df, _fetch_df, _with_frame

ITEM_COLUMNS = ["agency_id", "year", "item", "tool", "score", "passed", "source", "import_id"]
"""Columns of a stored item row (``score`` 0–100 or None; ``passed`` for OIT items only)."""

IMPORT_KIND = "items"


def _ints(values: Iterable | None) -> list[int] | None:
    return None if values is None else [int(v) for v in values]


def _texts(values: Iterable | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def insert_items(cur: duckdb.DuckDBPyConnection, items: pd.DataFrame) -> int:
    """Insert item rows (columns :data:`ITEM_COLUMNS`); call inside a transaction.

    Returns how many rows were inserted. A row already stored for the same agency, year and
    item violates the key and aborts the transaction: check with :func:`load_item_keys` first.
    """
    if items.empty:
        return 0
    frame = items.reindex(columns=ITEM_COLUMNS).copy()
    frame["score"] = pd.to_numeric(frame["score"], errors="raise").astype("float64")
    frame["passed"] = pd.array(frame["passed"], dtype="boolean")
    frame["import_id"] = pd.array(pd.to_numeric(frame["import_id"]), dtype="Int64")
    _with_frame(cur, "new_items", frame, """
        INSERT INTO item_scores
        SELECT CAST(agency_id AS INTEGER), CAST(year AS SMALLINT), item, tool,
               CAST(round(score, 2) AS DECIMAL(5, 2)), CAST(passed AS BOOLEAN), source,
               CAST(import_id AS INTEGER)
        FROM new_items""")
    return len(frame)


_ITEM_FILTERS = """
    (CAST(? AS INTEGER[]) IS NULL OR list_contains(CAST(? AS INTEGER[]), s.agency_id))
    AND (CAST(? AS INTEGER[]) IS NULL OR list_contains(CAST(? AS INTEGER[]), s.year))
    AND (CAST(? AS VARCHAR[]) IS NULL OR list_contains(CAST(? AS VARCHAR[]), a.agency_type))
    AND (CAST(? AS VARCHAR[]) IS NULL OR list_contains(CAST(? AS VARCHAR[]), a.province))
    AND (CAST(? AS VARCHAR[]) IS NULL OR list_contains(CAST(? AS VARCHAR[]), s.tool))"""
"""Every filter is a bound list (NULL for all): the statements below are constants."""
_LOAD_ITEMS_SQL = """
    SELECT s.agency_id, a.name, a.agency_type, a.province, a.district, s.year, s.item, s.tool,
           CAST(s.score AS DOUBLE) AS score, s.passed, s.source, s.import_id
    FROM item_scores s JOIN agencies a ON a.agency_id = s.agency_id
    WHERE""" + _ITEM_FILTERS + """
    ORDER BY s.agency_id, s.year, strpos('ieo', left(s.item, 1)),
             CAST(substr(s.item, 2) AS INTEGER)"""
_LOAD_ITEM_VALUES_SQL = """
    SELECT s.agency_id, s.year, s.item, s.tool, CAST(s.score AS DOUBLE) AS score, s.passed
    FROM item_scores s JOIN agencies a ON a.agency_id = s.agency_id
    WHERE""" + _ITEM_FILTERS + """
    ORDER BY s.year, s.agency_id, strpos('ieo', left(s.item, 1)),
             CAST(substr(s.item, 2) AS INTEGER)"""


def _filter_params(agency_ids, years, agency_types, provinces, tools) -> list:
    params = []
    for values in (_ints(agency_ids), _ints(years), _texts(agency_types), _texts(provinces),
                   _texts(tools)):
        params += [values, values]
    return params


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["year"] = frame["year"].astype("int64")
    frame["score"] = frame["score"].astype("float64")
    frame["passed"] = pd.array(frame["passed"], dtype="boolean")
    return frame


def load_items(conn: duckdb.DuckDBPyConnection, *, agency_ids: Iterable[int] | None = None,
               years: Iterable[int] | None = None, agency_types: Iterable[str] | None = None,
               provinces: Iterable[str] | None = None, tools: Iterable[str] | None = None
               ) -> pd.DataFrame:
    """Item rows with their agency, by agency, year and item.

    Columns: agency_id, name, agency_type, province, district, year, item, tool, score
    (float, NaN when none), passed (boolean, NA for IIT/EIT items), source, import_id.
    Each filter left None means all.
    """
    frame = _fetch_df(conn, _LOAD_ITEMS_SQL,
                      _filter_params(agency_ids, years, agency_types, provinces, tools))
    return _typed(frame)


def load_item_values(conn: duckdb.DuckDBPyConnection, *, years: Iterable[int] | None = None,
                     agency_types: Iterable[str] | None = None,
                     provinces: Iterable[str] | None = None, tools: Iterable[str] | None = None
                     ) -> pd.DataFrame:
    """Item values of a group of agencies, without names (a national year is ~360,000 rows).

    Columns: agency_id, year, item, tool, score (float), passed (boolean).
    """
    frame = _fetch_arrow_df(conn, _LOAD_ITEM_VALUES_SQL,
                            _filter_params(None, years, agency_types, provinces, tools))
    return _typed(frame)


_ITEM_COUNTS_SQL = """
    SELECT s.year, s.item, s.tool, count(s.score) AS n,
           coalesce(sum(CAST(s.score AS DOUBLE)), 0) AS score_sum,
           count(*) FILTER (WHERE s.score < ?) AS n_below,
           count(s.passed) AS n_pass_known, count(*) FILTER (WHERE s.passed) AS n_passed
    FROM item_scores s JOIN agencies a ON a.agency_id = s.agency_id
    WHERE""" + _ITEM_FILTERS + """
    GROUP BY s.year, s.item, s.tool
    ORDER BY s.year, strpos('ieo', left(s.item, 1)), CAST(substr(s.item, 2) AS INTEGER)"""
_ITEM_PAIRS_SQL = """
    WITH v AS (
        SELECT s.agency_id, s.year, s.item, s.tool,
               CASE WHEN s.tool = 'OIT' THEN CASE WHEN s.passed THEN 100.0
                                                  WHEN NOT s.passed THEN 0.0 END
                    ELSE CAST(s.score AS DOUBLE) END AS value
        FROM item_scores s JOIN agencies a ON a.agency_id = s.agency_id
        WHERE""" + _ITEM_FILTERS + """)
    SELECT f.item, f.tool, count(*) AS n, sum(f.value) AS sum_from, sum(t.value) AS sum_to
    FROM v f JOIN v t ON t.agency_id = f.agency_id AND t.item = f.item
    WHERE f.year = ? AND t.year = ? AND f.value IS NOT NULL AND t.value IS NOT NULL
    GROUP BY f.item, f.tool
    ORDER BY strpos('ieo', left(f.item, 1)), CAST(substr(f.item, 2) AS INTEGER)"""
_ITEM_AGENCIES_SQL = """
    SELECT count(DISTINCT s.agency_id) AS n
    FROM item_scores s JOIN agencies a ON a.agency_id = s.agency_id
    WHERE""" + _ITEM_FILTERS


def load_item_counts(conn: duckdb.DuckDBPyConnection, *, threshold: float,
                     years: Iterable[int] | None = None, agency_types: Iterable[str] | None = None,
                     provinces: Iterable[str] | None = None) -> pd.DataFrame:
    """Per year and item of a group of agencies, counted in the store (a national year is
    ~360,000 rows, 43 counts): year, item, tool, n (rows with a score), score_sum, n_below
    (scores under ``threshold``), n_pass_known, n_passed — the input of
    ``analysis.items.compute_item_pass_rates``."""
    frame = _fetch_df(conn, _ITEM_COUNTS_SQL,
                      [float(threshold), *_filter_params(None, years, agency_types, provinces, None)])
    frame["year"] = frame["year"].astype("int64")
    return frame


def load_item_pairs(conn: duckdb.DuckDBPyConnection, year_from: int, year_to: int, *,
                    agency_types: Iterable[str] | None = None,
                    provinces: Iterable[str] | None = None) -> pd.DataFrame:
    """Per item, the agencies of a group with a value in both years, summed in the store: item,
    tool, n, sum_from, sum_to (the value of an OIT item is 100 when passed, 0 when not) — the
    input of ``analysis.items.compute_item_movers``."""
    return _fetch_df(conn, _ITEM_PAIRS_SQL,
                     [*_filter_params(None, [year_from, year_to], agency_types, provinces, None),
                      int(year_from), int(year_to)])


def count_item_agencies(conn: duckdb.DuckDBPyConnection, year: int, *,
                        agency_types: Iterable[str] | None = None,
                        provinces: Iterable[str] | None = None) -> int:
    """How many agencies of a group have item rows in ``year``."""
    frame = _fetch_df(conn, _ITEM_AGENCIES_SQL,
                      _filter_params(None, [year], agency_types, provinces, None))
    return int(frame["n"].iloc[0])


def load_item_years(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Fiscal years with any item row, ascending."""
    frame = _fetch_df(conn, "SELECT DISTINCT year FROM item_scores ORDER BY year")
    return [int(y) for y in frame["year"]]


def count_items(conn: duckdb.DuckDBPyConnection, agency_id: int, year: int) -> int:
    """How many item rows the store holds for one agency-year."""
    frame = _fetch_df(conn, "SELECT count(*) AS n FROM item_scores WHERE agency_id = ? AND year = ?",
                      [int(agency_id), int(year)])
    return int(frame["n"].iloc[0])


def load_item_keys(conn: duckdb.DuckDBPyConnection, agency_ids: Iterable[int],
                   years: Iterable[int]) -> pd.DataFrame:
    """The stored (agency_id, year, item) of some agencies and years, with source and import_id:
    what an import would collide with."""
    return _fetch_df(conn, """
        SELECT agency_id, year, item, source, import_id FROM item_scores
        WHERE list_contains(CAST(? AS INTEGER[]), agency_id)
          AND list_contains(CAST(? AS INTEGER[]), year)""",
                     [_ints(agency_ids), _ints(years)])


def load_item_source_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many item rows came from each source (demo, a seed document, an import)."""
    frame = _fetch_df(conn, "SELECT source, count(*) AS n FROM item_scores GROUP BY source")
    return {str(s): int(n) for s, n in zip(frame["source"], frame["n"])}


def delete_items_of_import(cur: duckdb.DuckDBPyConnection, import_id: int) -> int:
    """Remove every item row an import wrote; returns how many. Call inside the transaction that
    undoes the import (items are only ever added by an import, never replaced, so removing
    them restores the state before it)."""
    rows = cur.execute("DELETE FROM item_scores WHERE import_id = ? RETURNING item",
                       [int(import_id)]).fetchall()
    return len(rows)


# --- imports of items ------------------------------------------------------------------------------

def find_committed_items_import(conn: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The committed items import of a file with this hash, if any (re-import does nothing)."""
    return find_committed_kind_import(conn, IMPORT_KIND, sha256)


def record_items_import(cur: duckdb.DuckDBPyConnection, *, file_name: str, sha256: str,
                        year: int | None, user_name: str | None, rows: int, agencies: int,
                        details: dict | None = None) -> int:
    """Add the record of an items import (kind 'items'); returns its id."""
    return record_kind_import(cur, IMPORT_KIND, file_name=file_name, sha256=sha256, year=year,
                              user_name=user_name, rows=rows, agencies=agencies,
                              details=details)


def undo_items_import(cur: duckdb.DuckDBPyConnection, import_id: int,
                      user_name: str | None = None) -> int:
    """Remove the item rows of a committed items import and mark it undone; returns rows removed.

    Raises ValueError when the import is not a committed items import.
    """
    rows = cur.execute("SELECT kind, status FROM imports WHERE import_id = ?",
                       [int(import_id)]).fetchall()
    if not rows or rows[0][0] != IMPORT_KIND or rows[0][1] != "committed":
        raise ValueError(f"import {import_id} is not a committed items import")
    removed = delete_items_of_import(cur, import_id)
    cur.execute("UPDATE imports SET status = 'undone', undone_at = ?, undone_by = ? "
                "WHERE import_id = ?", [datetime.now(), user_name, int(import_id)])
    return removed
