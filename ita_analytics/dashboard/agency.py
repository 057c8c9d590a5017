"""The agency page's helpers: search, URL state, cached report data, its tables and figures."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ita_analytics import report, store
from ita_analytics.agencies import suggest_agencies
from ita_analytics.dashboard import data
from ita_analytics.dashboard.charts import FONT, LEVEL_COLORS
from ita_analytics.dashboard.table_format import MISSING, action_label, fmt_change, labelled
from ita_analytics.dashboard.ui import escape_markdown, fmt_score, lang, t
from ita_analytics.domain import INDICATORS, PASS_THRESHOLD, level_en
from ita_analytics.report.options import PEER_GROUP_BY_CODE
from ita_analytics.thai import normalize_agency_name

# Session-state keys of the page's widgets, and the URL parameters that mirror them.
SEARCH_KEY = "ag_search"
AGENCY_KEY = "ag_agency"
YEAR_KEY = "ag_year"
PEERS_KEY = "ag_peers"
_URL_SEEN = "_ag_url_seen"
URL_AGENCY, URL_YEAR, URL_PEERS = "agency_id", "year", "peers"
PEER_CODES = [g.code for g in report.PEER_GROUPS]


def agency_url(agency_id, year=None) -> str:
    """The agency page's URL for an agency (and year), as its peer links build it."""
    url = f"agency?{URL_AGENCY}={int(agency_id)}"
    if year is not None and not pd.isna(year):
        url += f"&{URL_YEAR}={int(year)}"
    return url + f"&{URL_PEERS}={PEER_CODES[0]}"


@dataclass(frozen=True)
class AgencyChoice:
    """What the page shows: an agency, one of its years, a peer group (None until chosen)."""

    agency_id: int | None
    year: int | None
    peers: str


@st.cache_resource(show_spinner=False, max_entries=2)
def _agency_keys(_conn, data_version: int) -> pd.DataFrame:
    return store.load_agency_keys(_conn)


def agency_keys() -> pd.DataFrame:
    """Every name key of every agency (per store version), shared and read-only.

    A shared resource, not a copy per call: searching and labelling only read it, and at
    10× national (83,000 agencies) unpickling a copy on every call was most of a run.
    """
    return _agency_keys(data.connection(), data.version())


@st.cache_data(show_spinner=False, max_entries=32)
def _report_results(_conn, data_version: int, agency_id: int, year: int) -> pd.DataFrame:
    return report.load_report_results(_conn, [agency_id], year)


@st.cache_data(show_spinner=False, max_entries=64)
def _agency_years(_conn, data_version: int, agency_id: int) -> list[int]:
    own = store.load_results(_conn, agency_ids=[agency_id], indicators=False)
    return sorted(int(y) for y in own["year"])


def report_results(agency_id: int, year: int) -> pd.DataFrame:
    """Every agency of ``year`` and the agency's own years (cached per store version)."""
    return _report_results(data.connection(), data.version(), agency_id, year)


def report_data(agency_id: int, year: int, peers: str) -> report.ReportData:
    """The same :class:`report.ReportData` the downloaded report is built from."""
    results = report_results(agency_id, year)
    return report.build_report_data(results, agency_id, year, peers=peers)


def find_matches(keys: pd.DataFrame, text: str, limit: int = 15) -> list[int]:
    """Agency ids for a typed name: names containing it first, then near spellings."""
    key = normalize_agency_name(text)
    if not key:
        return []
    contains = keys[keys["key"].str.contains(key, regex=False)]
    ids = list(dict.fromkeys(contains["agency_id"].astype(int)))[:limit]
    for match in suggest_agencies(keys, text, limit=limit):
        if match.agency_id not in ids:
            ids.append(match.agency_id)
    return ids[:limit]


def follow_search(agency_key: str, text: str, found: list[int]) -> None:
    """Make a new search's best match the chosen agency (``agency_key``'s value).

    The picker kept the agency chosen before: after ทต.ทุ่งผึ้ง, searching อบต.หนองปลาหมอ
    listed it but still showed ทุ่งผึ้ง. Only a changed search text moves the choice, so a
    pick from the list, a link or the URL stays until the next search.
    """
    seen = f"_{agency_key}_searched"
    if text == st.session_state.get(seen):
        return
    st.session_state[seen] = text
    if text and found:
        st.session_state[agency_key] = found[0]


