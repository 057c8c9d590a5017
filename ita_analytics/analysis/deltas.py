"""Year-over-year deltas per agency and metric; movers; counts improved / declined."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.analysis.common import METRICS
from ita_analytics.domain import LEVEL_BY_NAME, rule_for_year

ID_COLUMNS = ["agency_id", "name", "agency_type", "province"]
UNCHANGED_WITHIN = 0.005
"""Scores have two decimals: a smaller difference is no change."""


def _id_columns(results: pd.DataFrame) -> list[str]:
    """The id columns a frame has: a caller that shows no names loads scores only (faster)."""
    return [c for c in ID_COLUMNS if c in results.columns]


def _year_frame(results: pd.DataFrame, year: int, columns: list[str]) -> pd.DataFrame:
    return results.loc[results["year"] == year, _id_columns(results) + columns].set_index(
        "agency_id")


def pair_years(results: pd.DataFrame, year_from: int, year_to: int, columns: list[str]) -> pd.DataFrame:
    """Agencies present in either year (by id), with ``<col>_from`` and ``<col>_to`` columns;
    name, type and province (those present) from ``year_to`` where known, else ``year_from``."""
    a = _year_frame(results, year_from, columns)
    b = _year_frame(results, year_to, columns)
    ids = a.index.union(b.index)
    a, b = a.reindex(ids), b.reindex(ids)
    labels = _id_columns(results)[1:]
    names = b[labels].where(b[labels].notna(), a[labels])
    out = pd.concat([names, a[columns].add_suffix("_from"), b[columns].add_suffix("_to")],
                    axis=1)
    return out.reset_index()


STATUSES = ("missing_from", "missing_to", "improved", "declined", "unchanged")


def _labels(codes: np.ndarray, labels) -> pd.Series:
    """A categorical column of ``labels`` (their order kept) at positions ``codes``: at 10x
    national a deltas frame has 1.2 million rows, and taking, grouping or comparing a text
    column that long (every dropna, filter and count does) cost most of the changes page's
    time; a categorical column is compared and grouped by its small integer codes."""
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(labels)))


def status_codes(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Positions in :data:`STATUSES` of each change from ``before`` to ``after`` (floats,
    NaN where missing)."""
    delta = after - before
    codes = np.full(len(before), STATUSES.index("unchanged"))
    # Later assignments win: a missing year overrides any comparison.
    codes[delta < -UNCHANGED_WITHIN] = STATUSES.index("declined")
    codes[delta > UNCHANGED_WITHIN] = STATUSES.index("improved")
    codes[np.isnan(after)] = STATUSES.index("missing_to")
    codes[np.isnan(before)] = STATUSES.index("missing_from")
    return codes


def _status(score_from: pd.Series, score_to: pd.Series) -> pd.Series:
    codes = status_codes(score_from.to_numpy(dtype="float64", na_value=np.nan),
                         score_to.to_numpy(dtype="float64", na_value=np.nan))
    return _labels(codes, STATUSES).set_axis(score_from.index)


