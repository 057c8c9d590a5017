"""The provinces, compare and data-quality pages' helpers: frames for display and their state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ita_analytics import geo, store
from ita_analytics.analysis.checks import (
    check_duplicates,
    check_jumps,
    check_reported,
    combine_findings,
)
from ita_analytics.dashboard import charts, data
from ita_analytics.dashboard.agency import agency_keys, agency_url, find_matches
from ita_analytics.dashboard.filters import set_provinces
from ita_analytics.dashboard.table_format import labelled
from ita_analytics.dashboard.trends import group_value, level_label
from ita_analytics.dashboard.ui import (
    PLOTLY_CONFIG,
    fmt_pct,
    fmt_score,
    indicator_label,
    lang,
    map_labels,
    multiselect,
    show_table,
    t,
)
from ita_analytics.domain import INDICATOR_NUMBERS, agency_type_en
from ita_analytics.province_grid import province_grid

INDICATOR_COLS = [f"i{n}" for n in INDICATOR_NUMBERS]

# --- provinces --------------------------------------------------------------------------------

MAP_METRICS = ("total", "pass_rate", *INDICATOR_COLS)
"""What the map can be coloured by: mean total, share passing, or one indicator's mean."""
_MAP_ROUND = "_pv_map_round"


def province_label(province, language: str | None = None):
    """A province's name in the chosen language (its Thai name kept when unknown)."""
    if not isinstance(province, str) or (language or lang()) == "th":
        return province
    return geo.province_en(province) or province


def map_metric_label(metric: str) -> str:
    if metric == "total":
        return t("คะแนนรวมเฉลี่ย", "Mean total")
    if metric == "pass_rate":
        return t("สัดส่วนที่ผ่าน (≥ 85)", "Share passing (≥ 85)")
    return t("ค่าเฉลี่ยตัวชี้วัดที่ ", "Mean of indicator ") + indicator_label(int(metric[1:]))


def metric_columns(metric: str) -> list[str]:
    """The result columns a metric needs (load nothing else)."""
    own = ["total", "passed"] if metric == "pass_rate" else [metric]
    return ["agency_id", "province", "year", *own]


def ranking_columns(metric: str) -> list[str]:
    """What the provinces page loads: the metric's columns, the total and pass flag (the
    ranking's pass rate) and the basis."""
    return list(dict.fromkeys([*metric_columns(metric), "total", "passed", "basis"]))


