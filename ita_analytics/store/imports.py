"""Imports of score files: existing scores they would replace, commit, undo and history."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from ita_analytics.errors import ItaError
from ita_analytics.store.connection import crash_point, transaction
from ita_analytics.store.items import delete_items_of_import, insert_items
from ita_analytics.store.scores import (
    _fetch_df,
    insert_agencies,
    insert_aliases,
    insert_scores,
    missing_agencies,
    next_agency_id,
    refresh_results,
    upsert_reported,
)

HISTORY_COLUMNS = ["import_id", "file_name", "sha256", "year", "created_at", "user_name", "rows",
                   "agencies", "new_agencies", "replaced_scores", "status", "undone_at",
                   "undone_by"]


class StoreChanged(ItaError):
    """The store is no longer at the data version a commit was planned on; nothing written."""

    def __init__(self, expected: int, found: int):
        super().__init__(
            f"ข้อมูลในฐานข้อมูลเปลี่ยนไประหว่างการบันทึก (รุ่น {expected} → {found}) จึงไม่บันทึก",
            f"The store changed while committing (version {expected} → {found}); nothing "
            "was written")
        self.expected = expected
        self.found = found


def import_source(import_id: int) -> str:
    """The ``source`` written on agencies, aliases, scores and reported values of an import."""
    return f"import:{import_id}"


def import_kind(conn: duckdb.DuckDBPyConnection, import_id: int) -> str | None:
    """The kind of an import ('scores' or 'measures'), None when there is no such import."""
    rows = conn.execute("SELECT kind FROM imports WHERE import_id = ?", [import_id]).fetchall()
    return rows[0][0] if rows else None


def find_committed_import(conn: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The id of the latest committed (not undone) import of a file with this hash, or None."""
    frame = _fetch_df(conn, """SELECT import_id FROM imports
                               WHERE sha256 = ? AND status = 'committed' ORDER BY import_id DESC""",
                      [sha256])
    return int(frame["import_id"].iloc[0]) if len(frame) else None


