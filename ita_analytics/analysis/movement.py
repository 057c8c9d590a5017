"""What year-to-year movement is ordinary, estimated from the data itself, and change labels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ita_analytics.analysis.common import (
    METRICS,
    consecutive_changes,
    robust_columns,
    robust_hundredths,
)
from ita_analytics.analysis.deltas import STATUSES, pair_years, status_codes
from ita_analytics.domain import ACTION_LEVELS, rule_for_year

MAD_TO_SD = 1.4826
"""Scales a median absolute deviation to a standard deviation under normality."""
ORDINARY_K = 2.0
"""Changes within this many robust standard deviations of the typical change are ordinary."""


def compute_ordinary_movement(results: pd.DataFrame | None = None, k: float = ORDINARY_K, *,
                              changes: pd.DataFrame | None = None,
                              hundredths=None) -> pd.DataFrame:
    """Per metric, the typical change between consecutive years and the ordinary band.

    The scores have no published standard errors, so the band comes from the data: the
    median change ± k × 1.4826 × MAD of all consecutive-year changes of that metric.
    Output columns: metric, n, median_change, mad, threshold.
    ``changes`` as :func:`consecutive_changes` gives them, or ``hundredths`` as
    :func:`ita_analytics.store.load_change_hundredths` gives them (the changes page: the
    same medians and MADs, exactly, without a DataFrame of every pair), stand for
    ``results``.
    """
    if hundredths is not None:
        metrics = [m for m in METRICS if m in hundredths.metrics]
        idx = [hundredths.metrics.index(m) for m in metrics]
        n, median, mad = robust_hundredths(hundredths.values[:, idx], hundredths.known[:, idx])
        median, mad = median / 100, mad / 100  # exact halves and quarters of hundredths
    else:
        if changes is None:
            changes = consecutive_changes(results)
        metrics = [m for m in METRICS if m in changes.columns]
        values = changes[metrics].to_numpy(dtype="float64", na_value=np.nan)
        n, median, mad = robust_columns(values)
    # A floor of one hundredth: scores have two decimals.
    threshold = np.where(n > 0, np.maximum(k * MAD_TO_SD * mad, 0.01), np.nan)
    return pd.DataFrame({"metric": metrics, "n": n.astype("int64"), "median_change": median,
                         "mad": mad, "threshold": threshold})


def _boundaries(metric: str, year: int) -> np.ndarray:
    """Score boundaries that matter for a metric: level bands for the total, action levels else."""
    if metric == "total":
        mins = {level.total_min for level in rule_for_year(year).levels}
    else:
        mins = {a.min_score for a in ACTION_LEVELS}
    return np.array(sorted(b for b in mins if b > 0))


def _crosses(lo: np.ndarray, hi: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """True where the span lo…hi reaches over one of the boundaries (lo < b ≤ hi)."""
    crossed = np.zeros(len(lo), dtype=bool)
    for b in boundaries:
        crossed |= (lo < b) & (hi >= b)
    return crossed


def label_changes(deltas: pd.DataFrame, movement: pd.DataFrame,
                  year_to: int | None = None) -> pd.DataFrame:
    """``deltas`` plus ``movement`` (within | beyond | missing; categorical) and
    ``crossed_level`` (bool).

    ``crossed_level`` is True when the change crosses a level boundary of ``year_to``'s rule
    (for the total) or an action-level boundary, 85 or 95 (for tools and indicators).
    """
    # Per-metric values looked up by position: mapping ~100k text cells is the slow part.
    codes, names = pd.factorize(deltas["metric"])
    band = movement.drop_duplicates("metric").set_index("metric").reindex(names)
    median = band["median_change"].to_numpy(dtype="float64")[codes]
    threshold = band["threshold"].to_numpy(dtype="float64")[codes]
    delta = deltas["delta"].to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(delta)
    out = deltas.reset_index(drop=True)
    beyond = np.abs(delta - median) > threshold
    out["movement"] = pd.Series(pd.Categorical.from_codes(  # categorical, as deltas' labels
        np.where(known, beyond.astype("int64"), -1), categories=["within", "beyond"]),
        index=out.index)
    is_total = (np.asarray(names) == "total")[codes]
    out["crossed_level"] = _crossed_level(
        deltas["score_from"].to_numpy(dtype="float64", na_value=np.nan),
        deltas["score_to"].to_numpy(dtype="float64", na_value=np.nan), is_total, year_to) & known
    return out


def _crossed_level(score_from: np.ndarray, score_to: np.ndarray, is_total, year_to: int | None
                   ) -> np.ndarray:
    """Whether each change crosses a boundary of ``year_to``'s rule: a level band for the
    total (where ``is_total``), an action level (85, 95) for tools and indicators."""
    with warnings.catch_warnings():  # rows missing both scores have neither bound
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.fmin(score_from, score_to), np.fmax(score_from, score_to)
    year = year_to if year_to is not None else 2566
    return np.where(is_total, _crosses(lo, hi, _boundaries("total", year)),
                    _crosses(lo, hi, _boundaries("indicator", year)))


def summarise_changes(results: pd.DataFrame, year_from: int, year_to: int,
                      movement: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, meaningful) of every metric's change from ``year_from`` to ``year_to``:
    what ``compute_change_counts(compute_deltas(...))`` and the per-metric counts of
    ``label_changes(compute_deltas(...), movement)`` give, counted metric by metric on
    the two years' columns instead of a row per agency and metric.

    counts: metric, improved, declined, unchanged, missing (either year).
    meaningful (metrics of ``movement`` with a known change): metric, median_change,
    threshold, beyond_up, beyond_down, within (the ordinary band), crossed (a level or
    action-level boundary). At 10x national the long frame has 1.2 million rows: these counts
    are several times faster than building, labelling and counting it.
    """
    metrics = [m for m in METRICS if m in results.columns]
    pair = pair_years(results, year_from, year_to, metrics)
    band = movement.drop_duplicates("metric").set_index("metric")
    counts, meaningful = [], []
    for metric in metrics:
        before = pair[f"{metric}_from"].to_numpy(dtype="float64", na_value=np.nan)
        after = pair[f"{metric}_to"].to_numpy(dtype="float64", na_value=np.nan)
        status = np.bincount(status_codes(before, after), minlength=len(STATUSES))
        found = dict(zip(STATUSES, status.tolist()))
        counts.append({"metric": metric, "improved": found["improved"],
                       "declined": found["declined"], "unchanged": found["unchanged"],
                       "missing": found["missing_from"] + found["missing_to"]})
        delta = np.round(after - before, 2)  # as compute_deltas rounds it
        known = ~np.isnan(delta)
        if metric not in band.index or not known.any():
            continue
        median, threshold = band.loc[metric, ["median_change", "threshold"]]
        beyond = known & (np.abs(delta - median) > threshold)
        crossed = _crossed_level(before, after, metric == "total", year_to) & known
        meaningful.append({
            "metric": metric, "median_change": median, "threshold": threshold,
            "beyond_up": int((beyond & (delta > 0)).sum()),
            "beyond_down": int((beyond & (delta < 0)).sum()),
            "within": int((known & ~beyond).sum()), "crossed": int(crossed.sum())})
    return (pd.DataFrame(counts, columns=["metric", "improved", "declined", "unchanged",
                                          "missing"]),
            pd.DataFrame(meaningful, columns=["metric", "median_change", "threshold",
                                              "beyond_up", "beyond_down", "within", "crossed"]))