def compute_province_values(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per province: value of the metric and n (agencies with a value; missing never counts).

    Input: load_results rows of one year (province, total, passed, i1..i10).
    Output columns: province, value, n. ``pass_rate`` is passed / agencies with a total.
    """
    column = "total" if metric == "pass_rate" else metric
    known = results.dropna(subset=["province", column])
    if known.empty:
        return pd.DataFrame(columns=["province", "value", "n"])
    if metric == "pass_rate":
        known = known.assign(_value=known["passed"].fillna(False).astype(float))
    else:
        known = known.assign(_value=known[column].astype(float))
    out = known.groupby("province").agg(value=("_value", "mean"), n=("_value", "size"))
    return out.reset_index()


def province_tiles(values: pd.DataFrame, metric: str, selected=()) -> pd.DataFrame:
    """The 77 tiles with the metric: province_grid columns plus value, n, value_text, selected."""
    tiles = province_grid().merge(values, on="province", how="left")
    tiles["n"] = tiles["n"].fillna(0).astype(int)
    fmt = fmt_pct if metric == "pass_rate" else fmt_score
    tiles["value_text"] = map_labels(tiles["value"], fmt)
    tiles["selected"] = tiles["province"].isin(selected or ())
    return tiles


def province_ranking(tiles: pd.DataFrame, metric: str, previous: pd.DataFrame | None = None,
                     pass_rates: pd.DataFrame | None = None,
                     previous_year: int | None = None) -> pd.DataFrame:
    """Provinces best first (those without data last), with Thai/English headers: the
    metric, its change since ``previous`` (per province: province, value), the pass rate
    (``pass_rates``: province, value) unless the metric is the pass rate, and agencies.

    """
    ranked = tiles.sort_values("value", ascending=False, na_position="last", ignore_index=True)
    scale = 100 if metric == "pass_rate" else 1
    rank = ranked["value"].rank(ascending=False, method="min")
    out = pd.DataFrame({
        t("อันดับ", "Rank"): rank.astype("Int64"),
        t("จังหวัด", "Province"): ranked["province"] if lang() == "th" else ranked["province_en"],
        t("ภาค", "Region"): ranked["region_th"] if lang() == "th" else ranked["region_en"],
        map_metric_label(metric) + (" (%)" if metric == "pass_rate" else ""):
            (ranked["value"] * scale).round(2),
    })
    if previous is not None and previous_year is not None:
        before = ranked["province"].map(previous.set_index("province")["value"])
        out[t(f"เปลี่ยนแปลงจากปี {previous_year}", f"Change since {previous_year}")
            + (t(" (จุด)", " (points)") if metric == "pass_rate" else "")] = \
            ((ranked["value"] - before) * scale).round(2)
    if pass_rates is not None and metric != "pass_rate":
        out[t("สัดส่วนที่ผ่าน (%)", "Pass rate (%)")] = \
            (100 * ranked["province"].map(pass_rates.set_index("province")["value"])).round(2)
    out[t("จำนวนหน่วยงาน", "Agencies")] = ranked["n"]
    return out


PROVINCE_AGENCY_COLUMNS = ["agency_id", "name", "agency_type", "district", "province", "year",
                           "total", "level", "passed", *INDICATOR_COLS]


def rank_province_agencies(results: pd.DataFrame, year: int, previous_year: int | None,
                           metric: str) -> pd.DataFrame:
    """A province's agencies of ``year`` ranked by the metric (the total for the pass rate),
    best first, with their total's change since ``previous_year``.

    Input: ``load_results`` rows (:data:`PROVINCE_AGENCY_COLUMNS`) of the two years.
    Output: rank, agency_id, name, agency_type, district, province, value, total, change,
    level, passed; agencies without the value last.
    """
    column = "total" if metric == "pass_rate" else metric
    now = results[results["year"] == year].copy()
    if previous_year is not None:
        before = results.loc[results["year"] == previous_year].set_index("agency_id")["total"]
        now["change"] = now["total"] - now["agency_id"].map(before)
    else:
        now["change"] = float("nan")
    now["value"] = now[column].astype("float64")
    now = now.sort_values(["value", "name"], ascending=[False, True], na_position="last",
                          ignore_index=True)
    now["rank"] = now["value"].rank(ascending=False, method="min").astype("Int64")
    return now[["rank", "agency_id", "name", "agency_type", "district", "province", "value",
                "total", "change", "level", "passed"]]


def province_agencies_table(ranked: pd.DataFrame, metric: str, year: int) -> pd.DataFrame:
    """:func:`rank_province_agencies` for display, each agency linked to its page."""
    out = pd.DataFrame({
        t("อันดับ", "Rank"): ranked["rank"],
        t("หน่วยงาน", "Agency"): ranked["name"],
        "link": [agency_url(a, year) for a in ranked["agency_id"]],
        t("ประเภท", "Type"): map_labels(ranked["agency_type"],
                                        lambda v: group_value(v, "agency_type")),
        t("อำเภอ", "District"): ranked["district"],
        t("จังหวัด", "Province"): map_labels(ranked["province"], province_label),
    })
    if metric not in ("total", "pass_rate"):
        out[map_metric_label(metric)] = ranked["value"].round(2)
    out[t("คะแนนรวม", "Total")] = ranked["total"].round(2)
    out[t("เปลี่ยนแปลงจากปีก่อน", "Change since the year before")] = ranked["change"].round(2)
    out[t("ระดับ", "Level")] = map_labels(ranked["level"], level_label)
    out[t("ผ่าน (≥ 85)", "Passed (≥ 85)")] = ranked["passed"]
    return out


def provinces_from_selection(event) -> list[str]:
    """The provinces a map selection event names (each point carries its province first)."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return []
    known = set(province_grid()["province"])
    chosen = []
    for point in points or []:
        custom = point.get("customdata") if isinstance(point, dict) else None
        name = custom[0] if isinstance(custom, (list, tuple)) and custom else None
        if name in known and name not in chosen:
            chosen.append(name)
    return chosen


def render_province_map(tiles: pd.DataFrame, metric: str, title: str) -> list[str]:
    """Draw the tile map; a click on a tile makes it the shared province filter and reruns.

    Returns the provinces clicked (empty when none); the chart's key changes after each
    applied click so the next click, even on the same tile, is a new selection.
    """
    fig = charts.tile_map(tiles, title=title, colorbar_title=map_metric_label(metric),
                          percent=metric == "pass_rate",
                          hover_n=t("จำนวนหน่วยงาน", "Agencies"))
    event = st.plotly_chart(fig, width="content", config=PLOTLY_CONFIG, on_select="rerun",
                            selection_mode="points",
                            key=f"pv_map_{st.session_state.get(_MAP_ROUND, 0)}")
    return apply_map_selection(event)


def render_province_ranking(ranking: pd.DataFrame) -> None:
    """The provinces' ranking; choosing a row makes that province the shared filter (as a
    click on its tile does) and lists its agencies ranked."""
    event = show_table(ranking, width="stretch", height=360, on_select="rerun",
                       selection_mode="single-row",
                       key=f"pv_rank_table_{st.session_state.get(_MAP_ROUND, 0)}")
    apply_ranking_selection(event, ranking)


def apply_ranking_selection(event, ranking: pd.DataFrame) -> list[str]:
    """Make the province of the ranking's chosen row the shared filter and rerun (if any)."""
    try:
        rows = event["selection"]["rows"]
    except (KeyError, TypeError):
        rows = []
    grid = province_grid()
    thai = {**dict(zip(grid["province_en"], grid["province"])),
            **dict(zip(grid["province"], grid["province"]))}
    shown = ranking[t("จังหวัด", "Province")]
    chosen = [thai[shown.iloc[r]] for r in rows if 0 <= r < len(ranking) and shown.iloc[r] in thai]
    if chosen:
        set_provinces(chosen)
        st.session_state[_MAP_ROUND] = st.session_state.get(_MAP_ROUND, 0) + 1
        st.rerun()
    return chosen


def apply_map_selection(event) -> list[str]:
    """Make the provinces of a map selection event the shared filter and rerun (if any)."""
    chosen = provinces_from_selection(event)
    if chosen:
        set_provinces(chosen)
        st.session_state[_MAP_ROUND] = st.session_state.get(_MAP_ROUND, 0) + 1
        st.rerun()
    return chosen


# --- compare ----------------------------------------------------------------------------------

COMPARE_KEY = "cmp_agencies"
COMPARE_SEARCH_KEY = "cmp_search"
URL_COMPARE = "agencies"
MAX_COMPARE = 10
_COMPARE_URL_SEEN = "_cmp_url_seen"


@st.cache_resource(show_spinner=False, max_entries=2)
def _agencies_by_id(data_version: int) -> pd.DataFrame:
    """One row per agency (name, type, province), indexed by id; shared and read-only."""
    return agency_keys().drop_duplicates("agency_id").set_index("agency_id")


def agency_labels(agency_ids) -> dict[int, str]:
    """agency_id → "name — type, province" for the given agencies.

    Only the few the picker shows (chosen plus search matches) are labelled: one label per
    agency of the country was 0.9 s of a cold run at 10× national, for a list never shown.
    """
    agencies = _agencies_by_id(data.version())
    wanted = agencies.loc[agencies.index.intersection(list(agency_ids))]
    labels = {}
    for agency_id, r in wanted.iterrows():
        place = r["province"] if isinstance(r["province"], str) else ""
        labels[int(agency_id)] = f"{r['name']} — {r['agency_type']}" + (f", {place}" if place
                                                                      else "")
    return labels


def known_agency_ids() -> pd.Index:
    """Every agency id of the store, for checking ids read from the URL."""
    return _agencies_by_id(data.version()).index


def parse_agency_ids(text: str | None, known) -> list[int]:
    """Agency ids from the URL value "12,40,7" (unknown or malformed ones dropped, at most 10)."""
    ids = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) in known and int(part) not in ids:
            ids.append(int(part))
    return ids[:MAX_COMPARE]


