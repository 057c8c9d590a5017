"""Importing score spreadsheets: read, recognise, validate, match, plan; commit and undo.

``analyse_file`` writes nothing and returns an :class:`ImportPlan`; ``commit_plan`` writes a
valid plan in one transaction; ``undo_import`` restores the state before an import.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from ita_analytics import store
from ita_analytics.analysis.coverage import compute_import_coverage
from ita_analytics.analysis.items import compute_item_contradictions, compute_oit_indicators
from ita_analytics.backup import auto_backup
from ita_analytics.domain import FIRST_YEAR, TOOL_CODES, round2_array
from ita_analytics.importer.issues import Issue, issues_frame
from ita_analytics.importer.items import extract_item_scores, match_item_agencies
from ita_analytics.importer.items_file import undo_items
from ita_analytics.importer.match import NEW, check_places, decision_key, match_agencies
from ita_analytics.importer.measures import undo_measures
from ita_analytics.importer.normalise import column_label, extract_long, extract_wide
from ita_analytics.importer.plan import (
    ITEM_FRAME_COLUMNS,
    REPLACED_COLUMNS,
    REPORTED_FRAME_COLUMNS,
    SCORE_FRAME_COLUMNS,
    AnalysisInputs,
    ImportPlan,
    ImportResult,
    StalePlan,
    describe_changes,
    plan_differences,
)
from ita_analytics.importer.read import ImportRejected, Sheet, column_letter, read_tables
from ita_analytics.importer.recognise import (
    INDICATOR_ROLES,
    ROLE_LABELS,
    VALUE_ROLES,
    header_signature,
    recognise_sheet,
)
from ita_analytics.importer.validate import (
    compare_reported,
    refuse_long_text,
    resolve_years,
    validate_values,
)
from ita_analytics.store import imports as store_imports
from ita_analytics.store import mappings as store_mappings
from ita_analytics.thai import normalize_agency_name, to_be_year

__all__ = [
    "NEW", "ROLE_LABELS", "ImportPlan", "ImportRejected", "ImportResult", "Issue", "Sheet",
    "StalePlan",
    "analyse_file", "commit_plan", "decision_key", "issues_frame", "load_history",
    "read_tables", "replaced_summary", "undo_import",
]

_COMMIT_LOCK = threading.Lock()
"""Serialises commits within the process (the dashboard's sessions share one connection)."""
COMMIT_TRIES = 3
"""Commits tried when a write outside the lock (measures saved) lands during one."""


def analyse_file(conn, data: bytes, file_name: str, *, year: int | None = None,
                 replace: bool = False, accept_suggestions: bool = False,
                 create_new: bool = False, overrides: dict[str, dict[int, str]] | None = None,
                 decisions: dict[str, int | str] | None = None,
                 mapping: dict[str, str] | None = None) -> ImportPlan:
    """Read, recognise, validate and match a file against the store; write nothing.

    ``year`` is used where the file names none (B.E.); ``overrides`` corrects the column
    mapping per sheet (column index → role); ``decisions`` settles suggested matches
    (:func:`decision_key` → agency_id or :data:`NEW`); ``mapping`` sets columns by header
    text (header → role, the CLI's ``--map``/``--mapping``) in every sheet. Without it, a
    mapping remembered for the same header layout is applied (and said). The plan's status is "valid",
    "rejected" (any error) or "unchanged" (the same file is already imported).

    The plan records the store's data version and its inputs: :func:`commit_plan` analyses
    the file again if the store has changed since.
    """
    inputs = AnalysisInputs(data, year=year, replace=replace,
                            accept_suggestions=accept_suggestions, create_new=create_new,
                            overrides=overrides or {}, decisions=decisions or {},
                            mapping=mapping)
    # The time and version first: a commit landing while the file is analysed makes the plan
    # look older than it is (analysed again at commit), never newer.
    analysed_at = datetime.now()
    plan = ImportPlan(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), replace=replace,
                      store_version=store.data_version(conn), analysed_at=analysed_at,
                      inputs=inputs)
    year = None if year is None else to_be_year(year)
    previous = store_imports.find_committed_import(conn, plan.sha256)
    settling = accept_suggestions or create_new or bool(decisions)
    if previous is not None and settling and \
            store_imports.load_import_details(conn, previous).get("held_back"):
        # The same file again, now settling the rows it held back: import only those.
        plan.continues_import_id = previous
        plan.warn("continues_import",
                  f"ไฟล์นี้นำเข้าแล้วบางส่วน (หมายเลข {previous}) นำเข้าเฉพาะแถวที่รอการยืนยัน",
                  f"This file was partly imported (import {previous}); only the rows held back "
                  "for a decision are imported now")
    elif previous is not None:
        plan.status = "unchanged"
        plan.unchanged_import_id = previous
        plan.warn("unchanged", f"ไฟล์นี้นำเข้าแล้ว (การนำเข้าหมายเลข {previous}) จึงไม่ทำอะไร",
                  f"This file was already imported (import {previous}); nothing to do")
        return plan
    try:
        sheets = read_tables(data, file_name)
    except ImportRejected as error:
        plan.error(error.code, error.message_th, error.message_en)
        plan.status = "rejected"
        return plan
    named = _named_mappings(conn, sheets, plan, mapping, overrides or {})
    items = extract_item_scores(sheets, year=year)
    extracted = _extract(sheets, plan, overrides or {}, named, items)
    row_refs = None
    if extracted is not None:
        row_refs = _plan_rows(conn, *extracted, plan, year=year,
                              accept_suggestions=accept_suggestions, create_new=create_new,
                              decisions=decisions)
    if items.found:
        _plan_items(conn, items, row_refs, plan)
    plan.status = "rejected" if plan.errors else "valid"
    return plan


