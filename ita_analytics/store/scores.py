"""Agencies, indicator scores, computed results and reported values: reads and writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ita_analytics.domain import compute_partial_results
from ita_analytics.store.result_columns import INDICATOR_COLUMNS, REPORTED_JOIN
from ita_analytics.store.result_columns import RESULT_COLUMNS as _RESULT_COLUMNS
from ita_analytics.store.schema import LAST_AGENCY_ID

AGENCY_COLUMNS = ["agency_id", "name", "name_key", "agency_type", "province", "district",
                  "official_code", "source", "import_id"]
SCORE_COLUMNS = ["agency_id", "year", "indicator", "score", "source", "import_id"]
REPORTED_COLUMNS = ["agency_id", "year", "total", "level", "iit", "eit", "oit", "source", "import_id"]


def _fetch_df(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on its own cursor and fetch at once (safe under Streamlit's threads)."""
    cur = conn.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def _fetch_arrow_df(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
                    ) -> pd.DataFrame:
    """Like :func:`_fetch_df`, through Arrow: DuckDB's own ``.df()`` builds Python strings one
    by one, about ten times slower for text columns at national scale. Cast DECIMAL columns to
    DOUBLE in ``sql`` (Arrow would give Decimal objects).

    Text columns' Arrow chunks are combined first: pandas keeps a text column as the chunked
    array it was given, and taking rows from a chunked array (every sort, filter or join does)
    is about seven times slower than from one chunk at 10x national, far more than combining
    costs. Numbers become NumPy arrays anyway: combining them
    would only copy them once more."""
    cur = conn.cursor()
    try:
        table = cur.sql(sql, params=params or []).to_arrow_table()
        for i, field in enumerate(table.schema):
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                table = table.set_column(i, field, table.column(i).combine_chunks())
        frame = table.to_pandas()
    finally:
        cur.close()
    # As .df() does: a text column with no value at all holds None (callers test `is None`).
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]) and not frame[col].notna().any():
            frame[col] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


def _with_frame(cur: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, sql: str,
                params: list | None = None) -> None:
    """Run ``sql`` that reads the DataFrame registered as ``name``."""
    cur.register(name, frame)
    try:
        cur.execute(sql, params or [])
    except Exception:
        # An aborted transaction refuses even unregister(); keep the original error.
        with contextlib.suppress(duckdb.Error):
            cur.unregister(name)
        raise
    cur.unregister(name)


# --- agencies ---------------------------------------------------------------------------------

def next_agency_id(cur: duckdb.DuckDBPyConnection) -> int:
    """The first agency id never given: past every stored agency and past the highest id ever
    given (meta ``last_agency_id``), which undo does not lower — an undone import's agency id
    is never given to another agency, which would inherit whatever still pointed at it."""
    return int(cur.execute("""
        SELECT greatest(coalesce(max(agency_id), 0),
                        coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = ?), 0)) + 1
        FROM agencies""", [LAST_AGENCY_ID]).fetchall()[0][0])


def raise_last_id(cur: duckdb.DuckDBPyConnection, key: str, given: int) -> None:
    """Record ``given`` as the highest id ever given under the meta ``key`` unless a higher
    one is recorded; call inside the transaction that gives it."""
    cur.execute("""
        INSERT OR REPLACE INTO meta
        SELECT ?, CAST(greatest(?, coalesce(max(CAST(value AS BIGINT)), 0)) AS VARCHAR)
        FROM meta WHERE key = ?""", [key, int(given), key])


def insert_agencies(cur: duckdb.DuckDBPyConnection, agencies: pd.DataFrame) -> None:
    """Insert agencies (columns :data:`AGENCY_COLUMNS`; official_code and import_id may be null).

    Each agency's identity (name key, type, province, district) is registered in
    ``agency_identities``: an agency of an identity already held raises
    ``duckdb.ConstraintException`` and the transaction writes nothing. The highest id given
    is recorded (:func:`next_agency_id`)."""
    frame = agencies.reindex(columns=AGENCY_COLUMNS)
    if frame.empty:
        return
    _with_frame(cur, "new_agencies", frame, """
        INSERT INTO agencies
        SELECT CAST(agency_id AS INTEGER), name, name_key, agency_type, province, district,
               CAST(official_code AS VARCHAR), source, CAST(import_id AS INTEGER)
        FROM new_agencies""")
    _with_frame(cur, "new_agencies", frame, """
        INSERT INTO agency_identities
        SELECT name_key, agency_type, coalesce(province, ''), coalesce(district, ''),
               CAST(agency_id AS INTEGER)
        FROM new_agencies""")
    raise_last_id(cur, LAST_AGENCY_ID, int(frame["agency_id"].max()))


