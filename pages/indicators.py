"""ตัวชี้วัด / Indicators: the weakest indicators, each indicator's spread, IIT/EIT/OIT for a year."""

import streamlit as st

from ita_analytics.dashboard import charts
from ita_analytics.dashboard.glossary import tools_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.trends import (
    choose_year,
    distribution_table,
    distribution_view,
    group_label,
    indicator_analyses,
    tool_table,
    tool_view,
    weakest_table,
)
from ita_analytics.dashboard.ui import (
    NO_DATA_YET,
    indicator_label,
    no_data_for_year,
    render_basis_note,
    render_chart,
    render_empty,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget

filters = current_filters()
st.title(t("ตัวชี้วัด", "Indicators"))

if not filters.years:
    stop_empty(*NO_DATA_YET)

left, right = st.columns(2)
year = choose_year("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)", filters.years, "ind_year", "year",
                   container=left)
by = url_widget("radio", t("แยกตาม", "Split by"), ["agency_type", "none"], key="ind_by", param="by",
                container=right, horizontal=True,
                format_func=lambda v: group_label(v) if v != "none" else t("ไม่แยก", "No split"))
by = None if by == "none" else by

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    found = indicator_analyses(filters, year, by)
if not found["assessed"]:
    stop_empty(*no_data_for_year(year))
st.caption(t(f"หน่วยงานที่ประเมินปี {year}: {found['assessed']:,} แห่ง",
             f"Agencies assessed in {year} B.E.: {found['assessed']:,}"))
render_basis_note(found["n_by_basis"])

counts = found["weakest"]
table = weakest_table(counts)
if counts["count"].sum():
    plot = table.rename(columns={table.columns[0]: "indicator", table.columns[1]: "count"})
    fig = charts.count_bars(plot, "indicator", "count", title=t(
        f"ตัวชี้วัดที่เป็นจุดอ่อนที่สุดของหน่วยงาน ปี {year} (คะแนนต่ำสุดของหน่วยงาน; เสมอกันนับทุกข้อ)",
        f"How often each indicator is an agency's weakest, {year} B.E. (ties count for each)"))
    render_chart(fig, table, f"weakest_indicators_{year}", "ind_weakest")
else:
    render_empty("ไม่มีหน่วยงานที่มีคะแนนครบทั้ง 10 ตัวชี้วัดในปีนี้",
                 "No agency has all ten indicator scores in this year.")

dist = found["distribution"]
if not dist.empty:
    if by:
        # One indicator at a time: ten indicators × a dozen types in one chart is unreadable.
        numbers = sorted(int(n) for n in dist["indicator"].unique())
        number = url_widget("selectbox", t("ตัวชี้วัด", "Indicator"), numbers, key="ind_indicator",
                            param="indicator", format_func=indicator_label)
        shown = dist[dist["indicator"] == number]
        title = t(f"การกระจายคะแนน {indicator_label(number)} ตาม{group_label(by)} ปี {year}",
                  f"Spread of {indicator_label(number)} by {group_label(by).lower()}, {year} B.E.")
    else:
        shown = dist
        title = t(f"การกระจายคะแนนรายตัวชี้วัด ปี {year}", f"Spread of each indicator, {year} B.E.")
    view = distribution_view(shown, by)
    fig = charts.box_from_stats(view, "group" if by else "label", y_title=t("คะแนน", "Score"),
                                title=title)
    render_chart(fig, distribution_table(shown, by), f"indicator_distribution_{year}", "ind_dist")
    st.caption(t("กล่อง = ควอร์ไทล์ที่ 1–3 เส้นกลาง = มัธยฐาน เส้นปลาย = ต่ำสุด–สูงสุด",
                 "Box = 1st–3rd quartile, line = median, whiskers = minimum–maximum."))

tools = found["tools"]
if not tools.empty:
    view = tool_view(tools, by)
    fig = charts.grouped_bars(view, "group", "mean", "tool", y_title=t("คะแนนเฉลี่ย", "Mean score"),
                              title=t(f"คะแนนเฉลี่ยรายเครื่องมือ IIT / EIT / OIT ปี {year}",
                                      f"Mean score per tool (IIT / EIT / OIT), {year} B.E."))
    st.caption(t("เครื่องมือ IIT · EIT · OIT", "Tools IIT · EIT · OIT"), help=tools_help())
    render_chart(fig, tool_table(view), f"tools_{year}", "ind_tools")
