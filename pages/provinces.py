"""จังหวัด / Provinces: a tile map of the 77 provinces coloured by a chosen measure; click to filter."""

import streamlit as st

from ita_analytics.analysis.common import count_by_basis
from ita_analytics.dashboard import data
from ita_analytics.dashboard.analyst_views import choose_year
from ita_analytics.dashboard.filters import set_provinces
from ita_analytics.dashboard.map_compare_views import (
    METRICS,
    compute_province_values,
    metric_columns,
    metric_label,
    province_ranking,
    province_tiles,
    render_province_map,
)
from ita_analytics.dashboard.navigation import current_filters, installed_pages
from ita_analytics.dashboard.ui import (
    render_basis_note,
    render_empty,
    render_table_downloads,
    show_table,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.province_grid import province_grid

# The pages a click on the map filters (linked once a province is chosen).
FILTERED_PAGES = ("overview", "indicators", "changes", "levels", "quality")

filters = current_filters()
st.title(t("ผลการประเมินรายจังหวัด", "Results by province"))

if not filters.years:
    render_empty("ยังไม่มีข้อมูล — นำเข้าผลการประเมินที่หน้านำเข้าข้อมูล",
                 "No data yet — import results on the Import page.")
    st.stop()

left, right = st.columns(2)
year = choose_year("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)", filters.years, "pv_year", "year",
                   container=left)
metric = url_widget("selectbox", t("ระบายสีตาม", "Colour by"), METRICS, key="pv_metric",
                    param="metric", container=right, format_func=metric_label)

with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
    # Every province of the year (the type filter applies): the province filter is what a
    # click on the map sets, so it highlights tiles rather than hiding the rest of the map.
    results = data.load_results([year], filters.agency_types, None,
                                columns=[*metric_columns(metric), "basis"])
values = compute_province_values(results, metric)
if values.empty:
    render_empty(f"ยังไม่มีข้อมูลปี {year} สำหรับตัวกรองนี้ — นำเข้าผลการประเมินที่หน้านำเข้าข้อมูล",
                 f"No data for {year} B.E. with these filters yet — import it on the Import page.")
    st.stop()

render_basis_note(count_by_basis(results, results[metric_columns(metric)[-1]].notna()))
chosen = filters.provinces if filters.provinces and len(filters.provinces) < 77 else ()
tiles = province_tiles(values, metric, chosen)
map_col, side = st.columns([3, 2])
with map_col:
    render_province_map(tiles, metric, t(f"{metric_label(metric)} ปี {year}",
                                         f"{metric_label(metric)}, {year} B.E."))
    st.caption(t("สีเทา = ไม่มีข้อมูล · คลิกจังหวัดเพื่อกรองทุกหน้าด้วยจังหวัดนั้น · "
                 "ตัวย่อตามราชบัณฑิตยสภา",
                 "Grey = no data · click a province to filter every page by it · "
                 "labels are the official Thai abbreviations"))
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

ranking = province_ranking(tiles, metric)
st.subheader(t("อันดับจังหวัด", "Provinces ranked"))
show_table(ranking, width="stretch", key="pv_rank_table", height=360)
render_table_downloads(ranking, f"provinces_{metric}_{year}", "pv_rank")
