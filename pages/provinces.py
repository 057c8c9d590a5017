"""จังหวัด / Provinces: a tile map of the 77 provinces coloured by a chosen measure; click to filter."""

import streamlit as st

from ita_analytics.analysis.common import count_by_basis
from ita_analytics.dashboard import data
from ita_analytics.dashboard.filters import set_provinces
from ita_analytics.dashboard.navigation import current_filters, installed_pages
from ita_analytics.dashboard.places import (
    MAP_METRICS,
    PROVINCE_AGENCY_COLUMNS,
    compute_province_values,
    map_metric_label,
    metric_columns,
    province_agencies_table,
    province_ranking,
    province_tiles,
    rank_province_agencies,
    ranking_columns,
    render_province_map,
    render_province_ranking,
)
from ita_analytics.dashboard.trends import choose_year, render_linked_table
from ita_analytics.dashboard.ui import (
    NO_DATA_YET,
    indicator_label,
    no_data_for_year,
    render_basis_note,
    render_table_downloads,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.province_grid import province_grid

# The pages a click on the map filters (linked once a province is chosen).
FILTERED_PAGES = ("overview", "indicators", "changes", "levels", "quality")

filters = current_filters()
st.title(t("ผลการประเมินรายจังหวัด", "Results by province"))

if not filters.years:
    stop_empty(*NO_DATA_YET)

left, right = st.columns(2)
year = choose_year("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)", filters.years, "pv_year", "year",
                   container=left)
metric = url_widget("selectbox", t("ระบายสีตาม", "Colour by"), MAP_METRICS, key="pv_metric",
                    param="metric", container=right, format_func=map_metric_label)

previous = max((y for y in data.meta()["years"] if y < year), default=None)

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    # Every province of the year and the one before (the type filter applies): the province
    # filter is what a click on the map sets, so it highlights tiles rather than hiding them.
    results = data.load_results([y for y in (previous, year) if y is not None],
                                filters.agency_types, None, columns=ranking_columns(metric))
current = results[results["year"] == year]
values = compute_province_values(current, metric)
if values.empty:
    stop_empty(*no_data_for_year(year))

render_basis_note(count_by_basis(current, current[metric_columns(metric)[-1]].notna()))
chosen = filters.provinces if filters.provinces and len(filters.provinces) < 77 else ()
tiles = province_tiles(values, metric, chosen)
map_col, side = st.columns([3, 2])
with map_col:
    render_province_map(tiles, metric, t(f"{map_metric_label(metric)} ปี {year}",
                                         f"{map_metric_label(metric)}, {year} B.E."))
    st.caption(t("สีเทา = ไม่มีข้อมูล · คลิกจังหวัดบนแผนที่หรือในตารางเพื่อกรองทุกหน้าและดูหน่วยงาน"
                 "ของจังหวัดนั้น · ตัวย่อตามราชบัณฑิตยสภา",
                 "Grey = no data · click a province on the map or in the table to filter every "
                 "page by it and list its agencies · labels are the official Thai abbreviations"))
with side:
    if chosen:
        names = ", ".join(chosen) if len(chosen) <= 5 else f"{len(chosen)} " + t("จังหวัด",
                                                                                 "provinces")
        st.success(t(f"กรองข้อมูลทุกหน้าเฉพาะ: {names}", f"Every page is filtered to: {names}"))
        for page in installed_pages():
            if page.url_path in FILTERED_PAGES:
                st.page_link(page.path, label=t(page.title_th, page.title_en), icon=page.icon)
        if st.button(t("ล้างตัวกรองจังหวัด", "Clear the province filter"), key="pv_clear"):
            set_provinces([])
            st.rerun()
    else:
        st.info(t("คลิกจังหวัดบนแผนที่เพื่อกรองหน้าอื่นด้วยจังหวัดนั้น",
                  "Click a province on the map to filter the other pages by it."), icon=":material/touch_app:")
    shown = tiles.dropna(subset=["value"])
    best, worst = shown.loc[shown["value"].idxmax()], shown.loc[shown["value"].idxmin()]
    high, low = st.columns(2)
    high.metric(t(f"สูงสุด: {best['province']}", f"Highest: {best['province_en']}"),
                best["value_text"], border=True)
    low.metric(t(f"ต่ำสุด: {worst['province']}", f"Lowest: {worst['province_en']}"),
               worst["value_text"], border=True)
    st.caption(t(f"มีข้อมูล {len(shown)} จาก {len(province_grid())} จังหวัด",
                 f"{len(shown)} of {len(province_grid())} provinces have data"))

before = results[results["year"] == previous] if previous is not None else None
ranking = province_ranking(tiles, metric, None if before is None else
                           compute_province_values(before, metric),
                           compute_province_values(current, "pass_rate"), previous)
st.subheader(t("อันดับจังหวัด", "Provinces ranked"))
render_province_ranking(ranking)
render_table_downloads(ranking, f"provinces_{metric}_{year}", "pv_rank")

if chosen:
    by_th, by_en = (("คะแนนรวม", "total") if metric in ("total", "pass_rate")
                    else (indicator_label(int(metric[1:])),) * 2)
    st.subheader(t(f"หน่วยงานใน {names} เรียงตาม{by_th}", f"Agencies of {names} ranked by {by_en}"))
    agencies = data.load_results([y for y in (previous, year) if y is not None], filters.agency_types,
                                 chosen, columns=PROVINCE_AGENCY_COLUMNS)
    table = province_agencies_table(rank_province_agencies(agencies, year, previous, metric),
                                    metric, year)
    render_linked_table(table, f"agencies_{metric}_{year}", "pv_agencies")
