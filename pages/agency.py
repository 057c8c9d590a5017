"""หน่วยงาน / Agency: one agency against its peers, and its Thai analysis report (DOCX/XLSX)."""

import streamlit as st

from ita_analytics import report
from ita_analytics.dashboard import agency as view
from ita_analytics.dashboard.glossary import actions_help, levels_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.table_format import MISSING
from ita_analytics.dashboard.ui import (
    BASIS_HELP_EN,
    BASIS_HELP_TH,
    basis_text,
    escape_markdown,
    fmt_score,
    render_chart,
    show_table,
    stop_empty,
    t,
)
from ita_analytics.demo.labels import DEMO_LABEL_EN, DEMO_LABEL_TH
from ita_analytics.domain import BASIS_LABELS

current_filters()
st.title(t("หน่วยงาน", "Agency"))

choice = view.render_controls()
if choice.agency_id is None or choice.year is None:
    stop_empty("พิมพ์ชื่อหน่วยงานเพื่อค้นหา (ชื่อย่อและคำสะกดผิดเล็กน้อยค้นหาได้)",
               "Type an agency's name to find it (short forms and small typos are fine).")

with st.spinner(t("กำลังวิเคราะห์…", "Analysing…")):
    rd = view.report_data(choice.agency_id, choice.year, choice.peers)

st.header(escape_markdown(rd.name))
place = " · ".join(p for p in (rd.agency_type, rd.district and f"อ.{rd.district}",
                               rd.province and f"จ.{rd.province}") if p)
st.caption(escape_markdown(place) + f" · {t('แหล่งข้อมูล', 'source')}: {escape_markdown(rd.source)}")
if rd.is_demo:
    st.caption(t(DEMO_LABEL_TH, DEMO_LABEL_EN))
st.caption(t("ผลนี้อิงจาก", "This result rests on") + ": "
           + (t(*BASIS_LABELS[rd.basis]) if rd.basis in BASIS_LABELS else MISSING)
           + " · " + t("กลุ่มเปรียบเทียบ", "peers") + ": " + basis_text(rd.peer_basis),
           help=t(BASIS_HELP_TH, BASIS_HELP_EN))

chosen = next(s for s in rd.standings if s.group.code == rd.peer_group.code)
cols = st.columns(4)
cols[0].metric(t(f"คะแนนรวม ปี {rd.year}", f"Total, {rd.year}"), fmt_score(rd.total),
               None if rd.total_change is None else f"{rd.total_change:+.2f}", border=True)
cols[1].metric(t("ระดับ", "Level"), escape_markdown(view.level_label(rd.level)), border=True,
               help=levels_help())
cols[2].metric(t("อันดับในกลุ่ม", "Rank among peers"),
               MISSING if chosen.rank is None else f"{chosen.rank:,} / {chosen.n:,}", border=True)
cols[3].metric(t("เปอร์เซ็นไทล์", "Percentile"),
               MISSING if chosen.percentile is None else f"{chosen.percentile:.0f}", border=True)

st.subheader(t(f"ตาราง 1 ผลการประเมินรายตัวชี้วัด ปี {rd.prev_year} และ {rd.year}",
               f"Table 1: indicators, {rd.prev_year} and {rd.year}"))
table1 = view.indicator_table(rd)
# Tall enough for all ten indicators and the overall row, as the seed's table shows them.
show_table(table1, width="stretch", key="ag_table1", height=35 * (len(table1) + 1) + 3,
           column_help=view.table1_help())
if not rd.has_prev:
    st.info(t(f"ไม่มีผลการประเมินของปีก่อนหน้า (ปี {rd.prev_year})",
              f"No results for the previous year ({rd.prev_year})"))

left, right = st.columns(2)
with left:
    render_chart(view.total_figure(rd), view.history_table(rd), f"total_{rd.agency_id}", "ag_total")
with right:
    render_chart(view.peer_figure(rd), view.profile_table(rd), f"peers_{rd.agency_id}",
                 "ag_peers_fig")

st.subheader(t("อันดับและเปอร์เซ็นไทล์ในกลุ่มเปรียบเทียบ", "Rank and percentile among peers"))
show_table(view.standings_table(rd), width="stretch", key="ag_standings")

st.subheader(t("ตัวชี้วัดที่ควรพัฒนาก่อน", "Weakest indicators"))
show_table(view.weakest_table(rd), width="stretch", key="ag_weakest",
           column_help={t("แนวทาง", "Action"): actions_help()})

st.subheader(t("ระยะห่างถึงระดับถัดไป", "Gap to the next level"))
gap = rd.next_level or {}
st.write(t(gap.get("note_th") or MISSING, gap.get("note_en") or MISSING))
if gap.get("plan"):
    show_table(view.plan_table(gap["plan"]), key="ag_plan")

st.subheader(t("หน่วยงานที่มีคะแนนรวมใกล้เคียง", "Peers nearest in total"))
results = view.report_results(choice.agency_id, choice.year)
nearest = report.find_nearest_peers(results, choice.agency_id, choice.year, peers=choice.peers)
st.markdown(view.peer_links(nearest, choice.year, choice.peers) or MISSING)

st.subheader(t("รายงานการวิเคราะห์ (ภาษาไทย)", "Analysis report (Thai)"))
left, right = st.columns(2)
left.download_button(t("ดาวน์โหลดรายงาน DOCX", "Download report (DOCX)"),
                     data=lambda: report.render_docx(rd), key="ag_docx",
                     file_name=report.report_file_name(rd, "docx"), mime=report.FORMATS["docx"])
right.download_button(t("ดาวน์โหลดตาราง XLSX", "Download tables (XLSX)"),
                      data=lambda: report.render_xlsx(rd), key="ag_xlsx",
                      file_name=report.report_file_name(rd, "xlsx"), mime=report.FORMATS["xlsx"])