def search_box(keys: pd.DataFrame, *, search_key: str, agency_key: str,
               example: str) -> tuple[str, list[int], int | None]:
    """The agency search every agency picker starts with (agency, items and measures pages):
    the box (``example`` a short name shown in its label), its matches, a warning when none,
    and a new search's best match made the choice (:func:`follow_search`). Returns (the text,
    the matches, the agency chosen before this search)."""
    text = st.text_input(t(f"ค้นหาหน่วยงาน (ชื่อเต็มหรือย่อ เช่น {example})",
                           f"Find an agency (full or short name, e.g. {example})"),
                         key=search_key)
    found = find_matches(keys, text) if text else []
    if text and not found:
        st.warning(t("ไม่พบหน่วยงานที่ใกล้เคียง", "No agency found with a similar name"))
    before = st.session_state.get(agency_key)
    follow_search(agency_key, text, found)
    return text, found, before


def searched_options(chosen, known, text: str, found: list[int]) -> list[int]:
    """The picker's agencies: a search's matches first, then those chosen (now and before the
    search), so the way back is one click."""
    options = list(found) if text else []
    options += [a for a in dict.fromkeys(chosen) if a in known and a not in options]
    return options


def _sync_from_url() -> None:
    """Apply the URL to the widgets when it changed (first visit, a shared link, a peer link)."""
    params = st.query_params
    seen = (params.get(URL_AGENCY), params.get(URL_YEAR), params.get(URL_PEERS))
    if st.session_state.get(_URL_SEEN) == seen:
        return
    st.session_state[_URL_SEEN] = seen
    agency, year, peers = seen
    if agency and agency.isdigit():
        st.session_state[AGENCY_KEY] = int(agency)
    if year and year.isdigit():
        st.session_state[YEAR_KEY] = int(year)
    if peers in PEER_CODES:
        st.session_state[PEERS_KEY] = peers


def _write_url(choice: AgencyChoice) -> None:
    values = {URL_AGENCY: choice.agency_id, URL_YEAR: choice.year, URL_PEERS: choice.peers}
    for param, value in values.items():
        if value is None:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = str(value)
    st.session_state[_URL_SEEN] = tuple(None if v is None else str(v) for v in values.values())


def agency_label(keys: pd.DataFrame, agency_id: int) -> str:
    """How a picker names an agency: its name, then district and province (two agencies of
    one name are told apart by where they are)."""
    row = keys[keys["agency_id"] == agency_id]
    if row.empty:
        return str(agency_id)
    r = row.iloc[0]
    place = " ".join(p for p in (f"อ.{r.district}" if isinstance(r.district, str) else "",
                                 f"จ.{r.province}" if isinstance(r.province, str) else "") if p)
    return f"{r['name']} — {place}" if place else r["name"]


def render_controls() -> AgencyChoice:
    """Search box, matching agencies, year and peer group; their state is kept in the URL."""
    _sync_from_url()
    keys = agency_keys()
    text, found, before = search_box(keys, search_key=SEARCH_KEY, agency_key=AGENCY_KEY,
                                     example="อบต.หนองปลาหมอ")
    known = set(keys["agency_id"].astype(int))
    options = searched_options([st.session_state.get(AGENCY_KEY), before], known, text, found)
    if not options:
        return AgencyChoice(None, None, st.session_state.get(PEERS_KEY, PEER_CODES[0]))
    if st.session_state.get(AGENCY_KEY) not in options:
        st.session_state[AGENCY_KEY] = options[0]
    agency_id = st.selectbox(t("หน่วยงาน", "Agency"), options, key=AGENCY_KEY,
                             format_func=lambda a: agency_label(keys, a))
    years = _agency_years(data.connection(), data.version(), int(agency_id))
    if not years:
        st.info(t("หน่วยงานนี้ยังไม่มีผลการประเมิน", "This agency has no results yet"))
        return AgencyChoice(int(agency_id), None, PEER_CODES[0])
    if st.session_state.get(YEAR_KEY) not in years:
        st.session_state[YEAR_KEY] = years[-1]
    if st.session_state.get(PEERS_KEY) not in PEER_CODES:
        st.session_state[PEERS_KEY] = PEER_CODES[0]
    left, right = st.columns([1, 3])
    year = left.selectbox(t("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)"), years[::-1], key=YEAR_KEY)
    peers = right.radio(t("กลุ่มเปรียบเทียบ", "Peer group"), PEER_CODES, key=PEERS_KEY,
                        horizontal=True,
                        format_func=lambda c: t(PEER_GROUP_BY_CODE[c].label_th,
                                                PEER_GROUP_BY_CODE[c].label_en))
    choice = AgencyChoice(int(agency_id), int(year), peers)
    _write_url(choice)
    return choice


