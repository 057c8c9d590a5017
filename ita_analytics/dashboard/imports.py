"""Streamlit blocks of the import page: analysis with progress, mapping, preview, commit, history."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from ita_analytics import importer, settings, store
from ita_analytics.dashboard import data
from ita_analytics.dashboard.sign_in import analyst_user
from ita_analytics.dashboard.ui import (
    escape_markdown,
    lang,
    map_labels,
    safe_table_cells,
    show_table,
    t,
)
from ita_analytics.domain import TOOL_CODES
from ita_analytics.errors import ItaError, StoreBusy
from ita_analytics.exports import to_xlsx_bytes
from ita_analytics.importer import preview
from ita_analytics.importer.issues import issues_frame
from ita_analytics.importer.plan import ImportPlan, StalePlan
from ita_analytics.importer.recognise import ROLE_LABELS
from ita_analytics.importer.report import report_frames, template_xlsx_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_KEY = "imp_plan"
FLASH_KEY = "imp_flash"
REPLANNED_KEY = "imp_replanned"
"""The plan analysed again after a commit found the store changed (shown with a note)."""
CHOICES_KEY = "imp_choices"
"""The file's digest, the mapping choices and the near-match decisions made for it."""
PREVIEW_KEY = "imp_preview"
"""The preview rows of the plan last shown (built once per plan)."""
DECISION_PENDING, DECISION_ACCEPT, DECISION_NEW = "pending", "accept", "new"
MATCHED_SHEET = "หน่วยงานที่จับคู่ (Matched)"
"""The validation workbook's sheet of the rows to write and the agencies they matched."""
MAPPING_ISSUES = {"no_scores", "missing_columns", "duplicate_header", "no_data",
                  "mapping_remembered"}
"""Issues the column mapping answers: the mapping editor opens by itself when one is raised."""


def _digest(frame) -> str:
    """A short key for an editor of this exact table (edits are kept per table shown)."""
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()[:12]


@dataclass(frozen=True)
class MappingChoices:
    """The analyst's column choices so far: ``overrides`` per sheet (column index → role, in
    the order made: a later choice of a role takes it from an earlier column) and ``named``
    (header text → role) for sheets whose table exists only through a mapping by header.

    ``importer.analyse_file`` applies ``overrides`` only to a sheet in which a score table was
    recognised; a sheet with none (layout "none"), or one whose table a remembered mapping
    made, is set by header text (its ``mapping``), as the CLI's ``--map`` does."""

    overrides: dict = field(default_factory=dict)
    named: dict = field(default_factory=dict)

    def analyse_args(self) -> dict:
        return {"overrides": self.overrides, "mapping": self.named or None}


def session_choices(data: bytes) -> tuple[MappingChoices, dict]:
    """The mapping choices and near-match decisions made for this file (none for another)."""
    held = st.session_state.get(CHOICES_KEY)
    if not held or held[0] != hashlib.sha256(data).hexdigest():
        return MappingChoices(), {}
    return held[1], held[2]


def keep_choices(data: bytes, choices: MappingChoices, decisions: dict) -> None:
    st.session_state[CHOICES_KEY] = (hashlib.sha256(data).hexdigest(), choices, decisions)


def forget_choices() -> None:
    st.session_state.pop(CHOICES_KEY, None)


def remembered_sheets(plan: ImportPlan) -> set[str]:
    """Sheets to which a mapping remembered from an earlier file was applied."""
    return {w.sheet for w in plan.warnings if w.code == "mapping_remembered"}


