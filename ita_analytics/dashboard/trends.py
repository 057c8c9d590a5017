"""Controls and display tables of the indicators, changes and levels pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ita_analytics import geo, store
from ita_analytics.analysis.common import INDICATOR_COLUMNS, METRICS, count_by_basis
from ita_analytics.analysis.deltas import (
    compute_agency_deltas,
    compute_deltas,
    compute_movers,
)
from ita_analytics.analysis.levels import compute_level_transitions
from ita_analytics.analysis.movement import (
    compute_ordinary_movement,
    label_changes,
    summarise_changes,
)
from ita_analytics.analysis.trends import compute_trends
from ita_analytics.analysis.weakest import compute_indicator_distribution, compute_weakest_counts
from ita_analytics.dashboard import data
from ita_analytics.dashboard.agency import agency_url
from ita_analytics.dashboard.charts import LEVEL_ORDER
from ita_analytics.dashboard.table_format import labelled
from ita_analytics.dashboard.ui import (
    indicator_label,
    lang,
    map_labels,
    render_table_downloads,
    show_table,
    t,
)
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.domain import TOOL_BY_CODE, TOOL_CODES, agency_type_en, level_en

GROUPS = ("agency_type", "province")
"""Groupings the pages offer (columns of ``store.load_results``)."""
UNKNOWN_LEVEL = "ไม่ทราบ"


def choose_year(label_th: str, label_en: str, years, key: str, param: str,
                default: int | None = None, container=st) -> int:
    """A year selectbox kept in the URL as ``?<param>=<year>`` (newest year first); a shared
    link reopens the same year, a later choice on screen wins."""
    options = sorted(years, reverse=True)
    return int(url_widget("selectbox", t(label_th, label_en), options, key=key, param=param,
                          default=default, container=container))


def group_label(by: str) -> str:
    return {"agency_type": t("ประเภทหน่วยงาน", "Agency type"),
            "province": t("จังหวัด", "Province")}[by]


def group_value(value, by: str) -> str:
    """A group's value in the chosen language (agency types and provinces have English names)."""
    if lang() == "th" or value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    if by == "agency_type":
        return agency_type_en(value) or value
    if by == "province":
        return geo.province_en(value) or value
    return value


def level_label(level) -> str:
    if level is None or (not isinstance(level, str) and pd.isna(level)) or level == UNKNOWN_LEVEL:
        return t(UNKNOWN_LEVEL, "Unknown")
    return level if lang() == "th" else (level_en(level) or level)


def metric_label(metric: str) -> str:
    """'คะแนนรวม', a tool's name or '3. <indicator name>'."""
    if metric == "total":
        return t("คะแนนรวม", "Total")
    if metric in TOOL_BY_CODE:
        return metric
    return indicator_label(int(metric[1:]))


def _pct(values: pd.Series) -> pd.Series:
    return (100 * values.astype("float64")).round(2)


# --- indicators -------------------------------------------------------------------------------


def weakest_table(counts: pd.DataFrame) -> pd.DataFrame:
    """``compute_weakest_counts`` for display: indicator, agencies for which it is weakest, share %."""
    out = counts.sort_values(["count", "indicator"], ascending=[False, True])
    return pd.DataFrame({
        t("ตัวชี้วัด", "Indicator"): map_labels(out["indicator"], indicator_label),
        t("จำนวนหน่วยงานที่ต่ำสุด", "Agencies where weakest"): out["count"].astype("int64"),
        t("สัดส่วน (%)", "Share (%)"): _pct(out["share"]),
    })


