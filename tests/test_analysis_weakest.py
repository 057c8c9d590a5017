"""Weakest indicators, peer benchmarks and level counts: known answers, seeds and properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ita_analytics.analysis.benchmark import compute_benchmark, percentile_rank, select_peers
from ita_analytics.analysis.levels import compute_level_distribution, compute_pass_rates
from ita_analytics.analysis.weakest import compute_weakest, compute_weakest_counts
from ita_analytics.errors import ItaError
from tests.test_analysis import frame


@pytest.mark.parametrize("score, action, action_th", [
    (100, "maintain", "รักษาระดับ"), (95, "maintain", "รักษาระดับ"),
    (94.99, "improve", "พัฒนา"), (85, "improve", "พัฒนา"),
    (84.99, "urgent", "พัฒนาเร่งด่วน"), (0, "urgent", "พัฒนาเร่งด่วน"),
])
def test_action_levels_at_the_bounds(score, action, action_th):
    results = frame([(1, "ลำปาง", 2568, [score] + [100] * 9)])
    row = compute_weakest(results, 1, 2568).iloc[0]
    assert (row["indicator"], row["action"], row["action_th"]) == (1, action, action_th)


# Ten points under the peer median are worth 0.3/5 × 10 (IIT), 0.3/3 × 10 (EIT) and
# 0.4/2 × 10 (OIT) total points.
@pytest.mark.parametrize("indicator, gain", [(1, 0.6), (5, 0.6), (6, 1.0), (8, 1.0),
                                             (9, 2.0), (10, 2.0)])
def test_gain_to_median_uses_the_tool_weights(indicator, gain):
    weak = [90] * 10
    weak[indicator - 1] = 80
    results = frame([(1, "ลำปาง", 2568, weak), (2, "ลำปาง", 2568, [90] * 10),
                     (3, "ลำปาง", 2568, [90] * 10)])
    out = compute_weakest(results, 1, 2568).set_index("indicator")
    assert out.loc[indicator, ["peer_median", "gap_to_median", "gain_to_median"]].tolist() == \
        [90.0, 10.0, pytest.approx(gain)]
    others = out.drop(index=indicator)
    assert (others["gain_to_median"] == 0).all() and (others["gap_to_median"] == 0).all()


@pytest.mark.parametrize("name, province, first, second", [
    ("หนองปลาหมอ", "ขอนแก่น", (10, 80.0, "urgent"), (9, 90.0, "improve")),
    ("ทุ่งผึ้ง", "ลำปาง", (9, 90.0, "improve"), (8, 95.17, "maintain")),
])
def test_weakest_of_the_seed_agencies(demo_results, name, province, first, second):
    row = demo_results[demo_results["name"].str.contains(name)
                       & (demo_results["province"] == province) & (demo_results["year"] == 2568)]
    out = compute_weakest(demo_results, int(row.iloc[0]["agency_id"]), 2568)
    assert tuple(out.iloc[0][["indicator", "score", "action"]]) == first
    assert tuple(out.iloc[1][["indicator", "score", "action"]]) == second


def test_weakest_counts_share_of_complete_agencies():
    results = frame([(1, "ลำปาง", 2568, [90] * 9 + [80]), (2, "ลำปาง", 2568, [80] + [90] * 9),
                     (3, "ลำปาง", 2568, [70] + [None] * 9)])
    counts = compute_weakest_counts(results, 2568).set_index("indicator")
    assert counts.loc[[1, 10], "count"].tolist() == [1, 1]
    assert counts.loc[1, "share"] == 0.5  # agency 3 lacks indicators: not counted


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
    table = bench.table.set_index("measure")
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
