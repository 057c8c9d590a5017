"""ภาพรวม / Overview: national totals, pass rate, levels and indicators by year."""

import streamlit as st

from ita_analytics.dashboard import charts
from ita_analytics.dashboard.analyst_views import level_year_table, localise_level_legend
from ita_analytics.dashboard.glossary import levels_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.ui import (
    fmt_pct,
    fmt_score,
    render_basis_note,
    render_chart,
    render_empty,
    render_partial_years,
    t,
)
from ita_analytics.dashboard.views import (
    indicator_matrix,
    kpis,
    localise_levels,
    overview_analyses,
    passing_table,
    trend_table,
)
from ita_analytics.domain import NATIONAL_PASS_TARGET, RATING_RULE

filters = current_filters()
st.title(t("ภาพรวมผลการประเมิน ITA", "ITA results overview"))

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    found = overview_analyses(filters)
if found is None:
    render_empty("ยังไม่มีข้อมูลสำหรับตัวกรองนี้ — นำเข้าผลการประเมินที่หน้านำเข้าข้อมูล",
                 "No data for these filters yet — import results on the Import page.")
    st.stop()

trend, passing, coverage = found["trend"], found["passing"], found["coverage"]
partial = coverage.loc[coverage["partial"], "year"].tolist()
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

left, right = st.columns(2)
with left:
    mean = trend.rename(columns={"mean": "mean_total"})
    fig = charts.line_by_year(mean, "mean_total", title=t("คะแนนรวมเฉลี่ยรายปี", "Mean total by year"),
                              y_title=t("คะแนน", "Score"), pass_line=True, partial_years=partial,
                              partial_label=t("ข้อมูลบางส่วน", "partial"))
    render_chart(fig, trend_table(trend), "mean_total_by_year", "ov_mean")
with right:
    fig = charts.line_by_year(passing, "pass_rate", percent=True, partial_years=partial,
                              partial_label=t("ข้อมูลบางส่วน", "partial"),
                              title=t("สัดส่วนหน่วยงานที่ผ่าน (คะแนน ≥ 85)", "Share passing (total ≥ 85)"))
    charts.add_target_line(fig, NATIONAL_PASS_TARGET, t("เป้าหมาย 80%", "Target 80%"))
    render_chart(fig, passing_table(passing), "pass_rate_by_year", "ov_pass")

dist = localise_levels(found["levels"])
fig = charts.stacked_levels(dist, title=t("การกระจายระดับผลการประเมินรายปี (เกณฑ์ของแต่ละปี)",
                                          "Level distribution by year (each year's own rule)"))
render_chart(localise_level_legend(fig), level_year_table(found["levels"]), "levels_by_year",
             "ov_levels")
st.caption(help=levels_help(), body=t(f"ปี 2562–2565 ใช้ระดับ AA–F จากคะแนนรวม ตั้งแต่ปี {RATING_RULE.first_year} "
             "ใช้เกณฑ์ผ่านดีเยี่ยม/ผ่านดี/ผ่าน/ไม่ผ่าน ซึ่งพิจารณาคะแนนรายเครื่องมือด้วย "
             "จึงเปรียบเทียบระดับข้ามช่วงไม่ได้ ให้ใช้สัดส่วนที่ผ่านแทน",
             f"2562–2565 use letter levels AA–F from the total; from {RATING_RULE.first_year} levels "
             "also depend on each tool's score, so levels are not comparable across the break: "
             "compare the share passing instead."))

matrix, table = indicator_matrix(found["indicator_trend"])
fig = charts.heatmap(matrix, title=t("คะแนนเฉลี่ยรายตัวชี้วัด × ปี", "Mean indicator score × year"),
                     zmin=40, zmax=100)
render_chart(fig, table, "indicator_by_year", "ov_heatmap")
