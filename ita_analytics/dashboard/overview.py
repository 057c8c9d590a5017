"""The overview page's analyses, headline figures and charts.

The analyses (yearly statistics, pass rates, levels, coverage) are aggregated in DuckDB and
cached per store version and filters. Building the overview's four Plotly figures (plotly
express, layout updates) was most of the page's run in a new session on a warm server: about
0.25 s of its 0.35 s here, with the analyses already cached. The figures depend only on the
store's data version, the filters and the language, so they are kept per process
(``st.cache_resource``: the same objects, not copies) and every session showing the same view
sends them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ita_analytics import settings, store
from ita_analytics.analysis.common import INDICATOR_COLUMNS, count_by_basis
from ita_analytics.analysis.coverage import compute_year_coverage, latest_complete_year
from ita_analytics.analysis.levels import compute_level_distribution, compute_pass_rates
from ita_analytics.dashboard import charts, data
from ita_analytics.dashboard.table_format import labelled
from ita_analytics.dashboard.trends import localise_level_legend
from ita_analytics.dashboard.ui import indicator_label, inert_figure, lang, map_labels, t
from ita_analytics.domain import NATIONAL_PASS_TARGET, level_en

MORE_CHARTS = {"levels": ("ระดับผลการประเมินรายปี", "Levels by year"),
               "indicators": ("คะแนนรายตัวชี้วัด × ปี", "Indicator scores × year")}
"""The overview's charts drawn on a click, under its first screen (the tiles and the first two
charts), by their value in the URL (``?charts=``): Thai and English labels. A new session
draws two charts, not four, before its first screen is whole."""
MORE_CHARTS_KEY = "ov_charts"
"""The key of the overview's control choosing :data:`MORE_CHARTS`."""


@dataclass(frozen=True)
class Kpis:
    year: int
    mean_total: float | None
    mean_delta_text: str | None
    pass_rate: float | None
    pass_delta_text: str | None
    assessed: int
    assessed_delta_text: str | None


def kpis(trend: pd.DataFrame, passing: pd.DataFrame, counts: pd.Series,
         coverage: pd.DataFrame | None = None) -> Kpis:
    """The headline year's mean total, pass rate and count (``counts``: agencies per year),
    each with the change from the year before it. The headline year is the latest complete
    one (``coverage``, :func:`~ita_analytics.analysis.coverage.latest_complete_year`): 7
    agencies imported for a new year must not read as the nation's result."""
    year = int(counts.index.max())
    if coverage is not None and len(coverage):
        year = latest_complete_year(coverage)
    mean = trend.set_index("year")["mean"] if not trend.empty else pd.Series(dtype=float)
    rate = passing.set_index("year")["pass_rate"] if not passing.empty else pd.Series(dtype=float)
    prev = year - 1
    mean_delta = (f"{mean[year] - mean[prev]:+.2f}" if year in mean and prev in mean else None)
    pass_delta = (f"{100 * (rate[year] - rate[prev]):+.1f} "
                  + t("จุด", "pts") if year in rate and prev in rate else None)
    count_delta = f"{counts[year] - counts[prev]:+,}" if prev in counts else None
    return Kpis(year, mean.get(year), mean_delta, rate.get(year), pass_delta, int(counts[year]),
                count_delta)


def localise_levels(dist: pd.DataFrame) -> pd.DataFrame:
    """Level labels in the chosen language (colours stay keyed on the Thai names)."""
    if lang() == "th" or dist.empty:
        return dist
    out = dist.copy()
    out["level_en"] = out["level"].map(lambda v: level_en(v) if v != "ไม่ทราบ" else "Unknown")
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def _overview_analyses(data_version: int, years: tuple | None, agency_types: tuple | None,
                       provinces: tuple | None) -> dict | None:
    # Aggregated in DuckDB: the yearly statistics and the agency-years counted by level, not
    # every agency-year (at 10x national loading them and summarising in pandas took 0.5 s).
    conn, chosen = data.connection(), {"years": years, "agency_types": agency_types,
                                       "provinces": provinces}
    counts = store.load_level_counts(conn, **chosen)
    if counts.empty:
        return None
    stats = store.load_trend_stats(conn, ("total", *INDICATOR_COLUMNS), **chosen)
    assessed = counts.groupby("year")["agencies"].sum().rename(None)
    coverage = compute_year_coverage(
        store.load_year_agency_counts(conn, agency_types=agency_types, provinces=provinces),
        national=not agency_types and not provinces,
        complete_share=settings.get("coverage_complete_share"))
    if years:
        coverage = coverage[coverage["year"].isin(years)].reset_index(drop=True)
    return {"trend": stats[stats["metric"] == "total"].reset_index(drop=True),
            "passing": compute_pass_rates(counts, weights="agencies"),
            "levels": compute_level_distribution(counts, weights="agencies"),
            "indicator_trend": stats[stats["metric"] != "total"].reset_index(drop=True),
            "assessed": assessed, "coverage": coverage,
            "n_by_basis": count_by_basis(counts, counts["passed"].notna(), weights="agencies")}


