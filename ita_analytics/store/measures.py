"""Measures (มาตรการ) and their indicator links: reads, writes, and measures imports with undo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb
import pandas as pd

from ita_analytics.errors import ItaError
from ita_analytics.store.import_records import find_committed_kind_import, record_kind_import
from ita_analytics.store.schema import LAST_MEASURE_ID
from ita_analytics.store.scores import _fetch_df, _with_frame, missing_agencies, raise_last_id

MEASURE_FIELDS = ["agency_id", "year", "title", "kind", "issue", "steps", "period_text",
                  "start_month", "end_month", "responsible", "status", "output", "outcome",
                  "target_indicator", "target_from", "target_to", "source", "import_id"]
"""Columns a new measure is given by (``indicators`` — a list of 1–10 — goes with them)."""

EDITABLE_FIELDS = ("title", "kind", "issue", "steps", "period_text", "start_month", "end_month",
                   "responsible", "status", "output", "outcome", "target_indicator",
                   "target_from", "target_to")
"""Fields a user may change on a recorded measure (the dashboard's editable table)."""

IMPORT_KIND = "measures"


def next_measure_id(cur: duckdb.DuckDBPyConnection) -> int:
    """The first measure id never given (past the meta ``last_measure_id`` too: ids of
    removed measures are not given again)."""
    return int(cur.execute("""
        SELECT greatest(coalesce(max(measure_id), 0),
                        coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = ?), 0)) + 1
        FROM measures""", [LAST_MEASURE_ID]).fetchall()[0][0])


def insert_measures(cur: duckdb.DuckDBPyConnection, measures: pd.DataFrame) -> list[int]:
    """Insert measures (columns :data:`MEASURE_FIELDS` plus ``indicators``); call in a transaction.

    Returns the new measure ids in row order. Months are dates (first of month) or None.
    A measure of an agency the store does not hold (removed by an undo since the page or
    file named it) raises :class:`ItaError`: it would point at nothing.
    """
    if measures.empty:
        return []
    missing = missing_agencies(cur, measures["agency_id"])
    if missing:
        listed = ", ".join(str(a) for a in missing)
        raise ItaError(
            f"ไม่พบหน่วยงานหมายเลข {listed} ในฐานข้อมูล (อาจถูกลบเมื่อยกเลิกการนำเข้า) "
            "จึงไม่บันทึกมาตรการ กรุณาเลือกหน่วยงานใหม่",
            f"The store holds no agency {listed} (an undone import may have removed it); "
            "no measure was saved. Choose the agency again.")
    first = next_measure_id(cur)
    frame = measures.reindex(columns=MEASURE_FIELDS).copy()
    frame.insert(0, "measure_id", range(first, first + len(frame)))
    for col in ("start_month", "end_month"):
        frame[col] = pd.to_datetime(frame[col]).dt.date.astype("object")
        frame[col] = frame[col].where(frame[col].notna(), None)
    for col in ("target_indicator", "import_id"):
        frame[col] = pd.array(pd.to_numeric(frame[col]), dtype="Int64")
    frame["created_at"] = datetime.now()
    _with_frame(cur, "new_measures", frame, """
        INSERT INTO measures
        SELECT CAST(measure_id AS INTEGER), CAST(agency_id AS INTEGER), CAST(year AS SMALLINT),
               title, kind, issue, steps, period_text, CAST(start_month AS DATE),
               CAST(end_month AS DATE), responsible, status, output, outcome,
               CAST(target_indicator AS TINYINT), CAST(target_from AS DECIMAL(5, 2)),
               CAST(target_to AS DECIMAL(5, 2)), source, CAST(import_id AS INTEGER),
               CAST(created_at AS TIMESTAMP)
        FROM new_measures""")
    indicators = measures["indicators"] if "indicators" in measures else [()] * len(measures)
    links = [(mid, int(n)) for mid, numbers in zip(frame["measure_id"], indicators)
             for n in sorted(set(numbers or ()))]
    if links:
        _with_frame(cur, "new_links", pd.DataFrame(links, columns=["measure_id", "indicator"]), """
            INSERT INTO measure_indicators
            SELECT CAST(measure_id AS INTEGER), CAST(indicator AS TINYINT) FROM new_links""")
    raise_last_id(cur, LAST_MEASURE_ID, int(frame["measure_id"].max()))
    return [int(m) for m in frame["measure_id"]]


def update_measure(cur: duckdb.DuckDBPyConnection, measure_id: int, changes: dict,
                   indicators: Iterable[int] | None = None) -> None:
    """Change some :data:`EDITABLE_FIELDS` of one measure (and its indicators when given)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if changes:
        # Column names come from the fixed list above; values are bound.
        assignments = ", ".join(f"{col} = ?" for col in changes)
        cur.execute(f"UPDATE measures SET {assignments} WHERE measure_id = ?",
                    [*changes.values(), int(measure_id)])
    if indicators is not None:
        cur.execute("DELETE FROM measure_indicators WHERE measure_id = ?", [int(measure_id)])
        for n in sorted(set(int(i) for i in indicators)):
            cur.execute("INSERT INTO measure_indicators VALUES (?, ?)", [int(measure_id), n])


def delete_measures(cur: duckdb.DuckDBPyConnection, measure_ids: Iterable[int]) -> int:
    """Delete measures and their links; returns how many measures were deleted."""
    ids = [int(m) for m in measure_ids]
    if not ids:
        return 0
    cur.execute("DELETE FROM measure_indicators WHERE measure_id IN (SELECT UNNEST(?))", [ids])
    return int(cur.execute("DELETE FROM measures WHERE measure_id IN (SELECT UNNEST(?)) "
                           "RETURNING measure_id", [ids]).df().shape[0])


def load_measures(conn: duckdb.DuckDBPyConnection, *, agency_ids: Iterable[int] | None = None,
                  years: Iterable[int] | None = None, provinces: Iterable[str] | None = None,
                  agency_types: Iterable[str] | None = None, source_prefix: str | None = None,
                  import_id: int | None = None) -> pd.DataFrame:
    """Measures with their agency, one row per measure.

    Columns: measure_id, agency_id, name, agency_type, province, district, year, title, kind,
    issue, steps, period_text, start_month, end_month (Timestamps, first of month, NaT when
    not stated), responsible, status, output, outcome, target_indicator, target_from,
    target_to (floats, NaN when none), source, import_id, created_at, indicators (sorted list
    of linked indicator numbers).
    """
    clauses, params = [], []
    for column, values in (("m.agency_id", agency_ids), ("m.year", years),
                           ("a.province", provinces), ("a.agency_type", agency_types)):
        if values is not None:
            clauses.append(f"{column} IN (SELECT UNNEST(?))")
            params.append([int(v) for v in values] if column.startswith("m.") else list(values))
    if source_prefix is not None:
        clauses.append("starts_with(m.source, ?)")
        params.append(source_prefix)
    if import_id is not None:
        clauses.append("m.import_id = ?")
        params.append(int(import_id))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    frame = _fetch_df(conn, f"""
        SELECT m.measure_id, m.agency_id, a.name, a.agency_type, a.province, a.district, m.year,
               m.title, m.kind, m.issue, m.steps, m.period_text, m.start_month, m.end_month,
               m.responsible, m.status, m.output, m.outcome, m.target_indicator,
               m.target_from, m.target_to, m.source, m.import_id, m.created_at,
               coalesce((SELECT list(i.indicator ORDER BY i.indicator)
                         FROM measure_indicators i WHERE i.measure_id = m.measure_id),
                        []) AS indicators
        FROM measures m JOIN agencies a ON a.agency_id = m.agency_id{where}
        ORDER BY m.agency_id, m.year, m.measure_id""", params)
    frame["indicators"] = [[int(n) for n in (v if v is not None else [])]
                           for v in frame["indicators"]]
    for col in ("target_from", "target_to"):
        frame[col] = frame[col].astype("float64")
    frame["target_indicator"] = frame["target_indicator"].astype("Int64")
    frame["year"] = frame["year"].astype("int64")
    for col in ("start_month", "end_month"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def count_measures_by_source(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many measures came from each source (seed file, import, dashboard)."""
    frame = _fetch_df(conn, "SELECT source, count(*) AS n FROM measures GROUP BY source")
    return {str(s): int(n) for s, n in zip(frame["source"], frame["n"])}


# --- imports of measures --------------------------------------------------------------------------

def find_committed_import(conn: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The committed measures import of a file with this hash, if any (re-import does nothing)."""
    return find_committed_kind_import(conn, IMPORT_KIND, sha256)


def record_import(cur: duckdb.DuckDBPyConnection, *, file_name: str, sha256: str,
                  year: int | None, user_name: str | None, rows: int, agencies: int,
                  details: dict | None = None) -> int:
    """Add the import record of a measures import (kind 'measures'); returns its id."""
    return record_kind_import(cur, IMPORT_KIND, file_name=file_name, sha256=sha256, year=year,
                              user_name=user_name, rows=rows, agencies=agencies,
                              details=details)


def load_measure_imports(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Measures imports, newest first: import_id, file_name, year, created_at, user_name, rows,
    agencies, status, undone_at."""
    return _fetch_df(conn, """
        SELECT import_id, file_name, year, created_at, user_name, rows, agencies, status, undone_at
        FROM imports WHERE kind = ? ORDER BY import_id DESC""", [IMPORT_KIND])


def undo_measures_import(cur: duckdb.DuckDBPyConnection, import_id: int,
                         user_name: str | None = None) -> int:
    """Remove every measure an import added and mark it undone; returns measures removed.

    Raises ValueError when the import is not a committed measures import.
    """
    rows = cur.execute("SELECT kind, status FROM imports WHERE import_id = ?",
                       [int(import_id)]).fetchall()
    if not rows or rows[0][0] != IMPORT_KIND or rows[0][1] != "committed":
        raise ValueError(f"import {import_id} is not a committed measures import")
    ids = cur.execute("SELECT measure_id FROM measures WHERE import_id = ?",
                      [int(import_id)]).df()["measure_id"].tolist()
    removed = delete_measures(cur, ids)
    cur.execute("UPDATE imports SET status = 'undone', undone_at = ?, undone_by = ? "
                "WHERE import_id = ?", [datetime.now(), user_name, int(import_id)])
    return removed