def _named_mappings(conn, sheets: list[Sheet], plan: ImportPlan, mapping: dict | None,
                    overrides: dict) -> dict[str, dict[str, str]]:
    """Per sheet, the mapping by header text to apply: the one given, else the one remembered
    for the sheet's header signature (unless the page is setting columns by hand)."""
    named: dict[str, dict[str, str]] = {}
    for sheet in sheets:
        signature = header_signature(sheet)
        if mapping:
            named[sheet.name] = dict(mapping)
            plan.mappings[signature] = dict(mapping)
            continue
        remembered = None if overrides.get(sheet.name) else \
            store_mappings.load_mapping(conn, signature)
        if remembered:
            named[sheet.name] = remembered
            plan.remembered = True
            shown = ", ".join(f"{h} → {ROLE_LABELS.get(r, (r, r))[0]}" for h, r in remembered.items())
            shown_en = ", ".join(f"{h} → {ROLE_LABELS.get(r, (r, r))[1]}"
                                 for h, r in remembered.items())
            plan.warn("mapping_remembered",
                      f"ใช้การจับคู่คอลัมน์ที่บันทึกไว้จากไฟล์รูปแบบเดียวกันครั้งก่อน: {shown}",
                      f"The column mapping remembered from an earlier file of this layout is "
                      f"used: {shown_en}", sheet=sheet.name)
    return named


def _remember(plan: ImportPlan, sheets_by_name: dict, overrides: dict) -> None:
    """Record the by-hand column choices of the page (column → role) by header text, so the
    next file of the same layout gets them."""
    for layout in plan.sheets:
        chosen = overrides.get(layout.sheet)
        sheet = sheets_by_name.get(layout.sheet)
        if not chosen or sheet is None:
            continue
        plan.mappings[header_signature(sheet)] = {
            layout.headers[c]: role for c, role in
            {**layout.mapping, **{int(c): r for c, r in chosen.items()}}.items()
            if layout.headers.get(c)}