def render_agency_picker() -> list[int]:
    """Search box and multiselect of up to ten agencies; the choice is kept in the URL."""
    known = known_agency_ids()
    seen = st.query_params.get(URL_COMPARE)
    if st.session_state.get(_COMPARE_URL_SEEN) != seen:
        st.session_state[_COMPARE_URL_SEEN] = seen
        st.session_state[COMPARE_KEY] = parse_agency_ids(seen, known)
    current = [a for a in st.session_state.get(COMPARE_KEY, []) if a in known]
    text = st.text_input(t("ค้นหาหน่วยงานเพื่อเพิ่ม (ชื่อเต็มหรือย่อ)",
                           "Search agencies to add (full or short name)"), key=COMPARE_SEARCH_KEY)
    # Options are the chosen agencies plus the matches of the search: a list of all 8,000+
    # agencies would be sent to the browser on every run.
    options = current + [a for a in (find_matches(agency_keys(), text, limit=20) if text else [])
                         if a not in current]
    st.session_state[COMPARE_KEY] = current
    labels = agency_labels(options)
    chosen = multiselect(st, t(f"หน่วยงานที่เปรียบเทียบ (สูงสุด {MAX_COMPARE})",
                              f"Agencies compared (up to {MAX_COMPARE})"), options,
                            key=COMPARE_KEY, max_selections=MAX_COMPARE,
                            format_func=lambda a: labels.get(a, str(a)),
                            placeholder=t("พิมพ์ชื่อในช่องค้นหาก่อน", "Type a name in the search box"))
    value = ",".join(str(a) for a in chosen) or None
    if value:
        st.query_params[URL_COMPARE] = value
    else:
        st.query_params.pop(URL_COMPARE, None)
    st.session_state[_COMPARE_URL_SEEN] = value
    return list(chosen)


