"""Shaping analysis outputs for display: KPI tiles, localised labels, matrices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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


def kpis(trend: pd.DataFrame, passing: pd.DataFrame, results: pd.DataFrame) -> Kpis:
    """Latest year's mean total, pass rate and count, each with the change from the year before."""
    year = int(results["year"].max())
    counts = results.groupby("year").size()
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


def indicator_matrix(results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator × year matrix of mean scores, the same as a long table) for the heatmap."""
    measures = tuple(f"i{n}" for n in range(1, 11))
    trend = compute_trends(results, measures=measures)
    trend["indicator"] = trend["measure"].str[1:].astype(int)
    matrix = trend.pivot(index="indicator", columns="year", values="mean").sort_index()
    matrix.index = [indicator_label(n) for n in matrix.index]
    matrix.columns = [str(c) for c in matrix.columns]
    table = trend[["indicator", "year", "n", "mean", "median", "q1", "q3"]].round(2)
    return matrix, table
