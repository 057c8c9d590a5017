"""Weakest indicators: action levels, gains by tool weight, the seeds' agencies, group counts."""

from __future__ import annotations

import pytest

from ita_analytics.analysis.weakest import compute_weakest, compute_weakest_counts
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