def compute_deltas(results: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    """One row per agency × metric for agencies present in either year.

    Measures: total, IIT, EIT, OIT, i1…i10. Output columns: agency_id, name, agency_type,
    province (those of the id columns ``results`` has), metric, score_from, score_to, delta, rel_delta, status (improved | declined |
    unchanged | missing_from | missing_to). A missing year stays missing, never zero.
    Rows run metric by metric, agencies in the same order within each.
    """
    metrics = [m for m in METRICS if m in results.columns]
    pair = pair_years(results, year_from, year_to, metrics)
    n = len(pair)
    # Built as whole arrays (one take of the id columns, one ravel per side): assembling a
    # part per metric and concatenating costs ~4x more on the national store.
    out = pair[_id_columns(results)].take(np.tile(np.arange(n), len(metrics))).reset_index(
        drop=True)
    out["metric"] = _labels(np.repeat(np.arange(len(metrics)), n), metrics)
    out["score_from"] = pair[[f"{m}_from" for m in metrics]].to_numpy(
        dtype="float64", na_value=np.nan).ravel(order="F")
    out["score_to"] = pair[[f"{m}_to" for m in metrics]].to_numpy(
        dtype="float64", na_value=np.nan).ravel(order="F")
    out["delta"] = (out["score_to"] - out["score_from"]).round(2)
    out["rel_delta"] = out["delta"] / out["score_from"].where(out["score_from"] > 0)
    out["status"] = _status(out["score_from"], out["score_to"])
    return out


def _level_ranks(levels: pd.Series) -> pd.Series:
    """Each level's rank within its rule (NaN for none or an unknown name), looked up once per
    distinct level: mapping 80,000 text cells one by one is slow at 10x national."""
    codes, names = pd.factorize(levels)
    ranks = np.array([LEVEL_BY_NAME[n].rank if n in LEVEL_BY_NAME else np.nan for n in names]
                     + [np.nan], dtype="float64")
    return pd.Series(ranks[codes], index=levels.index)  # code -1 (missing) takes the last


def _level_move(pair: pd.DataFrame, year_from: int, year_to: int) -> pd.Series:
    """up / down / same by rank within one rule; across rules by the pass flag."""
    if rule_for_year(year_from).code == rule_for_year(year_to).code:
        a, b = _level_ranks(pair["level_from"]), _level_ranks(pair["level_to"])
    else:
        a = pair["passed_from"].astype("float64")
        b = pair["passed_to"].astype("float64")
    move = np.select([a.isna() | b.isna(), b > a, b < a], [None, "up", "down"], default="same")
    return pd.Series(move, index=pair.index, dtype="object")


def compute_agency_deltas(results: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    """One row per agency present in either year.

    Output columns: agency_id, name, agency_type, province, total_from, total_to, delta,
    rel_delta, level_from, level_to, level_move (up | down | same | None), passed_from,
    passed_to. Across the 2565/2566 break levels are not comparable, so level_move then
    compares the pass flag.
    """
    pair = pair_years(results, year_from, year_to, ["total", "level", "passed"])
    pair["delta"] = (pair["total_to"] - pair["total_from"]).round(2)
    pair["rel_delta"] = pair["delta"] / pair["total_from"].where(pair["total_from"] > 0)
    pair["level_move"] = _level_move(pair, year_from, year_to)
    return pair[_id_columns(results) + ["total_from", "total_to", "delta", "rel_delta", "level_from",
                              "level_to", "level_move", "passed_from", "passed_to"]]


def compute_movers(agency_deltas: pd.DataFrame, n: int = 10,
                   by: str = "delta") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(risers, fallers): the ``n`` biggest rises and falls by ``delta`` or ``rel_delta``."""
    known = agency_deltas.dropna(subset=[by])
    risers = known[known[by] > 0].nlargest(n, by)
    fallers = known[known[by] < 0].nsmallest(n, by)
    return risers.reset_index(drop=True), fallers.reset_index(drop=True)


def compute_change_counts(deltas: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per metric [and group]: improved, declined, unchanged, missing (either year)."""
    keys = ["metric"] + ([by] if by else [])
    # A grouped size unstacked: same table as pd.crosstab at a fraction of its cost; the two
    # kinds of missing are added up after counting (rewriting the long status column first
    # cost more than the count).
    counts = deltas.groupby(keys + ["status"], observed=True).size().unstack(
        "status", fill_value=0)
    counts.columns = [str(c) for c in counts.columns]
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts["missing"] = counts.pop("missing_from") + counts.pop("missing_to")
    counts = counts[["improved", "declined", "unchanged", "missing"]].reset_index()
    for key in keys:  # a categorical key (compute_deltas' metric) as plain text again
        if isinstance(counts[key].dtype, pd.CategoricalDtype):
            counts[key] = counts[key].astype(str)
    order = {m: i for i, m in enumerate(METRICS)}
    return counts.sort_values(keys, key=lambda s: s.map(order) if s.name == "metric" else s,
                              ignore_index=True)
