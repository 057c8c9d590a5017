"""What year-to-year movement is ordinary, estimated from the data itself, and change labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.analysis.common import MEASURES, consecutive_changes
from ita_analytics.domain import ACTION_LEVELS, rule_for_year

MAD_TO_SD = 1.4826
"""Scales a median absolute deviation to a standard deviation under normality."""
ORDINARY_K = 2.0
"""Changes within this many robust standard deviations of the typical change are ordinary."""


def compute_ordinary_movement(results: pd.DataFrame, k: float = ORDINARY_K) -> pd.DataFrame:
    """Per measure, the typical change between consecutive years and the ordinary band.

    The scores have no published standard errors, so the band comes from the data: the
    median change ± k × 1.4826 × MAD of all consecutive-year changes of that measure.
    Output columns: measure, n, median_change, median_abs_change, mad, threshold.
    """
    changes = consecutive_changes(results)
    rows = []
    for m in [m for m in MEASURES if m in changes.columns]:
        values = changes[m].dropna()
        if values.empty:
            rows.append({"measure": m, "n": 0, "median_change": np.nan,
                         "median_abs_change": np.nan, "mad": np.nan, "threshold": np.nan})
            continue
        median = float(values.median())
        mad = float((values - median).abs().median())
        rows.append({"measure": m, "n": int(len(values)), "median_change": median,
                     "median_abs_change": float(values.abs().median()), "mad": mad,
                     # A floor of one hundredth: scores have two decimals.
                     "threshold": max(k * MAD_TO_SD * mad, 0.01)})
    return pd.DataFrame(rows)


def _boundaries(measure: str, year: int) -> np.ndarray:
    """Score boundaries that matter for a measure: level bands for the total, action levels else."""
    if measure == "total":
        mins = {level.total_min for level in rule_for_year(year).levels}
    else:
        mins = {a.min_score for a in ACTION_LEVELS}
    return np.array(sorted(b for b in mins if b > 0))


def label_changes(deltas: pd.DataFrame, movement: pd.DataFrame,
                  year_to: int | None = None) -> pd.DataFrame:
    """``deltas`` plus ``movement`` (within | beyond | None) and ``crossed_level`` (bool).

    ``crossed_level`` is True when the change crosses a level boundary of ``year_to``'s rule
    (for the total) or an action-level boundary, 85 or 95 (for tools and indicators).
    """
    out = deltas.merge(movement[["measure", "median_change", "threshold"]], on="measure",
                       how="left")
    distance = (out["delta"] - out["median_change"]).abs()
    out["movement"] = np.where(out["delta"].isna(), None,
                               np.where(distance > out["threshold"], "beyond", "within"))
    lo = out[["score_from", "score_to"]].min(axis=1)
    hi = out[["score_from", "score_to"]].max(axis=1)
    crossed = np.zeros(len(out), dtype=bool)
    year = year_to if year_to is not None else 2566
    for measure in out["measure"].unique():
        mask = (out["measure"] == measure).to_numpy()
        for b in _boundaries(measure, year):
            crossed[mask] |= ((lo[mask] < b) & (hi[mask] >= b)).to_numpy()
    out["crossed_level"] = crossed & out["delta"].notna().to_numpy()
    return out.drop(columns=["median_change", "threshold"])
