"""Shaping analysis outputs for display: KPI tiles, localised labels, matrices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ita_analytics.analysis.levels import compute_level_distribution, compute_pass_rates
from ita_analytics.analysis.trends import compute_trends
from ita_analytics.dashboard.ui import lang, t
from ita_analytics.domain import INDICATORS, level_en


@dataclass(frozen=True)
class Kpis:
    year: int
    mean_total: float | None
    mean_delta_text: str | None
    pass_rate: float | None
    pass_delta_text: str | None
    assessed: int
    assessed_delta_text: str | None


def kpis(trend: pd.DataFrame, passing: pd.DataFrame, results: pd.DataFrame | None = None, *,
         counts: pd.Series | None = None) -> Kpis:
    """Latest year's mean total, pass rate and count, each with the change from the year before.

    ``counts`` (agencies per year) may be given instead of the results they come from.
    """
    counts = results.groupby("year").size() if counts is None else counts
    year = int(counts.index.max())
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


def indicator_label(number: int) -> str:
    ind = INDICATORS[number - 1]
    return f"{number}. " + t(ind.name_th, ind.name_en)


INDICATOR_MEASURES = tuple(f"i{n}" for n in range(1, 11))


@st.cache_data(show_spinner=False, max_entries=32)
def overview_analyses(_results: pd.DataFrame, data_version: int, filter_key: tuple) -> dict:
    """The overview's analyses of ``_results``, cached per store version and filters.

    Its values are a few rows per year, so a cache hit costs nothing like recomputing them
    over every agency-year (at 10× national, 0.35 s of the page's 0.6 s). Keys: trend,
    passing, levels, indicator_trend, latest_year, assessed (agencies per year).
    """
    return {"trend": compute_trends(_results), "passing": compute_pass_rates(_results),
            "levels": compute_level_distribution(_results),
            "indicator_trend": compute_trends(_results, measures=INDICATOR_MEASURES),
            "assessed": _results.groupby("year").size()}


def indicator_matrix(results: pd.DataFrame | None,
                     trend: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator × year matrix of mean scores, the same as a long table) for the heatmap,
    from the results or from their indicators' trends."""
    if trend is None:
        trend = compute_trends(results, measures=INDICATOR_MEASURES)
    trend = trend.copy()
    trend["indicator"] = trend["measure"].str[1:].astype(int)
    matrix = trend.pivot(index="indicator", columns="year", values="mean").sort_index()
    matrix.index = [indicator_label(n) for n in matrix.index]
    matrix.columns = [str(c) for c in matrix.columns]
    table = trend[["indicator", "year", "n", "mean", "median", "q1", "q3"]].round(2)
    return matrix, table