def _plan_items(conn, items, row_refs: pd.DataFrame | None, plan: ImportPlan) -> None:
    """The file's item-level results (``importer.items.extract_item_scores``) as ``plan.items``:
    rows of a score row's agency take its agency (a new one too), rows of item sheets are
    matched to stored agencies; item rows already stored, and stored indicator scores the
    file's OIT items contradict, are said."""
    plan.errors += items.errors
    plan.warnings += items.warnings
    rows = items.rows
    if rows.empty:
        return
    refs = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    if row_refs is not None and len(row_refs):
        by_row = {(s, int(r)): int(a) for s, r, a in
                  zip(row_refs["sheet"], row_refs["row"], row_refs["agency_ref"], strict=True)}
        refs = pd.Series([by_row.get((s, int(r))) for s, r in zip(rows["sheet"], rows["row"],
                                                                   strict=True)],
                         index=rows.index, dtype="Int64")
    on_own = rows[refs.isna()]
    matched = rows[refs.notna()].assign(agency_ref=refs[refs.notna()].astype("int64"))
    if len(on_own):
        found, errors = match_item_agencies(on_own, store.load_agency_keys(conn))
        plan.errors += errors
        found = found.assign(agency_ref=found["agency_id"]).drop(
            columns=["agency_id", "agency_name"])
        matched = pd.concat([matched, found], ignore_index=True)
    if matched.empty:
        return
    matched["year"] = matched["year"].astype("int64")
    known = matched[matched["agency_ref"] > 0]
    if len(known):
        stored = store.load_item_keys(conn, sorted(set(known["agency_ref"].astype(int))),
                                      sorted(set(known["year"].astype(int))))
        clash = known.merge(stored.rename(columns={"agency_id": "agency_ref"}),
                            on=["agency_ref", "year", "item"])
        for row in clash.drop_duplicates(["agency_ref", "year"]).itertuples(index=False):
            plan.error("items_already_stored",
                       f"{row.name} ปี {row.year}: มีคะแนนรายข้อเก็บไว้แล้ว ({row.source}) "
                       "ยกเลิกการนำเข้าเดิมก่อน",
                       f"{row.name} {row.year}: item results are already stored ({row.source}); "
                       "undo that import first", sheet=row.sheet, row=int(row.row))
        results = store.load_results(conn, agency_ids=sorted(set(known["agency_ref"].astype(int))),
                                     years=sorted(set(known["year"].astype(int))),
                                     columns=["agency_id", "year", "i9", "i10"])
        reproduced = compute_oit_indicators(known.rename(columns={"agency_ref": "agency_id"}))
        for r in compute_item_contradictions(reproduced, results).itertuples(index=False):
            plan.warn("items_contradict_indicator",
                      f"หน่วยงาน {r.agency_id} ปี {r.year}: ตัวชี้วัดที่ {r.indicator} ที่เก็บไว้ "
                      f"{r.stored:.2f} แต่รายข้อ OIT ให้ {r.from_items:.2f}",
                      f"Agency {r.agency_id}, {r.year}: indicator {r.indicator} is stored as "
                      f"{r.stored:.2f} but its OIT items give {r.from_items:.2f}")
    plan.items = matched[ITEM_FRAME_COLUMNS].reset_index(drop=True)
    if not plan.years:  # a file of item results only
        plan.years = sorted(int(y) for y in plan.items["year"].unique())
        plan.rows = int(len(plan.items[["agency_ref", "year"]].drop_duplicates()))
        plan.agencies = int(plan.items["agency_ref"].nunique())


