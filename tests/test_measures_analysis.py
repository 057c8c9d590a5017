"""Analyses of measures on hand-built frames with known answers, and on the seeds' measures."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ita_analytics.analysis.measures import (
    UNKNOWN,
    compare_targets,
    compute_measure_effect,
    compute_status_counts,
    find_overdue,
    find_periods_outside_year,
    propose_measures,
)
from ita_analytics.measures import STATUS_DONE, STATUS_IN_PROGRESS, STATUS_NOT_STARTED
from ita_analytics.recommendations import RECOMMENDATIONS
from ita_analytics.store import measures as measure_store
from ita_analytics.store import scores as score_store


def _results(rows):
    """rows: (agency_id, year, {indicator: score})."""
    records = []
    for agency_id, year, values in rows:
        record = {"agency_id": agency_id, "name": f"A{agency_id}", "province": "P", "year": year}
        record.update({f"i{n}": values.get(n, np.nan) for n in range(1, 11)})
        records.append(record)
    return pd.DataFrame(records)


def _measures(rows):
    """rows: (measure_id, agency_id, year, indicators, status, end_month, target)."""
    records = []
    for mid, agency_id, year, indicators, status, end, target in rows:
        t_ind, t_from, t_to = target or (None, np.nan, np.nan)
        records.append({"measure_id": mid, "agency_id": agency_id, "name": f"A{agency_id}",
                        "province": "P" if agency_id < 3 else "Q", "year": year,
                        "title": f"M{mid}", "indicators": indicators, "status": status,
                        "start_month": pd.NaT, "end_month": pd.Timestamp(end) if end else pd.NaT,
                        "period_text": None, "target_indicator": t_ind, "target_from": t_from,
                        "target_to": t_to})
    frame = pd.DataFrame(records)
    frame["target_indicator"] = frame["target_indicator"].astype("Int64")
    return frame


EFFECT_RESULTS = _results([
    (1, 2566, {9: 60}), (1, 2567, {9: 80}),      # with a measure, urgent start: +20
    (2, 2566, {9: 90}), (2, 2567, {9: 95}),      # with a measure, improve start: +5
    (3, 2566, {9: 60}), (3, 2567, {9: 70}),      # without, urgent: +10
    (4, 2566, {9: 90}), (4, 2567, {9: 89}),      # without, improve: -1
    (5, 2566, {9: 98}), (5, 2567, {9: 96}),      # without, maintain: -2
    (6, 2566, {9: 50}),                          # with a measure but not scored in 2567
    (7, 2566, {9: 70}), (7, 2567, {9: 70}),      # a measure on indicator 10 only: 0
])
EFFECT_MEASURES = _measures([
    (1, 1, 2566, [9], STATUS_DONE, None, None),
    (2, 2, 2566, [8, 9], STATUS_DONE, None, None),
    (3, 6, 2566, [9], None, None, None),
    (4, 7, 2566, [10], None, None, None),
    (5, 3, 2567, [9], None, None, None),         # another year: not counted for 2566
])


def test_effect_comparison_known_answer():
    effect = compute_measure_effect(EFFECT_RESULTS, EFFECT_MEASURES, 9, 2566, 2567)
    groups = effect.groups.set_index("group")
    assert groups.loc["with_measure", "n"] == 2 and groups.loc["without_measure", "n"] == 4
    assert groups.loc["with_measure", "mean_change"] == pytest.approx(12.5)
    assert groups.loc["without_measure", "mean_change"] == pytest.approx(1.75)
    assert groups.loc["with_measure", "mean_before"] == pytest.approx(75.0)
    assert groups.loc["without_measure", "share_improved"] == pytest.approx(0.25)
    assert effect.difference == pytest.approx(10.75)
    # Within start levels: urgent 20 vs mean(10, 0) = 5; improve 5 vs -1 → (15 + 6) / 2.
    assert effect.adjusted_difference == pytest.approx(10.5)
    by_start = effect.by_start.set_index(["action", "group"])["n"].to_dict()
    assert by_start == {("urgent", "with_measure"): 1, ("urgent", "without_measure"): 2,
                        ("improve", "with_measure"): 1, ("improve", "without_measure"): 1,
                        ("maintain", "without_measure"): 1}
    assert effect.n_measures == 3 and effect.excluded_no_scores == 1
    payload = effect.as_dict()
    assert payload["difference"] == 10.75 and "not proof" in payload["note_en"]
    assert "ไม่ใช่การพิสูจน์" in payload["note_th"]


def test_effect_with_no_measures_has_no_difference():
    effect = compute_measure_effect(EFFECT_RESULTS, EFFECT_MEASURES.iloc[0:0], 9, 2566, 2567)
    assert effect.groups.set_index("group").loc["without_measure", "n"] == 6
    assert np.isnan(effect.difference) and effect.as_dict()["difference"] is None


def test_effect_measure_year_can_differ():
    effect = compute_measure_effect(EFFECT_RESULTS, EFFECT_MEASURES, 9, 2566, 2567, measure_year=2567)
    assert list(effect.agencies.loc[effect.agencies["group"] == "with_measure", "agency_id"]) == [3]


STATUS_MEASURES = _measures([
    (1, 1, 2568, [9, 10], STATUS_DONE, "2025-09-01", None),
    (2, 1, 2568, [10], STATUS_IN_PROGRESS, "2025-03-01", None),
    (3, 2, 2568, [], None, "2024-12-01", None),
    (4, 3, 2568, [9], STATUS_NOT_STARTED, "2026-09-01", None),
])


def test_status_counts_by_agency_indicator_province():
    by_agency = compute_status_counts(STATUS_MEASURES, "agency").set_index("agency_id")
    assert by_agency.loc[1, ["n", STATUS_DONE, STATUS_IN_PROGRESS, UNKNOWN]].tolist() == [2, 1, 1, 0]
    assert by_agency.loc[2, UNKNOWN] == 1 and by_agency.loc[1, "done_share"] == 0.5
    by_indicator = compute_status_counts(STATUS_MEASURES, "indicator").set_index("indicator")
    assert by_indicator["n"].to_dict() == {9: 2, 10: 2}
    assert by_indicator.loc[9, [STATUS_DONE, STATUS_NOT_STARTED]].tolist() == [1, 1]
    by_province = compute_status_counts(STATUS_MEASURES, "province").set_index("province")
    assert by_province["n"].to_dict() == {"P": 3, "Q": 1}


def test_overdue_takes_today_as_a_parameter():
    overdue = find_overdue(STATUS_MEASURES, date(2025, 6, 15))
    # Measure 2 ended March 2025 (in progress), measure 3 December 2024 (status unknown).
    assert overdue["measure_id"].tolist() == [3, 2]
    assert overdue["days_overdue"].tolist() == [166, 76]
    assert overdue["status_known"].tolist() == [False, True]
    assert find_overdue(STATUS_MEASURES, date(2025, 3, 31)).empty is False
    assert find_overdue(STATUS_MEASURES, date(2024, 12, 31)).empty


def test_targets_against_what_happened():
    results = _results([(1, 2568, {10: 80, 1: 100, 2: 100}), (1, 2569, {10: 100, 1: 100, 2: 98}),
                        (2, 2568, {9: 90})])
    measures = _measures([
        (1, 1, 2568, [10], None, None, (10, 80.0, 100.0)),
        (2, 1, 2568, [1, 2], None, None, (None, np.nan, 100.0)),
        (3, 2, 2568, [9], None, None, (9, 90.0, 100.0)),
        (4, 2, 2568, [9], None, None, None),
    ])
    table = compare_targets(results, measures)
    assert list(zip(table["measure_id"], table["indicator"], table["verdict"])) == [
        (1, 10, "reached"), (2, 1, "reached"), (2, 2, "not_reached"), (3, 9, "not_assessed")]
    assert table.loc[0, "score_year"] == 80.0 and table.loc[0, "change"] == 20.0


def test_proposals_skip_indicators_to_maintain():
    weakest = pd.DataFrame({"indicator": [10, 9, 8], "score": [80.0, 90.0, 96.83],
                            "action": ["urgent", "improve", "maintain"]})
    drafts = propose_measures(weakest, RECOMMENDATIONS, "องค์การบริหารส่วนตำบลหนองปลาหมอ", 2568)
    assert set(drafts["indicator"]) == {10, 9} and set(drafts["year"]) == {2569}
    assert drafts["steps"].str.startswith("1. ").all()
    assert "2569" in drafts["period_text"].iloc[0]


def test_seed_000_target_and_copied_periods(demo_conn):
    measures = measure_store.load_measures(demo_conn, source_prefix="seed:")
    ids = measures["agency_id"].unique().tolist()
    results = score_store.load_results(demo_conn, agency_ids=ids)
    table = compare_targets(results, measures)
    row = table[table["indicator"] == 10].iloc[0]
    assert row["name"] == "องค์การบริหารส่วนตำบลหนองปลาหมอ"
    assert (row["target_from"], row["score_year"], row["verdict"]) == (80.0, 80.0, "not_assessed")
    outside = find_periods_outside_year(measures)
    assert outside["title"].str.startswith(("โครงการจัดทำมาตรการ", "กิจกรรมอบรมจริยธรรม",
                                            "โครงการปรับปรุงการเปิดเผย")).all() and len(outside) == 3
