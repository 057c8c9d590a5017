"""Domain rules against the seed documents' real numbers."""

import math

import pandas as pd
import pytest

from ita_analytics import domain
from ita_analytics.domain import (
    action_level,
    compute_result,
    compute_results_frame,
    indicator_weight,
    is_pass,
    level_for,
    level_from_total_only,
    rule_for_year,
)

THUNG_PHUENG_2568 = {1: 98.29, 2: 99.15, 3: 100.00, 4: 97.95, 5: 100.00,
                     6: 96.22, 7: 96.12, 8: 95.17, 9: 90.00, 10: 100.00}
NONG_PLA_MO_2568 = {1: 100, 2: 100, 3: 100, 4: 100, 5: 100,
                    6: 98.10, 7: 98.10, 8: 96.83, 9: 90.00, 10: 80.00}


def test_catalogue_has_ten_indicators_in_three_tools_with_weights_summing_to_one():
    assert [i.number for i in domain.INDICATORS] == list(range(1, 11))
    assert {t: domain.tool_indicators(t) for t in domain.TOOL_CODES} == {
        "IIT": (1, 2, 3, 4, 5), "EIT": (6, 7, 8), "OIT": (9, 10)}
    assert math.isclose(sum(t.weight for t in domain.TOOLS), 1.0)
    assert math.isclose(sum(indicator_weight(n) for n in range(1, 11)), 1.0)
    assert "การปรับทัศนคติ" in domain.INDICATOR_BY_NUMBER[1].names_th  # seed 003's mistyping
    assert "การเปิดเผยข้อมูลสาธารณะ" in domain.INDICATOR_BY_NUMBER[9].names_th


def test_thung_phueng_2568_reproduces_seed_003():
    result = compute_result(2568, THUNG_PHUENG_2568)
    assert result.tools == {"IIT": 99.08, "EIT": 95.84, "OIT": 95.00}
    assert result.total == 96.47
    assert result.level == "ผ่านดีเยี่ยม"
    assert result.passed is True


def test_thung_phueng_eit_parts_mean_matches_indicator_mean():
    # The seed prints EIT as two parts, 95.37 and 96.30, whose mean 95.835 rounds to 95.84.
    assert domain.round2((95.37 + 96.30) / 2) == 95.84


def test_nong_pla_mo_2568_reproduces_seed_000():
    result = compute_result(2568, NONG_PLA_MO_2568)
    assert result.total == 93.30
    assert result.level == "ผ่านดี"
    assert result.tools["OIT"] == 85.00


def test_nong_pla_mo_2567_with_missing_indicators_has_no_total():
    result = compute_result(2567, {1: 100, 2: 100, 3: 100, 4: 100, 5: 100})
    assert result.tools["IIT"] == 100.0
    assert math.isnan(result.tools["EIT"]) and math.isnan(result.total)
    assert result.level is None and result.passed is None


@pytest.mark.parametrize("year,total,tools,expected", [
    (2562, 95.00, None, "AA"), (2563, 94.99, None, "A"), (2564, 74.83, None, "C"),
    (2565, 84.99, None, "B"), (2565, 50.00, None, "E"), (2565, 49.99, None, "F"),
    (2566, 95.81, {"IIT": 97, "EIT": 94.5, "OIT": 96}, "ผ่านดี"),      # broadcaster, a tool < 95
    (2568, 94.64, {"IIT": 98, "EIT": 84.2, "OIT": 99}, "ผ่าน"),        # audit office, EIT < 85
    (2567, 96.00, {"IIT": 95, "EIT": 95, "OIT": 98}, "ผ่านดีเยี่ยม"),
    (2566, 84.99, {"IIT": 99, "EIT": 99, "OIT": 70}, "ไม่ผ่าน"),
    (2570, 90.00, {"IIT": 90, "EIT": 90, "OIT": 90}, "ผ่านดี"),       # beyond the table: latest rule
])
def test_levels_per_year(year, total, tools, expected):
    assert level_for(year, total, tools).name_th == expected


def test_2566_level_needs_tool_scores_and_total_alone_gives_pass_or_fail():
    assert level_for(2566, 89.72) is None
    assert level_from_total_only(2566, 89.72) == "ผ่านการประเมิน"  # seed 002
    assert level_from_total_only(2566, 84.99) == "ไม่ผ่านการประเมิน"
    assert level_from_total_only(2564, 74.83) == "C"  # seed 004 reports "E": a contradiction


def test_rules_table_and_assumed_years():
    assert rule_for_year(2565).code == "letter" and rule_for_year(2566).code == "rating"
    assert domain.rule_is_assumed(2569) and not domain.rule_is_assumed(2568)
    with pytest.raises(ValueError):
        rule_for_year(2561)


@pytest.mark.parametrize("score,code", [
    (100, "maintain"), (98.10, "maintain"), (96.83, "maintain"), (95.0, "maintain"),
    (94.99, "improve"), (90.0, "improve"), (85.0, "improve"), (84.99, "urgent"), (80.0, "urgent"),
    (0, "urgent"),
])
def test_action_levels_match_seed_000_table_1(score, code):
    assert action_level(score).code == code


def test_pass_flag():
    assert is_pass(85.0) and not is_pass(84.99) and is_pass(None) is None


def test_vectorised_results_equal_scalar_results():
    rows = [
        {"year": 2568, **{f"i{n}": v for n, v in THUNG_PHUENG_2568.items()}},
        {"year": 2568, **{f"i{n}": float(v) for n, v in NONG_PLA_MO_2568.items()}},
        {"year": 2564, **{f"i{n}": 70.0 + n for n in range(1, 11)}},
        {"year": 2567, "i1": 100.0},
    ]
    frame = pd.DataFrame(rows)
    out = compute_results_frame(frame)
    for i, row in enumerate(rows):
        scalar = compute_result(row["year"], {int(k[1:]): v for k, v in row.items() if k != "year"})
        if math.isnan(scalar.total):
            assert math.isnan(out.loc[i, "total"]) and out.loc[i, "level"] is None
        else:
            assert out.loc[i, "total"] == scalar.total
            assert out.loc[i, "level"] == scalar.level
            assert [out.loc[i, t] for t in domain.TOOL_CODES] == list(scalar.tools.values())
    assert list(domain.action_levels_for(pd.Series([96.0, 90.0, 80.0, None])))[:3] == [
        "maintain", "improve", "urgent"]


def test_round2_is_half_up_like_published_scores():
    assert domain.round2(95.835) == 95.84
    assert domain.round2(96.4744) == 96.47
    assert domain.round2(93.3033) == 93.30
