"""Small shared pieces of the analyses: metric names, the indicator catalogue as a frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.domain import BASES, INDICATORS, TOOL_CODES, indicator_weight

INDICATOR_COLUMNS = tuple(f"i{i.number}" for i in INDICATORS)
METRICS = ("total", *TOOL_CODES, *INDICATOR_COLUMNS)
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


def count_by_basis(results: pd.DataFrame, used: pd.Series | np.ndarray | None = None,
                   weights: str | None = None) -> dict[str, int]:
    """How many agency-years of each basis (:data:`~ita_analytics.domain.BASES`) an analysis
    used: the rows where ``used`` is true (all rows by default), each counted once or by its
    ``weights`` column (rows already counted). Every basis is a key, zero when none."""
    counts = dict.fromkeys(BASES, 0)
    if "basis" not in results.columns or results.empty:
        return counts
    rows = results if used is None else results[np.asarray(used, dtype=bool)]
    sizes = (rows.groupby("basis", observed=True)[weights].sum() if weights
             else rows.groupby("basis", observed=True).size())
    for basis, n in sizes.items():
        if basis in counts:
            counts[basis] = int(n)
    return counts


def agency_year(results: pd.DataFrame, agency_id: int, year: int) -> pd.Series | None:
    """The row of one agency-year, or None."""
    hit = results[(results["agency_id"] == agency_id) & (results["year"] == year)]
    return None if hit.empty else hit.iloc[0]


def _doubled_weighted_median(values: np.ndarray, counts: np.ndarray) -> int:
    """Twice the median of ``values`` (ascending integers) each repeated ``counts`` times: the
    sum of the two middle values (one value twice when the total is odd), an integer."""
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1])
    lower = values[np.searchsorted(cumulative, (total - 1) // 2, side="right")]
    upper = values[np.searchsorted(cumulative, total // 2, side="right")]
    return int(lower) + int(upper)


def _hundredths_median_and_mad(counts: np.ndarray, low: int) -> tuple[int, int]:
    """Twice the median and four times the MAD of ``counts[i]`` times each hundredth
    ``low + i``: integers, found exactly from the counts, in linear time."""
    values = np.arange(low, low + len(counts))
    median2 = _doubled_weighted_median(values, counts)  # in hundredths, doubled
    deviation2 = np.abs(2 * values - median2)  # |value − median|, doubled
    order = np.argsort(deviation2, kind="stable")
    mad4 = _doubled_weighted_median(deviation2[order], counts[order])  # quadrupled
    return median2, mad4


def _median_and_mad(column: np.ndarray) -> tuple[float, float]:
    """Median and MAD of values without NaN.

    Scores and their changes have two decimals, so both are found exactly from a count of
    each value in hundredths (changes of 0–100 scores fall in 20,001 bins), in linear time:
    NumPy's median (a partial sort) twice per column takes twice as long at 10x national.
    Values that are not whole hundredths take NumPy's median instead.
    """
    scaled = column * 100
    hundredths = np.rint(scaled)
    scaled -= hundredths  # in place: a few passes over the column in all
    offsets = hundredths.astype(np.int64)
    low = int(offsets.min())
    offsets -= low
    if np.abs(scaled, out=scaled).max() > 1e-6 or offsets.max() > 1_000_000:
        median = float(np.median(column))
        return median, float(np.median(np.abs(column - median)))
    median2, mad4 = _hundredths_median_and_mad(np.bincount(offsets), low)
    return median2 / 200, mad4 / 400


def robust_columns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``values``, NaN left out: count, median and MAD (median absolute deviation
    from the median); NaN for a column without values.

    Column by column on each column's own values (NumPy's nanmedian over axis 0 plus the
    broadcast |values − median| is far slower on the 480,000 changes at 10x national), each
    found exactly from a count of hundredths (:func:`_median_and_mad`).
    """
    width = values.shape[1]
    count = np.zeros(width, dtype="int64")
    median, mad = np.full(width, np.nan), np.full(width, np.nan)
    for j in range(width):
        column = values[:, j]
        column = column[~np.isnan(column)]
        count[j] = len(column)
        if len(column):
            median[j], mad[j] = _median_and_mad(column)
    return count, median, mad


def robust_hundredths(values: np.ndarray, known: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of whole hundredths of a point (integers, as the store's
    :func:`~ita_analytics.store.load_change_hundredths` gives them) where ``known``: count,
    median and MAD, in hundredths — exact (halves and quarters of a hundredth at most), so a
    value can be tested against them without rounding errors. NaN for a column without values.

    Each column's values are counted as they are and the unknown ones (whatever value they
    hold) taken off the counts: picking the known values out first takes three times as long.
    """
    width = values.shape[1]
    count = known.sum(axis=0).astype("int64")
    median, mad = np.full(width, np.nan), np.full(width, np.nan)
    for j in range(width):
        if not count[j]:
            continue
        column = values[:, j]
        low = int(column.min())
        counts = np.bincount(column.astype(np.intp) - low)
        if count[j] < len(column):
            counts -= np.bincount(column[~known[:, j]].astype(np.intp) - low,
                                  minlength=len(counts))
        median2, mad4 = _hundredths_median_and_mad(counts, low)
        median[j], mad[j] = median2 / 2, mad4 / 4
    return count, median, mad


def to_hundredths(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Score changes as whole hundredths of a point (int64) and where they are known (not
    NaN): what :func:`robust_hundredths` and the jump check take."""
    known = ~np.isnan(values)
    return np.rint(np.where(known, values, 0) * 100).astype(np.int64), known


def consecutive_changes(results: pd.DataFrame, metrics=METRICS) -> pd.DataFrame:
    """Changes between consecutive fiscal years of the same agency, one column per metric.

    Output: agency_id, year (the later year), and the change of each metric (NaN when
    either year lacks it), ordered by year and agency. Agency-years whose year before is
    missing are left out. Each year is matched to the year before by agency id, column by
    column: sorting the whole frame by agency and year instead is about three times slower at
    10x national.
    """
    present = [m for m in metrics if m in results.columns]
    ids = results["agency_id"].to_numpy()
    years = results["year"].to_numpy()
    rows = {int(y): np.flatnonzero(years == y) for y in np.unique(years)}
    later, earlier = [np.empty(0, dtype=np.intp)], [np.empty(0, dtype=np.intp)]
    for year, now in rows.items():
        before = rows.get(year - 1)
        if before is not None:
            _, i_before, i_now = np.intersect1d(ids[before], ids[now], return_indices=True)
            later.append(now[i_now])
            earlier.append(before[i_before])
    later, earlier = np.concatenate(later), np.concatenate(earlier)
    diffs = {"agency_id": ids[later], "year": years[later]}
    for metric in present:
        column = results[metric].to_numpy(dtype="float64", na_value=np.nan)
        diffs[metric] = column[later] - column[earlier]
    return pd.DataFrame(diffs)
