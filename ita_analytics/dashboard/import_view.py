"""Streamlit blocks of the import page: analysis with progress, mapping, preview, commit, history."""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from ita_analytics import importer, settings
from ita_analytics.dashboard.auth_ui import analyst_user
from ita_analytics.dashboard.ui import show_table, t
from ita_analytics.errors import ItaError
from ita_analytics.importer.plan import ImportPlan, StalePlan, issues_frame
from ita_analytics.importer.recognise import ROLE_LABELS
from ita_analytics.importer.report import report_xlsx_bytes, template_xlsx_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_KEY = "imp_plan"
FLASH_KEY = "imp_flash"
REPLANNED_KEY = "imp_replanned"
"""The plan analysed again after a commit found the store changed (shown with a note)."""
DECISION_PENDING, DECISION_ACCEPT, DECISION_NEW = "pending", "accept", "new"


def _digest(frame) -> str:
    """A short key for an editor of this exact table (edits are kept per table shown)."""
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()[:12]


def merge_overrides(old: dict, new: dict) -> dict:
    """Mapping corrections so far plus those just made (per sheet, column → role)."""
    merged = {sheet: dict(cols) for sheet, cols in old.items()}
    for sheet, cols in new.items():
        merged.setdefault(sheet, {}).update(cols)
    return merged


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
                          overrides: dict, decisions: dict) -> ImportPlan:
    """``importer.analyse_file``, cached in the session per file and options, with progress."""
    key = json.dumps([hashlib.sha256(data).hexdigest(), year, replace,
                      {s: {str(c): r for c, r in o.items()} for s, o in overrides.items()},
                      decisions], sort_keys=True, default=str)
    cached = st.session_state.get(PLAN_KEY)
    if cached and cached[0] == key:
        return cached[1]
    bar = st.progress(0.1, text=t(f"กำลังอ่านและตรวจสอบ {file_name}…", f"Reading and checking {file_name}…"))
    plan = importer.analyse_file(conn, data, file_name, year=year, replace=replace,
                                 overrides=overrides, decisions=decisions)
    bar.progress(1.0, text=t("ตรวจสอบเสร็จแล้ว", "Checked"))
    st.session_state[PLAN_KEY] = (key, plan)
    return plan


def render_layout(plan: ImportPlan) -> dict[str, dict[int, str]]:
    """Detected layout, year and column mapping per sheet; returns the user's corrections."""
    for layout in plan.sheets:
        year = layout.title_year or "-"
        st.caption(t(f"ชีต \"{layout.sheet}\": รูปแบบ {layout.layout}, หัวตารางแถว "
                     f"{(layout.header_row or 0) + 1}, ปีจากชื่อตาราง {year}",
                     f"Sheet \"{layout.sheet}\": {layout.layout} layout, header row "
                     f"{(layout.header_row or 0) + 1}, year from title {year}"))
    mapping = plan.mapping_frame()
    if mapping.empty:
        return {}
    labels = {role: f"{role} — {t(th, en)}" for role, (th, en) in ROLE_LABELS.items()}
    shown = mapping[["sheet", "column", "header", "role"]].assign(
        role=mapping["role"].map(labels))
    with st.expander(t("การจับคู่คอลัมน์ (แก้ไขได้)", "Column mapping (editable)")):
        edited = st.data_editor(
            shown, hide_index=True, key=f"imp_mapping_{_digest(shown)}", disabled=["sheet", "column", "header"],
            column_config={"role": st.column_config.SelectboxColumn(
                t("ความหมาย", "Meaning"), options=list(labels.values()), required=True)})
    by_label = {label: role for role, label in labels.items()}
    overrides: dict[str, dict[int, str]] = {}
    for (_, before), (_, after) in zip(mapping.iterrows(), edited.iterrows()):
        role = by_label.get(after["role"], before["role"])
        if role != before["role"]:
            overrides.setdefault(before["sheet"], {})[int(before["col"])] = role
    return overrides