def load_agency_name_keys(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each stored agency name → its name key (of the latest agency_id for a name held twice).

    Read as plain tuples: a frame of every agency column is more than twice as slow for the
    national list."""
    cur = conn.cursor()
    try:
        return dict(cur.execute("SELECT name, name_key FROM agencies ORDER BY agency_id")
                    .fetchall())
    finally:
        cur.close()


def load_existing_scores(conn: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    """Stored scores and reported values of the given (agency_id, year) keys.

    Columns: agency_id, name, province, year, indicator (NULL for an agency-year that has
    only reported values), score.
    """
    keys = keys[["agency_id", "year"]].astype("int64").drop_duplicates()
    cur = conn.cursor()
    try:
        cur.register("existing_keys", keys)
        try:
            return cur.execute("""
                SELECT k.agency_id, a.name, a.province, k.year, s.indicator,
                       CAST(s.score AS DOUBLE) AS score
                FROM existing_keys k
                JOIN agencies a ON a.agency_id = k.agency_id
                JOIN scores s ON s.agency_id = k.agency_id AND s.year = k.year
                UNION ALL
                SELECT k.agency_id, a.name, a.province, k.year, NULL, NULL
                FROM existing_keys k
                JOIN agencies a ON a.agency_id = k.agency_id
                JOIN reported r ON r.agency_id = k.agency_id AND r.year = k.year
                WHERE NOT EXISTS (SELECT 1 FROM scores s
                                  WHERE s.agency_id = k.agency_id AND s.year = k.year)
                ORDER BY 1, 4, 5""").df()
        finally:
            with contextlib.suppress(duckdb.Error):
                cur.unregister("existing_keys")
    finally:
        cur.close()


def _data_version_in(cur: duckdb.DuckDBPyConnection) -> int:
    """The data version as ``cur``'s own transaction sees it (``connection.data_version``
    reads through a new cursor, that is outside the transaction)."""
    rows = cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def _refuse_missing_agencies(cur: duckdb.DuckDBPyConnection, refs: list[pd.Series]) -> None:
    """Refs (> 0) to agencies the store no longer holds: the plan is older than an undo."""
    ids = np.concatenate([r.to_numpy(dtype="int64") for r in refs])
    missing = missing_agencies(cur, ids[ids > 0])
    if missing:
        listed = ", ".join(str(a) for a in missing)
        raise ItaError(
            f"ไม่พบหน่วยงานหมายเลข {listed} ในฐานข้อมูลแล้ว (อาจถูกลบเมื่อยกเลิกการนำเข้า) "
            "จึงไม่บันทึก กรุณาแสดงตัวอย่างใหม่",
            f"The store no longer holds agency {listed} (an undone import may have removed "
            "it); nothing was written. Preview again.")


def _refuse_existing_identities(cur: duckdb.DuckDBPyConnection,
                                new_agencies: pd.DataFrame) -> None:
    """New agencies the store already holds (same name key, type, province and district)."""
    frame = new_agencies[["name", "name_key", "agency_type", "province", "district"]]
    cur.register("planned_agencies", frame)
    try:
        held = cur.execute("""
            SELECT p.name, a.agency_id FROM planned_agencies p
            JOIN agencies a ON a.name_key = p.name_key AND a.agency_type = p.agency_type
                AND coalesce(a.province, '') = coalesce(p.province, '')
                AND coalesce(a.district, '') = coalesce(p.district, '')
            ORDER BY 2""").fetchall()
    finally:
        with contextlib.suppress(duckdb.Error):
            cur.unregister("planned_agencies")
    if held:
        listed = ", ".join(f"{name} ({agency_id})" for name, agency_id in held)
        raise ItaError(
            f"หน่วยงานใหม่ในไฟล์มีอยู่ในฐานข้อมูลแล้ว: {listed} (อาจมีผู้อื่นนำเข้าไปก่อน) จึงไม่บันทึก "
            "กรุณาแสดงตัวอย่างใหม่",
            f"New agencies of the file are already in the store: {listed} (another session "
            "may have imported them first); nothing was written. Preview again.")


def commit_import(conn: duckdb.DuckDBPyConnection, *, file_name: str, sha256: str,
                  year: int | None, user: str | None, new_agencies: pd.DataFrame,
                  aliases: pd.DataFrame, scores: pd.DataFrame, reported: pd.DataFrame,
                  replace: bool, counts: dict, details: dict,
                  allow_same_file: bool = False, expected_version: int | None = None,
                  items: pd.DataFrame | None = None) -> int | None:
    """Write one import in a single transaction; returns its id, or None when a committed
    import of the same file (hash) already exists.

    ``new_agencies`` has columns ref (< 0), name, name_key, agency_type, province, district,
    official_code; ``aliases`` alias, alias_key, agency_ref; ``scores`` agency_ref, year,
    indicator, score; ``reported`` agency_ref, year, total, level, iit, eit, oit; ``items``
    (item-level results beside the scores) agency_ref, year, item, tool, score, passed. Refs < 0
    name new agencies. Stored scores and reported values of the same agency-years are kept
    in ``import_replaced_*`` and replaced when ``replace``; otherwise the commit is refused.

    Refused too (:class:`ItaError`, nothing written) when an existing agency it names is no
    longer stored, when a new agency is already stored, and — given ``expected_version`` —
    with :class:`StoreChanged` when the store is not at that data version. Every write
    transaction updates the version, so a write committing after this one began makes this
    one fail on commit instead of interleaving.
    """
    with transaction(conn) as cur:
        if expected_version is not None:
            found = _data_version_in(cur)
            if found != expected_version:
                raise StoreChanged(expected_version, found)
        rows = cur.execute("SELECT import_id FROM imports WHERE sha256 = ? AND status = 'committed'",
                           [sha256]).fetchall()
        if rows and not allow_same_file:
            return None
        _refuse_missing_agencies(cur, [scores["agency_ref"], reported["agency_ref"],
                                       aliases["agency_ref"],
                                       *([items["agency_ref"]] if items is not None else [])])
        if len(new_agencies):
            _refuse_existing_identities(cur, new_agencies)
        import_id = int(cur.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports")
                        .fetchall()[0][0])
        resolve = _ref_resolver(new_agencies["ref"], next_agency_id(cur))

        def stored(rows: pd.DataFrame, ref_column: str = "agency_ref") -> pd.DataFrame:
            """Rows with their agency_id, and the import's source and id."""
            return rows.assign(agency_id=resolve(rows[ref_column]),
                               source=import_source(import_id), import_id=import_id)

        if len(new_agencies):
            insert_agencies(cur, stored(new_agencies, "ref"))
        crash_point("after_agencies")
        if len(aliases):
            insert_aliases(cur, stored(aliases))
        scores, reported = stored(scores), stored(reported)
        keys = pd.concat([scores[["agency_id", "year"]], reported[["agency_id", "year"]]]
                         ).astype("int64").drop_duplicates()
        _set_aside_replaced(cur, keys, import_id, replace)
        insert_scores(cur, scores)  # the agency-years were emptied above
        crash_point("after_scores")
        if len(reported):
            upsert_reported(cur, reported, refresh=False)
        refresh_results(cur, keys)
        if items is not None and len(items):
            insert_items(cur, stored(items))
        cur.execute("""INSERT INTO imports (import_id, kind, file_name, sha256, year, created_at,
                           user_name, rows, agencies, new_agencies, replaced_scores, status, details)
                       VALUES (?, 'scores', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', ?)""",
                    [import_id, file_name, sha256, year, datetime.now(), user, counts["rows"],
                     counts["agencies"], len(new_agencies), counts["replaced_scores"],
                     json.dumps(details, ensure_ascii=False, default=str)])
    return import_id


