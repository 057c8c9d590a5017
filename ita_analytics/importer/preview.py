"""What a plan would write, row by row: the stored agency each row matched and each value's change.

Pure functions of an :class:`~ita_analytics.importer.plan.ImportPlan` (and the stored values
the page loads beside it); nothing here reads the store. The counts they give add up: the
rows to write are new agencies' + added years + replaced + identical, the planned scores are
new + changed + same, and the stored scores a commit replaces are changed + same + removed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.domain import INDICATOR_NUMBERS, TOOL_CODES
from ita_analytics.importer.plan import ImportPlan

CHANGE_NEW, CHANGE_CHANGED, CHANGE_SAME, CHANGE_REMOVED = "new", "changed", "same", "removed"
CHANGES = (CHANGE_NEW, CHANGE_CHANGED, CHANGE_SAME, CHANGE_REMOVED)
"""A value's change at commit: new (nothing stored), changed (stored, another value), same
(stored, equal to two decimals), removed (stored, the file gives none: replacing the
agency-year drops it)."""

OUTCOME_NEW_AGENCY, OUTCOME_ADDED, OUTCOME_REPLACED, OUTCOME_SAME = (
    "new_agency", "added", "replaced", "same")
OUTCOMES = (OUTCOME_NEW_AGENCY, OUTCOME_ADDED, OUTCOME_REPLACED, OUTCOME_SAME)
"""What a row does: creates an agency, adds a year to a stored agency, replaces a stored
agency-year (some value differs), or writes what is already stored."""

MATCH_EXACT, MATCH_CONFIRMED, MATCH_NEW = "exact", "confirmed", "new"
"""How a row found its agency: its name (and province) as stored, a near match the analyst
confirmed, or none (a new agency)."""

REPORTED_ITEMS = ("total", "level", *TOOL_CODES)
"""Published values a row may carry beside the indicator scores (stored as reported values)."""
SCORE_ITEMS = tuple(f"i{n}" for n in INDICATOR_NUMBERS)

VALUE_CHANGE_COLUMNS = ["agency_ref", "year", "item", "old", "new", "change"]
ROW_COLUMNS = ["sheet", "row", "name_in_file", "agency_id", "agency_name", "province", "match",
               "year", "outcome", "scores_new", "scores_changed", "scores_same",
               "scores_removed", "reported_changed", *SCORE_ITEMS, *REPORTED_ITEMS]

HEADERS: dict[str, tuple[str, str]] = {
    "sheet": ("ชีต", "Sheet"),
    "row": ("แถว", "Row"),
    "name_in_file": ("ชื่อในไฟล์", "Name in the file"),
    "agency_id": ("รหัสหน่วยงานที่จับคู่", "Matched agency id"),
    "agency_name": ("หน่วยงานที่จับคู่", "Matched agency"),
    "province": ("จังหวัด", "Province"),
    "match": ("การจับคู่", "Match"),
    "year": ("ปี", "Year"),
    "outcome": ("ผลที่จะบันทึก", "What is written"),
    "scores_new": ("คะแนนใหม่", "New scores"),
    "scores_changed": ("คะแนนเปลี่ยน", "Changed scores"),
    "scores_same": ("คะแนนเท่าเดิม", "Same scores"),
    "scores_removed": ("คะแนนเดิมที่ถูกลบ", "Stored scores removed"),
    "reported_changed": ("ค่าที่รายงานใหม่หรือเปลี่ยน", "Reported values new or changed"),
    **{f"i{n}": (f"ตัวชี้วัดที่ {n}", f"Indicator {n}") for n in INDICATOR_NUMBERS},
    "total": ("คะแนนรวม", "Total"),
    "level": ("ระดับ", "Level"),
    **{code: (code, code) for code in TOOL_CODES},
}
"""Thai and English headers of :data:`ROW_COLUMNS`."""

LABELS: dict[str, tuple[str, str]] = {
    MATCH_EXACT: ("ตรงกับหน่วยงานเดิม", "stored agency"),
    MATCH_CONFIRMED: ("ยืนยันชื่อใกล้เคียงแล้ว", "near match confirmed"),
    MATCH_NEW: ("หน่วยงานใหม่", "new agency"),
    OUTCOME_NEW_AGENCY: ("สร้างหน่วยงานใหม่", "creates the agency"),
    OUTCOME_ADDED: ("เพิ่มปีใหม่", "adds the year"),
    OUTCOME_REPLACED: ("แทนที่ผลเดิม", "replaces the stored year"),
    OUTCOME_SAME: ("เหมือนที่บันทึกไว้", "same as stored"),
}
"""Thai and English words for the match and outcome codes."""


NUMBER_ITEMS = (*SCORE_ITEMS, "total", *TOOL_CODES)
"""Items holding a number (compared to two decimals); the level is text."""
_ITEM_NAMES = np.array([f"i{n}" for n in range(max(INDICATOR_NUMBERS) + 1)], dtype=object)


def _long(refs, years, items, values, name: str, dtype) -> pd.DataFrame:
    """A long frame agency_ref, year, item, <name> with plain dtypes (an empty one merges too)."""
    return pd.DataFrame({"agency_ref": np.asarray(refs, dtype="int64"),
                         "year": np.asarray(years, dtype="int64"),
                         "item": np.asarray(items, dtype=object),
                         name: np.asarray(values, dtype=dtype)})


def _score_values(refs: pd.Series, years: pd.Series, indicators: pd.Series, values: pd.Series,
                  name: str) -> pd.DataFrame:
    items = _ITEM_NAMES[indicators.to_numpy(dtype="int64")] if len(indicators) else []
    return _long(refs, years, items, values.to_numpy(dtype="float64"), name, "float64")


def _reported_values(frame: pd.DataFrame | None, ref: str, name: str, numeric: bool
                     ) -> pd.DataFrame:
    """Reported values (columns total, level, iit, eit, oit or IIT…) as a long frame: the
    numbers (``numeric``) or the level."""
    wanted = ("total", *TOOL_CODES) if numeric else ("level",)
    dtype = "float64" if numeric else object
    if frame is None or frame.empty:
        return _long([], [], [], [], name, dtype)
    renamed = frame.rename(columns={code.lower(): code for code in TOOL_CODES})
    items = [c for c in wanted if c in renamed.columns]
    long = renamed[[ref, "year", *items]].astype({c: dtype for c in items}).melt(
        id_vars=[ref, "year"], var_name="item", value_name=name)
    long = long[long[name].notna().to_numpy()]
    return _long(long[ref], long["year"], long["item"], long[name], name, dtype)


def _written_keys(plan: ImportPlan) -> pd.DataFrame:
    """The agency-years a commit writes (agency_ref, year): those of its scores and reported."""
    return pd.DataFrame({
        "agency_ref": np.concatenate([plan.scores["agency_ref"].to_numpy(dtype="int64"),
                                      plan.reported["agency_ref"].to_numpy(dtype="int64")]),
        "year": np.concatenate([plan.scores["year"].to_numpy(dtype="int64"),
                                plan.reported["year"].to_numpy(dtype="int64")]),
    }).drop_duplicates()


def _change_codes(old: pd.Series, new: pd.Series, numeric: bool) -> np.ndarray:
    """Each pair's change: new (nothing stored), removed (nothing in the file), same (equal to
    two decimals, or as text), else changed. Pairs missing on both sides do not occur."""
    old_missing, new_missing = old.isna().to_numpy(), new.isna().to_numpy()
    if numeric:
        same = np.round(old.to_numpy(dtype="float64"), 2) == np.round(new.to_numpy(dtype="float64"), 2)
    else:
        same = (old.astype(object).map(lambda v: str(v).strip()).to_numpy()
                == new.astype(object).map(lambda v: str(v).strip()).to_numpy())
    return np.select([old_missing, new_missing, same], [CHANGE_NEW, CHANGE_REMOVED, CHANGE_SAME],
                     CHANGE_CHANGED).astype(object)


def compute_value_changes(plan: ImportPlan, stored_reported: pd.DataFrame | None = None
                          ) -> pd.DataFrame:
    """Every value a commit of ``plan`` touches, with the stored value it meets.

    Input: the plan's ``scores`` (what is written), ``replaced`` (the stored scores of the
    agency-years it writes) and ``reported``; ``stored_reported`` the stored reported values
    of those agency-years (agency_id, year, total, level, IIT, EIT, OIT — None: none stored).
    Output columns: agency_ref, year, item (i1…i10, total, level, IIT, EIT, OIT), old, new
    (numbers, text for the level, missing when absent), change (:data:`CHANGES`); one row per
    value in the file or stored for an agency-year the file writes.
    """
    keys = ["agency_ref", "year", "item"]
    written = _written_keys(plan)
    parts = []
    for numeric in (True, False):
        old = _reported_values(stored_reported, "agency_id", "old", numeric).merge(
            written, on=["agency_ref", "year"])
        new = _reported_values(plan.reported, "agency_ref", "new", numeric)
        if numeric:
            old = pd.concat([_score_values(plan.replaced["agency_id"], plan.replaced["year"],
                                           plan.replaced["indicator"], plan.replaced["old_score"],
                                           "old"), old], ignore_index=True)
            new = pd.concat([_score_values(plan.scores["agency_ref"], plan.scores["year"],
                                           plan.scores["indicator"], plan.scores["score"], "new"),
                             new], ignore_index=True)
        both = old.merge(new, on=keys, how="outer")
        both["change"] = _change_codes(both["old"], both["new"], numeric)
        parts.append(both.astype({"old": object, "new": object}))
    out = pd.concat(parts, ignore_index=True)
    order = {item: i for i, item in enumerate((*SCORE_ITEMS, *REPORTED_ITEMS))}
    out = out.assign(_order=out["item"].map(order)).sort_values(["agency_ref", "year", "_order"])
    return out[VALUE_CHANGE_COLUMNS].reset_index(drop=True)


def _shown(values: pd.Series, numeric: bool) -> list[str]:
    """Values as text: numbers with two decimals, '–' for none."""
    if numeric:
        return ["–" if v != v else f"{v:.2f}" for v in values.to_numpy(dtype="float64")]
    return ["–" if v is None or v != v else str(v) for v in values.astype(object)]


def value_cells(changes: pd.DataFrame) -> list[str]:
    """Each change as the preview shows it: '98.29' (new), '90.00 → 95.00' (changed),
    '100.00 (=)' (same), '90.00 → –' (removed). Never led by '=', '+', '-' or '@': a
    spreadsheet opening the table would take the cell for a formula."""
    numeric = changes["item"].isin(NUMBER_ITEMS).to_numpy()
    old, new = np.empty(len(changes), dtype=object), np.empty(len(changes), dtype=object)
    for mask, is_number in ((numeric, True), (~numeric, False)):
        old[mask] = _shown(changes.loc[mask, "old"], is_number)
        new[mask] = _shown(changes.loc[mask, "new"], is_number)
    return [n if c == CHANGE_NEW else f"{n} (=)" if c == CHANGE_SAME else f"{o} → {n}"
            for o, n, c in zip(old, new, changes["change"].to_numpy())]


def compute_preview_rows(plan: ImportPlan, changes: pd.DataFrame, agencies: pd.DataFrame,
                         file_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per agency-year the plan writes: the file's row, the agency it matched and
    what happens to each value.

    Input: ``changes`` from :func:`compute_value_changes`; ``agencies`` the stored agencies
    the plan names (agency_id, name, province); ``file_rows`` the file's rows behind the plan
    (sheet, row, name, agency_ref, year — None when the plan does not keep them: the name in
    the file is then known only for new agencies and confirmed near matches).
    Output columns :data:`ROW_COLUMNS`: agency_id is NA for a new agency, whose name and
    province are those it will be created with; i1…i10 and the reported values are cells as
    :func:`value_cells` writes them ("" when neither the file nor the store has one).
    """
    keys = _written_keys(plan)
    if keys.empty:
        return pd.DataFrame(columns=ROW_COLUMNS)
    # New agencies first, in the order met (ref -1, -2…), then stored agencies by id.
    out = keys.assign(_order=keys["agency_ref"].abs() - (keys["agency_ref"] < 0) * 10**12
                      ).sort_values(["_order", "year"]).drop(columns="_order").reset_index(drop=True)
    new = plan.new_agencies.set_index(plan.new_agencies["ref"].astype("int64"))
    stored = agencies.set_index(agencies["agency_id"].astype("int64"))
    refs = out["agency_ref"]
    is_new = refs < 0
    out["agency_id"] = pd.array(refs.where(~is_new), dtype="Int64")
    out["agency_name"] = np.where(is_new, refs.map(new["name"]), refs.map(stored["name"]))
    out["province"] = np.where(is_new, refs.map(new["province"]), refs.map(stored["province"]))
    confirmed = set(plan.aliases["agency_ref"].astype("int64"))
    out["match"] = [MATCH_NEW if r < 0 else MATCH_CONFIRMED if r in confirmed else MATCH_EXACT
                    for r in refs]
    if file_rows is not None and len(file_rows):
        located = file_rows[["sheet", "row", "name", "agency_ref", "year"]].astype(
            {"agency_ref": "int64", "year": "int64"}).drop_duplicates(["agency_ref", "year"])
        out = out.merge(located.rename(columns={"name": "name_in_file"}),
                        on=["agency_ref", "year"], how="left")
    else:
        aliases = plan.aliases.drop_duplicates("agency_ref").set_index(
            plan.aliases.drop_duplicates("agency_ref")["agency_ref"].astype("int64"))["alias"]
        out["sheet"] = None
        out["row"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["name_in_file"] = [new["name"].get(r) if r < 0 else aliases.get(r) for r in refs]
    counts = changes[changes["item"].isin(SCORE_ITEMS)].pivot_table(
        index=["agency_ref", "year"], columns="change", values="item", aggfunc="size",
        fill_value=0).reindex(columns=list(CHANGES), fill_value=0)
    counts.columns = [f"scores_{c}" for c in counts.columns]
    out = out.merge(counts.reset_index(), on=["agency_ref", "year"], how="left")
    reported = changes[changes["item"].isin(REPORTED_ITEMS) & (changes["change"] != CHANGE_SAME)]
    out = out.merge(reported.groupby(["agency_ref", "year"]).size().rename("reported_changed")
                    .reset_index(), on=["agency_ref", "year"], how="left")
    count_columns = [f"scores_{c}" for c in CHANGES] + ["reported_changed"]
    out[count_columns] = out[count_columns].fillna(0).astype("int64")
    stored_year = set(zip(plan.replaced_keys["agency_id"].astype("int64"),
                          plan.replaced_keys["year"].astype("int64")))
    differs = (out["scores_new"] + out["scores_changed"] + out["scores_removed"]
               + out["reported_changed"]) > 0
    out["outcome"] = [
        OUTCOME_NEW_AGENCY if ref < 0
        else OUTCOME_ADDED if (ref, year) not in stored_year
        else OUTCOME_REPLACED if diff else OUTCOME_SAME
        for ref, year, diff in zip(out["agency_ref"], out["year"], differs)]
    cells = changes.assign(cell=value_cells(changes))
    wide = cells.pivot(index=["agency_ref", "year"], columns="item", values="cell").reindex(
        columns=[*SCORE_ITEMS, *REPORTED_ITEMS])
    out = out.merge(wide.reset_index(), on=["agency_ref", "year"], how="left")
    out[[*SCORE_ITEMS, *REPORTED_ITEMS]] = out[[*SCORE_ITEMS, *REPORTED_ITEMS]].astype(
        object).where(out[[*SCORE_ITEMS, *REPORTED_ITEMS]].notna(), "")
    if "row" in out and out["row"].notna().any():
        out = out.sort_values(["sheet", "row"], na_position="last", kind="stable")
    return out[ROW_COLUMNS].reset_index(drop=True)


def summarise_preview(plan: ImportPlan, rows: pd.DataFrame, changes: pd.DataFrame) -> dict:
    """The preview's counts: rows per outcome (and in all), rows held back for a decision,
    planned scores per change, stored scores replaced; they add up (see the module)."""
    scores = changes[changes["item"].isin(SCORE_ITEMS)]["change"].value_counts()
    by_change = {c: int(scores.get(c, 0)) for c in CHANGES}
    by_outcome = {o: int((rows["outcome"] == o).sum()) for o in OUTCOMES}
    held_back = plan.suggestions.drop_duplicates(["sheet", "row"]) if len(plan.suggestions) \
        else plan.suggestions
    return {
        "rows": len(rows), **{f"rows_{o}": n for o, n in by_outcome.items()},
        "rows_held_back": len(held_back),
        "scores_written": by_change[CHANGE_NEW] + by_change[CHANGE_CHANGED] + by_change[CHANGE_SAME],
        **{f"scores_{c}": n for c, n in by_change.items()},
        "stored_scores_replaced": by_change[CHANGE_CHANGED] + by_change[CHANGE_SAME]
        + by_change[CHANGE_REMOVED],
    }


def describe_counts(summary: dict) -> tuple[str, str]:
    """The counts in words, Thai and English: what a commit writes, never '0 new, 0 replaced'
    for a file that adds scores to stored agencies."""
    s = summary
    th = (f"จะบันทึก {s['rows']:,} แถว (หน่วยงาน-ปี): สร้างหน่วยงานใหม่ {s['rows_new_agency']:,}, "
          f"เพิ่มปีให้หน่วยงานเดิม {s['rows_added']:,}, แทนที่ผลเดิม {s['rows_replaced']:,}, "
          f"เหมือนที่บันทึกไว้ {s['rows_same']:,} — คะแนนตัวชี้วัด {s['scores_written']:,} คะแนน: "
          f"ใหม่ {s['scores_new']:,}, เปลี่ยนค่า {s['scores_changed']:,}, เท่าเดิม {s['scores_same']:,}")
    en = (f"Writes {s['rows']:,} rows (agency-years): {s['rows_new_agency']:,} new agencies, "
          f"{s['rows_added']:,} new years of stored agencies, {s['rows_replaced']:,} replacing "
          f"stored results, {s['rows_same']:,} same as stored — {s['scores_written']:,} "
          f"indicator scores: {s['scores_new']:,} new, {s['scores_changed']:,} changed, "
          f"{s['scores_same']:,} the same")
    if s["scores_removed"]:
        th += f" (คะแนนเดิมที่ไฟล์ไม่มีจะถูกลบ {s['scores_removed']:,})"
        en += f" ({s['scores_removed']:,} stored scores the file lacks are removed)"
    if s["rows_held_back"]:
        th += f"; รอการยืนยัน {s['rows_held_back']:,} แถว (ยังไม่บันทึก)"
        en += f"; {s['rows_held_back']:,} rows held back for a decision (not written)"
    return th, en


def describe_coverage(coverage: dict | None) -> tuple[str, str] | None:
    """A file's coverage of its year in words: 'this file covers 7 of 8,317 agencies of 2569'."""
    if not coverage or not coverage.get("expected"):
        return None
    share = 100 * coverage["agencies"] / coverage["expected"]
    # A province's file is a fraction of a percent: "0.0%" would read as nothing.
    shown = f"{share:.1f}%" if share >= 1 or share == 0 else \
        f"{share:.2f}%" if share >= 0.01 else "< 0.01%"
    return (f"ไฟล์นี้ครอบคลุม {coverage['agencies']:,} จาก {coverage['expected']:,} หน่วยงานของปี "
            f"{coverage['year']} ({shown})",
            f"This file covers {coverage['agencies']:,} of {coverage['expected']:,} agencies of "
            f"{coverage['year']} ({shown})")


def localise(rows: pd.DataFrame, language: str) -> pd.DataFrame:
    """The rows with their match and outcome in words and headers in ``language`` (th/en)."""
    index = 0 if language == "th" else 1
    out = rows.copy()
    for col in ("match", "outcome"):
        out[col] = out[col].map(lambda code: LABELS.get(code, (code, code))[index])
    return out.rename(columns={c: HEADERS[c][index] for c in out.columns if c in HEADERS})