def render_issues(plan: ImportPlan) -> None:
    """Status, errors and warnings, and the validation report as xlsx."""
    summary = t(f"{plan.rows:,} แถว, {plan.agencies:,} หน่วยงาน, ใหม่ {len(plan.new_agencies):,}, "
                f"แทนที่ {plan.replaced_scores:,} คะแนน, ปี {', '.join(map(str, plan.years)) or '-'}",
                f"{plan.rows:,} rows, {plan.agencies:,} agencies, {len(plan.new_agencies):,} new, "
                f"{plan.replaced_scores:,} scores replaced, years {', '.join(map(str, plan.years)) or '-'}")
    if plan.status == "valid":
        st.success(t("ไฟล์ถูกต้อง พร้อมนำเข้า: ", "Valid, ready to import: ") + summary)
    elif plan.status == "unchanged":
        st.info(t(f"ไฟล์นี้นำเข้าแล้ว (หมายเลข {plan.unchanged_import_id}) ไม่มีอะไรเปลี่ยน",
                  f"This file is already imported (import {plan.unchanged_import_id}); nothing to do"))
    else:
        st.error(t(f"ไม่นำเข้า: พบข้อผิดพลาด {len(plan.errors):,} รายการ ไม่มีการบันทึกข้อมูลใด",
                   f"Not importable: {len(plan.errors):,} errors; nothing is written"))
    message = "message_en" if t("th", "en") == "en" else "message_th"
    columns = ["sheet", "row", "column", "code", message]
    if plan.errors:
        show_table(issues_frame(plan.errors)[columns], key="imp_errors")
    if plan.warnings:
        with st.expander(t(f"คำเตือน ({len(plan.warnings)})", f"Warnings ({len(plan.warnings)})")):
            show_table(issues_frame(plan.warnings)[columns], key="imp_warnings")
    st.download_button(t("ดาวน์โหลดรายงานการตรวจสอบ (xlsx)", "Download the validation report (xlsx)"),
                       data=lambda: report_xlsx_bytes(plan), mime=XLSX_MIME,
                       file_name=f"validation_{plan.file_name.rsplit('.', 1)[0]}.xlsx",
                       key="imp_report")


def render_preview(plan: ImportPlan) -> dict[str, int | str]:
    """New agencies, suggested matches to confirm, and replaced scores; returns decisions."""
    decisions: dict[str, int | str] = {}
    if len(plan.new_agencies):
        st.subheader(t("หน่วยงานใหม่", "New agencies"))
        show_table(plan.new_agencies[["name", "agency_type", "province", "district"]],
                   key="imp_new")
    if len(plan.suggestions):
        st.subheader(t("ชื่อที่ใกล้เคียงหน่วยงานเดิม — โปรดยืนยัน", "Near matches — please confirm"))
        choices = {DECISION_PENDING: t("ยังไม่นำเข้า", "Hold back"),
                   DECISION_ACCEPT: t("ใช้หน่วยงานที่แนะนำ", "Use the suggested agency"),
                   DECISION_NEW: t("สร้างหน่วยงานใหม่", "Create a new agency")}
        table = plan.suggestions.drop_duplicates(["name_key", "province"]).reset_index(drop=True)
        shown = table[["row", "name", "province", "suggested_name", "suggested_province"]].assign(
            decision=choices[DECISION_PENDING])
        edited = st.data_editor(
            shown, hide_index=True, key=f"imp_decisions_{_digest(shown)}",
            disabled=["row", "name", "province", "suggested_name", "suggested_province"],
            column_config={"decision": st.column_config.SelectboxColumn(
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
        show_table(importer.replaced_summary(plan), key="imp_replaced")
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
            result = importer.commit_plan(conn, plan, user=user)
        except StalePlan as error:
            bar.empty()
            st.error(t(error.message_th, error.message_en))
            cached = st.session_state.get(PLAN_KEY)
            if cached and cached[1] is plan:  # the next run shows the new preview
                st.session_state[PLAN_KEY] = (cached[0], error.fresh)
            st.session_state[REPLANNED_KEY] = error.fresh
            st.button(t("แสดงตัวอย่างใหม่", "Preview again"), key="imp_repreview")
            return
        except ItaError as error:
            bar.empty()
            st.session_state.pop(PLAN_KEY, None)
            st.error(t(error.message_th, error.message_en))
            return
        bar.progress(1.0, text=t("เสร็จแล้ว", "Done"))
        st.session_state.pop(PLAN_KEY, None)
        st.session_state.pop(REPLANNED_KEY, None)
        if result.status == "committed":
            st.success(t(f"นำเข้าแล้ว หมายเลข {result.import_id}", f"Imported as {result.import_id}"))
        else:
            st.info(t("ไฟล์นี้นำเข้าแล้ว ไม่มีอะไรเปลี่ยน", "Already imported; nothing changed"))


def render_history(conn, *, allow_undo: bool) -> None:
    """The import history, newest first, with undo of a committed import."""
    st.subheader(t("ประวัติการนำเข้า", "Import history"))
    history = importer.load_history(conn)
    if history.empty:
        st.caption(t("ยังไม่มีการนำเข้า", "No imports yet"))
        return
    shown = history.drop(columns=["sha256"])
    show_table(shown, key="imp_history")
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
            counts = importer.undo_import(conn, int(chosen), user=current_user())
        except ItaError as error:  # a later import or measures depend on it: nothing undone
            st.error(t(error.message_th, error.message_en))
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
