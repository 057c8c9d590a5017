"""Measures page helpers: cached loads, the record form, the editable table, import and undo."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from ita_analytics import geo, store
from ita_analytics.analysis.common import INDICATOR_COLUMNS
from ita_analytics.analysis.measures import WITH_MEASURE, WITHOUT_MEASURE, propose_measures
from ita_analytics.dashboard import data
from ita_analytics.dashboard.agency import (
    agency_keys,
    agency_label,
    search_box,
)
from ita_analytics.dashboard.glossary import actions_help
from ita_analytics.dashboard.imports import history_table
from ita_analytics.dashboard.sign_in import analyst_user
from ita_analytics.dashboard.table_format import (
    MISSING,
    action_label,
    fmt_date,
    fmt_month,
    labelled,
)
from ita_analytics.dashboard.ui import escape_markdown, lang, map_labels, multiselect, show_table, t
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.domain import INDICATOR_BY_NUMBER, INDICATOR_NUMBERS
from ita_analytics.errors import ItaError
from ita_analytics.importer.measures import analyse_measures_file, commit_measures, undo_measures
from ita_analytics.importer.read import ImportRejected
from ita_analytics.measures import (
    KIND_EN,
    MEASURE_KINDS,
    STATUS_EN,
    STATUS_NOT_STARTED,
    STATUS_UNKNOWN_EN,
    STATUS_UNKNOWN_TH,
    STATUSES,
    parse_period,
)
from ita_analytics.recommendations import RECOMMENDATIONS
from ita_analytics.report.peers import compute_weakest
from ita_analytics.store import measures as measure_store

DASHBOARD_SOURCE = "dashboard"
PROPOSAL_SOURCE = "proposal:recommendations"
EDIT_COLUMNS = ["measure_id", "title", "kind", "status", "responsible", "period_text", "output",
                "outcome"]


def column_labels() -> dict[str, str]:
    """Headers for the measures table in the chosen language (the seeds' own words in Thai)."""
    return {"title": t("มาตรการ", "Measure"), "kind": t("ประเภท", "Kind"),
            "status": t("สถานะ", "Status"), "responsible": t("ผู้รับผิดชอบ", "Responsible"),
            "period_text": t("ช่วงระยะเวลา", "Period"), "output": t("ผลการดำเนินการ", "Output"),
            "outcome": t("ผลลัพธ์", "Outcome")}


def readable_measures(measures: pd.DataFrame) -> pd.DataFrame:
    """The measures as a reader sees them: no internal id, kind and status in the chosen
    language, "–" for what was not stated."""
    shown = measures[[c for c in EDIT_COLUMNS if c != "measure_id"]].copy()
    shown["kind"] = map_labels(shown["kind"], kind_label)
    shown["status"] = map_labels(shown["status"], status_label)
    return shown.astype("string").fillna(MISSING).rename(columns=column_labels())


@st.cache_data(show_spinner=False, max_entries=32)
def _load_measures(_conn, data_version: int, agency_ids: tuple | None, years: tuple | None,
                   provinces: tuple | None, agency_types: tuple | None) -> pd.DataFrame:
    return measure_store.load_measures(_conn, agency_ids=agency_ids, years=years,
                                       provinces=provinces, agency_types=agency_types)


def load_measures(agency_ids=None, years=None, provinces=None, agency_types=None) -> pd.DataFrame:
    """``store.measures.load_measures`` cached per store version (copy before mutating)."""
    return _load_measures(data.connection(), data.version(), data.norm(agency_ids), data.norm(years),
                          data.norm(provinces), data.norm(agency_types))


TARGET_COLUMNS = ("agency_id", "year", *INDICATOR_COLUMNS)
"""What comparing stated targets with results reads, of the agencies with measures only."""
EFFECT_COLUMNS = ("agency_id", "name", "province", "year", *INDICATOR_COLUMNS)
"""What the with/without-measure comparison reads (its agency list shows name and province)."""
PROPOSAL_COLUMNS = ("agency_id", "agency_type", "province", "year", *INDICATOR_COLUMNS)
"""What proposing measures from the weakest indicators reads, of the agency's type (its peers)."""


def target_results() -> pd.DataFrame:
    """Results of the agencies with measures (:data:`TARGET_COLUMNS`): all that comparing
    stated targets reads — every agency-year was 0.1 s to load and pickle at 10x national."""
    ids = _agencies_with_measures(data.connection(), data.version())
    return store.load_results(data.connection(), agency_ids=ids, columns=TARGET_COLUMNS)


def proposal_results(agency_id: int, year: int) -> pd.DataFrame:
    """The year's results of the agencies of this agency's type, its peers for the weakest
    indicators (:data:`PROPOSAL_COLUMNS`), cached per store version."""
    keys = agency_keys()
    kinds = keys.loc[keys["agency_id"] == agency_id, "agency_type"].unique().tolist()
    return data.load_results(years=[year], agency_types=kinds, columns=PROPOSAL_COLUMNS)


@st.cache_resource(show_spinner=False, max_entries=2)
def _agencies_with_measures(_conn, data_version: int) -> list[int]:
    """Ids of the agencies that have measures, ascending (shared, read-only)."""
    return sorted({int(a) for a in measure_store.load_measures(_conn)["agency_id"]})


def render_agency_year(key: str, years: list[int]) -> tuple[int, str, int] | None:
    """A search box, the agency picker and the fiscal year; (agency_id, name, year) or None
    for an empty store.

    The picker offers the agencies found by the search (as on the agency page) and the
    agencies that already have measures, so the seeds' agencies are one click away. A picker
    of every agency sent 83,000 options on every run at 10x national (0.17 s a run).
    """
    keys = agency_keys()
    if keys.empty:
        return None
    _, found, before = search_box(keys, search_key=f"{key}_search", agency_key=f"{key}_agency",
                                  example="อบต.หนองปลาหมอ")
    linked = st.query_params.get(f"{key}_agency", "")  # a shared link's agency
    kept = [a for a in (st.session_state.get(f"{key}_agency"), before,
                        int(linked) if linked.isdigit() else None)
            if a is not None and (keys["agency_id"] == a).any()]
    options = list(dict.fromkeys(
        [*found, *kept, *_agencies_with_measures(data.connection(), data.version())]))
    if not options:  # no measures yet and nothing searched: the first agency to start from
        options = [int(keys["agency_id"].min())]
    labels = {a: agency_label(keys, a) for a in options}
    left, right = st.columns([3, 1])
    agency_id = url_widget("selectbox", t("หน่วยงาน", "Agency"), options, key=f"{key}_agency",
                           container=left, format_func=labels.get)
    year_options = sorted(set(years) | set(range(min(years, default=2568), max(years, default=2568) + 2)))
    year = url_widget("selectbox", t("ปีงบประมาณ", "Fiscal year"), year_options, key=f"{key}_year",
                      container=right, default=year_options[-2] if len(year_options) > 1 else None)
    name = keys.loc[keys["agency_id"] == agency_id, "name"].iloc[0]
    return int(agency_id), name, int(year)


def _indicator_label(n: int) -> str:
    ind = INDICATOR_BY_NUMBER[n]
    return f"{n} {t(ind.name_th, ind.name_en)}"


def render_record_form(agency_id: int, year: int) -> None:
    """A form adding one measure; the period text is read into start and end months."""
    with st.form("measure_form", clear_on_submit=True):
        title = st.text_input(t("มาตรการ/โครงการ/กิจกรรม", "Measure / project / activity"),
                              key="mf_title")
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(t("ประเภท", "Kind"), MEASURE_KINDS, key="mf_kind")
        indicators = multiselect(c2, t("ตัวชี้วัดที่เกี่ยวข้อง", "Linked indicators"),
                                    INDICATOR_NUMBERS, format_func=_indicator_label, key="mf_ind")
        status = c3.selectbox(t("สถานะ", "Status"), [None, *STATUSES],
                              format_func=lambda s: s or t("ไม่ระบุ", "not stated"), key="mf_status")
        steps = st.text_area(t("ขั้นตอน/วิธีการปฏิบัติ", "Steps"), key="mf_steps")
        c4, c5 = st.columns(2)
        period_text = c4.text_input(t("ช่วงระยะเวลา (เช่น ต.ค. ๖๗ – ก.ย. ๖๘)",
                                      "Period (e.g. ต.ค. ๖๗ – ก.ย. ๖๘)"), key="mf_period")
        responsible = c5.text_input(t("ผู้รับผิดชอบ", "Responsible unit"), key="mf_resp")
        output = st.text_area(t("ผลการดำเนินการ (Output)", "Output"), key="mf_output")
        outcome = st.text_area(t("ผลลัพธ์/ผลสัมฤทธิ์ (Outcome)", "Outcome"), key="mf_outcome")
        if not st.form_submit_button(t("บันทึกมาตรการ", "Save measure"), type="primary"):
            return
    if not title.strip():
        st.error(t("กรุณาระบุชื่อมาตรการ", "Give the measure a title"))
        return
    try:
        period = parse_period(period_text, fiscal_year=year)
    except ValueError as error:
        st.error(escape_markdown(error))
        return
    row = {"agency_id": agency_id, "year": year, "title": title.strip(), "kind": kind,
           "steps": steps or None, "period_text": period_text or None, "start_month": period.start,
           "end_month": period.end, "responsible": responsible or None, "status": status,
           "output": output or None, "outcome": outcome or None, "source": DASHBOARD_SOURCE,
           "indicators": list(indicators)}
    with data.writing() as written, store.transaction(written) as cur:
        measure_store.insert_measures(cur, pd.DataFrame([row]))
    st.success(t("บันทึกแล้ว", "Saved"))


def render_edit_table(measures: pd.DataFrame) -> None:
    """The agency-year's measures in an editable table; changed cells are saved on click."""
    original = measures[EDIT_COLUMNS].set_index("measure_id")
    edited = st.data_editor(
        original, key="measures_editor", width="stretch",
        column_config={
            "title": st.column_config.TextColumn(t("มาตรการ", "Measure"), required=True),
            "kind": st.column_config.SelectboxColumn(t("ประเภท", "Kind"), options=MEASURE_KINDS,
                                                     required=True),
            "status": st.column_config.SelectboxColumn(t("สถานะ", "Status"), options=STATUSES),
            "responsible": t("ผู้รับผิดชอบ", "Responsible"),
            "period_text": t("ช่วงระยะเวลา", "Period"),
            "output": t("ผลการดำเนินการ", "Output"), "outcome": t("ผลลัพธ์", "Outcome")})
    if not st.button(t("บันทึกการแก้ไข", "Save changes"), key="measures_save"):
        return
    changed = 0
    with data.writing() as written, store.transaction(written) as cur:
        for measure_id, row in edited.iterrows():
            before = original.loc[measure_id]
            changes = {c: (None if pd.isna(row[c]) else row[c]) for c in original.columns
                       if not (pd.isna(row[c]) and pd.isna(before[c])) and row[c] != before[c]}
            if "period_text" in changes:
                year = int(measures.set_index("measure_id").loc[measure_id, "year"])
                period = parse_period(changes["period_text"], fiscal_year=year)
                changes.update(start_month=period.start, end_month=period.end)
            if changes:
                measure_store.update_measure(cur, int(measure_id), changes)
                changed += 1
    st.success(t(f"บันทึกการแก้ไข {changed} มาตรการ", f"Saved changes to {changed} measures"))


def render_import() -> None:
    """Upload → preview and issues → commit all or nothing; then the history with undo."""
    upload = st.file_uploader(t("ไฟล์มาตรการ (.xlsx หรือ .csv)", "Measures file (.xlsx or .csv)"),
                              type=["xlsx", "csv"], key="measures_upload", max_upload_size=20)
    conn = data.connection()
    if upload is not None:
        try:
            plan = analyse_measures_file(conn, upload.getvalue(), upload.name)
        except ImportRejected as error:
            st.error(escape_markdown(t(error.message_th, error.message_en)))
            plan = None
        if plan is not None:
            if len(plan.issues()):
                show_table(issues_table(plan.issues()), key="measures_issues")
            if plan.unchanged_import_id is not None:
                st.info(t(f"ไฟล์นี้นำเข้าแล้ว (ครั้งที่ {plan.unchanged_import_id})",
                          f"This file was already imported (import {plan.unchanged_import_id})"))
            elif plan.ok:
                show_table(preview_table(plan.preview()), key="measures_preview")
                if st.button(t(f"นำเข้า {len(plan.rows)} มาตรการ", f"Import {len(plan.rows)} measures"),
                             type="primary", key="measures_commit"):
                    with data.writing() as written:
                        import_id = commit_measures(written, plan)
                    st.success(t(f"นำเข้าแล้ว (ครั้งที่ {import_id})", f"Imported (import {import_id})"))
            else:
                st.error(t("ไฟล์มีข้อผิดพลาด จึงไม่นำเข้าข้อมูลใด ๆ", "The file has errors: nothing imported"))
    history = measure_store.load_measure_imports(conn)
    if history.empty:
        return
    show_table(history_table(history), key="measures_history")
    committed = history.loc[history["status"] == "committed", "import_id"].tolist()
    if committed:
        chosen = st.selectbox(t("ยกเลิกการนำเข้า", "Undo import"), committed, key="measures_undo_id")
        if st.button(t("ยกเลิก", "Undo"), key="measures_undo"):
            try:
                with data.writing() as written:
                    removed = undo_measures(written, int(chosen))
                st.success(t(f"ลบ {removed} มาตรการแล้ว", f"Removed {removed} measures"))
            except ItaError as error:
                st.error(escape_markdown(t(error.message_th, error.message_en)))


def render_proposals(results: pd.DataFrame, agency_id: int, name: str, year: int) -> None:
    """The agency-year's weakest indicators propose library measures; accepted ones become
    draft measures (not started) for the next fiscal year."""
    own = results[(results["agency_id"] == agency_id) & (results["year"] == year)]
    if own.empty:
        shown = escape_markdown(name)
        st.info(t(f"ไม่มีผลการประเมินของ {shown} ปี {year}", f"No results for {shown} in {year}"))
        return
    weakest = compute_weakest(results, agency_id, year)
    drafts = propose_measures(weakest, RECOMMENDATIONS, name, year)
    if drafts.empty:
        st.success(t("ทุกตัวชี้วัดอยู่ในระดับรักษาระดับ", "Every indicator is at the maintain level"))
        return
    show_table(proposals_table(drafts), key="proposals_table",
               column_help={t("แนวทาง", "Action"): actions_help()})
    accepted = multiselect(st, t("รับข้อเสนอเป็นร่างมาตรการ", "Accept as draft measures"),
                              list(drafts.index), format_func=lambda i: drafts.loc[i, "title"],
                              key="proposals_accept")
    if analyst_user() is None:  # proposals are public; making drafts writes, so analysts only
        st.caption(t("เข้าสู่ระบบผู้วิเคราะห์เพื่อสร้างร่างมาตรการ", "Sign in as an analyst to create drafts"))
        return
    if accepted and st.button(t(f"สร้างร่างมาตรการปี {year + 1}", f"Create drafts for {year + 1}"),
                              key="proposals_create"):
        rows = drafts.loc[accepted].assign(
            agency_id=agency_id, kind=MEASURE_KINDS[0], status=STATUS_NOT_STARTED,
            source=PROPOSAL_SOURCE, indicators=lambda d: [[int(n)] for n in d["indicator"]])
        periods = [parse_period(p, fiscal_year=year + 1) for p in rows["period_text"]]
        rows["start_month"] = [p.start for p in periods]
        rows["end_month"] = [p.end for p in periods]
        with data.writing() as written, store.transaction(written) as cur:
            measure_store.insert_measures(cur, rows)
        st.success(t(f"สร้างร่าง {len(rows)} มาตรการแล้ว", f"Created {len(rows)} drafts"))


def today() -> date:
    return date.today()


# --- the measures' tables as people read them ---------------------------------------------------

def status_label(status) -> str:
    """A measure's status in the chosen language ("ไม่ระบุสถานะ" when not stated)."""
    if status in STATUS_EN:
        return t(status, STATUS_EN[status].capitalize())
    return t(STATUS_UNKNOWN_TH, STATUS_UNKNOWN_EN.capitalize())


def kind_label(kind) -> str:
    return t(kind, KIND_EN[kind].capitalize()) if kind in KIND_EN else MISSING


def group_label(group: str) -> str:
    """The judged groups: agencies with a measure linked to the indicator, and without."""
    return {WITH_MEASURE: t("มีมาตรการ", "With a measure"),
            WITHOUT_MEASURE: t("ไม่มีมาตรการ", "Without a measure")}.get(group, group)


def verdict_label(verdict: str) -> str:
    return {"reached": t("ถึงเป้าหมาย", "Reached"), "not_reached": t("ไม่ถึงเป้าหมาย", "Not reached"),
            "not_assessed": t("ยังไม่มีผลปีถัดไป", "Not yet assessed")}.get(verdict, verdict)


def _indicator_number_label(n) -> str:
    return MISSING if n is None or pd.isna(n) else _indicator_label(int(n))


def _percent(values: pd.Series) -> pd.Series:
    return (100 * values.astype("float64")).round(2)


def status_counts_table(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """``compute_status_counts`` for display: the group, measures, each status, done %."""
    out = counts.copy()
    if "indicator" in out:
        out["indicator"] = map_labels(out["indicator"], _indicator_number_label)
    if "province" in out:
        out["province"] = map_labels(out["province"], province_name)
    out["done_share"] = _percent(out["done_share"])
    names = {status: (status, STATUS_EN[status].capitalize()) for status in STATUSES}
    return labelled(out, lang(), n=("จำนวนมาตรการ", "Measures"),
                    unknown=(STATUS_UNKNOWN_TH, STATUS_UNKNOWN_EN.capitalize()),
                    done_share=("แล้วเสร็จ (%)", "Done (%)"), **names)


def overdue_table(overdue: pd.DataFrame) -> pd.DataFrame:
    """``find_overdue`` for display: the month it should have ended (B.E.), its status as
    stated ("ไม่ระบุสถานะ" when the documents state none), days past its end."""
    return pd.DataFrame({
        t("หน่วยงาน", "Agency"): overdue["name"],
        t("จังหวัด", "Province"): map_labels(overdue["province"], province_name),
        t("ปีงบประมาณ", "Fiscal year"): overdue["year"].astype("Int64"),
        t("มาตรการ", "Measure"): overdue["title"],
        t("สิ้นสุด", "Ends"): map_labels(overdue["end_month"], lambda m: fmt_month(m, lang())),
        t("สถานะ", "Status"): map_labels(overdue["status"], status_label),
        t("เลยกำหนด (วัน)", "Days past the end"): overdue["days_overdue"].astype("int64"),
    })


def effect_groups_table(groups: pd.DataFrame) -> pd.DataFrame:
    """``MeasureEffect.groups`` for display."""
    out = groups.copy()
    out["group"] = map_labels(out["group"], group_label)
    out["share_improved"] = _percent(out["share_improved"])
    return labelled(out.round(2), lang(), n=("จำนวนหน่วยงาน", "Agencies"),
                    mean_before=("คะแนนเฉลี่ยปีแรก", "Mean score, first year"),
                    mean_change=("การเปลี่ยนแปลงเฉลี่ย", "Mean change"),
                    median_change=("มัธยฐานการเปลี่ยนแปลง", "Median change"),
                    share_improved=("สัดส่วนที่ดีขึ้น (%)", "Share improved (%)"))


def effect_by_start_table(by_start: pd.DataFrame) -> pd.DataFrame:
    """``MeasureEffect.by_start``: the groups compared within each starting action level."""
    out = by_start.copy()
    out["action"] = map_labels(out["action"], lambda a: action_label(a, lang()))
    out["group"] = map_labels(out["group"], group_label)
    return labelled(out.round(2), lang(), action=("แนวทางตามคะแนนปีแรก", "Action level at the start"),
                    n=("จำนวนหน่วยงาน", "Agencies"),
                    mean_change=("การเปลี่ยนแปลงเฉลี่ย", "Mean change"))


def targets_table(targets: pd.DataFrame) -> pd.DataFrame:
    """``compare_targets`` for display."""
    return pd.DataFrame({
        t("หน่วยงาน", "Agency"): targets["name"],
        t("ปีงบประมาณ", "Fiscal year"): targets["year"].astype("Int64"),
        t("มาตรการ", "Measure"): targets["title"],
        t("ตัวชี้วัด", "Indicator"): map_labels(targets["indicator"], _indicator_number_label),
        t("เป้าหมาย", "Target"): targets["target_to"].astype("float64").round(2),
        t("คะแนนปีนั้น", "Score that year"): targets["score_year"].astype("float64").round(2),
        t("คะแนนปีถัดไป", "Score the next year"): targets["score_next"].astype("float64").round(2),
        t("เปลี่ยนแปลง", "Change"): targets["change"].astype("float64").round(2),
        t("ผล", "Verdict"): map_labels(targets["verdict"], verdict_label),
    })


def proposals_table(drafts: pd.DataFrame) -> pd.DataFrame:
    """Proposed draft measures for display: indicator, its score and action level, the
    library measure with its steps, who and when."""
    return pd.DataFrame({
        t("ตัวชี้วัด", "Indicator"): map_labels(drafts["indicator"], _indicator_number_label),
        t("คะแนน", "Score"): drafts["score"].astype("float64").round(2),
        t("แนวทาง", "Action"): map_labels(drafts["action"], lambda a: action_label(a, lang())),
        t("มาตรการที่เสนอ", "Proposed measure"): drafts["title"],
        t("ขั้นตอน", "Steps"): drafts["steps"],
        t("ผู้รับผิดชอบ", "Responsible"): drafts["responsible"],
        t("ช่วงระยะเวลา", "Period"): drafts["period_text"],
    })


def issues_table(issues: pd.DataFrame) -> pd.DataFrame:
    """A measures file's errors and warnings for display."""
    level = {"error": t("ข้อผิดพลาด", "Error"), "warning": t("คำเตือน", "Warning")}
    return pd.DataFrame({
        t("ระดับ", "Level"): map_labels(issues["level"], lambda v: level.get(v, v)),
        t("ชีต", "Sheet"): issues["sheet"], t("แถว", "Row"): issues["row"],
        t("คอลัมน์", "Column"): issues["column"],
        t("รายละเอียด", "Details"): issues["message_en" if lang() == "en" else "message_th"],
    })


def preview_table(preview: pd.DataFrame) -> pd.DataFrame:
    """A measures file's rows before they are imported."""
    out = preview.copy()
    out["kind"] = map_labels(out["kind"], kind_label)
    out["status"] = map_labels(out["status"], status_label)
    return labelled(out.drop(columns=["start_month", "end_month"]), lang(),
                    sheet=("ชีต", "Sheet"), row=("แถว", "Row"),
                    agency_name=("หน่วยงาน", "Agency"), kind=("ประเภท", "Kind"),
                    indicators=("ตัวชี้วัดที่เกี่ยวข้อง", "Linked indicators"),
                    period_text=("ช่วงระยะเวลา", "Period"),
                    responsible=("ผู้รับผิดชอบ", "Responsible"))


def province_name(province):
    return province if not isinstance(province, str) or lang() == "th" else (
        geo.province_en(province) or province)


def today_text() -> str:
    """Today in the Buddhist era, in the chosen language ("4 ธ.ค. 2569")."""
    return fmt_date(today(), lang())