@st.cache_data(show_spinner=False, max_entries=32)
def _compare_results(_conn, data_version: int, agency_ids: tuple, years: tuple) -> pd.DataFrame:
    return store.load_results(_conn, agency_ids=agency_ids, years=years or None, columns=[
        "agency_id", "name", "agency_type", "province", "year", "total", *INDICATOR_COLS])


def compare_results(agency_ids, years) -> pd.DataFrame:
    """The chosen agencies' results in the chosen years (cached per store version)."""
    return _compare_results(data.connection(), data.version(), tuple(sorted(agency_ids)),
                            tuple(years))


def compare_frame(results: pd.DataFrame, relative: bool) -> pd.DataFrame:
    """Long frame agency, year, metric (total, i1..i10), value for the compare charts.

    ``relative``: value minus the same agency's value in its first year shown (points), so
    every line starts at 0; a metric missing in that first year stays missing.
    Agencies are labelled "name (province)" because many local agencies share a name.
    """
    frame = results.sort_values(["agency_id", "year"]).copy()
    place = frame["province"].fillna("")
    frame["agency"] = frame["name"] + map_labels(place, lambda p: f" ({p})" if p else "")
    metrics = ["total", *INDICATOR_COLS]
    if relative:
        first_year = frame.groupby("agency_id")["year"].transform("min")
        base = frame[metrics].where(frame["year"] == first_year, axis=0).groupby(
            frame["agency_id"]).transform("max")
        frame[metrics] = frame[metrics] - base
    long = frame.melt(id_vars=["agency_id", "agency", "year"], value_vars=metrics,
                      var_name="metric", value_name="value")
    long["value"] = long["value"].round(2)
    return long