def _extract(sheets: list[Sheet], plan: ImportPlan, overrides: dict,
             named: dict[str, dict[str, str]] | None = None, items=None
             ) -> tuple[pd.DataFrame, dict] | None:
    layouts = {}
    frames = []
    for sheet in sheets:
        if sheet.formulas_without_value:
            first = sheet.first_formula_without_value
            plan.error("formula_without_value",
                       f"ชีต \"{sheet.name}\" มีสูตร {sheet.formulas_without_value} เซลล์ที่ไม่มีค่าที่คำนวณไว้ "
                       "(โปรแกรมไม่คำนวณสูตรเอง) — คาดว่าเป็นตัวเลข: เปิดไฟล์ใน Excel แล้วบันทึกใหม่ "
                       "หรือวางแบบค่า (Paste Values)",
                       f"Sheet \"{sheet.name}\" has {sheet.formulas_without_value} formula cells "
                       "without a computed value (formulas are never evaluated here) — expected "
                       "numbers: open the file in Excel and save it, or paste as values",
                       sheet=sheet.name, row=first[0] + 1 if first else None,
                       column=column_letter(first[1]) if first else None)
        elif sheet.formula_cells:
            plan.warn("formulas",
                      f"ชีต \"{sheet.name}\" มีสูตร {sheet.formula_cells} เซลล์ ใช้ค่าที่คำนวณไว้ในไฟล์",
                      f"Sheet \"{sheet.name}\" has {sheet.formula_cells} formula cells; the values "
                      "saved in the file are used", sheet=sheet.name)
        if not any(v is not None for row in sheet.rows for v in row):
            continue
        layout = recognise_sheet(sheet, overrides.get(sheet.name), (named or {}).get(sheet.name))
        plan.sheets.append(layout)
        item_layout = items.layouts.get(sheet.name) if items is not None else None
        if item_layout == "long":
            continue  # a sheet of item × score rows: item results only (see _plan_items)
        if item_layout == "wide":
            for col in items.item_columns.get(sheet.name, {}):
                layout.mapping.pop(col, None)
                layout.duplicates.pop(col, None)
            if not set(layout.mapping.values()) & VALUE_ROLES:
                continue  # item columns only: nothing for the score import
        if layout.layout == "none":
            read_th = f" — อ่านคอลัมน์ได้ดังนี้: {_read_as(layout, 0)} — กำหนดความหมายของคอลัมน์ได้ใน" \
                "การจับคู่คอลัมน์ (--map \"หัวคอลัมน์=ความหมาย\")" if layout.headers else ""
            read_en = f" — columns were read as: {_read_as(layout, 1)} — set what a column holds " \
                "in the column mapping (--map \"HEADER=ROLE\")" if layout.headers else ""
            plan.warn("no_scores",
                      f"ชีต \"{sheet.name}\" ไม่มีตารางคะแนน (ไม่พบหัวตารางชื่อหน่วยงานและคะแนน)"
                      f"{read_th} จึงไม่นำเข้า",
                      f"Sheet \"{sheet.name}\" holds no score table (no header with agency names "
                      f"and scores found){read_en}; not imported", sheet=sheet.name,
                      row=None if layout.header_row is None else layout.header_row + 1)
            continue
        if sheet.hidden:
            plan.warn("hidden_sheet", f"ชีต \"{sheet.name}\" ถูกซ่อนไว้ จึงไม่นำเข้า",
                      f"Sheet \"{sheet.name}\" is hidden; not imported", sheet=sheet.name)
            continue
        if layout.duplicates and layout.layout == "wide":
            col, role = next(iter(layout.duplicates.items()))
            first = layout.columns_for(role)[0]
            plan.error("duplicate_header",
                       f"คอลัมน์ {column_label(layout, col)} ซ้ำกับคอลัมน์ {column_label(layout, first)} "
                       f"({ROLE_LABELS[role][0]}) — ไม่ทราบว่าคอลัมน์ใดเป็นคะแนนจริง (คาดว่ามีคอลัมน์ละหนึ่งตัวชี้วัด "
                       "หรือเลือกคอลัมน์ที่ไม่ใช้ในการจับคู่คอลัมน์)",
                       f"Column {column_label(layout, col)} repeats column "
                       f"{column_label(layout, first)} ({ROLE_LABELS[role][1]}) — which one holds "
                       "the scores is unclear (expected one column per indicator, or mark one as "
                       "ignored in the column mapping)",
                       sheet=sheet.name, row=layout.header_row + 1,
                       column=column_label(layout, col))
            continue
        if layout.layout == "wide":
            present = layout.indicator_columns()
            missing = [n for n in range(1, 11) if n not in present]
            if present and missing:
                listed = ", ".join(str(n) for n in missing)
                plan.warn("partial_indicators",
                          f"ไม่มีคอลัมน์ตัวชี้วัดที่ {listed}: นำเข้าเฉพาะที่มี ผลของแต่ละปีจะอิงคะแนนรวม"
                          "หรือเครื่องมือที่ระบุ (ถ้ามี)",
                          f"No column for indicators {listed}: the others are imported; each "
                          "result rests on the total or tools given (if any)",
                          sheet=sheet.name, row=layout.header_row + 1)
            if not {"name", "province"} & set(layout.mapping.values()):
                plan.error("missing_columns",
                           "ไม่พบคอลัมน์ชื่อหน่วยงาน (คาดว่ามี \"ชื่อหน่วยงาน\" หรือ \"จังหวัด\" "
                           f"แถวละจังหวัด) — อ่านคอลัมน์ได้ดังนี้: {_read_as(layout, 0)} — "
                           "กำหนดคอลัมน์ชื่อหน่วยงานในการจับคู่คอลัมน์ (--map \"หัวคอลัมน์=name\")",
                           "No agency name column (expected \"ชื่อหน่วยงาน\", or \"จังหวัด\" for a "
                           f"row per province) — columns were read as: {_read_as(layout, 1)} — set "
                           "the agency name column in the column mapping (--map \"HEADER=name\")",
                           sheet=sheet.name, row=layout.header_row + 1)
                continue
            frame = extract_wide(sheet, layout, plan)
        else:
            frame = extract_long(sheet, layout, plan)
        frame = refuse_long_text(frame, layout, plan)
        layouts[sheet.name] = layout
        if len(frame):
            frames.append(frame)
    _remember(plan, {s.name: s for s in sheets}, overrides)
    if not frames:
        if not plan.errors and not (items is not None and items.found):
            plan.error("no_data",
                       f"ไม่พบข้อมูลคะแนนในไฟล์ {plan.file_name} "
                       "(คาดว่ามีตารางที่มีชื่อหน่วยงานและคะแนนตัวชี้วัด)",
                       f"No scores found in the file {plan.file_name} (expected a table of agency "
                       "names and indicator scores)")
        return None
    return pd.concat(frames, ignore_index=True), layouts


