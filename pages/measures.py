"""มาตรการ / Measures: record, import, propose from the analysis, track, and judge measures."""

import streamlit as st

from ita_analytics.analysis.measures import (
    compare_targets,
    compute_measure_effect,
    compute_status_counts,
    find_overdue,
)
from ita_analytics.dashboard import data, sign_in
from ita_analytics.dashboard import measures as view
from ita_analytics.dashboard.glossary import actions_help
from ita_analytics.dashboard.navigation import current_filters
from ita_analytics.dashboard.table_format import MISSING
from ita_analytics.dashboard.ui import (
    escape_markdown,
    render_empty,
    render_table_downloads,
    show_table,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.domain import INDICATOR_NUMBERS

filters = current_filters()
analyst = sign_in.require_analyst()  # recording, editing and importing need the analyst role
st.title(t("มาตรการส่งเสริมคุณธรรมและความโปร่งใส", "Integrity and transparency measures"))
years = data.meta()["years"]

record, imports, propose, track, judge = st.tabs([
    t("บันทึกมาตรการ", "Record"), t("นำเข้าไฟล์", "Import"),
    t("เริ่มจากผลวิเคราะห์", "Start from the analysis"), t("ติดตาม", "Track"),
    t("ประเมินผล", "Judge")], key="tab", bind="query-params")

with record:
    picked = view.render_agency_year("rec", years)
    if picked is None:
        render_empty("ยังไม่มีหน่วยงานในฐานข้อมูล — นำเข้าผลการประเมินก่อน",
                     "No agencies in the store yet — import results first.")
    else:
        agency_id, name, year = picked
        own = view.load_measures(agency_ids=[agency_id], years=[year])
        shown = escape_markdown(name)
        st.subheader(t(f"มาตรการของ {shown} ปี {year}: {len(own)} รายการ",
                       f"Measures of {shown}, {year}: {len(own)}"))
        if len(own) and analyst:
            view.render_edit_table(own)
        elif len(own):
            show_table(view.readable_measures(own), key="rec_table")
            st.caption(t("แหล่งที่มา: ", "Source: ")
                       + ", ".join(escape_markdown(s) for s in sorted(set(own["source"]))))
        if analyst:
            with st.expander(t("เพิ่มมาตรการ", "Add a measure"), expanded=own.empty):
                view.render_record_form(agency_id, year)
        else:
            sign_in.render_analyst_needed()

with imports:
    if analyst:
        view.render_import()
    else:
        sign_in.render_analyst_needed()

with propose:
    picked = view.render_agency_year("prop", years)
    if picked is not None and years:
        agency_id, name, year = picked
        view.render_proposals(view.proposal_results(agency_id, year), agency_id,
                                     name, year)

with track:
    measures = view.load_measures(provinces=filters.provinces,
                                         agency_types=filters.agency_types)
    if measures.empty:
        render_empty("ยังไม่มีมาตรการ — บันทึกหรือนำเข้ามาตรการก่อน",
                     "No measures yet — record or import some first.")
    else:
        by = url_widget("radio", t("นับตาม", "Count by"), ["agency", "indicator", "province", "year"],
                        format_func=lambda k: {"agency": t("หน่วยงาน", "Agency"),
                                               "indicator": t("ตัวชี้วัด", "Indicator"),
                                               "province": t("จังหวัด", "Province"),
                                               "year": t("ปีงบประมาณ", "Year")}[k],
                        horizontal=True, key="track_by")
        counts = view.status_counts_table(compute_status_counts(measures, by), by)
        show_table(counts, key="track_counts")
        render_table_downloads(counts, f"measure_status_by_{by}", "track_counts_dl")
        overdue = find_overdue(measures, view.today())
        today = view.today_text()
        st.subheader(t(f"มาตรการที่เลยกำหนดและยังไม่แล้วเสร็จ ณ {today}: {len(overdue):,}",
                       f"Past their end and not done as of {today}: {len(overdue):,}"))
        if len(overdue):
            show_table(view.overdue_table(overdue), key="track_overdue")
            st.caption(t("มาตรการที่เอกสารไม่ระบุสถานะ (“ไม่ระบุสถานะ”) นับเป็นยังไม่แล้วเสร็จ",
                         "Measures whose documents state no status (“Status not stated”) count "
                         "as not done."))

with judge:
    if len(years) < 2:
        render_empty("ต้องมีผลการประเมินอย่างน้อยสองปี", "At least two years of results are needed.")
    else:
        c1, c2, c3 = st.columns(3)
        indicator = url_widget("selectbox", t("ตัวชี้วัด", "Indicator"), INDICATOR_NUMBERS,
                               default=9, key="judge_ind", container=c1)
        year_from = url_widget("selectbox", t("จากปี", "From"), years[:-1], default=years[-2],
                               key="judge_from", container=c2)
        year_to = url_widget("selectbox", t("ถึงปี", "To"), [y for y in years if y > year_from],
                             key="judge_to", container=c3)
        results = data.load_results(years=[year_from, year_to], provinces=filters.provinces,
                                    agency_types=filters.agency_types,
                                    columns=view.EFFECT_COLUMNS)
        measures = view.load_measures(years=[year_from])
        effect = compute_measure_effect(results, measures, indicator, year_from, year_to)
        st.warning(t(effect.note_th, effect.note_en), icon=":material/balance:")
        show_table(view.effect_groups_table(effect.groups), key="judge_groups")
        show_table(view.effect_by_start_table(effect.by_start), key="judge_by_start",
                   column_help={t("แนวทางตามคะแนนปีแรก", "Action level at the start"):
                                actions_help()})
        st.metric(t("ผลต่างของค่าเฉลี่ยการเปลี่ยนแปลง (มี − ไม่มีมาตรการ)",
                    "Difference in mean change (with − without)"),
                  MISSING if effect.difference != effect.difference else f"{effect.difference:+.2f}")
        targets = compare_targets(view.target_results(), view.load_measures())
        st.subheader(t("เป้าหมายที่ระบุในมาตรการ เทียบกับผลจริง", "Targets stated in measures vs results"))
        if targets.empty:
            st.info(t("ยังไม่มีมาตรการที่ระบุคะแนนเป้าหมาย", "No measure states a score target yet"))
        else:
            show_table(view.targets_table(targets), key="judge_targets")