def _ref_resolver(new_refs: pd.Series, first_id: int):
    """A function of a column of agency refs giving agency ids: a new agency's ref (< 0)
    becomes the id it is stored under (``first_id`` on, in the order of ``new_refs``); an
    existing agency's ref is its id already."""
    ref_to_id = {int(ref): first_id + i for i, ref in enumerate(new_refs)}

    def resolve(refs: pd.Series) -> pd.Series:
        # Only the refs of new agencies change: mapping those alone, not every row
        # through a Python function (82,000 scores: 15 ms).
        refs = refs.astype("int64")
        new = refs.isin(list(ref_to_id))
        if not new.any():
            return refs
        out = refs.copy()
        out[new] = refs[new].map(ref_to_id).astype("int64")
        return out

    return resolve


def _set_aside_replaced(cur: duckdb.DuckDBPyConnection, keys: pd.DataFrame, import_id: int,
                        replace: bool) -> None:
    """Empty the agency-years in ``keys`` (agency_id, year) of scores and reported values,
    keeping what was there in ``import_replaced_*`` under ``import_id`` (for its undo);
    :class:`ItaError` when something is there and not ``replace``."""
    cur.register("import_keys", keys)
    try:
        existing = cur.execute("""
            SELECT (SELECT count(*) FROM scores s JOIN import_keys k USING (agency_id, year))
                 + (SELECT count(*) FROM reported r JOIN import_keys k USING (agency_id, year))
        """).fetchall()[0][0]
        if existing and not replace:
            raise ItaError(
                "มีคะแนนของหน่วยงานและปีเดียวกันอยู่แล้ว จะแทนที่ได้เมื่อเลือกแทนที่ (--replace) เท่านั้น",
                "Scores of the same agencies and years already exist; they are replaced "
                "only when replace is chosen (--replace)",
            )
        cur.execute("""
            INSERT INTO import_replaced_scores
            SELECT ?, s.agency_id, s.year, s.indicator, s.score, s.source, s.import_id
            FROM scores s JOIN import_keys k USING (agency_id, year)""", [import_id])
        cur.execute("""
            INSERT INTO import_replaced_reported
            SELECT ?, r.agency_id, r.year, r.total, r.level, r.iit, r.eit, r.oit, r.source,
                   r.import_id
            FROM reported r JOIN import_keys k USING (agency_id, year)""", [import_id])
        cur.execute("DELETE FROM scores WHERE (agency_id, year) IN "
                    "(SELECT (agency_id, year) FROM import_keys)")
        cur.execute("DELETE FROM reported WHERE (agency_id, year) IN "
                    "(SELECT (agency_id, year) FROM import_keys)")
    finally:
        with contextlib.suppress(duckdb.Error):
            cur.unregister("import_keys")


