"""Reads for the consistency checks: only the rows each check needs.

The quality page checks every agency-year under its filters. Loading them all with names and
reported values grew 5.5x for 10x the data; the jump check needs the indicator scores alone,
the reported check only the agency-years with something reported (a handful), and names are
read once per agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from ita_analytics.store.scores import (
    INDICATOR_COLUMNS,
    _fetch_df,
    _filters,
    load_results,
)

# The results table's column of each metric an analysis names (constants only).
_METRIC_COLUMNS = {"total": "total", "IIT": "iit", "EIT": "eit", "OIT": "oit",
                    **{c: c for c in INDICATOR_COLUMNS}}


def _pairs_sql(metrics: list[str], years, agency_types, provinces) -> tuple[str, list]:
    """The query pairing each agency's consecutive years, both within ``years``: agency_id,
    year (the later one) and each metric's change in hundredths of a point (SMALLINT); the
    filters bound as parameters."""
    unknown = sorted(set(metrics) - set(_METRIC_COLUMNS))
    if unknown:
        raise ValueError(f"unknown metrics: {', '.join(unknown)}")
    changes = ", ".join(f"CAST((b.{_METRIC_COLUMNS[m]} - a.{_METRIC_COLUMNS[m]}) * 100 "
                        f'AS SMALLINT) AS "{m}"' for m in metrics)
    clauses, params = [], []
    for column, values in (("a.year", years), ("b.year", years), ("g.agency_type", agency_types),
                           ("g.province", provinces)):
        if values is not None:
            clauses.append(f"{column} IN (SELECT UNNEST(?))")
            params.append([int(v) for v in values] if column.endswith("year") else list(values))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return f"""
        SELECT b.agency_id, CAST(b.year AS BIGINT) AS year, {changes}
        FROM results a
        JOIN results b ON b.agency_id = a.agency_id AND b.year = a.year + 1
        JOIN agencies g ON g.agency_id = b.agency_id
        {where}""", params


class ChangeHundredths(NamedTuple):
    """Consecutive-year changes as whole hundredths of a point (see
    :func:`load_change_hundredths`)."""

    agency_id: np.ndarray
    """int32, one per pair of years."""
    year: np.ndarray
    """int64, the later year of each pair."""
    metrics: tuple[str, ...]
    values: np.ndarray
    """int16, rows × metrics (column-major): the change in hundredths (0 where not
    ``known``)."""
    known: np.ndarray
    """bool, rows × metrics (column-major): both years have the metric."""

    def __len__(self) -> int:  # the number of pairs, not of fields
        return len(self.agency_id)


def load_change_hundredths(conn: duckdb.DuckDBPyConnection, *,
                           metrics: Iterable[str] = tuple(INDICATOR_COLUMNS),
                           years: Iterable[int] | None = None,
                           agency_types: Iterable[str] | None = None,
                           provinces: Iterable[str] | None = None) -> ChangeHundredths:
    """Changes of ``metrics`` (total, IIT, EIT, OIT, i1 … i10) between consecutive fiscal
    years of each agency, both years within ``years``, in no particular order: the pairs
    :func:`ita_analytics.analysis.common.consecutive_changes` finds in the loaded results,
    paired by a self-join in DuckDB. Each change is exact, in hundredths of a point: the
    store keeps scores as DECIMAL(5, 2), so a change is a whole number of hundredths between
    -10,000 and 10,000 (an int16).

    For analyses of medians and spreads of all changes (the jump check, the ordinary band):
    at 10x national, pairing in DuckDB into these NumPy arrays of 2-byte integers is about
    twice as fast as into a DataFrame of doubles and three times as fast as pairing in pandas
    — and counting hundredths needs no rounding.
    """
    metrics = list(metrics)
    sql, params = _pairs_sql(metrics, years, agency_types, provinces)
    cur = conn.cursor()
    try:
        table = cur.sql(sql, params=params).to_arrow_table()
    finally:
        cur.close()
    # Column-major: the analyses go metric by metric (rows of a column 20 bytes apart make
    # the median and MAD of 480,000 pairs five times slower).
    values = np.zeros((table.num_rows, len(metrics)), dtype=np.int16, order="F")
    known = np.zeros((table.num_rows, len(metrics)), dtype=bool, order="F")
    for j, metric in enumerate(metrics):
        column = table.column(metric)
        known[:, j] = column.is_valid().to_numpy(zero_copy_only=False)
        values[:, j] = column.fill_null(0).to_numpy()
    return ChangeHundredths(table.column("agency_id").to_numpy(),
                            table.column("year").to_numpy(), tuple(metrics), values, known)


def load_reported_results(conn: duckdb.DuckDBPyConnection, columns: Iterable[str], *,
                          years: Iterable[int] | None = None,
                          agency_types: Iterable[str] | None = None,
                          provinces: Iterable[str] | None = None) -> pd.DataFrame:
    """:func:`load_results` ``columns`` of the agency-years with any reported value only."""
    year_list = None if years is None else [int(y) for y in years]
    ids = _fetch_df(conn, """SELECT DISTINCT agency_id FROM reported
                             WHERE ? OR year IN (SELECT UNNEST(?))""",
                    [year_list is None, year_list or []])["agency_id"]
    frame = load_results(conn, years=year_list, agency_types=agency_types, provinces=provinces,
                         agency_ids=[int(a) for a in ids], columns=columns)
    reported = [c for c in frame.columns if c.startswith("reported_")]
    return frame[frame[reported].notna().any(axis=1)].reset_index(drop=True)


def load_same_name_agencies(conn: duckdb.DuckDBPyConnection, *,
                            years: Iterable[int] | None = None,
                            agency_types: Iterable[str] | None = None,
                            provinces: Iterable[str] | None = None) -> pd.DataFrame:
    """agency_id, name, name_key, province of the agencies with results under the filters
    that share their normalised name and province with another such agency — all the
    duplicate check needs, without reading every agency's name (10x national: 0.07 s)."""
    where, params = _filters(
        None if years is None else [int(y) for y in years],
        None if agency_types is None else list(agency_types),
        None if provinces is None else list(provinces),
        None,
    )
    # Names shared at all are found first over the agencies alone; the results are read only
    # to keep those of the chosen years, types and provinces.
    return _fetch_df(conn, f"""
        WITH shared AS (SELECT name_key, province FROM agencies
                        GROUP BY name_key, province HAVING count(*) > 1)
        SELECT a.agency_id, a.name, a.name_key, a.province
        FROM agencies a
        JOIN shared s ON s.name_key = a.name_key AND s.province IS NOT DISTINCT FROM a.province
        WHERE a.agency_id IN (SELECT r.agency_id FROM results r
                              JOIN agencies a ON a.agency_id = r.agency_id {where})
        QUALIFY count(*) OVER (PARTITION BY a.name_key, a.province) > 1
        ORDER BY a.agency_id""", params)
