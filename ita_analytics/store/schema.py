"""The store's schema as versioned migrations, applied in order inside one transaction each."""

from __future__ import annotations

from contextlib import contextmanager

import duckdb

from ita_analytics.errors import StoreError


def _refresh_all_results(conn: duckdb.DuckDBPyConnection) -> None:
    """A migration step in Python: recompute every result under the current rules."""
    # Imported only when a migration needs it: store.scores loads pandas, NumPy and Arrow,
    # which opening the store must not (``show`` reads one row without them:
    # tests/test_cli_speed.py).
    from ita_analytics.store.scores import refresh_results

    refresh_results(conn)


# Each migration is (version, statements); a statement may be a function of the connection
# (run inside the migration's transaction). Never edit a released one: add the next.
MIGRATIONS: list[tuple[int, tuple[str, ...]]] = [
    (1, (
        """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
        """CREATE TABLE agencies (
            agency_id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            name_key VARCHAR NOT NULL,
            agency_type VARCHAR NOT NULL,
            province VARCHAR,
            district VARCHAR,
            official_code VARCHAR,
            source VARCHAR NOT NULL,
            import_id INTEGER
        )""",
        """CREATE INDEX agencies_name_key ON agencies (name_key)""",
        """CREATE TABLE agency_aliases (
            alias_key VARCHAR NOT NULL,
            agency_id INTEGER NOT NULL,
            alias VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            import_id INTEGER,
            PRIMARY KEY (alias_key, agency_id)
        )""",
        """CREATE TABLE scores (
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL CHECK (year BETWEEN 2400 AND 2800),
            indicator TINYINT NOT NULL CHECK (indicator BETWEEN 1 AND 10),
            score DECIMAL(5, 2) NOT NULL CHECK (score >= 0 AND score <= 100),
            source VARCHAR NOT NULL,
            import_id INTEGER,
            PRIMARY KEY (agency_id, year, indicator)
        )""",
        """CREATE TABLE results (
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL,
            iit DECIMAL(5, 2),
            eit DECIMAL(5, 2),
            oit DECIMAL(5, 2),
            total DECIMAL(5, 2),
            level VARCHAR,
            passed BOOLEAN,
            n_indicators TINYINT NOT NULL,
            source VARCHAR NOT NULL,
            PRIMARY KEY (agency_id, year)
        )""",
        """CREATE TABLE reported (
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL,
            total DECIMAL(5, 2) CHECK (total >= 0 AND total <= 100),
            level VARCHAR,
            iit DECIMAL(5, 2),
            eit DECIMAL(5, 2),
            oit DECIMAL(5, 2),
            source VARCHAR NOT NULL,
            import_id INTEGER,
            PRIMARY KEY (agency_id, year)
        )""",
        """CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL DEFAULT 'scores',
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            year SMALLINT,
            created_at TIMESTAMP NOT NULL,
            user_name VARCHAR,
            rows INTEGER NOT NULL DEFAULT 0,
            agencies INTEGER NOT NULL DEFAULT 0,
            new_agencies INTEGER NOT NULL DEFAULT 0,
            replaced_scores INTEGER NOT NULL DEFAULT 0,
            status VARCHAR NOT NULL CHECK (status IN ('committed', 'undone')),
            undone_at TIMESTAMP,
            undone_by VARCHAR,
            details VARCHAR
        )""",
        """CREATE TABLE import_replaced_scores (
            import_id INTEGER NOT NULL,
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL,
            indicator TINYINT NOT NULL,
            score DECIMAL(5, 2) NOT NULL,
            source VARCHAR NOT NULL,
            previous_import_id INTEGER
        )""",
        """CREATE TABLE import_replaced_reported (
            import_id INTEGER NOT NULL,
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL,
            total DECIMAL(5, 2),
            level VARCHAR,
            iit DECIMAL(5, 2),
            eit DECIMAL(5, 2),
            oit DECIMAL(5, 2),
            source VARCHAR NOT NULL,
            previous_import_id INTEGER
        )""",
    )),
    (2, (
        # Measures (มาตรการ/โครงการ/กิจกรรม) an agency plans for a fiscal year to raise its
        # scores. Months are the first day of the month (C.E. dates, shown as B.E.).
        """CREATE TABLE measures (
            measure_id INTEGER PRIMARY KEY,
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL CHECK (year BETWEEN 2400 AND 2800),
            title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
            kind VARCHAR NOT NULL DEFAULT 'มาตรการ'
                CHECK (kind IN ('มาตรการ', 'โครงการ', 'กิจกรรม')),
            issue VARCHAR,
            steps VARCHAR,
            period_text VARCHAR,
            start_month DATE CHECK (start_month IS NULL OR day(start_month) = 1),
            end_month DATE CHECK (end_month IS NULL OR day(end_month) = 1),
            responsible VARCHAR,
            status VARCHAR CHECK (status IS NULL OR status IN
                ('ยังไม่ดำเนินการ', 'อยู่ระหว่างดำเนินการ', 'ดำเนินการแล้ว')),
            output VARCHAR,
            outcome VARCHAR,
            target_indicator TINYINT CHECK (target_indicator BETWEEN 1 AND 10),
            target_from DECIMAL(5, 2) CHECK (target_from >= 0 AND target_from <= 100),
            target_to DECIMAL(5, 2) CHECK (target_to >= 0 AND target_to <= 100),
            source VARCHAR NOT NULL,
            import_id INTEGER,
            created_at TIMESTAMP NOT NULL,
            CHECK (start_month IS NULL OR end_month IS NULL OR start_month <= end_month)
        )""",
        """CREATE INDEX measures_agency_year ON measures (agency_id, year)""",
        """CREATE TABLE measure_indicators (
            measure_id INTEGER NOT NULL,
            indicator TINYINT NOT NULL CHECK (indicator BETWEEN 1 AND 10),
            PRIMARY KEY (measure_id, indicator)
        )""",
    )),    (4, (
        # The indicator scores kept beside each result as well (refresh_results writes both):
        # loads then read one row per agency-year instead of pivoting ten score rows, about
        # 5x faster at 10x national scale. `scores` stays the source of truth.
        *(f"ALTER TABLE results ADD COLUMN i{n} DECIMAL(5, 2)" for n in range(1, 11)),
        """UPDATE results SET """ + ", ".join(f"i{n} = w.i{n}" for n in range(1, 11)) + """
           FROM (SELECT agency_id, year, """ + ", ".join(
            f"max(score) FILTER (WHERE indicator = {n}) AS i{n}" for n in range(1, 11)) + """
                 FROM scores GROUP BY agency_id, year) w
           WHERE results.agency_id = w.agency_id AND results.year = w.year""",
    )),
    (5, (
        # What each result rests on (indicators / tools / total / level: domain.BASES); results
        # of agency-years with only a published total or level now carry it (issue 16).
        """ALTER TABLE results ADD COLUMN basis VARCHAR""",
        _refresh_all_results,
    )),
    (7, (
        # Item-level results (issue 20): a score per question item (i…/e…, 0–100) or a pass
        # flag per OIT evidence item (o…: 100 passed, 0 not). A NULL score is an item listed
        # without a value ("-"). The item's name, indicator and sub-indicator come from the
        # catalogue (ita_analytics/data/items.csv), not from here.
        """CREATE TABLE item_scores (
            agency_id INTEGER NOT NULL,
            year SMALLINT NOT NULL CHECK (year BETWEEN 2400 AND 2800),
            item VARCHAR NOT NULL CHECK (regexp_full_match(item, '[ieo][1-9][0-9]{0,2}')),
            tool VARCHAR NOT NULL CHECK (tool IN ('IIT', 'EIT', 'OIT')),
            score DECIMAL(5, 2) CHECK (score >= 0 AND score <= 100),
            passed BOOLEAN,
            source VARCHAR NOT NULL,
            import_id INTEGER,
            PRIMARY KEY (agency_id, year, item),
            CHECK (tool = CASE left(item, 1) WHEN 'i' THEN 'IIT' WHEN 'e' THEN 'EIT' ELSE 'OIT' END),
            CHECK (passed IS NULL OR (tool = 'OIT'
                                      AND score = CASE WHEN passed THEN 100 ELSE 0 END)),
            CHECK (tool <> 'OIT' OR score IS NULL OR score IN (0, 100))
        )""",
    )),
    (8, (
        # One agency per identity (name key, type, province, district; '' for none), so that
        # two sessions importing the same new agency at once cannot both create it (issue 17).
        # A table beside `agencies` rather than an index on it: stores may already hold such
        # twins (the duplicate check reports them); each identity keeps its first agency.
        """CREATE TABLE agency_identities (
            name_key VARCHAR NOT NULL,
            agency_type VARCHAR NOT NULL,
            province VARCHAR NOT NULL,
            district VARCHAR NOT NULL,
            agency_id INTEGER NOT NULL UNIQUE,
            PRIMARY KEY (name_key, agency_type, province, district)
        )""",
        """INSERT INTO agency_identities
           SELECT name_key, agency_type, coalesce(province, ''), coalesce(district, ''),
                  min(agency_id)
           FROM agencies GROUP BY ALL""",
        # Ids are never given twice: the highest ever given is kept in meta and undo never
        # lowers it. Ids an undo freed left no trace but rows that pointed at them (measures
        # orphaned by the old undo) and the count of agencies each undone import created;
        # every id above the highest referenced one was freed by such an undo, so the highest
        # referenced id plus those counts is past every id ever given.
        """INSERT OR REPLACE INTO meta
           SELECT 'last_agency_id', CAST(greatest(
               (SELECT coalesce(max(agency_id), 0) FROM agencies),
               (SELECT coalesce(max(agency_id), 0) FROM agency_aliases),
               (SELECT coalesce(max(agency_id), 0) FROM scores),
               (SELECT coalesce(max(agency_id), 0) FROM reported),
               (SELECT coalesce(max(agency_id), 0) FROM results),
               (SELECT coalesce(max(agency_id), 0) FROM import_replaced_scores),
               (SELECT coalesce(max(agency_id), 0) FROM import_replaced_reported),
               (SELECT coalesce(max(agency_id), 0) FROM measures),
               (SELECT coalesce(max(agency_id), 0) FROM item_scores))
             + (SELECT coalesce(sum(new_agencies), 0) FROM imports WHERE status = 'undone')
             AS VARCHAR)""",
        # Measure ids likewise (measures removed by undoing their import counted as above).
        """INSERT OR REPLACE INTO meta
           SELECT 'last_measure_id', CAST(greatest(
               (SELECT coalesce(max(measure_id), 0) FROM measures),
               (SELECT coalesce(max(measure_id), 0) FROM measure_indicators))
             + (SELECT coalesce(sum(rows), 0) FROM imports
                WHERE status = 'undone' AND kind = 'measures')
             AS VARCHAR)""",
    )),
]

LAST_AGENCY_ID = "last_agency_id"
"""Meta key: the highest agency id ever given (never lowered: ids are not reused)."""
LAST_MEASURE_ID = "last_measure_id"
"""Meta key: the highest measure id ever given (never lowered)."""

SCHEMA_VERSION = MIGRATIONS[-1][0]


@contextmanager
def plain_transaction(conn: duckdb.DuckDBPyConnection):
    """``conn`` inside one transaction, committed when the block ends without an error and
    rolled back on any, the data version left as it is. For migrations (the first one makes
    the table that holds the data version), a store filled from a backup (whose data version
    comes with it) and a snapshot read whole; every other write goes through
    ``store.transaction``, which bumps the data version the dashboard's caches are keyed on."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open store; 0 for an empty file."""
    has_meta = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()[0][0]
    if not has_meta:
        return 0
    rows = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    row = rows[0] if rows else None
    return int(row[0]) if row else 0


def check_not_newer(conn: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version; :class:`StoreError` (nothing written) when it is newer than
    this program's :data:`SCHEMA_VERSION`."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"ไฟล์ฐานข้อมูลสร้างจากโปรแกรมรุ่นใหม่กว่า (schema {current} > {SCHEMA_VERSION}) "
            "จึงไม่เปิดเพื่อไม่ให้ข้อมูลเสียหาย กรุณาอัปเดตโปรแกรม",
            f"The store was written by a newer version (schema {current} > {SCHEMA_VERSION}); "
            "it was not opened, so it is not damaged. Update ITA Analytics.",
        )
    return current


def migrate(conn: duckdb.DuckDBPyConnection, target: int | None = None) -> int:
    """Bring the store to :data:`SCHEMA_VERSION` (or only up to ``target``, used to rebuild an
    older backup before migrating it); refuse a store made by a newer version."""
    current = check_not_newer(conn)
    for version, statements in MIGRATIONS:
        if version <= current or (target is not None and version > target):
            continue
        with plain_transaction(conn):
            for statement in statements:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
            )
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('data_version', '0')")
    return SCHEMA_VERSION if target is None else min(target, SCHEMA_VERSION)