def _read_as(layout, language: int) -> str:
    """What each titled column was read as: 'A (ชื่อ อปท.) → ชื่อหน่วยงาน, B (จว.) → ไม่ใช้'."""
    parts = []
    for col in sorted(layout.headers):
        role = layout.mapping.get(col, "ignore")
        parts.append(f"{column_label(layout, col)} → {ROLE_LABELS.get(role, (role, role))[language]}")
    return ", ".join(parts[:30]) or "-"


def _plan_rows(conn, entities: pd.DataFrame, layouts: dict, plan: ImportPlan, *, year,
               accept_suggestions, create_new, decisions) -> pd.DataFrame | None:
    entities["year_be"] = resolve_years(entities, layouts, plan, year)
    old = entities["year_be"].notna() & (entities["year_be"] < FIRST_YEAR)
    if old.any():
        # Another framework (five indices, other levels): skipped and named, never the file.
        for sheet, group in entities[old].groupby("sheet", sort=False):
            rows = ", ".join(str(int(r)) for r in group["row"].head(20))
            rows += " …" if len(group) > 20 else ""
            years = ", ".join(str(int(y)) for y in sorted(group["year_be"].unique()))
            plan.warn("old_framework_skipped",
                      f"ข้าม {len(group)} แถวของปี {years} ซึ่งใช้กรอบการประเมินเดิม (ก่อน {FIRST_YEAR} "
                      f"ตัวชี้วัดและระดับต่างจากปัจจุบัน) ไม่นำเข้า (แถว {rows})",
                      f"Skipped {len(group)} rows of {years}, assessed under the older framework "
                      f"(before {FIRST_YEAR}, other indices and levels); not imported (rows {rows})",
                      sheet=sheet, row=int(group["row"].iloc[0]))
        if old.all():
            first = entities.iloc[0]
            plan.error("old_framework",
                       f"ทุกแถวเป็นปีก่อน {FIRST_YEAR} ซึ่งใช้กรอบการประเมินเดิม จึงไม่มีข้อมูลให้นำเข้า "
                       f"(คาดว่าเป็นปี {FIRST_YEAR} ขึ้นไป)",
                       f"Every row is of a year before {FIRST_YEAR}, under the older framework: "
                       f"nothing to import (expected {FIRST_YEAR} or later)",
                       sheet=first["sheet"], row=int(first["row"]))
    entities = entities[entities["year_be"].notna() & ~old].copy()
    if entities.empty:
        return
    valid = validate_values(entities, layouts, plan)
    compare_reported(valid, layouts, plan)
    valid = check_places(valid, layouts, plan)
    keys = store.load_agency_keys(conn)
    refs = match_agencies(valid, keys, layouts, plan, accept_suggestions=accept_suggestions,
                          create_new=create_new, decisions=decisions,
                          known_keys=store_imports.load_agency_name_keys(conn))
    valid["agency_ref"] = refs
    valid = valid[valid["agency_ref"].notna()].copy()
    if plan.continues_import_id is not None:
        done = store_imports.load_file_import_keys(conn, plan.sha256)
        done_keys = set(zip(done["agency_id"].astype("int64"), done["year"].astype("int64")))
        already = [(int(a), int(y)) in done_keys
                   for a, y in zip(valid["agency_ref"], valid["year_be"])]
        valid = valid[~pd.Series(already, index=valid.index, dtype=bool)].copy()
    dup = valid.duplicated(["agency_ref", "year_be"], keep=False)
    if dup.any():
        for (_, _), group in valid[dup].groupby(["agency_ref", "year_be"], sort=False):
            first, *others = group.itertuples()
            for other in others:
                plan.error("duplicate",
                           f"\"{other.name}\" ปี {other.year_be} ซ้ำกับแถว {first.row} "
                           f"(ชีต {first.sheet}) — คาดว่าหน่วยงานหนึ่งมีหนึ่งแถวต่อปี",
                           f"\"{other.name}\" in {other.year_be} repeats row {first.row} "
                           f"(sheet {first.sheet}) — expected one row per agency and year",
                           sheet=other.sheet, row=int(other.row),
                           column=column_label(layouts[other.sheet],
                                               layouts[other.sheet].columns_for("name")[0])
                           if layouts[other.sheet].columns_for("name") else None)
    valid["year"] = valid["year_be"].astype("int64")
    valid["agency_ref"] = valid["agency_ref"].astype("int64")
    # Long scores straight from NumPy, in the order melt gives (the rows' i1, then their i2…):
    # melting and turning "i7" back into 7 took 20 ms for the national file, this 3 ms.
    scores = pd.DataFrame({
        "agency_ref": np.tile(valid["agency_ref"].to_numpy(), len(INDICATOR_ROLES)),
        "year": np.tile(valid["year"].to_numpy(), len(INDICATOR_ROLES)),
        "indicator": np.repeat(np.array([int(role[1:]) for role in INDICATOR_ROLES],
                                        dtype="int64"), len(valid)),
        # Two decimals, as stored: the plan (preview, diff, fuzz check) holds what the commit
        # writes (a 1e-38 cell was planned as such and stored as 0.00).
        "score": round2_array(valid[list(INDICATOR_ROLES)].to_numpy(dtype="float64")
                              .ravel(order="F")),
    })
    scores = scores[scores["score"].notna()]
    plan.scores = scores.sort_values(["agency_ref", "year", "indicator"],
                                     ignore_index=True)[SCORE_FRAME_COLUMNS]
    reported = valid.rename(columns={code: code.lower() for code in TOOL_CODES})
    has_reported = reported[["total", "level", "iit", "eit", "oit"]].notna().any(axis=1)
    plan.reported = reported.loc[has_reported, REPORTED_FRAME_COLUMNS].reset_index(drop=True)
    plan.rows = len(valid)
    plan.agencies = int(valid["agency_ref"].nunique())
    plan.years = sorted(int(y) for y in valid["year"].unique())
    if plan.years:
        latest = valid["year"] == max(plan.years)
        plan.coverage = compute_import_coverage(max(plan.years),
                                                int(valid.loc[latest, "agency_ref"].nunique()),
                                                store.load_year_agency_counts(conn))
    _plan_replacements(conn, valid, plan)
    plan.matched = valid[["sheet", "row", "name", "agency_ref", "year"]].reset_index(drop=True)
    return valid[["sheet", "row", "agency_ref", "year"]]


