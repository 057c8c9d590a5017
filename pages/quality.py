"""คุณภาพข้อมูล / Data quality: consistency-check findings, filterable, each linking to its agency."""

from functools import partial

import streamlit as st

from ita_analytics.dashboard import charts
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.places import (
    CHECK_LABELS,
    SEVERITY_LABELS,
    check_label,
    counts_table,
    filter_findings,
    finding_counts,
    findings_for,
    findings_table,
    severity_label,
)
from ita_analytics.dashboard.ui import (
    NO_DATA_YET,
    lang,
    map_labels,
    render_chart,
    render_table_downloads,
    show_table,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget

# Findings listed on the page at most: 10x national has over 20,000, and sending them all on
# every run cost more than finding them (a bare string here would be shown: Streamlit magic).
SHOWN_ROWS = 2_000
SEVERITY_COLORS = {"error": "#D55E00", "warning": "#E69F00", "info": "#56B4E9"}

filters = current_filters()
st.title(t("คุณภาพข้อมูล", "Data quality"))
st.caption(t("ผลการตรวจความสอดคล้อง: ระดับหรือคะแนนที่รายงานขัดกับที่คำนวณ ชื่อหน่วยงานซ้ำ "
             "และคะแนนที่เปลี่ยนมากผิดปกติจากปีก่อน",
             "Consistency checks: reported levels or scores that contradict the computed ones, "
             "duplicate agency names, and implausible changes from the year before."))

if not filters.years:
    stop_empty(*NO_DATA_YET)

with st.spinner(t("กำลังตรวจสอบข้อมูล…", "Checking the data…")):
    findings = findings_for(filters)
if findings.empty:
    st.success(t("ไม่พบข้อสังเกตสำหรับตัวกรองนี้", "No findings for these filters."), icon=":material/check_circle:")
    st.stop()

present_checks, present_severities = set(findings["check"].unique()), set(findings["severity"].unique())
kinds = [c for c in CHECK_LABELS if c in present_checks]
severities = [s for s in SEVERITY_LABELS if s in present_severities]
years = sorted({int(y) for y in findings["year"].dropna()}, reverse=True)
left, middle, right = st.columns(3)
chosen_kinds = url_widget("multiselect", t("ประเภทการตรวจ", "Check"), kinds, key="dq_kinds",
                          param="check", container=left, format_func=check_label,
                          placeholder=t("ทุกประเภท", "All checks"))
chosen_severities = url_widget("multiselect", t("ความรุนแรง", "Severity"), severities,
                               key="dq_severity", param="severity", container=middle,
                               format_func=severity_label, placeholder=t("ทุกระดับ", "All severities"))
year = url_widget("selectbox", t("ปี (พ.ศ.)", "Year (B.E.)"), [None, *years], key="dq_year",
                  param="finding_year", container=right,  # not "year": the agency page's
                  format_func=lambda y: t("ทุกปี", "All years") if y is None else str(y))
shown = filter_findings(findings, chosen_kinds, chosen_severities, year)
if shown.empty:
    stop_empty("ไม่มีข้อสังเกตที่ตรงกับตัวเลือกนี้", "No findings match these choices.")

cols = st.columns(len(severities))
for col, severity in zip(cols, severities):
    col.metric(severity_label(severity), f"{(shown['severity'] == severity).sum():,}", border=True)

counts = finding_counts(shown)
counts["severity_label"] = map_labels(counts["severity"], severity_label)
fig = charts.count_bars(counts, "kind", "count", color="severity_label",
                        color_map={severity_label(s): c for s, c in SEVERITY_COLORS.items()},
                        title=t("จำนวนข้อสังเกตแต่ละประเภท", "Findings per check"))
render_chart(fig, counts_table(counts), "quality_counts", "dq_counts")

st.subheader(t(f"ข้อสังเกต {len(shown):,} รายการ", f"{len(shown):,} findings"))
st.caption(t("ข้อผิดพลาดแสดงก่อน · คลิก “เปิด” เพื่อไปที่หน้าหน่วยงานของปีนั้น",
             "Errors first · click “Open” to go to the agency's page for that year"))
if len(shown) > SHOWN_ROWS:  # more rows than anyone reads on screen; the downloads hold all
    st.caption(t(f"แสดง {SHOWN_ROWS:,} รายการแรก — ดาวน์โหลด CSV/XLSX เพื่อดูทั้งหมด "
                 "หรือเลือกประเภท ความรุนแรง หรือปีด้านบน",
                 f"Showing the first {SHOWN_ROWS:,} — download CSV/XLSX for all of them, or "
                 "choose a check, severity or year above"))
show_table(findings_table(shown.head(SHOWN_ROWS)), width="stretch", key="dq_table",
           column_config={"link": st.column_config.LinkColumn(
               t("หน้าหน่วยงาน", "Agency page"), display_text=t("เปิด", "Open"))})
# All findings in the downloads, their table built only when one is asked for.
render_table_downloads(partial(findings_table, shown, lang()), "quality_findings", "dq_findings")