def peer_links(nearest: pd.DataFrame, year: int, peers: str) -> str:
    """A Markdown list of peers, each linking to its own agency page (same year and peer group);
    names and provinces escaped, so the page's own links are the only ones."""
    lines = []
    for _, peer in nearest.iterrows():
        url = f"agency?{URL_AGENCY}={int(peer['agency_id'])}&{URL_YEAR}={year}&{URL_PEERS}={peers}"
        place = escape_markdown(peer["province"]) if isinstance(peer["province"], str) else ""
        lines.append(f"- [{escape_markdown(peer['name'])}]({url.replace('+', '%2B')}) {place} — "
                     f"{fmt_score(peer['total'])} ({peer['difference']:+.2f})")
    return "\n".join(lines)


def indicator_table(rd: report.ReportData) -> pd.DataFrame:
    """Seed 000's Table 1 as shown on the page (same cells as the report, "-" where missing)."""
    header = [t("ที่", "No."), t("ตัวชี้วัด", "Indicator"), t("กลุ่ม", "Tool"),
              f"{t('ปี', 'FY')} {rd.prev_year}", f"{t('ปี', 'FY')} {rd.year}",
              t("เปลี่ยนแปลง", "Change"), t("แนวทาง", "Action")]
    rows = [[str(r["indicator"]), t(r["name_th"], r["name_en"]), r["tool"],
             fmt_score(r["score_prev"]), fmt_score(r["score"]), fmt_change(r["change"]),
             action_label(r["action"], lang())]
            for _, r in rd.indicators.iterrows()]
    # The overall row's name under the indicators (the number column is too narrow for it).
    rows.append(["", t("ผลการประเมินภาพรวม", "Overall"), "", fmt_score(rd.total_prev),
                 fmt_score(rd.total), fmt_change(rd.total_change), level_label(rd.level)])
    return pd.DataFrame(rows, columns=header)


def table1_help() -> dict[str, str]:
    """Table 1's glossary: what the tools and the action levels are."""
    from ita_analytics.dashboard.glossary import actions_help, tools_help

    return {t("กลุ่ม", "Tool"): tools_help(), t("แนวทาง", "Action"): actions_help()}


def history_table(rd: report.ReportData) -> pd.DataFrame:
    """The agency's totals by year for the chart's table: tools, total, level, passed."""
    h = rd.history.copy()
    h["level"] = h["level"].map(level_label)
    return labelled(h.round(2), lang(), passed=("ผ่าน (≥ 85)", "Passed (≥ 85)"))


def profile_table(rd: report.ReportData) -> pd.DataFrame:
    """The ten indicators against the peers, for the chart's table."""
    p = rd.profile[["indicator", "label", "score", "peer_median", "peer_q3"]].round(2)
    p = p.assign(label=[t(INDICATORS[int(n) - 1].name_th, INDICATORS[int(n) - 1].name_en)
                        for n in p["indicator"]])
    return labelled(p, lang(), indicator=("ที่", "No."), label=("ตัวชี้วัด", "Indicator"))


def level_label(level) -> str:
    """A level name in the chosen language, "–" when there is none."""
    if not isinstance(level, str) or not level:
        return MISSING
    return level if lang() == "th" else (level_en(level) or level)


def plan_table(plan: list[dict]) -> pd.DataFrame:
    """The next-level plan (:func:`~ita_analytics.analysis.next_level`): which indicator to
    raise from what score to what, and the total points it gives."""
    steps = pd.DataFrame(plan)
    return pd.DataFrame({
        t("ตัวชี้วัด", "Indicator"): [f"{n}. " + t(INDICATORS[int(n) - 1].name_th,
                                                  INDICATORS[int(n) - 1].name_en)
                                       for n in steps["indicator"]],
        t("คะแนนปัจจุบัน", "Score now"): steps["from"].astype("float64").round(2),
        t("คะแนนเป้าหมาย", "Target score"): steps["to"].astype("float64").round(2),
        t("คะแนนรวมที่เพิ่มขึ้น", "Total points gained"): steps["points"].astype("float64").round(2),
    })