def apply_mapping_edits(choices: MappingChoices, plan: ImportPlan,
                        edits: dict[str, dict[int, str]]) -> MappingChoices:
    """The choices after the analyst set ``edits`` (per sheet, column → role) on ``plan``'s
    mapping table.

    Each edit is kept by column index; on a sheet without a recognised table or with a
    remembered mapping it is kept by header text too (a unique, non-empty header), and the
    first such edit also keeps every remembered sheet's mapping as it is shown — setting
    columns by hand stops the remembered mapping being applied, and without it those
    sheets would lose their table."""
    if not edits:
        return choices
    overrides = {sheet: dict(cols) for sheet, cols in choices.overrides.items()}
    named = dict(choices.named)
    layouts = {layout.sheet: layout for layout in plan.sheets}
    remembered = remembered_sheets(plan)
    for sheet, cols in edits.items():
        layout = layouts.get(sheet)
        if layout is None:
            continue
        by_header = layout.layout == "none" or sheet in remembered
        if by_header and remembered and not named:
            for kept in remembered:
                held = layouts[kept]
                named.update({header: held.mapping.get(col, "ignore")
                              for col, header in held.headers.items() if header})
        counts = pd.Series(list(layout.headers.values())).value_counts()
        for col, role in cols.items():
            mine = overrides.setdefault(sheet, {})
            mine.pop(int(col), None)  # re-inserted last: this choice wins over earlier ones
            mine[int(col)] = role
            header = layout.headers.get(int(col), "")
            if by_header and header and counts.get(header, 0) == 1:
                named[header] = role
    return MappingChoices(overrides, named)


def current_user() -> str | None:
    """The signed-in analyst (OIDC e-mail or the local sign-in's name), recorded as the
    import's ``user_name``; None for a viewer."""
    return analyst_user()


def render_template_download() -> None:
    st.download_button(t("ดาวน์โหลดแบบฟอร์มนำเข้า (xlsx)", "Download the import template (xlsx)"),
                       data=template_xlsx_bytes, file_name="ita_import_template.xlsx",
                       mime=XLSX_MIME, key="imp_template")


def upload_limit_mb() -> int:
    return int(settings.get("upload_max_mb"))


def analyse_with_progress(conn, data: bytes, file_name: str, *, year, replace: bool,
                          choices: MappingChoices, decisions: dict) -> ImportPlan:
    """``importer.analyse_file``, cached in the session per file and options, with progress."""
    # Overrides as ordered pairs: their order decides which column keeps a role.
    key = json.dumps([hashlib.sha256(data).hexdigest(), year, replace,
                      {s: list(o.items()) for s, o in choices.overrides.items()},
                      choices.named, decisions], sort_keys=True, default=str)
    cached = st.session_state.get(PLAN_KEY)
    if cached and cached[0] == key:
        return cached[1]
    shown = escape_markdown(file_name)
    bar = st.progress(0.1, text=t(f"กำลังอ่านและตรวจสอบ {shown}…", f"Reading and checking {shown}…"))
    plan = importer.analyse_file(conn, data, file_name, year=year, replace=replace,
                                 decisions=decisions, **choices.analyse_args())
    bar.progress(1.0, text=t("ตรวจสอบเสร็จแล้ว", "Checked"))
    st.session_state[PLAN_KEY] = (key, plan)
    return plan


def role_labels() -> dict[str, str]:
    """Every role a column can have (``ROLE_LABELS``) as the mapping editor offers it."""
    return {role: f"{role} — {t(th, en)}" for role, (th, en) in ROLE_LABELS.items()}


