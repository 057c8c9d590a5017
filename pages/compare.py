"""เปรียบเทียบ / Compare: up to ten agencies' totals and indicators over the years, side by side."""

import streamlit as st

from ita_analytics.dashboard import charts
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.places import (
    compare_frame,
    compare_results,
    compare_table,
    indicator_bars,
    indicator_bars_table,
    render_agency_picker,
    totals_table,
)
from ita_analytics.dashboard.trends import choose_year
from ita_analytics.dashboard.ui import (
    NO_DATA_YET,
    render_chart,
    render_empty,
    render_table_downloads,
    show_table,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget

filters = current_filters()
st.title(t("เปรียบเทียบหน่วยงาน", "Compare agencies"))

if not filters.years:
    stop_empty(*NO_DATA_YET)

chosen = render_agency_picker()
if not chosen:
    stop_empty("ค้นหาและเลือกหน่วยงานอย่างน้อยหนึ่งแห่งเพื่อเปรียบเทียบ (สูงสุด 10 แห่ง)",
               "Search for and pick at least one agency to compare (up to 10).")

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    results = compare_results(chosen, filters.years)
if results.empty:
    stop_empty(f"หน่วยงานที่เลือกไม่มีผลการประเมินในปี {filters.first_year}–{filters.last_year}",
               f"The chosen agencies have no results in {filters.first_year}–"
               f"{filters.last_year} B.E.")
st.caption(t("ใช้ช่วงปีจากตัวกรองด้านข้าง (ตัวกรองประเภทและจังหวัดไม่ซ่อนหน่วยงานที่เลือกเอง)",
             "Uses the sidebar's year range (the type and province filters do not hide agencies "
             "you picked)."))

mode = url_widget("radio", t("แสดงค่า", "Show"), ["absolute", "relative"], key="cmp_mode",
                  param="mode", horizontal=True,
                  format_func=lambda m: t("คะแนน", "Scores") if m == "absolute" else
                  t("เปลี่ยนแปลงจากปีแรกที่แสดงของแต่ละหน่วยงาน (คะแนน)",
                    "Change from each agency's first year shown (points)"))
relative = mode == "relative"
long = compare_frame(results, relative)
y_title = t("เปลี่ยนแปลง (คะแนน)", "Change (points)") if relative else t("คะแนน", "Score")

totals = long[long["metric"] == "total"]
fig = charts.line_by_year(totals, "value", color="agency", y_title=y_title,
                          pass_line=not relative,
                          title=t("คะแนนรวมรายปี", "Total by year"))
fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.15))
render_chart(fig, totals_table(totals), "compare_totals", "cmp_totals")

year = choose_year("ปีของตัวชี้วัด (พ.ศ.)", "Year of the indicators (B.E.)", long["year"].unique(),
                   "cmp_year", "year")
bars = indicator_bars(long, year)
if bars["value"].notna().any():
    fig = charts.grouped_bars(bars, "indicator", "value", "agency", y_title=y_title,
                              title=t(f"ตัวชี้วัดรายข้อ ปี {year}", f"Indicators, {year} B.E."))
    render_chart(fig, indicator_bars_table(bars, y_title), f"compare_indicators_{year}", "cmp_ind")
else:
    render_empty(f"ไม่มีคะแนนรายตัวชี้วัดของหน่วยงานที่เลือกในปี {year}",
                 f"No indicator scores of the chosen agencies in {year} B.E.")

st.subheader(t("ตารางคะแนน", "Scores table"))
scores = compare_table(results)
show_table(scores, width="stretch", key="cmp_table")
render_table_downloads(scores, "compare_scores", "cmp_scores")