def overview_analyses(filters) -> dict | None:
    """The overview's analyses for the filters, cached per store version; None without data.

    Keys: trend, passing, levels, indicator_trend, assessed (agencies per year), coverage
    (per year: agencies, expected, share, partial), n_by_basis (agency-years with a total or a
    pass flag, by basis). Only these
    few rows per year are cached, not the results they come from: a cache hit costs nothing
    like recomputing them over every agency-year (at 10× national, 0.35 s of a 0.6 s run),
    and the results frame is not pickled into the cache on a cold run either.
    """
    found = _overview_analyses(data.version(), data.norm(filters.years), data.norm(filters.agency_types),
                               data.norm(filters.provinces))
    data.version()  # a commit landed while loading: the run starts again on the new data
    return found


def indicator_matrix(trend: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator × year matrix of mean scores, the same as a long table) for the heatmap,
    from the indicators' trends (``compute_trends`` of i1…i10)."""
    trend = trend.copy()
    trend["indicator"] = trend["metric"].str[1:].astype(int)
    matrix = trend.pivot(index="indicator", columns="year", values="mean").sort_index()
    matrix.index = [indicator_label(n) for n in matrix.index]
    matrix.columns = [str(c) for c in matrix.columns]
    table = trend[["indicator", "year", "n", "mean", "median", "q1", "q3"]].round(2)
    table["indicator"] = map_labels(table["indicator"], indicator_label)
    return matrix, labelled(table, lang())


def trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    """The yearly statistics of the total (``load_trend_stats``) for a chart's table."""
    return labelled(trend[["year", "n", "mean", "median", "q1", "q3"]].round(2), lang(),
                    n=("จำนวนหน่วยงาน", "Agencies"), mean=("คะแนนรวมเฉลี่ย", "Mean total"))


def passing_table(passing: pd.DataFrame) -> pd.DataFrame:
    """``compute_pass_rates`` by year for a chart's table (shares as percentages)."""
    out = passing[["year", "assessed", "passed", "pass_rate", "target", "meets_target"]].copy()
    out[["pass_rate", "target"]] = (100 * out[["pass_rate", "target"]].astype("float64")).round(2)
    return labelled(out, lang())


def overview_figures(filters, found: dict) -> dict:
    """The overview's figures for ``found`` (``overview_analyses(filters)``): ``mean``,
    ``passing``, ``levels`` and ``indicators``. They are shared between sessions: draw them,
    never change them."""
    return _overview_figures(data.version(), data.norm(filters.years),
                             data.norm(filters.agency_types), data.norm(filters.provinces),
                             lang(), _found=found)


@st.cache_resource(show_spinner=False, max_entries=32)
def _overview_figures(data_version: int, years, agency_types, provinces, language: str, *,
                      _found: dict) -> dict:
    # ``_found`` is the analyses of the same version and filters (a key of its own would
    # hash its frames on every run); the language is the session's, read by t() below.
    trend, passing = _found["trend"], _found["passing"]
    coverage = _found["coverage"]
    partial = coverage.loc[coverage["partial"], "year"].tolist()
    mean = charts.line_by_year(
        trend.rename(columns={"mean": "mean_total"}), "mean_total",
        title=t("คะแนนรวมเฉลี่ยรายปี", "Mean total by year", language),
        y_title=t("คะแนน", "Score", language), pass_line=True, partial_years=partial,
        partial_label=t("ข้อมูลบางส่วน", "partial", language))
    share = charts.line_by_year(
        passing, "pass_rate", percent=True, partial_years=partial,
        partial_label=t("ข้อมูลบางส่วน", "partial", language),
        title=t("สัดส่วนหน่วยงานที่ผ่าน (คะแนน ≥ 85)", "Share passing (total ≥ 85)", language))
    charts.add_target_line(share, NATIONAL_PASS_TARGET, t("เป้าหมาย 80%", "Target 80%", language))
    levels = localise_level_legend(charts.stacked_levels(
        localise_levels(_found["levels"]),
        title=t("การกระจายระดับผลการประเมินรายปี (เกณฑ์ของแต่ละปี)",
                "Level distribution by year (each year's own rule)", language)))
    matrix, _ = indicator_matrix(_found["indicator_trend"])
    heat = charts.heatmap(matrix, title=t("คะแนนเฉลี่ยรายตัวชี้วัด × ปี",
                                          "Mean indicator score × year", language),
                          zmin=40, zmax=100)
    # Made inert here, once: render_chart's own pass then finds nothing to change, so no
    # session writes to a figure another may be sending. Margins settled: each is drawn once.
    return {"mean": inert_figure(charts.settle_margins(mean)),
            "passing": inert_figure(charts.settle_margins(share)),
            "levels": inert_figure(charts.settle_margins(levels)),
            "indicators": inert_figure(charts.settle_margins(heat))}
