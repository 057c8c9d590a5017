"""Small shared pieces of the analyses: measure names, the indicator catalogue as a frame."""

from __future__ import annotations

import pandas as pd

from ita_analytics.domain import INDICATORS, TOOL_CODES, indicator_weight

INDICATOR_COLUMNS = tuple(f"i{i.number}" for i in INDICATORS)
MEASURES = ("total", *TOOL_CODES, *INDICATOR_COLUMNS)
"""Every score an analysis can look at: the total, the three tools, the ten indicators."""


def indicator_catalogue() -> pd.DataFrame:
    """indicator, column, name_th, name_en, tool, weight (total points per indicator point)."""
    return pd.DataFrame({
        "indicator": [i.number for i in INDICATORS],
        "column": list(INDICATOR_COLUMNS),
        "name_th": [i.name_th for i in INDICATORS],
        "name_en": [i.name_en for i in INDICATORS],
        "tool": [i.tool for i in INDICATORS],
        "weight": [indicator_weight(i.number) for i in INDICATORS],
    })


def agency_year(results: pd.DataFrame, agency_id: int, year: int) -> pd.Series | None:
    """The row of one agency-year, or None."""
    hit = results[(results["agency_id"] == agency_id) & (results["year"] == year)]
    return None if hit.empty else hit.iloc[0]


def consecutive_changes(results: pd.DataFrame, measures=MEASURES) -> pd.DataFrame:
    """Changes between consecutive fiscal years of the same agency, one column per measure.

    Output: agency_id, year (the later year), and the change of each measure (NaN when
    either year lacks it). Pairs whose years are not consecutive are left out.
    """
    present = [m for m in measures if m in results.columns]
    frame = results[["agency_id", "year", *present]].sort_values(["agency_id", "year"])
    same = frame["agency_id"].eq(frame["agency_id"].shift()) & frame["year"].eq(
        frame["year"].shift() + 1)
    diffs = frame[present].diff()[same]
    diffs.insert(0, "year", frame.loc[same, "year"])
    diffs.insert(0, "agency_id", frame.loc[same, "agency_id"])
    return diffs.reset_index(drop=True)
