"""นำเข้าข้อมูล / Import: upload a score file, check it, preview, commit; history with undo."""

import streamlit as st

from ita_analytics.dashboard import data, sign_in
from ita_analytics.dashboard import imports as view
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.ui import escape_markdown, t
from ita_analytics.thai import parse_year

current_filters()
st.title(t("นำเข้าผลการประเมิน", "Import assessment results"))
st.caption(t("อัปโหลดไฟล์ Excel (.xlsx) หรือ CSV ของผลคะแนน ITA ตามที่ได้รับมา โปรแกรมจะหาหัวตาราง ปี "
             "และคอลัมน์ตัวชี้วัดเอง ตรวจสอบทุกแถว และแสดงตัวอย่างก่อนบันทึก — ถ้ามีข้อผิดพลาดจะไม่บันทึกอะไรเลย",
             "Upload an ITA score file (.xlsx or CSV) as it came. Its header, year and indicator "
             "columns are found, every row is checked and a preview shown before anything is "
             "written — a file with any error writes nothing."))
view.render_template_download()
view.render_flash()
conn = data.connection()
if sign_in.require_analyst() is None:
    # Viewers see the history; uploading and undoing need the analyst role.
    sign_in.render_analyst_needed()
    view.render_history(conn, allow_undo=False)
    st.stop()

# --- Upload, check and commit: the block that writes to the store ------------------------------
with st.container(border=True, key="imp_upload_block"):
    uploaded = st.file_uploader(
        t(f"ไฟล์ผลคะแนน (ไม่เกิน {view.upload_limit_mb()} MB)",
          f"Score file (up to {view.upload_limit_mb()} MB)"),
        type=["xlsx", "xlsm", "csv", "txt"], max_upload_size=view.upload_limit_mb(),
        key="imp_file")
    left, right = st.columns(2)
    year_text = left.text_input(t("ปีงบประมาณ (ถ้าไฟล์ไม่ระบุ)", "Fiscal year (if the file has none)"),
                                key="imp_year", placeholder="2569")
    replace = right.checkbox(t("แทนที่คะแนนเดิมของหน่วยงานและปีเดียวกัน",
                               "Replace stored scores of the same agencies and years"),
                             key="imp_replace")
    year = None
    if year_text.strip():
        try:
            year = parse_year(year_text)
        except ValueError:
            shown = escape_markdown(year_text)
            st.error(t(f"ปีไม่ถูกต้อง: {shown}", f"Not a fiscal year: {shown}"))
            st.stop()
    if uploaded is not None:
        payload = uploaded.getvalue()
        choices, decisions = view.session_choices(payload)
        plan = view.analyse_with_progress(conn, payload, uploaded.name, year=year,
                                          replace=replace, choices=choices, decisions=decisions)
        new_choices = view.apply_mapping_edits(choices, plan, view.render_layout(plan, choices))
        view.render_issues(plan)
        new_decisions = {**decisions, **view.render_preview(conn, plan)}
        if new_choices != choices or new_decisions != decisions:
            # A corrected mapping or a decision changes the plan: check the file again.
            view.keep_choices(payload, new_choices, new_decisions)
            st.rerun()
        view.render_commit(conn, plan)
    else:
        view.forget_choices()
    # The connection again: a commit above published a new version, which this run now reads.
    view.render_history(data.connection(), allow_undo=True)