def missing_agencies(cur: duckdb.DuckDBPyConnection, agency_ids) -> list[int]:
    """Those of ``agency_ids`` (a list or array, repeats allowed) the store holds no agency
    for, sorted; read in ``cur``'s transaction."""
    ids = np.unique(np.asarray(agency_ids, dtype="int64")).tolist()
    if not ids:
        return []
    rows = cur.execute("""SELECT w.id FROM (SELECT UNNEST(?) AS id) w
                          WHERE NOT EXISTS (SELECT 1 FROM agencies a WHERE a.agency_id = w.id)
                          ORDER BY 1""", [ids]).fetchall()
    return [int(r[0]) for r in rows]


def insert_aliases(cur: duckdb.DuckDBPyConnection, aliases: pd.DataFrame) -> None:
    """Insert name aliases (alias_key, agency_id, alias, source, import_id); existing pairs kept."""
    frame = aliases.reindex(columns=["alias_key", "agency_id", "alias", "source", "import_id"])
    _with_frame(cur, "new_aliases", frame, """
        INSERT OR IGNORE INTO agency_aliases
        SELECT alias_key, CAST(agency_id AS INTEGER), alias, source, CAST(import_id AS INTEGER)
        FROM new_aliases""")


def load_agencies(conn: duckdb.DuckDBPyConnection, agency_ids: Iterable[int] | None = None
                  ) -> pd.DataFrame:
    """Agencies (agency_id, name, name_key, agency_type, province, district, official_code, source)."""
    sql = """SELECT agency_id, name, name_key, agency_type, province, district, official_code,
                    source, import_id
             FROM agencies"""
    params: list = []
    if agency_ids is not None:
        sql += " WHERE agency_id IN (SELECT UNNEST(?))"
        params.append([int(a) for a in agency_ids])
    return _fetch_df(conn, sql + " ORDER BY agency_id", params)


def load_agency_names(conn: duckdb.DuckDBPyConnection, agency_ids: Iterable[int]
                      ) -> pd.DataFrame:
    """agency_id, name, province of the agencies ``agency_ids`` names (unknown ids left out),
    by agency id: names for findings or rows a view found on score columns alone.

    The ids go to DuckDB as an Arrow column joined to the agencies: for the 14,000 agencies
    with findings at 10x national about twice as fast as binding them as a list of Python
    ints, and five times as fast as :func:`load_result_agencies` (which also checks each
    agency has results under filters).
    """
    ids = pa.table({"agency_id": pa.array(np.asarray(agency_ids, dtype=np.int32))})
    cur = conn.cursor()
    try:
        cur.register("wanted_agencies", ids)
        table = cur.sql("""SELECT a.agency_id, a.name, a.province FROM agencies a
                           SEMI JOIN wanted_agencies w ON w.agency_id = a.agency_id
                           ORDER BY a.agency_id""").to_arrow_table()
    finally:
        cur.close()
    return table.combine_chunks().to_pandas()


