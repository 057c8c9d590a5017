"""ระดับผลการประเมิน / Levels: levels by type or province, pass rate against the target, crossings."""

import streamlit as st

from ita_analytics.analysis.common import count_by_basis
from ita_analytics.analysis.levels import (
    compute_level_distribution,
    compute_pass_crossings,
    compute_pass_rates,
)
from ita_analytics.dashboard import charts, data
from ita_analytics.dashboard.glossary import levels_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.trends import (
    GROUPS,
    choose_year,
    crossings_table,
    group_label,
    level_table,
    level_view,
    localise_level_legend,
    pass_rate_table,
    pass_rate_view,
    render_linked_table,
)
from ita_analytics.dashboard.ui import (
    NO_DATA_YET,
    fmt_pct,
    no_data_for_year,
    render_basis_note,
    render_chart,
    render_empty,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.domain import NATIONAL_PASS_TARGET, PASS_THRESHOLD

filters = current_filters()
st.title(t("ระดับผลการประเมิน", "Assessment levels"), help=levels_help())

if not filters.years:
    stop_empty(*NO_DATA_YET)

left, right = st.columns(2)
year = choose_year("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)", filters.years, "lv_year", "year",
                   container=left)
by = url_widget("radio", t("แยกตาม", "Group by"), GROUPS, key="lv_by", param="by", container=right,
                horizontal=True, format_func=group_label)
# Crossings compare with the store's previous year, even when it lies outside the range.
previous = max((y for y in data.meta()["years"] if y < year), default=None)

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    results = data.load_results([y for y in (previous, year) if y is not None],
                                filters.agency_types, filters.provinces,
                                columns=["agency_id", "name", "agency_type", "province", "year",
                                         "total", "level", "passed", "basis"])
current = results[results["year"] == year]
if current.empty:
    stop_empty(*no_data_for_year(year))

rates = pass_rate_view(compute_pass_rates(current, by=by), by)
overall = compute_pass_rates(current)
rate = overall["pass_rate"].iloc[0] if not overall.empty else None
tiles = st.columns(3)
tiles[0].metric(t(f"สัดส่วนที่ผ่าน ปี {year}", f"Pass rate, {year} B.E."), fmt_pct(rate), border=True)
tiles[1].metric(t("กลุ่มที่ถึงเป้าหมาย 80%", "Groups meeting the 80% target"),
                f"{int(rates['meets_target'].sum()):,} / {len(rates):,}", border=True)
tiles[2].metric(t("จำนวนหน่วยงานที่ประเมิน", "Agencies assessed"), f"{len(current):,}", border=True)
render_basis_note(count_by_basis(current, current["passed"].notna() | current["level"].notna()))

view = level_view(compute_level_distribution(current, by=by), by)
fig = charts.stacked_levels(view, x="group", title=t(
    f"การกระจายระดับผลการประเมินตาม{group_label(by)} ปี {year} (เกณฑ์ของปีนั้น)",
    f"Level distribution by {group_label(by).lower()}, {year} B.E. (that year's rule)"))
localise_level_legend(fig)
render_chart(fig, level_table(view, by), f"levels_by_{by}_{year}", "lv_dist")

fig = charts.rate_bars(rates, "group", "pass_rate", target=NATIONAL_PASS_TARGET,
                       target_label=t("เป้าหมาย 80%", "Target 80%"), title=t(
                           f"สัดส่วนที่ผ่าน (คะแนน ≥ {PASS_THRESHOLD:.0f}) ตาม{group_label(by)} ปี {year}",
                           f"Pass rate (total ≥ {PASS_THRESHOLD:.0f}) by {group_label(by).lower()}, "
                           f"{year} B.E."))
render_chart(fig, pass_rate_table(rates, by), f"pass_rates_by_{by}_{year}", "lv_pass")

if previous is None:
    stop_empty(f"ไม่มีข้อมูลปีก่อนหน้า {year} ให้เทียบการผ่านเกณฑ์",
               f"No year before {year} B.E. to compare passing with.")
crossings = compute_pass_crossings(results, previous, year)
st.subheader(t(f"หน่วยงานที่ข้ามเส้นผ่านเกณฑ์ {previous} → {year}",
               f"Agencies that crossed the pass line, {previous} → {year} B.E."))
cols = st.columns(2)
cols[0].metric(t("ผ่านเกณฑ์ใหม่", "Newly passing"), f"{(crossings['direction'] == 'up').sum():,}",
               border=True)
cols[1].metric(t("หลุดเกณฑ์", "No longer passing"), f"{(crossings['direction'] == 'down').sum():,}",
               border=True)
if crossings.empty:
    render_empty("ไม่มีหน่วยงานที่ข้ามเส้นผ่านเกณฑ์", "No agency crossed the pass line.")
else:
    render_linked_table(crossings_table(crossings, year), f"pass_crossings_{previous}_{year}",
                        "lv_cross")
