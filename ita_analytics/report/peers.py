"""The peer analyses the agency report and page show: the shared analyses, one lenient wrapper."""

from __future__ import annotations

import pandas as pd

from ita_analytics.analysis import benchmark
from ita_analytics.analysis.benchmark import Benchmark, compute_benchmark
from ita_analytics.analysis.common import agency_year
from ita_analytics.analysis.next_level import compute_gap_to_next_level
from ita_analytics.analysis.weakest import compute_weakest

__all__ = ["Benchmark", "compute_benchmark", "compute_gap_to_next_level", "compute_weakest",
           "select_peers"]


def select_peers(results: pd.DataFrame, agency_id: int, year: int, peers="type") -> pd.DataFrame:
    """:func:`analysis.benchmark.select_peers`, but no rows (same columns) when the agency has
    no result in ``year``: the page's nearest-peers list then shows nothing instead of failing."""
    if agency_year(results, agency_id, year) is None:
        return results.iloc[0:0]
    return benchmark.select_peers(results, agency_id, year, peers)