def _plan_replacements(conn, valid: pd.DataFrame, plan: ImportPlan) -> None:
    known = valid[valid["agency_ref"] > 0][["agency_ref", "year"]].rename(
        columns={"agency_ref": "agency_id"})
    if known.empty:
        return
    existing = store_imports.load_existing_scores(conn, known)
    if existing.empty:
        return
    plan.replaced_keys = existing[["agency_id", "year"]].drop_duplicates().reset_index(drop=True)
    old_scores = existing[existing["indicator"].notna()].copy()
    old_scores["indicator"] = old_scores["indicator"].astype("int64")
    new = plan.scores.rename(columns={"agency_ref": "agency_id", "score": "new_score"})
    diff = old_scores.rename(columns={"score": "old_score"}).merge(
        new, on=["agency_id", "year", "indicator"], how="left")
    plan.replaced = diff[REPLACED_COLUMNS].reset_index(drop=True)
    if not plan.replace:
        n_keys = len(plan.replaced_keys)
        changed = int((diff["old_score"].round(2) != diff["new_score"].round(2)).sum())
        plan.error("existing_scores",
                   f"มีคะแนนของ {n_keys} หน่วยงาน-ปี อยู่แล้ว ({len(old_scores)} คะแนน, เปลี่ยนค่า "
                   f"{changed}) — จะแทนที่ได้เมื่อเลือกแทนที่ (--replace) เท่านั้น ดูรายการเดิม → ใหม่ในตัวอย่าง",
                   f"{n_keys} agency-years already have scores ({len(old_scores)} scores, "
                   f"{changed} different) — they are replaced only when replace is chosen "
                   "(--replace); see the old → new list in the preview")


