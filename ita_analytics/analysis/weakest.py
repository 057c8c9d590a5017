"""Weakest indicators of an agency-year, and which indicators are weakest across a group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.analysis.common import INDICATOR_COLUMNS, agency_year, indicator_catalogue
from ita_analytics.domain import ACTION_BY_CODE, action_levels_for

WEAKEST_COLUMNS = ["indicator", "name_th", "name_en", "tool", "score", "action", "action_th",
                   "gap_to_100", "peer_median", "peer_q3", "gap_to_median", "gap_to_q3",
                   "gain_to_median"]


def default_peers(results: pd.DataFrame, agency_id: int, year: int) -> pd.DataFrame:
    """Agencies of the same type in the same year (the agency included)."""
    row = agency_year(results, agency_id, year)
    if row is None:
        return results.iloc[0:0]
    return results[(results["year"] == year) & (results["agency_type"] == row["agency_type"])]


def compute_weakest(results: pd.DataFrame, agency_id: int, year: int,
                    peers: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ten indicators of one agency-year, weakest first.

    Input: ``store.load_results`` rows (with i1…i10); ``peers`` the peer rows of that year
    (default: same agency type). Output columns: :data:`WEAKEST_COLUMNS`. gap_to_median and
    gap_to_q3 are positive when the agency is below the peers; gain_to_median is the total
    points the agency would gain by raising the indicator to the peer median (0 when at or
    above it). Missing scores sort last with NaN gaps.
    """
    row = agency_year(results, agency_id, year)
    if row is None:
        return pd.DataFrame(columns=WEAKEST_COLUMNS)
    if peers is None:
        peers = default_peers(results, agency_id, year)
    out = indicator_catalogue()
    out["score"] = [float(row[c]) if pd.notna(row[c]) else np.nan for c in INDICATOR_COLUMNS]
    peer_scores = peers[list(INDICATOR_COLUMNS)].astype("float64")
    out["peer_median"] = peer_scores.median().to_numpy()
    out["peer_q3"] = peer_scores.quantile(0.75).to_numpy()
    out["action"] = action_levels_for(out["score"])
    out["action_th"] = out["action"].map(lambda c: ACTION_BY_CODE[c].name_th if c else None)
    out["gap_to_100"] = (100 - out["score"]).round(2)
    out["gap_to_median"] = (out["peer_median"] - out["score"]).round(2)
    out["gap_to_q3"] = (out["peer_q3"] - out["score"]).round(2)
    out["gain_to_median"] = (out["gap_to_median"].clip(lower=0) * out["weight"]).round(2)
    out = out.sort_values(["score", "indicator"], na_position="last", kind="stable")
    return out[WEAKEST_COLUMNS].reset_index(drop=True)


def compute_weakest_counts(results: pd.DataFrame, year: int) -> pd.DataFrame:
    """How often each indicator is an agency's weakest in ``year`` (ties count for each).

    Only agency-years with all ten indicators take part. Output columns: indicator, name_th,
    name_en, count, share (of those agencies).
    """
    frame = results.loc[results["year"] == year, list(INDICATOR_COLUMNS)].astype("float64")
    frame = frame.dropna()
    catalogue = indicator_catalogue()[["indicator", "name_th", "name_en"]]
    if frame.empty:
        return catalogue.assign(count=0, share=np.nan)
    values = frame.to_numpy()
    weakest = np.isclose(values, values.min(axis=1, keepdims=True))
    catalogue["count"] = weakest.sum(axis=0)
    catalogue["share"] = catalogue["count"] / len(frame)
    return catalogue


def compute_indicator_distribution(results: pd.DataFrame, year: int,
                                   by: str | None = None) -> pd.DataFrame:
    """Distribution of each indicator in ``year`` [per group]: n, mean, median, q1, q3, min, max."""
    keys = [by] if by else []
    columns = [c for c in INDICATOR_COLUMNS if c in results.columns]
    frame = results.loc[results["year"] == year, keys + columns]
    # Long as melt makes it (indicator by indicator, rows in order), from arrays: melting and
    # parsing each row's column name would be most of the work at 10x national (830,000 rows).
    scores = frame[columns].to_numpy(dtype="float64", na_value=np.nan).ravel(order="F")
    def tiled(column: pd.Series) -> pd.Categorical:  # a group column, once per indicator
        codes, names = pd.factorize(column, sort=True)  # sorted: groups come out in order
        return pd.Categorical.from_codes(np.tile(codes, len(columns)), categories=names)
    long = pd.DataFrame({"indicator": np.repeat([int(c[1:]) for c in columns], len(frame)),
                         **{k: tiled(frame[k]) for k in keys}, "score": scores})
    long = long[~np.isnan(scores)]
    grouped = long.groupby(["indicator", *keys], observed=True)["score"]
    out = grouped.agg(n="count", mean="mean", median="median", min="min", max="max")
    out["q1"] = grouped.quantile(0.25)
    out["q3"] = grouped.quantile(0.75)
    out = out.reset_index()
    for k in keys:  # the group column's own type again (grouped as categories)
        out[k] = out[k].astype(frame[k].dtype)
    return out[["indicator", *keys, "n", "mean", "median", "q1", "q3", "min", "max"]]
