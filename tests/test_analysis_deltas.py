"""Deltas, movers, change counts and change labels: known answers and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ita_analytics import store
from ita_analytics.analysis.common import (
    METRICS,
    _median_and_mad,
    robust_columns,
    robust_hundredths,
    to_hundredths,
)
from ita_analytics.analysis.deltas import (
    compute_agency_deltas,
    compute_change_counts,
    compute_deltas,
    compute_movers,
)
from ita_analytics.analysis.movement import (
    compute_ordinary_movement,
    label_changes,
    summarise_changes,
)
from ita_analytics.dashboard.trends import PAIR_COLUMNS
from tests.test_analysis import frame


def one_change(metric: str, score_from, score_to) -> pd.DataFrame:
    return pd.DataFrame({"agency_id": [1], "name": ["a"], "agency_type": ["t"],
                         "province": ["p"], "metric": [metric],
                         "score_from": [score_from], "score_to": [score_to],
                         "delta": [np.nan if score_from is None or score_to is None
                                   else round(score_to - score_from, 2)]}).astype(
        {"score_from": "float64", "score_to": "float64"})


BAND = pd.DataFrame({"metric": ["total", "i1"], "median_change": [0.5, 1.0],
                     "threshold": [2.0, 3.0]})


@pytest.mark.parametrize("metric, year, a, b, movement, crossed", [
    ("total", 2568, 84.99, 85.00, "within", True),    # onto the pass line
    ("total", 2568, 85.00, 84.99, "within", True),    # and back under it
    ("total", 2568, 90.00, 94.99, "beyond", False),   # 4.49 from the usual +0.5, no band crossed
    ("total", 2568, 94.00, 95.50, "within", True),    # 95: ผ่านดีเยี่ยม's total
    ("total", 2565, 74.00, 76.00, "within", True),    # letter rule: 75 is B
    ("total", 2565, 76.00, 84.00, "beyond", False),
    ("i1", 2568, 94.00, 95.00, "within", True),       # action level maintain from 95
    ("i1", 2568, 95.00, 99.00, "within", False),
    ("i1", 2568, 70.00, 84.00, "beyond", False),
    ("i1", 2568, 80.00, 90.00, "beyond", True),       # 85: improve
    ("i1", 2568, None, 90.00, None, False),           # a missing year is no change at all
])
def test_change_labels(metric, year, a, b, movement, crossed):
    out = label_changes(one_change(metric, a, b), BAND, year_to=year).iloc[0]
    assert (None if pd.isna(out["movement"]) else out["movement"]) == movement
    assert bool(out["crossed_level"]) is crossed


def test_level_move_across_the_rule_break_uses_the_pass_flag():
    # 2565 (letters) → 2566 (rating): 80 → 90 passes; 90 → 88 stays passing ("same").
    results = frame([(1, "ลำปาง", 2565, [80] * 10), (1, "ลำปาง", 2566, [90] * 10),
                     (2, "ลำปาง", 2565, [90] * 10), (2, "ลำปาง", 2566, [88] * 10),
                     (3, "ลำปาง", 2565, [90] * 10), (3, "ลำปาง", 2566, [80] * 10)])
    moves = compute_agency_deltas(results, 2565, 2566).set_index("agency_id")["level_move"]
    assert moves.to_dict() == {1: "up", 2: "same", 3: "down"}
    # Within one rule the rank decides: A (90) → AA (96) is up although both pass.
    within = frame([(1, "ลำปาง", 2564, [90] * 10), (1, "ลำปาง", 2565, [96] * 10)])
    assert compute_agency_deltas(within, 2564, 2565)["level_move"].tolist() == ["up"]


def test_movers_by_points_and_by_relative_change():
    results = frame([(1, "ลำปาง", 2567, [50] * 10), (1, "ลำปาง", 2568, [60] * 10),
                     (2, "ลำปาง", 2567, [80] * 10), (2, "ลำปาง", 2568, [92] * 10),
                     (3, "ลำปาง", 2567, [90] * 10), (3, "ลำปาง", 2568, [85] * 10)])
    agency = compute_agency_deltas(results, 2567, 2568)
    risers, fallers = compute_movers(agency, n=1)
    assert risers["agency_id"].tolist() == [2] and fallers["agency_id"].tolist() == [3]
    risers, _ = compute_movers(agency, n=2, by="rel_delta")
    assert risers["agency_id"].tolist() == [1, 2]  # +20 % before +15 %


score = st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)))
rows = st.lists(st.tuples(st.integers(1, 12), st.sampled_from([2567, 2568]),
                          st.lists(score, min_size=10, max_size=10)),
                min_size=1, max_size=24, unique_by=lambda r: (r[0], r[1]))


@settings(max_examples=60, deadline=None)
@given(rows)
def test_deltas_cover_every_agency_and_measure_once(data):
    results = frame([(a, "ลำปาง", y, s) for a, y, s in data])
    deltas = compute_deltas(results, 2567, 2568)
    agencies = results["agency_id"].nunique()
    assert len(deltas) == agencies * len(METRICS)
    assert not deltas.duplicated(["agency_id", "metric"]).any()
    missing = deltas["score_from"].isna() | deltas["score_to"].isna()
    assert deltas.loc[missing, "delta"].isna().all()
    assert deltas.loc[missing, "status"].str.startswith("missing").all()
    known = deltas[~missing]
    expected = np.select([known["delta"] > 0.005, known["delta"] < -0.005],
                         ["improved", "declined"], "unchanged")
    assert (known["status"].to_numpy() == expected).all()
    counts = compute_change_counts(deltas).set_index("metric")
    totals = counts[["improved", "declined", "unchanged", "missing"]].sum(axis=1)
    assert (totals == agencies).all()


@settings(max_examples=40, deadline=None)
@given(rows)
def test_ordinary_movement_is_at_least_the_floor(data):
    results = frame([(a, "ลำปาง", y, s) for a, y, s in data])
    movement = compute_ordinary_movement(results)
    assert movement["metric"].tolist() == [m for m in METRICS if m in results.columns]
    known = movement[movement["n"] > 0]
    assert (known["threshold"] >= 0.01).all() and (known["mad"] >= 0).all()
    assert movement.loc[movement["n"] == 0, "threshold"].isna().all()


def test_scores_only_frames_give_the_same_deltas(demo_results):
    """A caller that shows no names may load scores only: every number and label is the same."""
    pair = demo_results[demo_results["year"].isin([2567, 2568])]
    scores_only = pair.drop(columns=["name", "agency_type", "province"])
    full = compute_deltas(pair, 2567, 2568)
    bare = compute_deltas(scores_only, 2567, 2568)
    assert list(bare.columns) == [c for c in full.columns
                                  if c not in ("name", "agency_type", "province")]
    pd.testing.assert_frame_equal(bare, full[bare.columns])
    band = compute_ordinary_movement(demo_results)
    pd.testing.assert_frame_equal(label_changes(bare, band, year_to=2568),
                                  label_changes(full, band, year_to=2568)[
                                      [*bare.columns, "movement", "crossed_level"]])
    agencies = compute_agency_deltas(scores_only, 2567, 2568)
    assert "name" not in agencies and len(agencies) == len(compute_agency_deltas(pair, 2567, 2568))
    # Nong Pla Mo (seed 000): indicator 10 from 2567's "-" to 80 stays missing, never +80.
    row = bare[(bare["agency_id"] == 1) & (bare["metric"] == "i10")].iloc[0]
    assert row["score_to"] == 80 and np.isnan(row["delta"]) and row["status"] == "missing_from"


def test_median_and_mad_from_hundredths_equal_numpys():
    """The ordinary band's and the jump check's median and MAD, found from counts of
    hundredths, equal NumPy's on score changes (odd and even counts), and on values that are
    not whole hundredths (NumPy's own median then)."""
    rng = np.random.default_rng(3)
    for trial in range(2000):
        n = int(rng.integers(1, 60))
        changes = np.round(rng.uniform(0, 100, n), 2) - np.round(rng.uniform(0, 100, n), 2)
        if trial % 4 == 0:
            changes = rng.normal(size=n)
        median = np.median(changes)
        expected = [median, np.median(np.abs(changes - median))]
        assert np.allclose(_median_and_mad(changes), expected, rtol=0, atol=1e-9)
    values = np.array([[1.0, np.nan], [3.0, np.nan], [2.5, np.nan], [10.25, np.nan]])
    count, median, mad = robust_columns(values)
    assert count.tolist() == [4, 0] and median[0] == 2.75 and mad[0] == 1.0
    assert np.isnan(median[1]) and np.isnan(mad[1])


def test_medians_and_mads_of_hundredths_equal_those_of_the_scores():
    """The jump check and the store's changes count whole hundredths, whatever the values
    left where a change is unknown hold: the same count, median and MAD (in hundredths)."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 80))
        changes = np.round(rng.uniform(0, 100, (n, 3)), 2) - np.round(rng.uniform(0, 100, (n, 3)), 2)
        changes[rng.random((n, 3)) < 0.3] = np.nan
        hundredths, known = to_hundredths(changes)
        noisy = np.where(known, hundredths, rng.integers(-9999, 9999, (n, 3))).astype(np.int16)
        count, median, mad = robust_hundredths(noisy, known)
        expected = robust_columns(changes)
        assert count.tolist() == expected[0].tolist()
        assert np.array_equal(median / 100, expected[1], equal_nan=True)
        assert np.array_equal(mad / 100, expected[2], equal_nan=True)


@pytest.mark.parametrize("year_from, year_to", [(2567, 2568), (2565, 2566)])
def test_change_summary_counts_what_the_long_frame_holds(demo_conn, year_from, year_to):
    """The changes page's counts, made metric by metric on the two years' columns, equal
    compute_change_counts and a plain count over the labelled long frame of the demo store
    (across the 2565/2566 rule break too); a level missing or unknown has no rank, so its
    agency's level move is None."""
    pair = store.load_results(demo_conn, years=[year_from, year_to], columns=PAIR_COLUMNS)
    deltas = compute_deltas(pair, year_from, year_to)
    assert isinstance(deltas["metric"].dtype, pd.CategoricalDtype)
    movement = compute_ordinary_movement(pair)
    counts, meaningful = summarise_changes(pair, year_from, year_to, movement)
    pd.testing.assert_frame_equal(counts, compute_change_counts(deltas))
    labelled = label_changes(deltas, movement, year_to=year_to)
    known = labelled[labelled["delta"].notna()].astype({"metric": str, "movement": str})
    meaningful = meaningful.set_index("metric")
    assert meaningful.index.tolist() == [m for m in METRICS if m in set(known["metric"])]
    for metric, rows in known.groupby("metric"):
        beyond = rows["movement"] == "beyond"
        assert meaningful.loc[metric, ["beyond_up", "beyond_down", "within", "crossed"]].tolist() \
            == [int((beyond & (rows["delta"] > 0)).sum()), int((beyond & (rows["delta"] < 0)).sum()),
                int((rows["movement"] == "within").sum()), int(rows["crossed_level"].sum())]
    band = movement.set_index("metric").loc[meaningful.index]
    assert meaningful["threshold"].tolist() == band["threshold"].tolist()
    assert meaningful["within"].sum() > 1000 and meaningful["crossed"].sum() > 100
    odd = pair[pair["year"] == year_to].head(2).copy()
    odd["level"] = [None, "ไม่มีระดับนี้"]
    odd = pd.concat([odd.assign(year=2567), odd.assign(year=2568)])
    assert compute_agency_deltas(odd, 2567, 2568)["level_move"].tolist() == [None, None]
