"""Peer benchmarks and level counts: peer groups, rank and percentile, sums by group."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ita_analytics.analysis.benchmark import compute_benchmark, percentile_rank, select_peers
from ita_analytics.analysis.levels import compute_level_distribution, compute_pass_rates
from ita_analytics.errors import ItaError
from tests.test_analysis import frame


def test_peer_groups_and_an_unknown_agency():
    results = frame([(1, "ลำปาง", 2568, [90] * 10), (2, "ลำปาง", 2568, [80] * 10),
                     (3, "น่าน", 2568, [70] * 10)])
    results.loc[results["agency_id"] == 2, "agency_type"] = "เทศบาลตำบล"
    assert sorted(select_peers(results, 1, 2568, "type")["agency_id"]) == [1, 3]
    assert sorted(select_peers(results, 1, 2568, "province")["agency_id"]) == [1, 2]
    assert sorted(select_peers(results, 1, 2568, "type+province")["agency_id"]) == [1]
    with pytest.raises(ItaError):
        compute_benchmark(results, 9, 2568)
    bench = compute_benchmark(results, 3, 2568, peers="type")
    assert (bench.n, bench.rank, bench.percentile) == (2, 2, 25.0)
    table = bench.table.set_index("metric")
    assert table.loc["i1", ["score", "peer_median", "rank"]].tolist() == [70.0, 80.0, 2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)), min_size=1,
                max_size=30))
def test_rank_and_percentile_agree_with_the_totals(totals):
    results = frame([(a, "ลำปาง", 2568, [t] * 10) for a, t in enumerate(totals, start=1)])
    known = results.set_index("agency_id")["total"]
    ranks = {}
    for agency_id in known.index:
        bench = compute_benchmark(results, int(agency_id), 2568)
        assert bench.n == len(totals) and 0 <= bench.percentile <= 100
        assert bench.rank == int((known > known[agency_id]).sum()) + 1
        ranks[agency_id] = (known[agency_id], bench.percentile)
    # A higher total never has a lower percentile.
    ordered = sorted(ranks.values())
    assert all(a[1] <= b[1] for a, b in zip(ordered, ordered[1:]))
    assert percentile_rank(pd.Series(totals), max(totals) + 1) == 100.0


score = st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ลำปาง", "น่าน"]), st.sampled_from([2564, 2567]),
                          st.lists(score, min_size=10, max_size=10)), min_size=1, max_size=30))
def test_levels_by_group_add_up_to_the_agencies(rows):
    results = frame([(a, p, y, s) for a, (p, y, s) in enumerate(rows, start=1)])
    by_province = compute_level_distribution(results, by="province")
    sizes = results.groupby(["year", "province"]).size()
    counted = by_province.groupby(["year", "province"])["count"].sum()
    assert counted.sort_index().tolist() == sizes.sort_index().tolist()
    assert by_province.groupby(["year", "province"])["share"].sum().round(9).eq(1).all()
    rates = compute_pass_rates(results, by="province")
    assert (rates["passed"] <= rates["assessed"]).all()
    assert rates["pass_rate"].between(0, 1).all()