def render_layout(plan: ImportPlan, choices: MappingChoices | None = None
                  ) -> dict[str, dict[int, str]]:
    """Detected layout, year and column mapping per sheet; returns the analyst's changes
    (per sheet, column index → role). The editor is open when the file needs a mapping or
    the analyst has set columns of it (``choices``).

    Every titled column is listed, also on a sheet where no score table was recognised, and
    every role is offered; a mapping remembered from an earlier file of the same layout is
    said, and can be changed like any other. Choices made here are remembered at import."""
    for layout in plan.sheets:
        year = layout.title_year or "-"
        sheet = escape_markdown(layout.sheet)
        if layout.layout == "none":
            st.caption(t(f"ชีต \"{sheet}\": ไม่พบตารางคะแนน — กำหนดความหมายของคอลัมน์ด้านล่าง",
                         f"Sheet \"{sheet}\": no score table found — set what its columns hold "
                         "below"))
            continue
        st.caption(t(f"ชีต \"{sheet}\": รูปแบบ {layout.layout}, หัวตารางแถว "
                     f"{(layout.header_row or 0) + 1}, ปีจากชื่อตาราง {year}",
                     f"Sheet \"{sheet}\": {layout.layout} layout, header row "
                     f"{(layout.header_row or 0) + 1}, year from title {year}"))
    mapping = plan.mapping_frame()
    if mapping.empty:
        return {}
    for warning in plan.warnings:
        if warning.code == "mapping_remembered":
            st.info(escape_markdown(t(warning.message_th, warning.message_en)) + t(
                " — แก้ไขได้ในตารางการจับคู่คอลัมน์ การแก้ไขจะถูกจดจำเมื่อนำเข้า",
                " — change it in the column mapping; a change is remembered on import"))
    labels = role_labels()
    # What the table shows (and its toolbar's CSV download writes) is neutralised; the
    # choices are read back by position against ``mapping``, whose values stay as read.
    shown = safe_table_cells(mapping[["sheet", "column", "header"]]).assign(
        role=mapping["role"].map(labels).to_numpy())
    opened = any(w.code in MAPPING_ISSUES for w in [*plan.errors, *plan.warnings]) or \
        bool(choices and choices.overrides)
    with st.expander(t("การจับคู่คอลัมน์ (แก้ไขได้)", "Column mapping (editable)"), expanded=opened):
        st.caption(t("ตั้งความหมายของคอลัมน์ใดก็ได้ (ชื่อหน่วยงาน จังหวัด อำเภอ ประเภท ปี ตัวชี้วัดที่ 1–10 "
                     "IIT/EIT/OIT คะแนนรวม ระดับ หรือไม่ใช้) — โปรแกรมจะจดจำการจับคู่นี้ตามหัวตาราง "
                     "และเสนอให้ใช้กับไฟล์รูปแบบเดียวกันครั้งต่อไป",
                     "Set any column's meaning (agency name, province, district, type, year, "
                     "indicators 1–10, IIT/EIT/OIT, total, level, or ignored) — the mapping is "
                     "remembered by the file's headers and offered for the next file of this "
                     "layout"))
        edited = st.data_editor(
            shown, hide_index=True, key=f"imp_mapping_{_digest(shown)}",
            disabled=["sheet", "column", "header"],
            column_config={
                "sheet": st.column_config.TextColumn(t("ชีต", "Sheet")),
                "column": st.column_config.TextColumn(t("คอลัมน์", "Column")),
                "header": st.column_config.TextColumn(t("หัวคอลัมน์", "Header")),
                "role": st.column_config.SelectboxColumn(
                    t("ความหมาย", "Meaning"), options=list(labels.values()), required=True)})
    by_label = {label: role for role, label in labels.items()}
    changes: dict[str, dict[int, str]] = {}
    for before, after in zip(mapping.itertuples(), edited["role"]):
        role = by_label.get(after, before.role)
        if role != before.role:
            changes.setdefault(before.sheet, {})[int(before.col)] = role
    return changes


def render_issues(plan: ImportPlan) -> None:
    """Status, the file's coverage of its year, errors and warnings."""
    years = ", ".join(map(str, plan.years)) or "-"
    new = len(plan.new_agencies)
    summary = t(f"{plan.rows:,} แถว, {plan.agencies:,} หน่วยงาน (หน่วยงานใหม่ {new:,}), ปี {years}",
                f"{plan.rows:,} rows, {plan.agencies:,} agencies ({new:,} new), years {years}")
    if plan.status == "valid":
        st.success(t("ไฟล์ถูกต้อง พร้อมนำเข้า: ", "Valid, ready to import: ") + summary)
    elif plan.status == "unchanged":
        st.info(t(f"ไฟล์นี้นำเข้าแล้ว (หมายเลข {plan.unchanged_import_id}) ไม่มีอะไรเปลี่ยน",
                  f"This file is already imported (import {plan.unchanged_import_id}); nothing to do"))
    else:
        st.error(t(f"ไม่นำเข้า: พบข้อผิดพลาด {len(plan.errors):,} รายการ ไม่มีการบันทึกข้อมูลใด",
                   f"Not importable: {len(plan.errors):,} errors; nothing is written"))
    render_coverage(plan.coverage)
    if plan.errors:
        show_table(issues_table(plan.errors), key="imp_errors")
    if plan.warnings:
        with st.expander(t(f"คำเตือน ({len(plan.warnings)})", f"Warnings ({len(plan.warnings)})")):
            show_table(issues_table(plan.warnings), key="imp_warnings")