def indicator_bars(long: pd.DataFrame, year: int) -> pd.DataFrame:
    """The ten indicators of ``year`` per agency: indicator label, agency, value."""
    part = long[(long["year"] == year) & (long["metric"] != "total")].copy()
    part["indicator"] = part["metric"].str[1:].astype(int).map(indicator_label)
    return part[["indicator", "agency", "value"]]


def totals_table(totals: pd.DataFrame) -> pd.DataFrame:
    """Each agency's total (or change) per year, one column a year, for the chart's table."""
    table = totals.pivot(index="agency", columns="year", values="value").reset_index()
    table.columns = [str(c) for c in table.columns]
    return labelled(table, lang())


def indicator_bars_table(bars: pd.DataFrame, value_title: str) -> pd.DataFrame:
    return labelled(bars.rename(columns={"value": value_title}), lang())


def compare_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per agency-year with total and indicators (two decimals), Thai/English headers."""
    frame = results.sort_values(["name", "agency_id", "year"])
    out = pd.DataFrame({
        t("รหัส", "ID"): frame["agency_id"],
        t("หน่วยงาน", "Agency"): frame["name"],
        t("ประเภท", "Type"): frame["agency_type"] if t("th", "en") == "th"
        else map_labels(frame["agency_type"], agency_type_en),
        t("จังหวัด", "Province"): map_labels(frame["province"], province_label),
        t("ปี", "Year"): frame["year"],
        t("คะแนนรวม", "Total"): frame["total"].round(2),
    })
    for col in INDICATOR_COLS:
        out[t("ตัวชี้วัด ", "Indicator ") + col[1:]] = frame[col].round(2)
    return out


# --- data quality -----------------------------------------------------------------------------

CHECK_LABELS = {
    "level_mismatch": ("ระดับที่รายงานขัดกับคะแนน", "Reported level contradicts the score"),
    "total_mismatch": ("คะแนนรวมที่รายงานไม่ตรงกับที่คำนวณ", "Reported total differs from computed"),
    "tool_mismatch": ("คะแนนเครื่องมือที่รายงานไม่ตรงกับที่คำนวณ",
                      "Reported tool score differs from computed"),
    "duplicate_agency": ("ชื่อหน่วยงานซ้ำในจังหวัดเดียวกัน", "Same agency name twice in a province"),
    "implausible_jump": ("คะแนนเปลี่ยนมากผิดปกติ", "Implausible change from the year before"),
    "agency_type_changed": ("ประเภทหน่วยงานเปลี่ยน", "Agency type changed"),
    "province_changed": ("จังหวัดเปลี่ยน", "Province changed"),
}
SEVERITY_LABELS = {"error": ("ข้อผิดพลาด", "Error"), "warning": ("คำเตือน", "Warning"),
                   "info": ("ข้อสังเกต", "Note")}
QUALITY_COLUMNS = ["agency_id", "year", "total", "level", "IIT", "EIT", "OIT", "reported_total",
                   "reported_level", "reported_IIT", "reported_EIT", "reported_OIT"]
"""What the reported check reads; names and provinces come from the agencies, once each."""


def check_label(check: str, language: str | None = None) -> str:
    th, en = CHECK_LABELS.get(check, (check, check))
    return t(th, en, language)


def severity_label(severity: str, language: str | None = None) -> str:
    th, en = SEVERITY_LABELS.get(severity, (severity, severity))
    return t(th, en, language)


def quality_findings(conn, years, agency_types, provinces) -> pd.DataFrame:
    """What ``compute_checks`` finds in the results under the filters, each check reading only
    what it needs: the jump check the consecutive-year changes the store pairs (as whole
    hundredths in NumPy arrays), the reported check the agency-years with something reported,
    the duplicate check the agencies sharing a name; names are read for the agencies found.
    Loading every agency-year with its name instead made a cold run at 10x national 1.1 s
    (now about 0.35 s; see the README)."""
    chosen = {"years": years, "agency_types": agency_types, "provinces": provinces}
    parts = [check_reported(store.load_reported_results(conn, QUALITY_COLUMNS, **chosen)),
             check_jumps(hundredths=store.load_change_hundredths(conn, **chosen)),
             check_duplicates(store.load_same_name_agencies(conn, **chosen))]
    found = pd.concat([p["agency_id"] for p in parts]).unique()
    return combine_findings(parts, store.load_agency_names(conn, found))


@st.cache_data(show_spinner=False, max_entries=16)
def _findings(data_version: int, years, agency_types, provinces) -> pd.DataFrame:
    # Straight from the store: only the findings are kept (caching the results frame too cost
    # 0.5 s of pickling at 10x national).
    return quality_findings(data.connection(), years, agency_types, provinces)


def findings_for(filters) -> pd.DataFrame:
    """The consistency findings over the results the shared filters keep, as
    ``compute_checks`` finds them (cached per store version)."""
    found = _findings(data.version(), filters.years, filters.agency_types, filters.provinces)
    data.version()  # a commit landed while loading: the run starts again on the new data
    return found


def filter_findings(findings: pd.DataFrame, checks=(), severities=(), year=None) -> pd.DataFrame:
    """Findings of the chosen kinds, severities and year (empty choice = all; None = all years)."""
    keep = pd.Series(True, index=findings.index)
    if checks:
        keep &= findings["check"].isin(checks)
    if severities:
        keep &= findings["severity"].isin(severities)
    if year is not None:
        keep &= findings["year"] == year
    return findings[keep]


def finding_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """check, kind (localised), severity, count: the number of findings of each kind."""
    counts = findings.groupby(["check", "severity"]).size().rename("count").reset_index()
    counts["kind"] = map_labels(counts["check"], check_label)
    return counts.sort_values("count", ascending=False, ignore_index=True)


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Findings per check and severity, for the chart's table."""
    return labelled(counts[["kind", "severity_label", "count"]], lang(),
                    count=("จำนวนข้อสังเกต", "Findings"))