def distribution_view(dist: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """``compute_indicator_distribution`` with shown labels (x = 'label', group = 'group')."""
    out = dist.copy()
    out["label"] = map_labels(out["indicator"], indicator_label)
    if by:
        out["group"] = out[by].map(lambda v: group_value(v, by))
    return out


def distribution_table(dist: pd.DataFrame, by: str | None) -> pd.DataFrame:
    cols = ["indicator", *([by] if by else []), "n", "mean", "median", "q1", "q3", "min", "max"]
    out = dist[cols].copy()
    out["indicator"] = map_labels(out["indicator"], indicator_label)
    if by:
        out[by] = out[by].map(lambda v: group_value(v, by))
    return labelled(out.round(2), lang())


def tool_view(trend: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """``compute_trends`` of IIT/EIT/OIT for one year: tool, [group], n, mean, median, q1, q3."""
    out = trend.rename(columns={"metric": "tool"}).copy()
    out["group"] = (out[by].map(lambda v: group_value(v, by)) if by
                    else t("ทุกหน่วยงาน", "All agencies"))
    order = {code: i for i, code in enumerate(TOOL_CODES)}
    return out.sort_values("tool", key=lambda s: s.map(order), kind="stable", ignore_index=True)


def tool_table(view: pd.DataFrame) -> pd.DataFrame:
    return labelled(view[["tool", "group", "n", "mean", "median", "q1", "q3"]].round(2), lang(),
                    tool=("เครื่องมือ", "Tool"), n=("จำนวน", "N"))


# --- changes ----------------------------------------------------------------------------------


def _agency_totals_columns(frame: pd.DataFrame, year_to: int) -> dict[str, object]:
    """The columns movers and pass crossings share: agency (linked to its page of
    ``year_to``), type, province, the total of each year."""
    return {
        t("หน่วยงาน", "Agency"): frame["name"],
        "link": [agency_url(a, year_to) for a in frame["agency_id"]],
        t("ประเภท", "Type"): map_labels(frame["agency_type"], lambda v: group_value(v, "agency_type")),
        t("จังหวัด", "Province"): map_labels(frame["province"], lambda v: group_value(v, "province")),
        t("คะแนนปีแรก", "Total (from)"): frame["total_from"].round(2),
        t("คะแนนปีหลัง", "Total (to)"): frame["total_to"].round(2),
    }


def movers_table(movers: pd.DataFrame, year_to: int) -> pd.DataFrame:
    """Risers or fallers for display, each with a link to the agency page of ``year_to``."""
    return pd.DataFrame({
        **_agency_totals_columns(movers, year_to),
        t("เปลี่ยนแปลง (คะแนน)", "Change (points)"): movers["delta"].round(2),
        t("เปลี่ยนแปลง (%)", "Change (%)"): _pct(movers["rel_delta"]),
        t("ระดับปีแรก", "Level (from)"): map_labels(movers["level_from"], level_label),
        t("ระดับปีหลัง", "Level (to)"): map_labels(movers["level_to"], level_label),
    })


def render_linked_table(table: pd.DataFrame, name: str, key: str) -> None:
    """A table whose ``link`` column opens the agency page, with CSV/XLSX downloads."""
    show_table(table, width="stretch", key=f"{key}_table", column_config={
        "link": st.column_config.LinkColumn(t("หน้าหน่วยงาน", "Agency page"),
                                            display_text=t("เปิด", "Open"))})
    render_table_downloads(table, name, key)


def movers_chart_frame(risers: pd.DataFrame, fallers: pd.DataFrame, by: str) -> pd.DataFrame:
    """Risers and fallers in one frame for diverging bars: label (name · province), value."""
    both = pd.concat([risers, fallers], ignore_index=True)
    labels = (both["name"].fillna("-") + " · "
              + map_labels(both["province"], lambda v: group_value(v, "province")).fillna("-"))
    return pd.DataFrame({"label": labels, "value": both[by]})


STATUS_COLORS = {"improved": "#0072B2", "declined": "#D55E00", "unchanged": "#BBBBBB",
                 "missing": "#E69F00"}


def status_label(status: str) -> str:
    return {"improved": t("ดีขึ้น", "Improved"), "declined": t("ลดลง", "Declined"),
            "unchanged": t("เท่าเดิม", "Unchanged"),
            "missing": t("ไม่มีข้อมูลปีใดปีหนึ่ง", "Missing a year")}[status]


def change_counts_long(counts: pd.DataFrame) -> pd.DataFrame:
    """``compute_change_counts`` long for stacked bars: metric label, status label, count."""
    long = counts.melt(id_vars="metric", value_vars=list(STATUS_COLORS), var_name="status",
                       value_name="count")
    long["metric_label"] = map_labels(long["metric"], metric_label)
    long["status_label"] = map_labels(long["status"], status_label)
    return long


def change_counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.copy()
    out["metric"] = map_labels(out["metric"], metric_label)
    return out.rename(columns={"metric": t("คะแนน", "Measure"),
                               **{s: status_label(s) for s in STATUS_COLORS}})


PAIR_COLUMNS = ("agency_id", "year", *METRICS, "level", "passed", "basis")
"""What the changes page reads of its two years: scores and levels, no names — names are read
for the agencies it lists (carrying them through every analysis of two years cost 0.35 s
of text-column takes at 10x national)."""

MOST_MOVERS = 50
"""The most risers and fallers the changes page offers (its "how many" choice)."""


def _with_names(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with name, agency_type and province by agency id, after agency_id."""
    info = names.set_index("agency_id")[["name", "agency_type", "province"]]
    named = frame.join(info, on="agency_id")
    order = ["agency_id", "name", "agency_type", "province"]
    return named[order + [c for c in frame.columns if c not in order]]


INDICATOR_PAGE_COLUMNS = ("year", "agency_type", *INDICATOR_COLUMNS, *TOOL_CODES, "basis")


@st.cache_data(show_spinner=False, max_entries=32)
def _indicator_analyses(data_version: int, year: int, agency_types, provinces,
                        by: str | None) -> dict:
    results = store.load_results(data.connection(), years=[year], agency_types=agency_types,
                                 provinces=provinces, columns=INDICATOR_PAGE_COLUMNS)
    with_indicators = results[list(INDICATOR_COLUMNS)].notna().any(axis=1)
    return {"assessed": len(results), "weakest": compute_weakest_counts(results, year),
            "n_by_basis": count_by_basis(results, with_indicators),
            "distribution": compute_indicator_distribution(results, year, by=by),
            "tools": compute_trends(results, by=by, metrics=TOOL_CODES)}


def indicator_analyses(filters, year: int, by: str | None) -> dict:
    """The indicators page's analyses of ``year`` under the filters, cached per store
    version: assessed (agencies), weakest (compute_weakest_counts), distribution
    (compute_indicator_distribution by ``by``), tools (compute_trends of IIT/EIT/OIT by
    ``by``), n_by_basis (agencies with indicator scores, by basis). Only these few rows are cached: recomputing them from a cached frame of the
    year's agencies cost 0.3 s on every run at 10x national."""
    found = _indicator_analyses(data.version(), year, data.norm(filters.agency_types),
                                data.norm(filters.provinces), by)
    data.version()  # a commit landed while loading: the run starts again on the new data
    return found


@st.cache_data(show_spinner=False, max_entries=16)
def _change_analyses(data_version: int, years, agency_types, provinces, year_from: int,
                     year_to: int) -> dict:
    conn = data.connection()
    chosen = {"agency_types": agency_types, "provinces": provinces}
    pair = store.load_results(conn, years=[year_from, year_to], columns=PAIR_COLUMNS, **chosen)
    present = set(pair["year"].unique())
    missing = [y for y in (year_from, year_to) if y not in present]
    if missing:
        return {"missing": missing}
    agency_deltas = compute_agency_deltas(pair, year_from, year_to)
    both = agency_deltas.dropna(subset=["delta"])
    # The whole range: what movement is ordinary is learned from every consecutive pair.
    movement = compute_ordinary_movement(hundredths=store.load_change_hundredths(
        conn, metrics=METRICS, years=years, **chosen))
    # Every metric counted on the two years' columns; rows are labelled for the total only,
    # whose unusual changes are listed.
    counts, meaningful = summarise_changes(pair, year_from, year_to, movement)
    labelled = label_changes(compute_deltas(pair[["agency_id", "year", "total"]], year_from,
                                            year_to), movement, year_to=year_to)
    movers = {by: compute_movers(agency_deltas, n=MOST_MOVERS, by=by)
              for by in ("delta", "rel_delta")}
    unusual = labelled[labelled["movement"] == "beyond"].reset_index(drop=True)
    shown = pd.concat([unusual["agency_id"], *(m["agency_id"] for pair_ in movers.values()
                                                for m in pair_)]).unique()
    names = store.load_result_agencies(conn, agency_ids=shown)
    in_both = pair["agency_id"].isin(both["agency_id"]) & pair["total"].notna()
    return {
        "missing": [], "assessed": len(both), "improved": int((both["delta"] > 0).sum()),
        "n_by_basis": count_by_basis(pair, in_both),
        "declined": int((both["delta"] < 0).sum()),
        "movers": {by: tuple(_with_names(m, names) for m in pair_)
                   for by, pair_ in movers.items()},
        "counts": counts,
        "meaningful": meaningful,
        "unusual": _with_names(unusual, names),
        "transitions": compute_level_transitions(pair, year_from, year_to),
    }


def change_analyses(filters, year_from: int, year_to: int) -> dict:
    """The changes page's analyses of two years under the filters; the ordinary movement is
    learned from every consecutive pair of the filters' years.

    Loaded from the store and computed inside one cached step per store version, filters and
    years, keeping only what the page shows — counts, bands, up to :data:`MOST_MOVERS`
    movers each way, the agencies beyond the ordinary band, transitions — so neither the
    loaded results nor the per-metric deltas (14 rows per agency) are pickled into the
    cache. Keys: missing, assessed, improved, declined, movers (by "delta"/"rel_delta":
    risers, fallers), counts, meaningful, unusual, transitions, n_by_basis (both years' rows
    with a total of the agencies compared).
    """
    found = _change_analyses(data.version(), data.norm(filters.years), data.norm(filters.agency_types),
                             data.norm(filters.provinces), year_from, year_to)
    data.version()  # a commit landed while loading: the run starts again on the new data
    return found


def meaningful_summary(counts: pd.DataFrame) -> pd.DataFrame:
    """The meaningful counts of :func:`~ita_analytics.analysis.movement.summarise_changes`
    labelled for display."""
    out = counts.copy()
    out["metric"] = map_labels(out["metric"], metric_label)
    return out.round(2).rename(columns={
        "metric": t("คะแนน", "Measure"),
        "median_change": t("การเปลี่ยนแปลงทั่วไป (มัธยฐาน)", "Typical change (median)"),
        "threshold": t("ช่วงปกติ ±", "Ordinary band ±"),
        "beyond_up": t("เพิ่มขึ้นเกินปกติ", "Rose beyond ordinary"),
        "beyond_down": t("ลดลงเกินปกติ", "Fell beyond ordinary"),
        "within": t("อยู่ในช่วงปกติ", "Within ordinary"),
        "crossed": t("ข้ามเกณฑ์ระดับ", "Crossed a boundary")})


def unusual_total_changes(labelled: pd.DataFrame, year_to: int) -> pd.DataFrame:
    """Agencies whose total moved beyond the ordinary band, largest change first, linked."""
    rows = labelled[(labelled["metric"] == "total") & (labelled["movement"] == "beyond")]
    rows = rows.reindex(rows["delta"].abs().sort_values(ascending=False).index)
    return pd.DataFrame({
        t("หน่วยงาน", "Agency"): rows["name"],
        "link": [agency_url(a, year_to) for a in rows["agency_id"]],
        t("จังหวัด", "Province"): map_labels(rows["province"], lambda v: group_value(v, "province")),
        t("คะแนนปีแรก", "Total (from)"): rows["score_from"].round(2),
        t("คะแนนปีหลัง", "Total (to)"): rows["score_to"].round(2),
        t("เปลี่ยนแปลง (คะแนน)", "Change (points)"): rows["delta"].round(2),
        t("ข้ามเกณฑ์ระดับ", "Crossed a level"): rows["crossed_level"].astype(bool),
    })


def _level_key(level) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def transition_matrix(transitions: pd.DataFrame) -> pd.DataFrame:
    """From-level rows × to-level columns of counts, best level first, labels localised."""
    matrix = transitions.pivot(index="level_from", columns="level_to", values="count").fillna(0)
    matrix = matrix.astype("int64")
    matrix = matrix.loc[sorted(matrix.index, key=_level_key), sorted(matrix.columns, key=_level_key)]
    matrix.index = [level_label(v) for v in matrix.index]
    matrix.columns = [level_label(v) for v in matrix.columns]
    return matrix


def transitions_table(transitions: pd.DataFrame) -> pd.DataFrame:
    out = transitions.sort_values(["level_from", "level_to"], key=lambda s: s.map(_level_key),
                                  ignore_index=True)
    out = out.assign(level_from=map_labels(out["level_from"], level_label),
                     level_to=map_labels(out["level_to"], level_label))
    return out.rename(columns={"level_from": t("ระดับปีแรก", "Level (from)"),
                               "level_to": t("ระดับปีหลัง", "Level (to)"),
                               "count": t("จำนวนหน่วยงาน", "Agencies")})


# --- levels -----------------------------------------------------------------------------------


def level_view(dist: pd.DataFrame, by: str) -> pd.DataFrame:
    """``compute_level_distribution`` by group with shown group names and level labels."""
    out = dist.copy()
    out["group"] = out[by].map(lambda v: group_value(v, by))
    out["level_label"] = map_labels(out["level"], level_label)
    return out


def localise_level_legend(fig):
    """Level names in the legend in the chosen language (colours stay keyed on the Thai names)."""
    for trace in fig.data:
        shown = level_label(trace.name)
        if trace.hovertemplate and trace.name:
            trace.hovertemplate = trace.hovertemplate.replace(f"={trace.name}<", f"={shown}<")
        trace.name = shown
    return fig


def level_year_table(dist: pd.DataFrame) -> pd.DataFrame:
    """``compute_level_distribution`` by year for a chart's table: year, level (in the chosen
    language), agencies, share %."""
    return labelled(pd.DataFrame({"year": dist["year"],
                                  "level": map_labels(dist["level"], level_label),
                                  "count": dist["count"].astype("int64"),
                                  "share": _pct(dist["share"])}), lang())


def level_table(view: pd.DataFrame, by: str) -> pd.DataFrame:
    return pd.DataFrame({
        group_label(by): view["group"], t("ระดับ", "Level"): view["level_label"],
        t("จำนวนหน่วยงาน", "Agencies"): view["count"].astype("int64"),
        t("สัดส่วน (%)", "Share (%)"): _pct(view["share"])})


def pass_rate_view(rates: pd.DataFrame, by: str) -> pd.DataFrame:
    out = rates.copy()
    out["group"] = out[by].map(lambda v: group_value(v, by))
    return out.sort_values("pass_rate", ascending=False, ignore_index=True)


def pass_rate_table(view: pd.DataFrame, by: str) -> pd.DataFrame:
    return pd.DataFrame({
        group_label(by): view["group"],
        t("จำนวนที่ประเมิน", "Assessed"): view["assessed"].astype("int64"),
        t("จำนวนที่ผ่าน", "Passed"): view["passed"].astype("int64"),
        t("สัดส่วนที่ผ่าน (%)", "Pass rate (%)"): _pct(view["pass_rate"]),
        t("ถึงเป้าหมาย", "Meets target"): view["meets_target"].astype(bool)})


def crossings_table(crossings: pd.DataFrame, year_to: int) -> pd.DataFrame:
    """``compute_pass_crossings`` for display, each agency linked to its page of ``year_to``."""
    return pd.DataFrame({
        t("ทิศทาง", "Direction"): map_labels(crossings["direction"],
            {"up": t("ผ่านเกณฑ์ใหม่", "Newly passing"), "down": t("หลุดเกณฑ์", "No longer passing")}),
        **_agency_totals_columns(crossings, year_to),
    })
