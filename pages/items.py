"""ผลรายข้อ / Items: which questions and which published evidence hold an agency (or a group) back."""

import streamlit as st

from ita_analytics.dashboard import items as view
from ita_analytics.dashboard.glossary import actions_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.trends import choose_year
from ita_analytics.dashboard.ui import (
    escape_markdown,
    render_chart,
    render_empty,
    show_table,
    stop_empty,
    t,
)
from ita_analytics.items import SURVEY_RULE_NOTE_EN, SURVEY_RULE_NOTE_TH

filters = current_filters()
st.title(t("ผลรายข้อ", "Item-level results"))

meta = view.item_meta()
if not meta["years"]:
    stop_empty("ยังไม่มีผลรายข้อ — นำเข้าด้วยคำสั่ง items import",
               "No item results yet — import them with the items import command.")
if view.items_are_demo():
    st.caption(t("ผลรายข้อ OIT ปี 2564 เป็นข้อมูลสาธิต (สังเคราะห์) ให้สอดคล้องกับคะแนนตัวชี้วัดที่ 9–10 "
                 "ตามกฎของปีนั้น ไม่ใช่ผลการประเมินจริง",
                 "The 2564 OIT item results are demo data (synthetic), made consistent with "
                 "indicators 9–10 under that year's rule; not real assessment results."))

agency_tab, group_tab = st.tabs([t("หน่วยงาน", "Agency"), t("ภาพรวมกลุ่ม", "Group")], key="tab",
                               bind="query-params")

with agency_tab:
    choice = view.render_agency_controls()
    if choice.agency_id is None or choice.year is None:
        render_empty("เลือกหน่วยงานที่มีผลรายข้อ", "Choose an agency with item results.")
    else:
        found = view.agency_year_view(choice.agency_id, choice.year)
        flagged = found["flagged"]
        st.subheader(t(f"ข้อที่ควรพัฒนา ปี {choice.year}", f"Items to improve, {choice.year} B.E."))
        st.caption(escape_markdown(t(
            f"{len(found['items'])} ข้อที่บันทึกไว้: ข้อคำถามที่ได้ต่ำกว่า {view.WEAK_ITEM_THRESHOLD:g} "
            "คะแนน และข้อมูล OIT ที่ไม่ผ่าน พร้อมข้อเสนอแนะของตัวชี้วัด",
            f"{len(found['items'])} items stored: question items under {view.WEAK_ITEM_THRESHOLD:g} "
            "and OIT evidence not passed, with the indicator's recommendation")))
        if flagged.empty:
            render_empty("ไม่มีข้อที่ต่ำกว่าเกณฑ์หรือไม่ผ่าน", "No item below the line or not passed.")
        else:
            show_table(view.flagged_table(flagged), width="stretch", key="it_flagged",
                       column_help={t("แนวทาง", "Action"): actions_help()})
        st.subheader(t("ตัวชี้วัดที่ 9–10 จากรายข้อ", "Indicators 9–10 from the items"))
        check = found["check"]
        show_table(view.check_table(check), key="it_check")
        note = t(check["rule_note_th"] or "", check["rule_note_en"] or "")
        st.caption(escape_markdown(note + " " + t(SURVEY_RULE_NOTE_TH, SURVEY_RULE_NOTE_EN)))

with group_tab:
    year = choose_year("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)", meta["years"], view.GROUP_YEAR_KEY,
                       "items_year")
    previous = max((y for y in meta["years"] if y < year), default=None)
    with st.spinner(t("กำลังโหลดข้อมูล…", "Loading…")):
        group = view.group_analyses(year, previous, filters.agency_types, filters.provinces)
    if not group["n_agencies"]:
        stop_empty(f"ไม่มีผลรายข้อปี {year} สำหรับตัวกรองนี้",
                   f"No item results for {year} B.E. with these filters.")
    st.metric(t("หน่วยงานที่มีผลรายข้อ", "Agencies with item results"),
              f"{group['n_agencies']:,}", border=True)
    rates = group["rates"]
    if (rates["tool"] == "OIT").any():
        # The chart shows the items most often not passed, its table every item: sent at once.
        render_chart(view.not_passed_figure(rates, year), view.pass_rate_table(rates),
                     f"items_not_passed_{year}", "it_rates", lazy=False)
    else:
        show_table(view.pass_rate_table(rates), key="it_rates_table")
    st.subheader(t("ข้อที่เปลี่ยนแปลงมากที่สุด", "Items that moved most"))
    if group["movers"] is None or group["movers"].empty:
        render_empty(f"ไม่มีผลรายข้อปีก่อน {year} ให้เปรียบเทียบ",
                     f"No item results before {year} B.E. to compare with.")
    else:
        st.caption(t(f"ค่าเฉลี่ยของหน่วยงานที่มีผลทั้งปี {previous} และ {year} (ข้อ OIT: ร้อยละที่ผ่าน)",
                     f"Means over agencies with the item in both {previous} and {year} "
                     "(OIT items: percent passed)"))
        show_table(view.movers_table(group["movers"].head(view.SHOWN_ITEMS)), key="it_movers")
