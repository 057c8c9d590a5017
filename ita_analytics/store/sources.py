"""Where stored results come from: each agency-year's sources (demo, seed:FILE, import:ID) and
the import records they name, for what a report or a download says about its data."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from ita_analytics.store.scores import _fetch_arrow_df, _fetch_df

SOURCE_SEPARATOR = "|"
"""Between an agency-year's sources in :func:`load_row_sources` (written in its SQL; no source
holds it)."""

# The agency-years under the filters (a NULL list: no filter), then every source of their
# scores and reported values (an agency-year whose indicators came from the demo and from an
# import has both). One constant statement: the filters are bound, never formatted in.
_FOUND = """
    WITH keys AS (
        SELECT r.agency_id, r.year FROM results r JOIN agencies a ON a.agency_id = r.agency_id
        WHERE (CAST($years AS INTEGER[]) IS NULL OR r.year IN (SELECT UNNEST($years)))
          AND (CAST($types AS VARCHAR[]) IS NULL OR a.agency_type IN (SELECT UNNEST($types)))
          AND (CAST($provinces AS VARCHAR[]) IS NULL
               OR a.province IN (SELECT UNNEST($provinces)))
          AND (CAST($ids AS INTEGER[]) IS NULL OR r.agency_id IN (SELECT UNNEST($ids)))),
    found AS (
        SELECT s.agency_id, s.year, s.source FROM scores s JOIN keys USING (agency_id, year)
        UNION
        SELECT p.agency_id, p.year, p.source FROM reported p JOIN keys USING (agency_id, year))
"""
_ROW_SOURCES = _FOUND + """
    SELECT agency_id, CAST(year AS BIGINT) AS year,
           string_agg(source, '|' ORDER BY source) AS sources
    FROM found GROUP BY agency_id, year ORDER BY year, agency_id"""
_SOURCE_TOTALS = _FOUND + """
    SELECT source, count(*) AS n FROM found GROUP BY source ORDER BY source"""


def _params(years, agency_types, provinces, agency_ids) -> dict:
    return {"years": None if years is None else [int(y) for y in years],
            "types": None if agency_types is None else [str(t) for t in agency_types],
            "provinces": None if provinces is None else [str(p) for p in provinces],
            "ids": None if agency_ids is None else [int(a) for a in agency_ids]}


def load_row_sources(conn: duckdb.DuckDBPyConnection, *, years: Iterable[int] | None = None,
                     agency_types: Iterable[str] | None = None,
                     provinces: Iterable[str] | None = None,
                     agency_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """agency_id, year, sources: one row per agency-year with a result under the filters;
    ``sources`` holds its distinct sources in order, joined by :data:`SOURCE_SEPARATOR`."""
    return _fetch_arrow_df(conn, _ROW_SOURCES,
                           _params(years, agency_types, provinces, agency_ids))


def load_source_totals(conn: duckdb.DuckDBPyConnection, *, years: Iterable[int] | None = None,
                       agency_types: Iterable[str] | None = None,
                       provinces: Iterable[str] | None = None,
                       agency_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """source, n: the agency-years under the filters holding anything from each source."""
    frame = _fetch_df(conn, _SOURCE_TOTALS, _params(years, agency_types, provinces, agency_ids))
    return frame.astype({"n": "int64"})


def load_import_records(conn: duckdb.DuckDBPyConnection, import_ids: Iterable[int]
                        ) -> pd.DataFrame:
    """import_id, kind, file_name, created_at, status of the given imports (those that exist)."""
    ids = sorted({int(i) for i in import_ids})
    return _fetch_df(conn, """
        SELECT import_id, kind, file_name, created_at, status FROM imports
        WHERE import_id IN (SELECT UNNEST(?)) ORDER BY import_id""", [ids])
