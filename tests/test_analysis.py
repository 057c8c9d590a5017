"""Analyses on hand-built frames with known answers, on the seeds' agencies, and by properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ita_analytics.analysis.benchmark import compute_benchmark, percentile_rank, select_peers
from ita_analytics.analysis.checks import compute_checks
from ita_analytics.analysis.deltas import (
    compute_agency_deltas,
    compute_change_counts,
    compute_deltas,
    compute_movers,
)
from ita_analytics.analysis.levels import (
    compute_level_distribution,
    compute_level_transitions,
    compute_pass_crossings,
    compute_pass_rates,
)
from ita_analytics.analysis.movement import compute_ordinary_movement, label_changes
from ita_analytics.analysis.next_level import compute_gap_to_next_level
from ita_analytics.analysis.trends import compute_trends
from ita_analytics.analysis.weakest import (
    compute_indicator_distribution,
    compute_weakest,
    compute_weakest_counts,
)
from ita_analytics.domain import compute_results_frame

AGENCY_TYPE = "องค์การบริหารส่วนตำบล"


def frame(rows: list[tuple]) -> pd.DataFrame:
    """A ``load_results``-shaped frame from (agency_id, province, year, [i1..i10]) rows."""
    records = []
    for agency_id, province, year, scores in rows:
        record = {"agency_id": agency_id, "name": f"อบต.{agency_id}", "agency_type": AGENCY_TYPE,
                  "province": province, "district": None, "year": year}
        record.update({f"i{n}": (np.nan if s is None else float(s))
                       for n, s in enumerate(scores, start=1)})
        records.append(record)
    out = pd.DataFrame(records)
    out = pd.concat([out, compute_results_frame(out)], axis=1)
    out["reported_total"] = np.nan
    out["reported_level"] = None
    for tool in ("IIT", "EIT", "OIT"):
        out[f"reported_{tool}"] = np.nan
    out["source"] = "test"
    return out


# Nong Pla Mo (seed 000, Table 1): 2568, and 2567 where indicators 6–10 are printed "-".
NONG_PLA_MO_2568 = [100, 100, 100, 100, 100, 98.10, 98.10, 96.83, 90, 80]
NONG_PLA_MO_2567 = [100, 100, 100, 100, 100, None, None, None, None, None]


@pytest.fixture()
def small() -> pd.DataFrame:
    return frame([
        (1, "ขอนแก่น", 2568, NONG_PLA_MO_2568),
        (2, "ขอนแก่น", 2568, [100] * 8 + [95, 95]),
        (3, "ลำปาง", 2568, [90] * 10),
        (4, "ลำปาง", 2568, [80] * 10),
        (1, "ขอนแก่น", 2567, NONG_PLA_MO_2567),
        (2, "ขอนแก่น", 2567, [100] * 8 + [95, 95]),
        (3, "ลำปาง", 2567, [70] * 10),
        (5, "ลำปาง", 2567, [88] * 10),
    ])


def test_weakest_ranks_the_seed_agency_and_prices_each_gap(small):
    out = compute_weakest(small, 1, 2568)
    assert out["indicator"].tolist()[:3] == [10, 9, 8]
    assert out.loc[0, ["score", "action"]].tolist() == [80.0, "urgent"]
    assert out.loc[1, ["score", "action"]].tolist() == [90.0, "improve"]
    assert out.loc[2, "action"] == "maintain"
    # Peers (all four, same type in 2568): indicator 10 scores 80, 95, 90, 80 → median 85.
    assert out.loc[0, "peer_median"] == 85.0
    assert out.loc[0, "gap_to_100"] == 20.0 and out.loc[0, "gap_to_median"] == 5.0
    # OIT is 40 % of the total over two indicators: 5 points of indicator 10 → 1.00.
    assert out.loc[0, "gain_to_median"] == 1.0
    assert (out.loc[out["indicator"] <= 5, "gain_to_median"] == 0).all()


def test_weakest_counts_count_each_tied_indicator(small):
    counts = compute_weakest_counts(small, 2568).set_index("indicator")["count"]
    # Agency 1: indicator 10; agency 2: 9 and 10 tie; agencies 3 and 4: all ten tie.
    assert counts[10] == 4 and counts[9] == 3 and counts[1] == 2
    dist = compute_indicator_distribution(small, 2568).set_index("indicator")
    assert dist.loc[10, ["n", "median", "min", "max"]].tolist() == [4, 85.0, 80.0, 95.0]


def test_deltas_keep_missing_years_explicit(small):
    deltas = compute_deltas(small, 2567, 2568)
    total = deltas[deltas["metric"] == "total"].set_index("agency_id")
    assert total.loc[3, ["score_from", "score_to", "delta", "status"]].tolist() == \
        [70.0, 90.0, 20.0, "improved"]
    assert total.loc[4, "status"] == "missing_from" and np.isnan(total.loc[4, "delta"])
    assert total.loc[5, "status"] == "missing_to" and np.isnan(total.loc[5, "delta"])
    assert total.loc[2, "status"] == "unchanged"
    # The seed's "-" in 2567 leaves Nong Pla Mo's indicator 6 and total without a change.
    seed = deltas[deltas["agency_id"] == 1].set_index("metric")
    assert seed.loc["i1", "status"] == "unchanged" and seed.loc["i6", "status"] == "missing_from"
    assert total.loc[1, "status"] == "missing_from"
    counts = compute_change_counts(deltas).set_index("metric")
    assert counts.loc["total"].tolist() == [1, 0, 1, 3]  # improved, declined, unchanged, missing
    agency = compute_agency_deltas(small, 2567, 2568).set_index("agency_id")
    # Agency 3 went from 70 (ไม่ผ่าน … both years use the 2566+ rule) to 90.
    assert agency.loc[3, "level_move"] == "up"
    assert agency.loc[2, "level_move"] == "same"
    risers, fallers = compute_movers(agency.reset_index(), n=5)
    assert risers["agency_id"].tolist() == [3] and fallers.empty


def test_level_transitions_and_pass_crossings(small):
    matrix = compute_level_transitions(small, 2567, 2568)
    cells = {(a, b): n for a, b, n in matrix.itertuples(index=False)}
    assert sum(cells.values()) == 3  # agencies 1, 2, 3 are in both years
    assert cells[("ไม่ผ่าน", "ผ่านดี")] == 1  # agency 3: 70 → 90 with every tool 90
    crossings = compute_pass_crossings(small, 2567, 2568)
    assert crossings[["agency_id", "direction"]].values.tolist() == [[3, "up"]]
    rates = compute_pass_rates(small).set_index("year")
    assert rates.loc[2568, ["assessed", "passed"]].tolist() == [4, 3]
    assert rates.loc[2567, ["assessed", "passed"]].tolist() == [3, 2]  # no 2567 total for 1
    assert cells[("ไม่ทราบ", "ผ่านดี")] == 1  # Nong Pla Mo: 2567 level unknown


def test_benchmark_percentile_and_rank(small):
    bench = compute_benchmark(small, 3, 2568, peers="type")
    # Totals 2568: 93.30, 98.00, 90.00, 80.00 → agency 3 is third of four.
    assert (bench.n, bench.rank) == (4, 3)
    assert bench.percentile == pytest.approx(100 * 1.5 / 4)
    same_province = select_peers(small, 3, 2568, "province")
    assert sorted(same_province["agency_id"]) == [3, 4]
    custom = compute_benchmark(small, 3, 2568, peers=[1])
    assert (custom.n, custom.rank) == (2, 2)


def test_trends_quartiles(small):
    trends = compute_trends(small[small["year"] == 2568], metrics=("total", "i10"))
    row = trends[trends["metric"] == "i10"].iloc[0]
    assert row[["n", "mean", "median", "q1", "q3"]].tolist() == [4, 86.25, 85.0, 80.0, 91.25]


def test_checks_flag_reported_values_and_duplicates(small):
    results = small.copy()
    # Seed 004: โคกสะอาด 2564 reported 74.83 and level "E" (the 2564 bands give C).
    extra = frame([(9, "กาฬสินธุ์", 2564, [None] * 10)])
    extra.loc[0, ["reported_total", "reported_level"]] = [74.83, "E"]
    results.loc[(results["agency_id"] == 2) & (results["year"] == 2568), "reported_total"] = 97.0
    dup = frame([(6, "ลำปาง", 2568, [90] * 10)])
    dup["name"] = "อบต.3"  # same name and province as agency 3
    findings = compute_checks(pd.concat([results, extra, dup], ignore_index=True))
    by_check = findings.groupby("check")["agency_id"].apply(sorted).to_dict()
    assert by_check["level_mismatch"] == [9]
    mismatch = findings[findings["check"] == "level_mismatch"].iloc[0]
    assert (mismatch["found"], mismatch["expected"]) == ("E", "C")
    assert "74.83" in mismatch["message_th"] and "74.83" in mismatch["message_en"]
    assert by_check["total_mismatch"] == [2]
    assert set(by_check["duplicate_agency"]) == {3, 6}
    assert findings.iloc[0]["severity"] == "error"
    # A type or province recorded differently in two years (a per-year frame, as imported).
    per_year = pd.DataFrame({"agency_id": [1, 1, 2, 2], "name": ["a", "a", "b", "b"],
                             "year": [2567, 2568, 2567, 2568],
                             "agency_type": [AGENCY_TYPE, "เทศบาลตำบล", AGENCY_TYPE, AGENCY_TYPE],
                             "province": ["ลำปาง", "ลำปาง", "ลำปาง", "ลำปาง"]})
    changed = compute_checks(small, agency_years=per_year)
    changed = changed[changed["check"] == "agency_type_changed"]
    assert changed[["agency_id", "year", "found", "expected"]].values.tolist() == \
        [[1, 2568, "เทศบาลตำบล", AGENCY_TYPE]]


def test_ordinary_movement_labels_changes():
    # Twelve agencies move +1, eight +3 and one jumps +19: the jump is beyond the ordinary band.
    rows = [(a, "ลำปาง", 2567, [80] * 10) for a in range(1, 22)]
    rows += [(a, "ลำปาง", 2568, [81 if a <= 12 else 83] * 10) for a in range(1, 21)]
    rows += [(21, "ลำปาง", 2568, [99] * 10)]
    results = frame(rows)
    movement = compute_ordinary_movement(results).set_index("metric")
    # Median change +1; absolute deviations: twelve 0, eight 2, one 18 → MAD 0 → band ±0.01.
    assert movement.loc["i1", ["n", "median_change", "mad", "threshold"]].tolist() == \
        [21, 1.0, 0.0, 0.01]
    labelled = label_changes(compute_deltas(results, 2567, 2568), movement.reset_index())
    i1 = labelled[labelled["metric"] == "i1"].set_index("agency_id")
    assert i1.loc[21, "movement"] == "beyond" and i1.loc[1, "movement"] == "within"
    assert bool(i1.loc[21, "crossed_level"])  # 80 → 99 crosses 85 and 95


def test_gap_to_next_level_for_the_seed_agency(small):
    gap = compute_gap_to_next_level(small, 1, 2568)
    assert (gap["current_level"], gap["next_level"]) == ("ผ่านดี", "ผ่านดีเยี่ยม")
    # ผ่านดีเยี่ยม needs a total ≥ 95 (1.70 more) and every tool ≥ 95: OIT (90, 80 → 85)
    # needs ten more points on its mean, 0.4 × 10 = 4.00 total points, which is the least
    # gain that reaches the level (raising indicator 10 to 100).
    assert gap["total"] == 93.30 and gap["points_needed"] == 4.00
    assert gap["possible"] is True
    assert [(s["indicator"], s["from"], s["to"], s["points"]) for s in gap["plan"]] == \
        [(10, 80.0, 100.0, 4.0)]
    top = compute_gap_to_next_level(small, 2, 2568)
    assert top["points_needed"] == 0.0 and top["next_level"] is None


# --- properties -----------------------------------------------------------------------------------

score = st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)))
agency_rows = st.lists(st.tuples(st.sampled_from(["ลำปาง", "ขอนแก่น"]),
                                 st.sampled_from([2564, 2565, 2566, 2568]),
                                 st.lists(score, min_size=10, max_size=10)),
                       min_size=1, max_size=25)


def _numbered(rows):
    return frame([(i + 1, p, y, s) for i, (p, y, s) in enumerate(rows)])


@settings(max_examples=60, deadline=None)
@given(agency_rows)
def test_level_counts_sum_to_the_agencies(rows):
    results = _numbered(rows)
    dist = compute_level_distribution(results)
    assert dist.groupby("year")["count"].sum().to_dict() == \
        results.groupby("year").size().to_dict()
    assert np.allclose(dist.groupby("year")["share"].sum(), 1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=40),
       st.floats(0, 100, allow_nan=False), st.floats(0, 100, allow_nan=False))
def test_percentile_ranks_are_bounded_and_monotone(values, a, b):
    series = pd.Series(values)
    low, high = sorted([a, b])
    p_low, p_high = percentile_rank(series, low), percentile_rank(series, high)
    assert 0 <= p_low <= p_high <= 100


@settings(max_examples=40, deadline=None)
@given(agency_rows)
def test_deltas_of_identical_years_are_zero(rows):
    results = _numbered([(p, 2568, s) for p, _, s in rows])
    copy = results.assign(year=2567)
    deltas = compute_deltas(pd.concat([copy, results], ignore_index=True), 2567, 2568)
    known = deltas.dropna(subset=["score_from"])
    assert (known["delta"] == 0).all()
    assert set(known["status"]) <= {"unchanged"}
    assert deltas.loc[deltas["score_from"].isna(), "status"].eq("missing_from").all()