def load_agency_keys(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every name key an agency is known by (its own and its aliases), for matching.

    Columns: key, agency_id, name, agency_type, province, district, official_code.
    """
    return _fetch_df(conn, """
        SELECT a.name_key AS key, a.agency_id, a.name, a.agency_type, a.province, a.district,
               a.official_code
        FROM agencies a
        UNION
        SELECT al.alias_key AS key, a.agency_id, a.name, a.agency_type, a.province, a.district,
               a.official_code
        FROM agency_aliases al JOIN agencies a USING (agency_id)
        ORDER BY agency_id, key""")


# --- scores and results -----------------------------------------------------------------------

def upsert_scores(cur: duckdb.DuckDBPyConnection, scores: pd.DataFrame, *,
                  refresh: bool = True) -> None:
    """Insert or replace indicator scores (columns :data:`SCORE_COLUMNS`), then refresh results.

    Bulk loads pass ``refresh=False`` and call :func:`refresh_results` once at the end.
    """
    frame = scores.reindex(columns=SCORE_COLUMNS)
    _with_frame(cur, "new_scores", frame, """
        INSERT OR REPLACE INTO scores
        SELECT CAST(agency_id AS INTEGER), CAST(year AS SMALLINT), CAST(indicator AS TINYINT),
               CAST(round(score, 2) AS DECIMAL(5, 2)), source, CAST(import_id AS INTEGER)
        FROM new_scores""")
    if refresh:
        refresh_results(cur, frame[["agency_id", "year"]].drop_duplicates())


def insert_scores(cur: duckdb.DuckDBPyConnection, scores: pd.DataFrame) -> None:
    """Insert indicator scores (columns :data:`SCORE_COLUMNS`) of agency-years that hold none.

    A plain INSERT for an import, which deletes the agency-years it writes first: checking
    every row for a conflict (``INSERT OR REPLACE``) adds a third to a national year's insert. Results are not refreshed (call :func:`refresh_results`)."""
    frame = scores.reindex(columns=SCORE_COLUMNS)
    _with_frame(cur, "new_scores", frame, """
        INSERT INTO scores
        SELECT CAST(agency_id AS INTEGER), CAST(year AS SMALLINT), CAST(indicator AS TINYINT),
               CAST(round(score, 2) AS DECIMAL(5, 2)), source, CAST(import_id AS INTEGER)
        FROM new_scores""")


def upsert_reported(cur: duckdb.DuckDBPyConnection, reported: pd.DataFrame, *,
                    refresh: bool = True) -> None:
    """Insert or replace reported totals, levels and tool scores (columns :data:`REPORTED_COLUMNS`)."""
    frame = reported.reindex(columns=REPORTED_COLUMNS)
    _with_frame(cur, "new_reported", frame, """
        INSERT OR REPLACE INTO reported
        SELECT CAST(agency_id AS INTEGER), CAST(year AS SMALLINT),
               CAST(round(total, 2) AS DECIMAL(5, 2)), CAST(level AS VARCHAR),
               CAST(round(iit, 2) AS DECIMAL(5, 2)), CAST(round(eit, 2) AS DECIMAL(5, 2)),
               CAST(round(oit, 2) AS DECIMAL(5, 2)), source, CAST(import_id AS INTEGER)
        FROM new_reported""")
    if refresh:
        refresh_results(cur, frame[["agency_id", "year"]].drop_duplicates())


_WIDE_SCORES_SQL = """
    SELECT s.agency_id, s.year,
           max(score) FILTER (WHERE indicator = 1) AS i1,
           max(score) FILTER (WHERE indicator = 2) AS i2,
           max(score) FILTER (WHERE indicator = 3) AS i3,
           max(score) FILTER (WHERE indicator = 4) AS i4,
           max(score) FILTER (WHERE indicator = 5) AS i5,
           max(score) FILTER (WHERE indicator = 6) AS i6,
           max(score) FILTER (WHERE indicator = 7) AS i7,
           max(score) FILTER (WHERE indicator = 8) AS i8,
           max(score) FILTER (WHERE indicator = 9) AS i9,
           max(score) FILTER (WHERE indicator = 10) AS i10,
           count(*) AS n_indicators,
           min(source) AS source
    FROM scores s
"""


_REPORTED_SQL = """
    SELECT p.agency_id, p.year, CAST(p.total AS DOUBLE) AS reported_total,
           p.level AS reported_level, CAST(p.iit AS DOUBLE) AS "reported_IIT",
           CAST(p.eit AS DOUBLE) AS "reported_EIT", CAST(p.oit AS DOUBLE) AS "reported_OIT",
           p.source AS reported_source
    FROM reported p
"""


def refresh_results(cur: duckdb.DuckDBPyConnection, keys: pd.DataFrame | None = None) -> None:
    """Recompute tools, total, level, pass flag and basis for the given (agency_id, year) keys,
    or all.

    An agency-year's result rests on what was published for it (:func:`compute_partial_results`):
    its ten indicators, else its three tools, else its published total, else its published
    level — a totals-only row gets its total, pass flag and (up to 2565) level.
    """
    if keys is None:
        wide = cur.execute(_WIDE_SCORES_SQL + " GROUP BY ALL").df()
        reported = cur.execute(_REPORTED_SQL).df()
        cur.execute("DELETE FROM results")
    else:
        keys = keys[["agency_id", "year"]].astype("int64").drop_duplicates()
        cur.register("result_keys", keys)
        try:
            wide = cur.execute(
                _WIDE_SCORES_SQL
                + " JOIN result_keys k ON k.agency_id = s.agency_id AND k.year = s.year GROUP BY ALL"
            ).df()
            reported = cur.execute(
                _REPORTED_SQL
                + " JOIN result_keys k ON k.agency_id = p.agency_id AND k.year = p.year").df()
            cur.execute("""DELETE FROM results WHERE (agency_id, year) IN
                           (SELECT (agency_id, year) FROM result_keys)""")
        except Exception:
            with contextlib.suppress(duckdb.Error):
                cur.unregister("result_keys")
            raise
        cur.unregister("result_keys")
    for col in INDICATOR_COLUMNS:
        wide[col] = wide[col].astype("float64")
    if len(reported):
        wide = wide.merge(reported, on=["agency_id", "year"], how="outer")
        wide["n_indicators"] = wide["n_indicators"].fillna(0).astype("int64")
        wide["source"] = wide["source"].fillna(wide["reported_source"])
    computed = compute_partial_results(wide)
    rows = pd.concat([wide[["agency_id", "year", "n_indicators", "source", *INDICATOR_COLUMNS]],
                      computed], axis=1)
    rows = rows.reindex(columns=["agency_id", "year", "IIT", "EIT", "OIT", "total", "level",
                                 "passed", "n_indicators", "source", "basis", *INDICATOR_COLUMNS])
    rows["passed"] = rows["passed"].astype("boolean")
    indicator_names = ", ".join(INDICATOR_COLUMNS)
    indicator_values = ", ".join(f"CAST({c} AS DECIMAL(5, 2))" for c in INDICATOR_COLUMNS)
    _with_frame(cur, "new_results", rows, f"""
        INSERT INTO results (agency_id, year, iit, eit, oit, total, level, passed,
                             n_indicators, source, basis, {indicator_names})
        SELECT CAST(agency_id AS INTEGER), CAST(year AS SMALLINT),
               CAST("IIT" AS DECIMAL(5, 2)), CAST("EIT" AS DECIMAL(5, 2)),
               CAST("OIT" AS DECIMAL(5, 2)), CAST(total AS DECIMAL(5, 2)),
               CAST(level AS VARCHAR), CAST(passed AS BOOLEAN),
               CAST(n_indicators AS TINYINT), source, CAST(basis AS VARCHAR), {indicator_values}
        FROM new_results""")


def _filters(years, agency_types, provinces, agency_ids) -> tuple[str, list]:
    """WHERE clause fragments for the common filters; values are bound, never formatted in."""
    clauses, params = [], []
    for column, values in (("r.year", years), ("a.agency_type", agency_types),
                           ("a.province", provinces), ("a.agency_id", agency_ids)):
        if values is not None:
            clauses.append(f"{column} IN (SELECT UNNEST(?))")
            params.append(list(values))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def load_results(conn: duckdb.DuckDBPyConnection, *, years: Iterable[int] | None = None,
                 agency_types: Iterable[str] | None = None,
                 provinces: Iterable[str] | None = None,
                 agency_ids: Iterable[int] | None = None,
                 indicators: bool = True,
                 columns: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per agency-year: the analyses' input frame.

    Columns: agency_id, name, agency_type, province, district, year, [i1 … i10], IIT, EIT, OIT,
    total, level, passed, n_indicators, source, reported_total, reported_level, reported_IIT,
    reported_EIT, reported_OIT. Scores are floats with NaN for missing values.
    ``columns`` keeps only the named ones (in this order): a view that shows no names or
    places loads several times faster without those text columns.
    """
    where, params = _filters(
        None if years is None else [int(y) for y in years],
        None if agency_types is None else list(agency_types),
        None if provinces is None else list(provinces),
        None if agency_ids is None else [int(a) for a in agency_ids],
    )
    wanted = [c for c in _RESULT_COLUMNS if indicators or c not in INDICATOR_COLUMNS]
    if columns is not None:
        columns = set(columns)
        unknown = sorted(columns - set(_RESULT_COLUMNS))
        if unknown:
            raise ValueError(f"unknown result columns: {', '.join(unknown)}")
        wanted = [c for c in wanted if c in columns]
    select = ",\n               ".join(f'{_RESULT_COLUMNS[c]} AS "{c}"' for c in wanted)
    reported_join = (REPORTED_JOIN
                     if any(c.startswith("reported_") for c in wanted) else "")
    sql = f"""
        SELECT {select}
        FROM results r
        JOIN agencies a ON a.agency_id = r.agency_id
        {reported_join}
        {where}
        ORDER BY r.year, r.agency_id"""
    frame = _fetch_arrow_df(conn, sql, params)
    if "passed" in frame:
        frame["passed"] = frame["passed"].astype("boolean")
    return frame


def load_result_agencies(conn: duckdb.DuckDBPyConnection, *,
                         years: Iterable[int] | None = None,
                         agency_types: Iterable[str] | None = None,
                         provinces: Iterable[str] | None = None,
                         agency_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """agency_id, name, name_key, agency_type, province: one row per agency with results under
    the filters (and among ``agency_ids``).

    What a view that works on score columns alone joins to the few rows it shows: loading the
    names with every agency-year instead costs a text column of every row (seven times the
    rows at 2562-2568).
    """
    where, params = _filters(
        None if years is None else [int(y) for y in years],
        None if agency_types is None else list(agency_types),
        None if provinces is None else list(provinces),
        None if agency_ids is None else [int(a) for a in agency_ids],
    )
    return _fetch_arrow_df(conn, f"""
        SELECT a.agency_id, a.name, a.name_key, a.agency_type, a.province
        FROM agencies a
        WHERE a.agency_id IN (SELECT r.agency_id FROM results r
                              JOIN agencies a ON a.agency_id = r.agency_id {where})
        ORDER BY a.agency_id""", params)


def load_years(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Fiscal years (B.E.) with any results, ascending."""
    return [int(y) for y in _fetch_df(conn, "SELECT DISTINCT year FROM results ORDER BY year")["year"]]


def load_agency_types(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return list(_fetch_df(conn, "SELECT DISTINCT agency_type FROM agencies ORDER BY 1")["agency_type"])


def load_scores_long(conn: duckdb.DuckDBPyConnection, *, year: int | None = None,
                     agency_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """The long table agency_id, agency_name, agency_type, province, district, year, indicator, score.

    Ordered by agency, year and indicator, so two exports of the same data are identical.
    """
    clauses, params = [], []
    if year is not None:
        clauses.append("s.year = ?")
        params.append(int(year))
    if agency_ids is not None:
        clauses.append("s.agency_id IN (SELECT UNNEST(?))")
        params.append([int(a) for a in agency_ids])
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    frame = _fetch_df(conn, f"""
        SELECT s.agency_id, a.name AS agency_name, a.agency_type, a.province, a.district,
               s.year, s.indicator, s.score
        FROM scores s JOIN agencies a USING (agency_id){where}
        ORDER BY s.agency_id, s.year, s.indicator""", params)
    frame["score"] = frame["score"].astype("float64")
    return frame


def load_source_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Agency-years per kind of source (demo / seed / import), to label what is shown."""
    frame = _fetch_df(conn, """
        SELECT CASE WHEN source = 'demo' THEN 'demo'
                    WHEN source LIKE 'seed:%' THEN 'seed' ELSE 'import' END AS kind,
               count(*) AS n
        FROM results GROUP BY 1""")
    return {row.kind: int(row.n) for row in frame.itertuples()}


def count_agencies(conn: duckdb.DuckDBPyConnection, year: int | None = None) -> int:
    if year is None:
        return int(_fetch_df(conn, "SELECT count(*) AS n FROM agencies")["n"][0])
    return int(_fetch_df(conn, "SELECT count(DISTINCT agency_id) AS n FROM results WHERE year = ?",
                         [int(year)])["n"][0])


def as_float(value) -> float | None:
    """A DuckDB/pandas scalar as a plain float, None for missing values (for JSON)."""
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return None if np.isnan(value) else value