def standings_table(rd: report.ReportData) -> pd.DataFrame:
    return pd.DataFrame([{
        t("กลุ่มเปรียบเทียบ", "Peer group"): t(s.group.label_th, s.group.label_en),
        t("จำนวน", "Agencies"): s.n,
        t("อันดับ", "Rank"): MISSING if s.rank is None else s.rank,
        t("เปอร์เซ็นไทล์", "Percentile"): MISSING if s.percentile is None else round(s.percentile),
        t("มัธยฐานคะแนนรวม", "Median total"): fmt_score(s.peer_median),
    } for s in rd.standings])


def weakest_table(rd: report.ReportData) -> pd.DataFrame:
    """Weakest indicators first, with the total points each could add."""
    w = rd.weakest
    return pd.DataFrame({
        t("ตัวชี้วัด", "Indicator"): [f"{n}. {t(a, b)}" for n, a, b in
                                       zip(w["indicator"], w["name_th"], w["name_en"])],
        t("คะแนน", "Score"): w["score"].round(2),
        t("มัธยฐานกลุ่ม", "Peer median"): w["peer_median"].round(2),
        t("ควอร์ไทล์บน", "Peer Q3"): w["peer_q3"].round(2),
        t("เพิ่มคะแนนรวมได้ (ถึงมัธยฐาน)", "Total points to gain (to median)"):
            w["gain_to_median"].round(2),
        t("แนวทาง", "Action"): [action_label(a, lang()) for a in w["action"]],
    })


def total_figure(rd: report.ReportData) -> go.Figure:
    """Total by year with its level; a year without a total is a gap."""
    h = rd.history
    if len(h):
        # Every year from the first to the last: a year not assessed stays an empty place on
        # the axis and a break in the line, instead of its neighbours joined over it.
        years = range(int(h["year"].min()), int(h["year"].max()) + 1)
        h = h.set_index("year").reindex(years).rename_axis("year").reset_index()
    fig = go.Figure(go.Scatter(
        x=h["year"].astype(str), y=h["total"], mode="lines+markers+text", connectgaps=False,
        text=[MISSING if pd.isna(v) else f"{v:.2f}" for v in h["total"]],
        textposition="top center", marker_color=LEVEL_COLORS["AA"], name=rd.name))
    fig.add_hline(y=PASS_THRESHOLD, line_dash="dash", line_color="#555",
                  annotation_text=f"{PASS_THRESHOLD:.0f}")
    fig.update_xaxes(type="category", title=None)
    fig.update_layout(title=t("คะแนนรวมรายปี", "Total by year"), font=FONT,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis_title=t("คะแนน", "Score"))
    return fig


def peer_figure(rd: report.ReportData) -> go.Figure:
    """The ten indicators: the agency, its peers' median and top quartile, side by side."""
    p = rd.profile
    fig = go.Figure()
    for column, name, colour in (("score", t("หน่วยงาน", "Agency"), "#0072B2"),
                                 ("peer_median", t("มัธยฐานกลุ่ม", "Peer median"), "#E69F00"),
                                 ("peer_q3", t("ควอร์ไทล์บน", "Peer Q3"), "#009E73")):
        # Numbers on the axis (ten slanted names were unreadable), the names in the hover.
        fig.add_bar(x=p["indicator"].astype(str), y=p[column], name=name, marker_color=colour,
                    hovertext=p["label"], hovertemplate="%{hovertext}<br>%{y:.2f}")
    low = pd.concat([p["score"], p["peer_median"]]).min()
    fig.update_yaxes(range=[max(0, (low if pd.notna(low) else 0) - 10), 101])
    fig.update_xaxes(type="category", title=t("ตัวชี้วัดที่", "Indicator"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", yanchor="bottom", y=1.0),
                      font=FONT, margin=dict(l=10, r=10, t=70, b=10),
                      title=t(f"เทียบกับ{rd.peer_group.label_th}",
                              f"Against peers: {rd.peer_group.label_en}"))
    return fig