def _analyse_again(conn, plan: ImportPlan) -> ImportPlan:
    inputs = plan.inputs
    return analyse_file(conn, inputs.data, plan.file_name, year=inputs.year,
                        replace=inputs.replace, accept_suggestions=inputs.accept_suggestions,
                        create_new=inputs.create_new, overrides=inputs.overrides,
                        decisions=inputs.decisions, mapping=inputs.mapping)


def _check_still_true(conn, plan: ImportPlan) -> ImportPlan | None:
    """Make sure the plan still says what committing it would do, on the store as it is now.

    At the plan's data version it does. Otherwise the file is analysed again: the same plan
    (another session's commit left everything this file touches alone) is kept, at the new
    version; anything else raises :class:`StalePlan` naming what changed. Returns the fresh
    plan when the file is now already imported (by another session), else None.
    """
    if plan.store_version is None or store.data_version(conn) == plan.store_version:
        return None
    if plan.inputs is None:
        raise StalePlan(plan, describe_changes(
            store_imports.load_changes_since(conn, plan.analysed_at or datetime.min)),
            [("ไม่มีไฟล์ให้ตรวจสอบซ้ำ", "the file is not at hand to check again")])
    fresh = _analyse_again(conn, plan)
    if fresh.status == "unchanged" and plan.continues_import_id is None:
        return fresh
    differences = plan_differences(plan, fresh)
    if differences:
        changes = store_imports.load_changes_since(conn, plan.analysed_at or datetime.min)
        raise StalePlan(fresh, describe_changes(changes), differences)
    plan.store_version = fresh.store_version
    plan.analysed_at = fresh.analysed_at
    return None