def undo_import(conn: duckdb.DuckDBPyConnection, import_id: int, user: str | None = None) -> dict:
    """Undo a committed import in one transaction, restoring exactly the state before it.

    Refused when a later committed import replaced this import's scores, or wrote scores,
    reported values or names for an agency this import created (undo that one first), and
    when measures or item scores were recorded for such an agency: undo removes nothing it
    did not write, so the message names them and what to undo or delete first.
    Returns counts of what was undone.
    """
    with transaction(conn) as cur:
        rows = cur.execute("SELECT status FROM imports WHERE import_id = ?", [import_id]).fetchall()
        if not rows:
            raise ItaError(f"ไม่พบการนำเข้าหมายเลข {import_id}", f"No import number {import_id}")
        if rows[0][0] != "committed":
            raise ItaError(f"การนำเข้าหมายเลข {import_id} ถูกยกเลิกไปแล้ว",
                           f"Import {import_id} has already been undone")
        later = cur.execute("""
            SELECT DISTINCT i.import_id FROM imports i
            WHERE i.status = 'committed' AND i.import_id > ? AND i.kind = 'scores' AND (
                EXISTS (SELECT 1 FROM import_replaced_scores r
                        WHERE r.import_id = i.import_id AND r.previous_import_id = ?)
                OR EXISTS (SELECT 1 FROM import_replaced_reported r
                           WHERE r.import_id = i.import_id AND r.previous_import_id = ?)
                OR EXISTS (SELECT 1 FROM scores s JOIN agencies a USING (agency_id)
                           WHERE s.import_id = i.import_id AND a.import_id = ?)
                OR EXISTS (SELECT 1 FROM reported p JOIN agencies a USING (agency_id)
                           WHERE p.import_id = i.import_id AND a.import_id = ?)
                OR EXISTS (SELECT 1 FROM agency_aliases al JOIN agencies a USING (agency_id)
                           WHERE al.import_id = i.import_id AND a.import_id = ?))
            ORDER BY 1""", [import_id] * 6).fetchall()
        if later:
            ids = ", ".join(str(r[0]) for r in later)
            raise ItaError(
                f"ยกเลิกการนำเข้า {import_id} ไม่ได้ เพราะการนำเข้าภายหลัง ({ids}) แก้ไขข้อมูลเดียวกัน "
                "กรุณายกเลิกการนำเข้านั้นก่อน",
                f"Import {import_id} cannot be undone because a later import ({ids}) changed the "
                "same data; undo that one first",
            )
        _refuse_dependents(cur, import_id)
        keys = cur.execute("""
            SELECT agency_id, year FROM scores WHERE import_id = ?
            UNION SELECT agency_id, year FROM reported WHERE import_id = ?
            UNION SELECT agency_id, year FROM import_replaced_scores WHERE import_id = ?
            UNION SELECT agency_id, year FROM import_replaced_reported WHERE import_id = ?
        """, [import_id] * 4).df()
        removed = cur.execute("SELECT count(*) FROM scores WHERE import_id = ?",
                              [import_id]).fetchall()[0][0]
        cur.execute("DELETE FROM scores WHERE import_id = ?", [import_id])
        cur.execute("DELETE FROM reported WHERE import_id = ?", [import_id])
        delete_items_of_import(cur, import_id)  # item results the same file carried
        cur.execute("""INSERT INTO scores
                       SELECT agency_id, year, indicator, score, source, previous_import_id
                       FROM import_replaced_scores WHERE import_id = ?""", [import_id])
        cur.execute("""INSERT INTO reported
                       SELECT agency_id, year, total, level, iit, eit, oit, source,
                              previous_import_id
                       FROM import_replaced_reported WHERE import_id = ?""", [import_id])
        restored = cur.execute("SELECT count(*) FROM import_replaced_scores WHERE import_id = ?",
                               [import_id]).fetchall()[0][0]
        cur.execute("DELETE FROM agency_aliases WHERE import_id = ?", [import_id])
        agencies = cur.execute("SELECT count(*) FROM agencies WHERE import_id = ?",
                               [import_id]).fetchall()[0][0]
        cur.execute("DELETE FROM results WHERE agency_id IN "
                    "(SELECT agency_id FROM agencies WHERE import_id = ?)", [import_id])
        cur.execute("DELETE FROM agency_aliases WHERE agency_id IN "
                    "(SELECT agency_id FROM agencies WHERE import_id = ?)", [import_id])
        cur.execute("DELETE FROM agency_identities WHERE agency_id IN "
                    "(SELECT agency_id FROM agencies WHERE import_id = ?)", [import_id])
        # Their ids are not given again (meta last_agency_id stays): nothing that may still
        # name them elsewhere (an exported report, a bookmarked page) comes to mean another.
        cur.execute("DELETE FROM agencies WHERE import_id = ?", [import_id])
        if len(keys):
            refresh_results(cur, keys)
        cur.execute("UPDATE imports SET status = 'undone', undone_at = ?, undone_by = ? "
                    "WHERE import_id = ?", [datetime.now(), user, import_id])
    return {"import_id": import_id, "scores_removed": int(removed),
            "scores_restored": int(restored), "agencies_removed": int(agencies)}


MEASURES_LISTED = 5
"""How many dependent measures an undo refusal names (then "and n more")."""


