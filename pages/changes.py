"""การเปลี่ยนแปลง / Changes: risers and fallers, counts per indicator, meaningful changes, level flows."""

import pandas as pd
import streamlit as st

from ita_analytics.dashboard import charts
from ita_analytics.dashboard.glossary import levels_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.trends import (
    STATUS_COLORS,
    change_analyses,
    change_counts_long,
    change_counts_table,
    choose_year,
    level_label,
    meaningful_summary,
    metric_label,
    movers_chart_frame,
    movers_table,
    render_linked_table,
    status_label,
    transition_matrix,
    transitions_table,
    unusual_total_changes,
)
from ita_analytics.dashboard.ui import (
    no_data_for_year,
    render_basis_note,
    render_chart,
    render_table_downloads,
    show_table,
    stop_empty,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.domain import rule_for_year

filters = current_filters()
st.title(t("การเปลี่ยนแปลงระหว่างปี", "Changes between years"))

if len(filters.years) < 2:
    stop_empty("ต้องมีข้อมูลอย่างน้อยสองปีในช่วงปีที่เลือก — ขยายช่วงปีในตัวกรอง "
               "หรือนำเข้าผลการประเมินอีกปีที่หน้านำเข้าข้อมูล",
               "Two years of data in the chosen range are needed — widen the year range "
               "or import another year on the Import page.")

cols = st.columns(4)
year_from = choose_year("ปีแรก (พ.ศ.)", "From year (B.E.)", filters.years, "chg_from", "from",
                        default=filters.years[-2], container=cols[0])
year_to = choose_year("ปีหลัง (พ.ศ.)", "To year (B.E.)", filters.years, "chg_to", "to",
                      default=filters.years[-1], container=cols[1])
sort_by = url_widget("radio", t("เรียงตาม", "Sort by"), ["delta", "rel_delta"], key="chg_sort",
                     param="sort", container=cols[2],
                     format_func=lambda v: t("คะแนนที่เปลี่ยน", "Points") if v == "delta"
                     else t("ร้อยละที่เปลี่ยน", "Percent"))
n = url_widget("selectbox", t("จำนวนที่แสดง", "How many"), [10, 20, 50], key="chg_n", param="n",
               container=cols[3])
if year_from >= year_to:
    stop_empty("ปีแรกต้องมาก่อนปีหลัง", "The from year must come before the to year.")

with st.spinner(t("กำลังคำนวณการเปลี่ยนแปลง…", "Computing the changes…")):
    found = change_analyses(filters, year_from, year_to)
if found["missing"]:
    stop_empty(*no_data_for_year(found["missing"][0]))

tiles = st.columns(3)
tiles[0].metric(t("ประเมินทั้งสองปี", "Assessed both years"), f"{found['assessed']:,}", border=True)
tiles[1].metric(t("คะแนนรวมดีขึ้น", "Total improved"), f"{found['improved']:,}", border=True)
tiles[2].metric(t("คะแนนรวมลดลง", "Total declined"), f"{found['declined']:,}", border=True)
render_basis_note(found["n_by_basis"])

st.subheader(t(f"เพิ่มขึ้นและลดลงมากที่สุด {year_from} → {year_to}",
               f"Biggest risers and fallers, {year_from} → {year_to} B.E."))
risers, fallers = (movers.head(n) for movers in found["movers"][sort_by])
percent = sort_by == "rel_delta"
if len(risers) + len(fallers):
    fig = charts.diverging_bars(movers_chart_frame(risers, fallers, sort_by), "label", "value",
                                percent=percent, x_title=t("เปลี่ยนแปลง", "Change"))
    table = movers_table(pd.concat([risers, fallers], ignore_index=True), year_to)
    render_chart(fig, table.drop(columns="link"), f"movers_{year_from}_{year_to}", "chg_movers")
rise_tab, fall_tab = st.tabs([t("เพิ่มขึ้นมากที่สุด", "Biggest risers"), t("ลดลงมากที่สุด", "Biggest fallers")])
with rise_tab:
    render_linked_table(movers_table(risers, year_to), f"risers_{year_from}_{year_to}", "chg_risers")
with fall_tab:
    render_linked_table(movers_table(fallers, year_to), f"fallers_{year_from}_{year_to}", "chg_fallers")

counts = found["counts"]
long = change_counts_long(counts)
fig = charts.count_bars(long, "metric_label", "count", color="status_label",
                        color_map={status_label(s): c for s, c in STATUS_COLORS.items()},
                        title=t("จำนวนหน่วยงานที่ดีขึ้น/ลดลง รายคะแนน", "Agencies improved / declined per score"))
fig.update_traces(text=None, texttemplate=None)
fig.update_yaxes(categoryorder="array", categoryarray=[metric_label(m) for m in counts["metric"]][::-1])
render_chart(fig, change_counts_table(counts), f"change_counts_{year_from}_{year_to}", "chg_counts")

st.subheader(t("การเปลี่ยนแปลงที่มีนัย", "Meaningful changes"))
st.caption(t("ช่วงปกติคำนวณจากการเปลี่ยนแปลงระหว่างปีติดกันทั้งหมดในช่วงปีที่เลือก "
             "(มัธยฐาน ± 2 × 1.4826 × MAD) เพราะไม่มีค่าความคลาดเคลื่อนมาตรฐานที่เผยแพร่ "
             "“ข้ามเกณฑ์” = ข้ามเส้นแบ่งระดับ (คะแนนรวม) หรือ 85/95 (รายตัวชี้วัด)",
             "The ordinary band comes from all consecutive-year changes in the chosen range "
             "(median ± 2 × 1.4826 × MAD), since no standard errors are published. "
             "“Crossed” = crossed a level boundary (total) or 85/95 (indicators)."))
summary = meaningful_summary(found["meaningful"])
show_table(summary, width="stretch", key="chg_meaning_table")
render_table_downloads(summary, f"meaningful_changes_{year_from}_{year_to}", "chg_meaning")
unusual = unusual_total_changes(found["unusual"], year_to)
with st.expander(t(f"หน่วยงานที่คะแนนรวมเปลี่ยนเกินช่วงปกติ ({len(unusual):,})",
                   f"Agencies whose total moved beyond the ordinary band ({len(unusual):,})")):
    render_linked_table(unusual, f"unusual_changes_{year_from}_{year_to}", "chg_unusual")

st.subheader(t("การเปลี่ยนระดับผลการประเมิน", "Level transitions"), help=levels_help())
transitions = found["transitions"]
if transitions.empty:
    stop_empty("ไม่มีหน่วยงานที่ประเมินทั้งสองปี", "No agency was assessed in both years.")
if rule_for_year(year_from).code != rule_for_year(year_to).code:
    spans = [f"{level_label(r.levels[0].name_th)}–{level_label(r.levels[-1].name_th)}"
             for r in (rule_for_year(year_from), rule_for_year(year_to))]
    st.caption(t(f"ปีแรกและปีหลังใช้เกณฑ์ระดับต่างกัน ({spans[0]} และ {spans[1]}) "
                 "เทียบกันได้เพียงผ่าน/ไม่ผ่าน",
                 f"The two years use different level rules ({spans[0]} and {spans[1]}); "
                 "only passing is comparable."))
matrix = transition_matrix(transitions)
fig = charts.heatmap(matrix, text_format="d", title=t(
    f"จำนวนหน่วยงาน: ระดับปี {year_from} (แถว) → ปี {year_to} (คอลัมน์)",
    f"Agencies: level in {year_from} (rows) → {year_to} (columns)"))
render_chart(fig, transitions_table(transitions), f"level_transitions_{year_from}_{year_to}",
             "chg_transitions")
fig = charts.level_sankey(transitions, from_label=str(year_from), to_label=str(year_to),
                          label=level_label, title=t("การไหลของระดับผลการประเมิน", "Level flows"))
render_chart(fig, transitions_table(transitions), f"level_flows_{year_from}_{year_to}", "chg_sankey")