def commit_plan(conn, plan: ImportPlan, user: str | None = None) -> ImportResult:
    """Write a valid plan in one transaction (see ``store.imports.commit_import``).

    A rejected plan writes nothing; a file already committed (same sha256) is "unchanged".
    Commits are serialised within the process. A plan made before the store last changed
    (another session imported, undid, saved measures) is checked first by analysing its file
    again: committed when that gives the same plan, refused with :class:`StalePlan` (an
    :class:`ItaError` saying what changed) when it does not — a preview is never committed
    onto data it did not show.
    """
    if plan.status == "unchanged":
        return ImportResult("unchanged", plan.unchanged_import_id, plan)
    if plan.status != "valid" or plan.errors:
        return ImportResult("rejected", None, plan)
    aliases = plan.aliases.assign(alias_key=plan.aliases["alias"].map(normalize_agency_name))
    details = {
        "sheets": [{"sheet": s.sheet, "layout": s.layout, "header_row": s.header_row,
                    "mapping": {str(c): r for c, r in s.mapping.items()},
                    "title_year": s.title_year} for s in plan.sheets],
        "years": plan.years,
        "warnings": len(plan.warnings),
        "reported": len(plan.reported),
        "held_back": len(plan.suggestions),
        "continues_import_id": plan.continues_import_id,
    }
    counts = {"rows": plan.rows, "agencies": plan.agencies,
              "replaced_scores": plan.replaced_scores}
    with _COMMIT_LOCK:
        for attempt in range(COMMIT_TRIES):
            done = _check_still_true(conn, plan)
            if done is not None:
                plan.status = "unchanged"
                plan.unchanged_import_id = done.unchanged_import_id
                return ImportResult("unchanged", plan.unchanged_import_id, plan)
            if plan.replace and len(plan.replaced_keys):
                # Scores are about to be replaced: keep the store as it was first
                # (setting backups_keep).
                auto_backup(conn, f"before-import-{plan.file_name}")
            try:
                import_id = store_imports.commit_import(
                    conn, file_name=plan.file_name, sha256=plan.sha256,
                    year=plan.years[0] if len(plan.years) == 1 else None, user=user,
                    new_agencies=plan.new_agencies, aliases=aliases, scores=plan.scores,
                    reported=plan.reported, replace=plan.replace, counts=counts,
                    details=details, allow_same_file=plan.continues_import_id is not None,
                    expected_version=plan.store_version, items=plan.items)
                break
            except (store_imports.StoreChanged, duckdb.TransactionException):
                # A write that does not take this lock (measures saved on their page) landed
                # between the check and the commit: check again.
                if attempt == COMMIT_TRIES - 1:
                    raise
    if import_id is None:
        plan.status = "unchanged"
        plan.unchanged_import_id = store_imports.find_committed_import(conn, plan.sha256)
        return ImportResult("unchanged", plan.unchanged_import_id, plan)
    for signature, mapping in plan.mappings.items():
        store_mappings.remember_mapping(conn, signature, mapping)
    plan.import_id = import_id
    plan.status = "committed"
    return ImportResult("committed", import_id, plan)


def undo_import(conn, import_id: int, user: str | None = None) -> dict:
    """Undo an import: its scores, reported values, agencies and aliases removed, replaced
    values restored. Returns counts (scores_removed, scores_restored, agencies_removed).

    A measures import (same history, kind 'measures') is undone by removing its measures and
    returns ``{"measures_removed": n}``, an items import (kind 'items', ``items import``) its
    item rows (``{"items_removed": n}``), so one ``undo`` serves every kind.
    """
    with _COMMIT_LOCK:
        kind = store_imports.import_kind(conn, int(import_id))
        if kind == "measures":
            return {"import_id": int(import_id), "kind": "measures",
                    "measures_removed": undo_measures(conn, int(import_id), user)}
        if kind == "items":
            return {"import_id": int(import_id), "kind": "items",
                    "items_removed": undo_items(conn, int(import_id), user)}
        return store_imports.undo_import(conn, int(import_id), user)


def load_history(conn) -> pd.DataFrame:
    """Every import, newest first (see ``store.imports.HISTORY_COLUMNS``)."""
    return store_imports.load_history(conn)


def replaced_summary(plan: ImportPlan) -> pd.DataFrame:
    """The replaced scores with their change (new − old), for the preview."""
    out = plan.replaced.copy()
    out["change"] = np.round(out["new_score"] - out["old_score"], 2)
    return out