def findings_table(findings: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """Findings for display: kind, severity, agency, link, province, year, values, message.

    In ``language`` ('th' or 'en'; by default the one chosen in the session): a download
    builds the table after the script run, when the session cannot be read.
    """
    language = language or lang()

    def pick(th: str, en: str) -> str:
        return t(th, en, language)

    def show(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "-"
        return f"{value:.2f}" if isinstance(value, float) else str(value)
    return pd.DataFrame({
        pick("ความรุนแรง", "Severity"): map_labels(findings["severity"],
                                                   lambda s: severity_label(s, language)),
        pick("ประเภทการตรวจ", "Check"): map_labels(findings["check"],
                                                  lambda c: check_label(c, language)),
        pick("หน่วยงาน", "Agency"): findings["name"],
        "link": [agency_url(a, y) for a, y in zip(findings["agency_id"], findings["year"])],
        pick("จังหวัด", "Province"): map_labels(findings["province"],
                                                lambda p: province_label(p, language)),
        pick("ปี", "Year"): findings["year"].astype("Int64"),
        pick("รายละเอียด", "Details"): findings["message_en" if language == "en"
                                                  else "message_th"],
        pick("ค่าที่พบ", "Found"): map_labels(findings["found"], show),
        pick("ค่าที่ควรเป็น", "Expected"): map_labels(findings["expected"], show),
    })