ISSUE_HEADERS = {"sheet": ("ชีต", "Sheet"), "row": ("แถว", "Row"), "column": ("คอลัมน์", "Column"),
                 "code": ("รหัส", "Code"), "message": ("รายละเอียด", "Message")}
NEW_AGENCY_HEADERS = {"name": ("ชื่อหน่วยงาน", "Agency"), "agency_type": ("ประเภท", "Type"),
                      "province": ("จังหวัด", "Province"), "district": ("อำเภอ", "District")}
REPLACED_HEADERS = {"agency_id": ("รหัสหน่วยงาน", "Agency id"), "name": ("หน่วยงาน", "Agency"),
                    "province": ("จังหวัด", "Province"), "year": ("ปี", "Year"),
                    "indicator": ("ตัวชี้วัดที่", "Indicator"), "old_score": ("คะแนนเดิม", "Old"),
                    "new_score": ("คะแนนใหม่", "New"), "change": ("เปลี่ยน", "Change")}


def localised(frame: pd.DataFrame, headers: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """``frame``'s columns named by ``headers`` (column → Thai, English) in the page's language."""
    return frame[list(headers)].rename(columns={c: t(*names) for c, names in headers.items()})


def issues_table(issues) -> pd.DataFrame:
    """Errors or warnings with their place, message in the page's language, headers too."""
    frame = issues_frame(issues)
    frame["message"] = frame["message_en" if lang() == "en" else "message_th"]
    return localised(frame, ISSUE_HEADERS)


def render_coverage(coverage: dict | None) -> None:
    """'This file covers 7 of 8,317 agencies of 2569', as a warning when that is a small part
    of the year (under the setting ``coverage_complete_share``)."""
    words = preview.describe_coverage(coverage)
    if words is None:
        return
    complete = float(settings.get("coverage_complete_share"))
    text = t(*words)
    if coverage["agencies"] / coverage["expected"] < complete:
        st.warning(text + t(
            f" — ปีนี้จะแสดงเป็นปีที่ข้อมูลไม่ครบ (ไม่ใช่ภาพรวมประเทศ) จนกว่าจะมีผลของหน่วยงานอย่างน้อย "
            f"{complete:.0%} ของที่คาดไว้",
            f" — the year is shown as partial (not as the nation's figure) until results of at "
            f"least {complete:.0%} of the expected agencies are stored"), icon="⚠️")
    else:
        st.info(text)


@dataclass(frozen=True)
class Preview:
    """What a plan would write, row by row (``importer.preview``), and its counts."""

    rows: pd.DataFrame
    changes: pd.DataFrame
    summary: dict


def _stored_reported(conn, plan: ImportPlan, agency_ids: list[int]) -> pd.DataFrame:
    if not agency_ids or not plan.years:
        return pd.DataFrame(columns=["agency_id", "year", *preview.REPORTED_ITEMS])
    columns = ["reported_total", "reported_level", *(f"reported_{c}" for c in TOOL_CODES)]
    frame = store.load_results(conn, agency_ids=agency_ids, years=plan.years,
                               columns=["agency_id", "year", *columns])
    return frame.rename(columns={c: c.removeprefix("reported_") for c in columns})


def get_preview(conn, plan: ImportPlan) -> Preview:
    """The plan's preview rows, built once per plan shown (kept in the session)."""
    cached = st.session_state.get(PREVIEW_KEY)
    if cached and cached[0] is plan:
        return cached[1]
    refs = pd.concat([plan.scores["agency_ref"], plan.reported["agency_ref"]])
    agency_ids = sorted({int(r) for r in refs if int(r) > 0})
    agencies = store.load_agency_names(conn, agency_ids) if agency_ids else \
        pd.DataFrame(columns=["agency_id", "name", "province"])
    changes = preview.compute_value_changes(plan, _stored_reported(conn, plan, agency_ids))
    # The importer's plan may name the file's rows behind it (sheet, row, name, agency_ref,
    # year); without them the name in the file is shown for new and confirmed agencies only.
    rows = preview.compute_preview_rows(plan, changes, agencies,
                                        file_rows=getattr(plan, "matched", None))
    built = Preview(rows, changes, preview.summarise_preview(plan, rows, changes))
    st.session_state[PREVIEW_KEY] = (plan, built)
    return built


def validation_workbook(plan: ImportPlan, rows: pd.DataFrame, language: str) -> bytes:
    """The validation report's sheets (summary, errors, warnings, columns, new agencies,
    near matches, replaced scores) and :data:`MATCHED_SHEET`: the preview's rows with the
    agencies they matched, headers in ``language``."""
    return to_xlsx_bytes({**report_frames(plan), MATCHED_SHEET: preview.localise(rows, language)})


def render_validation_download(plan: ImportPlan, rows: pd.DataFrame) -> None:
    """The validation workbook, built when the button is clicked."""
    language = lang()  # the workbook is built outside the script run: no session there
    st.download_button(t("ดาวน์โหลดรายงานการตรวจสอบ (xlsx)", "Download the validation report (xlsx)"),
                       data=lambda: validation_workbook(plan, rows, language), mime=XLSX_MIME,
                       file_name=f"validation_{plan.file_name.rsplit('.', 1)[0]}.xlsx",
                       key="imp_report")


def render_preview(conn, plan: ImportPlan) -> dict[str, int | str]:
    """The rows to write (each with the stored agency it matched and every value's change),
    their counts, new agencies, suggested matches to confirm, and replaced scores; the
    validation workbook. Returns the near-match decisions made."""
    decisions: dict[str, int | str] = {}
    built = get_preview(conn, plan) if plan.status != "unchanged" else None
    if built is not None and len(built.rows):
        st.subheader(t("แถวที่จะบันทึก", "Rows to write"))
        th, en = preview.describe_counts(built.summary)
        if plan.status == "valid":
            st.info(t(th, en))
        else:
            st.caption(t("ยังไม่บันทึกเพราะมีข้อผิดพลาด — ถ้าแก้แล้ว: ", "Nothing is written while "
                         "there are errors — once fixed: ") + t(th, en))
        shown = preview.localise(built.rows, lang())
        empty = [preview.HEADERS[c][0 if lang() == "th" else 1] for c in ("sheet", "row")
                 if built.rows[c].isna().all()]
        show_table(shown.drop(columns=empty), key="imp_rows")
    if plan.status != "unchanged":
        render_validation_download(plan, built.rows if built is not None else
                                   pd.DataFrame(columns=preview.ROW_COLUMNS))
    if len(plan.new_agencies):
        st.subheader(t("หน่วยงานใหม่", "New agencies"))
        show_table(localised(plan.new_agencies, NEW_AGENCY_HEADERS), key="imp_new")
    if len(plan.suggestions):
        st.subheader(t("ชื่อที่ใกล้เคียงหน่วยงานเดิม — โปรดยืนยัน", "Near matches — please confirm"))
        choices = {DECISION_PENDING: t("ยังไม่นำเข้า", "Hold back"),
                   DECISION_ACCEPT: t("ใช้หน่วยงานที่แนะนำ", "Use the suggested agency"),
                   DECISION_NEW: t("สร้างหน่วยงานใหม่", "Create a new agency")}
        table = plan.suggestions.drop_duplicates(["name_key", "province"]).reset_index(drop=True)
        # Shown (and downloadable from the toolbar) neutralised; decisions are read from
        # ``table`` by position.
        shown = safe_table_cells(
            table[["row", "name", "province", "suggested_name", "suggested_province"]]).assign(
            decision=choices[DECISION_PENDING])
        edited = st.data_editor(
            shown, hide_index=True, key=f"imp_decisions_{_digest(shown)}",
            disabled=["row", "name", "province", "suggested_name", "suggested_province"],
            column_config={
                "row": st.column_config.NumberColumn(t("แถว", "Row")),
                "name": st.column_config.TextColumn(t("ชื่อในไฟล์", "Name in the file")),
                "province": st.column_config.TextColumn(t("จังหวัด", "Province")),
                "suggested_name": st.column_config.TextColumn(t("หน่วยงานที่แนะนำ",
                                                                "Suggested agency")),
                "suggested_province": st.column_config.TextColumn(t("จังหวัดที่แนะนำ",
                                                                    "Its province")),
                "decision": st.column_config.SelectboxColumn(
                    t("การตัดสินใจ", "Decision"), options=list(choices.values()), required=True)})
        by_label = {label: code for code, label in choices.items()}
        for (_, row), choice in zip(table.iterrows(), edited["decision"]):
            code = by_label.get(choice, DECISION_PENDING)
            key = importer.decision_key(row["name_key"], row["province"])
            if code == DECISION_ACCEPT:
                decisions[key] = int(row["suggested_agency_id"])
            elif code == DECISION_NEW:
                decisions[key] = importer.NEW
    if len(plan.replaced):
        st.subheader(t("คะแนนที่จะถูกแทนที่ (เดิม → ใหม่)", "Scores to be replaced (old → new)"))
        show_table(localised(importer.replaced_summary(plan), REPLACED_HEADERS),
                   key="imp_replaced")
    return decisions


def render_commit(conn, plan: ImportPlan) -> None:
    """The commit button (only for a valid plan), with progress and the outcome.

    A preview made before another session changed the store is not committed when the file
    would now do something else: the page says why and offers the new preview."""
    if st.session_state.get(REPLANNED_KEY) is plan:
        st.warning(t("ตัวอย่างนี้ทำใหม่เพราะข้อมูลในฐานข้อมูลเปลี่ยนไปหลังตัวอย่างเดิม — ตรวจสอบแล้วกดนำเข้าอีกครั้ง",
                     "This preview was made again because the store changed after the earlier "
                     "one — check it, then import again"))
    if st.button(t("นำเข้าข้อมูล", "Import"), type="primary", key="imp_commit",
                 disabled=plan.status != "valid"):
        user = current_user()
        if user is None:  # signed out in another tab since the page was drawn
            st.error(t("ต้องเข้าสู่ระบบผู้วิเคราะห์ก่อน", "Sign in as an analyst first"))
            return
        bar = st.progress(0.3, text=t("กำลังบันทึก…", "Writing…"))
        try:
            # Written as the store's next version: the preview was made on the version this
            # session reads; the commit checks the plan against the version it writes from.
            with data.writing() as written:
                result = importer.commit_plan(written, plan, user=user)
        except StoreBusy as error:  # another import is being written: the preview stays
            bar.empty()
            st.warning(escape_markdown(t(error.message_th, error.message_en)))
            return
        except StalePlan as error:
            bar.empty()
            st.error(escape_markdown(t(error.message_th, error.message_en)))
            cached = st.session_state.get(PLAN_KEY)
            if cached and cached[1] is plan:  # the next run shows the new preview
                st.session_state[PLAN_KEY] = (cached[0], error.fresh)
            st.session_state[REPLANNED_KEY] = error.fresh
            st.button(t("แสดงตัวอย่างใหม่", "Preview again"), key="imp_repreview")
            return
        except ItaError as error:
            bar.empty()
            st.session_state.pop(PLAN_KEY, None)
            st.error(escape_markdown(t(error.message_th, error.message_en)))
            return
        bar.progress(1.0, text=t("เสร็จแล้ว", "Done"))
        st.session_state.pop(PLAN_KEY, None)
        st.session_state.pop(REPLANNED_KEY, None)
        if result.status == "committed":
            st.success(t(f"นำเข้าแล้ว หมายเลข {result.import_id}", f"Imported as {result.import_id}"))
        else:
            st.info(t("ไฟล์นี้นำเข้าแล้ว ไม่มีอะไรเปลี่ยน", "Already imported; nothing changed"))


_COUNT = "Int64"
_WHEN = "datetime"
HISTORY_SHOWN = (
    ("import_id", ("ครั้งที่", "Import"), "int64"),
    ("file_name", ("ไฟล์", "File"), None),
    ("year", ("ปีงบประมาณ", "Fiscal year"), _COUNT),
    ("created_at", ("นำเข้าเมื่อ", "Imported on"), _WHEN),
    ("user_name", ("ผู้นำเข้า", "By"), None),
    ("rows", ("จำนวนแถว", "Rows"), _COUNT),
    ("agencies", ("จำนวนหน่วยงาน", "Agencies"), _COUNT),
    ("new_agencies", ("หน่วยงานใหม่", "New agencies"), _COUNT),
    ("replaced_scores", ("คะแนนที่แทนที่", "Scores replaced"), _COUNT),
    ("status", ("สถานะ", "Status"), "status"),
    ("undone_at", ("ยกเลิกเมื่อ", "Undone on"), _WHEN),
    ("undone_by", ("ยกเลิกโดย", "Undone by"), None),
    ("kind", ("ชนิด", "Kind"), "kind"),
)
"""The history's columns as shown, in order: (store column, (Thai, English) header, how)."""


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """An import history as shown (the score imports' on the import page, the measures
    imports' on the measures page): the columns it has, headers and status in the page's
    language, dates in the Buddhist era (``show_table``), missing as "–"."""
    labels = {"committed": t("นำเข้าแล้ว", "Imported"), "undone": t("ยกเลิกแล้ว", "Undone"),
              "scores": t("คะแนน", "Scores"), "measures": t("มาตรการ", "Measures"),
              "items": t("ผลรายข้อ", "Items")}
    columns = {}
    for name, (th, en), how in HISTORY_SHOWN:
        if name not in history:
            continue
        values = history[name]
        if how == _WHEN:
            values = pd.to_datetime(values)
        elif how in ("status", "kind"):
            values = map_labels(values, lambda v: labels.get(v, v))
        elif how is not None:
            values = values.astype(how)
        columns[t(th, en)] = values
    return pd.DataFrame(columns)


def render_history(conn, *, allow_undo: bool) -> None:
    """The import history, newest first, with undo of a committed import."""
    st.subheader(t("ประวัติการนำเข้า", "Import history"))
    history = importer.load_history(conn)
    if history.empty:
        st.caption(t("ยังไม่มีการนำเข้า", "No imports yet"))
        return
    show_table(history_table(history), key="imp_history")
    committed = history.loc[history["status"] == "committed", "import_id"].astype(int).tolist()
    if not allow_undo or not committed:
        return
    left, right = st.columns([2, 1])
    chosen = left.selectbox(t("ยกเลิกการนำเข้าหมายเลข", "Undo import number"), committed,
                            key="imp_undo_id")
    confirm = left.checkbox(t("ยืนยัน: คืนข้อมูลเป็นก่อนการนำเข้านี้", "Confirm: restore the data as "
                              "before this import"), key="imp_undo_confirm")
    if right.button(t("ยกเลิกการนำเข้า", "Undo import"), key="imp_undo", disabled=not confirm):
        if current_user() is None:
            st.error(t("ต้องเข้าสู่ระบบผู้วิเคราะห์ก่อน", "Sign in as an analyst first"))
            return
        try:
            with data.writing() as written:
                counts = importer.undo_import(written, int(chosen), user=current_user())
        except ItaError as error:  # a later import or measures depend on it: nothing undone
            st.error(escape_markdown(t(error.message_th, error.message_en)))
            return
        st.session_state.pop(PLAN_KEY, None)
        st.session_state[FLASH_KEY] = (t(f"ยกเลิกการนำเข้า {chosen} แล้ว: ลบ {counts['scores_removed']} คะแนน "
                     f"คืน {counts['scores_restored']} คะแนน ลบ {counts['agencies_removed']} หน่วยงาน",
                     f"Import {chosen} undone: {counts['scores_removed']} scores removed, "
                     f"{counts['scores_restored']} restored, {counts['agencies_removed']} agencies "
                     "removed"))
        st.rerun()


def render_flash() -> None:
    """A message left by the previous run (after an undo, the page re-runs to refresh)."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)