def _refuse_dependents(cur: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Refuse the undo when measures or item scores point at an agency the import created:
    undo would leave them pointing at nothing, so it names what to remove first."""
    measures = cur.execute("""
        SELECT m.measure_id, m.title, a.name, m.import_id FROM measures m
        JOIN agencies a ON a.agency_id = m.agency_id
        WHERE a.import_id = ? ORDER BY m.measure_id""", [import_id]).fetchall()
    items = cur.execute("""
        SELECT s.import_id, a.name, count(*) FROM item_scores s
        JOIN agencies a ON a.agency_id = s.agency_id
        WHERE a.import_id = ? AND s.import_id IS DISTINCT FROM a.import_id
        GROUP BY ALL ORDER BY 1, 2""", [import_id]).fetchall()
    if not measures and not items:
        return
    found_th, found_en, steps_th, steps_en = [], [], [], []
    if measures:
        shown = "; ".join(f"{measure_id} \"{title}\" ({name})"
                          for measure_id, title, name, _ in measures[:MEASURES_LISTED])
        more = len(measures) - MEASURES_LISTED
        found_th.append(f"มาตรการ {len(measures)} รายการ: {shown}"
                        + (f" และอีก {more} รายการ" if more > 0 else ""))
        found_en.append(f"{len(measures)} measures: {shown}"
                        + (f" and {more} more" if more > 0 else ""))
        imported = sorted({int(i) for *_, i in measures if i is not None})
        by_hand = sum(1 for *_, i in measures if i is None)
        if imported:
            ids = ", ".join(map(str, imported))
            steps_th.append(f"ยกเลิกการนำเข้ามาตรการ {ids}")
            steps_en.append(f"undo measures import {ids}")
        if by_hand:
            steps_th.append(f"ลบมาตรการที่บันทึกในหน้ามาตรการ ({by_hand} รายการ)")
            steps_en.append(f"delete those entered on the measures page ({by_hand})")
    if items:
        names = ", ".join(sorted({name for _, name, _ in items}))
        count = sum(n for *_, n in items)
        found_th.append(f"คะแนนรายข้อ {count} รายการของ {names}")
        found_en.append(f"{count} item scores of {names}")
        imported = sorted({int(i) for i, *_ in items if i is not None})
        if imported:
            ids = ", ".join(map(str, imported))
            steps_th.append(f"ยกเลิกการนำเข้าคะแนนรายข้อ {ids}")
            steps_en.append(f"undo items import {ids}")
        if any(i is None for i, *_ in items):
            steps_th.append("ลบคะแนนรายข้อที่ไม่ได้มาจากการนำเข้า")
            steps_en.append("remove the item scores no import wrote")
    raise ItaError(
        f"ยกเลิกการนำเข้า {import_id} ไม่ได้ เพราะมีข้อมูลที่บันทึกภายหลังของหน่วยงานที่การนำเข้านี้สร้าง: "
        + "; ".join(found_th) + " — " + " และ".join(steps_th) + " ก่อน",
        f"Import {import_id} cannot be undone: data recorded later belongs to agencies it "
        "created: " + "; ".join(found_en) + " — " + " and ".join(steps_en) + " first",
    )


def load_changes_since(conn: duckdb.DuckDBPyConnection, since: datetime) -> pd.DataFrame:
    """Imports committed or undone at or after ``since``, in time order: import_id, kind,
    file_name, action ('committed' / 'undone'), user_name, happened_at."""
    return _fetch_df(conn, """
        SELECT import_id, kind, file_name, 'committed' AS action, user_name,
               created_at AS happened_at
        FROM imports WHERE created_at >= ?
        UNION ALL
        SELECT import_id, kind, file_name, 'undone', undone_by, undone_at
        FROM imports WHERE status = 'undone' AND undone_at >= ?
        ORDER BY happened_at, import_id""", [since, since])


def load_file_import_keys(conn: duckdb.DuckDBPyConnection, sha256: str) -> pd.DataFrame:
    """The (agency_id, year) pairs committed imports of a file (by hash) wrote."""
    return _fetch_df(conn, """
        WITH ids AS (SELECT import_id FROM imports WHERE sha256 = ? AND status = 'committed')
        SELECT agency_id, year FROM scores WHERE import_id IN (SELECT import_id FROM ids)
        UNION SELECT agency_id, year FROM reported WHERE import_id IN (SELECT import_id FROM ids)
        ORDER BY 1, 2""", [sha256])


def load_history(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Imports, newest first (columns :data:`HISTORY_COLUMNS`)."""
    return _fetch_df(conn, f"""SELECT {', '.join(HISTORY_COLUMNS)} FROM imports
                               ORDER BY import_id DESC""")


def load_import_details(conn: duckdb.DuckDBPyConnection, import_id: int) -> dict:
    """The details recorded with an import (sheets, layout, warnings), as a dict."""
    frame = _fetch_df(conn, "SELECT details FROM imports WHERE import_id = ?", [import_id])
    if frame.empty or frame["details"].iloc[0] is None:
        return {}
    return json.loads(frame["details"].iloc[0])
