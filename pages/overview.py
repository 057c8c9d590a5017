"""ภาพรวม / Overview: national totals, pass rate, levels and indicators by year."""

import streamlit as st

from ita_analytics.dashboard.glossary import levels_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.overview import (
    MORE_CHARTS,
    MORE_CHARTS_KEY,
    indicator_matrix,
    kpis,
    overview_analyses,
    overview_figures,
    passing_table,
    trend_table,
)
from ita_analytics.dashboard.trends import level_year_table
from ita_analytics.dashboard.ui import (
    fmt_pct,
    fmt_score,
    render_basis_note,
    render_chart,
    render_partial_years,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.domain import RATING_RULE

filters = current_filters()
st.title(t("ภาพรวมผลการประเมิน ITA", "ITA results overview"))

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    found = overview_analyses(filters)
if found is None:
    stop_empty("ยังไม่มีข้อมูลสำหรับตัวกรองนี้ — นำเข้าผลการประเมินที่หน้านำเข้าข้อมูล",
               "No data for these filters yet — import results on the Import page.")

trend, passing, coverage = found["trend"], found["passing"], found["coverage"]
tiles = kpis(trend, passing, found["assessed"], coverage)
cols = st.columns(3)
cols[0].metric(t(f"คะแนนเฉลี่ย ปี {tiles.year}", f"Mean total, {tiles.year}"),
               fmt_score(tiles.mean_total), tiles.mean_delta_text, border=True)
cols[1].metric(t("สัดส่วนที่ผ่าน (≥ 85)", "Share passing (≥ 85)"), fmt_pct(tiles.pass_rate),
               tiles.pass_delta_text, border=True)
cols[2].metric(t("จำนวนหน่วยงานที่ประเมิน", "Agencies assessed"), f"{tiles.assessed:,}",
               tiles.assessed_delta_text, border=True)
render_partial_years(coverage)
render_basis_note(found["n_by_basis"])

figures = overview_figures(filters, found)
left, right = st.columns(2)
with left:
    render_chart(figures["mean"], trend_table(trend), "mean_total_by_year", "ov_mean", light=True)
with right:
    render_chart(figures["passing"], passing_table(passing), "pass_rate_by_year", "ov_pass", light=True)

# The first screen: the tiles and the two charts above. The levels and the indicators are one
# click away (?charts=levels&charts=indicators in a shared link): two fewer Plotly charts for
# a new session to draw before its first screen is whole (issue 18 #10).
more = url_widget("segmented_control", t("แผนภูมิเพิ่มเติม", "More charts"), MORE_CHARTS,
                  key=MORE_CHARTS_KEY, param="charts", selection_mode="multi",
                  format_func=lambda c: t(*MORE_CHARTS[c]))
if "levels" in more:
    render_chart(figures["levels"], level_year_table(found["levels"]), "levels_by_year",
                 "ov_levels", light=True)
    st.caption(help=levels_help(), body=t(
        f"ปี 2562–2565 ใช้ระดับ AA–F จากคะแนนรวม ตั้งแต่ปี {RATING_RULE.first_year} "
        "ใช้เกณฑ์ผ่านดีเยี่ยม/ผ่านดี/ผ่าน/ไม่ผ่าน ซึ่งพิจารณาคะแนนรายเครื่องมือด้วย "
        "จึงเปรียบเทียบระดับข้ามช่วงไม่ได้ ให้ใช้สัดส่วนที่ผ่านแทน",
        f"2562–2565 use letter levels AA–F from the total; from {RATING_RULE.first_year} levels "
        "also depend on each tool's score, so levels are not comparable across the break: "
        "compare the share passing instead."))

if "indicators" in more:
    _, table = indicator_matrix(found["indicator_trend"])
    render_chart(figures["indicators"], table, "indicator_by_year", "ov_heatmap", light=True)
