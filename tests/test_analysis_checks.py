"""Consistency checks: reported levels and totals per rule, implausible jumps, the seeds' rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ita_analytics import store
from ita_analytics.analysis.checks import (
    FINDING_COLUMNS,
    _beyond_bounds,
    check_jumps,
    compute_checks,
)
from ita_analytics.dashboard.places import findings_table, quality_findings
from tests.test_analysis import NONG_PLA_MO_2568, frame


def reported(year: int, level: str, total: float, scores=None) -> pd.DataFrame:
    """One agency-year with a reported level and total (no indicators unless given)."""
    out = frame([(1, "กาฬสินธุ์", year, scores or [None] * 10)])
    out["reported_total"] = total
    out["reported_level"] = level
    return out


@pytest.mark.parametrize("year, level, total, expected", [
    (2564, "E", 74.83, "C"),          # seed 004: 74.83 is C under the letter bands
    (2564, "C", 74.83, None),
    (2563, "AA", 95.00, None),
    (2563, "A", 95.00, "AA"),
    (2565, "B", 84.99, None),
    (2566, "ผ่านการประเมิน", 89.72, None),     # seed 002
    (2566, "ไม่ผ่านการประเมิน", 89.72, "ผ่านการประเมิน"),
    (2568, "ผ่านดี", 80.00, "ไม่ผ่านการประเมิน"),  # a pass level for a failing total
    (2568, "ผ่านดี", 90.00, None),             # tools unknown: ผ่านดี cannot be refuted
    (2568, "ไม่ผ่าน", 90.00, "ผ่านการประเมิน"),
])
def test_reported_level_against_the_years_rule(year, level, total, expected):
    findings = compute_checks(reported(year, level, total))
    found = findings[findings["check"] == "level_mismatch"]
    if expected is None:
        assert found.empty
    else:
        assert found[["found", "expected", "severity"]].values.tolist() == \
            [[level, expected, "error"]]


def test_reported_level_against_the_computed_one():
    # Nong Pla Mo's indicators give ผ่านดี (OIT 85 < 95): a reported ผ่านดีเยี่ยม is wrong.
    findings = compute_checks(reported(2568, "ผ่านดีเยี่ยม", 93.30, NONG_PLA_MO_2568))
    row = findings[findings["check"] == "level_mismatch"].iloc[0]
    assert (row["found"], row["expected"]) == ("ผ่านดีเยี่ยม", "ผ่านดี")


@pytest.mark.parametrize("reported_total, flagged", [(93.30, False), (93.31, False),
                                                     (93.32, True), (90.00, True)])
def test_reported_total_tolerates_rounding_only(reported_total, flagged):
    results = reported(2568, "ผ่านดี", reported_total, NONG_PLA_MO_2568)
    findings = compute_checks(results)
    hits = findings[findings["check"] == "total_mismatch"]
    assert len(hits) == int(flagged)
    if flagged:
        assert hits.iloc[0][["found", "expected"]].tolist() == [reported_total, 93.30]


def test_an_implausible_jump_is_found_for_its_indicator_only():
    # 30 agencies move +1 on every indicator; agency 31 also jumps +40 on indicator 7.
    rows = [(a, "ลำปาง", 2567, [50] * 10) for a in range(1, 32)]
    rows += [(a, "ลำปาง", 2568, [51] * 10) for a in range(1, 31)]
    rows += [(31, "ลำปาง", 2568, [51] * 6 + [90] + [51] * 3)]
    findings = check_jumps(frame(rows))
    assert findings[["agency_id", "year", "metric", "found"]].values.tolist() == \
        [[31, 2568, "i7", 40.0]]
    assert list(findings.columns) == FINDING_COLUMNS
    # Every other move is the same +1 (MAD 0), so the band is its floor of ±1 point.
    assert findings.iloc[0]["expected"] == 1.0


def test_jumps_are_tested_in_exact_hundredths():
    """A move of exactly the band is not beyond it, although 64.01 − 63.01 is
    1.0000000000000071 in binary floating point; a hundredth more is."""
    rows = [(a, "ลำปาง", y, [50] * 10) for a in range(1, 31) for y in (2567, 2568)]
    rows += [(31, "ลำปาง", 2567, [50] * 6 + [63.01] + [50] * 3),
             (31, "ลำปาง", 2568, [50] * 6 + [64.01] + [50] * 3),
             (32, "ลำปาง", 2567, [50] * 6 + [63.01] + [50] * 3),
             (32, "ลำปาง", 2568, [50] * 6 + [64.02] + [50] * 3)]
    assert 64.01 - 63.01 > 1.0
    findings = check_jumps(frame(rows))
    assert findings[["agency_id", "metric", "found", "expected"]].values.tolist() == \
        [[32, "i7", 1.01, 1.0]]
    assert findings.iloc[0]["message_en"] == \
        "indicator 7 moved +1.01 from the year before, beyond the usual ±1.00"


@pytest.mark.parametrize("seed", range(3))
def test_jump_bounds_select_what_the_band_does(seed):
    rng = np.random.default_rng(seed)
    h = np.arange(-3000, 3001)
    for _ in range(300):
        median = rng.integers(-2000, 2000) / 2
        limit = max(float(rng.uniform(0, 1500)), 100.0) if seed else float(rng.integers(0, 600))
        above, below = _beyond_bounds(median, limit)
        assert np.array_equal((h >= above) | (h <= below), np.abs(h - median) > limit)


def test_findings_table_for_a_download_needs_no_session(demo_results):
    """A download builds its table after the script run: in the language it is given."""
    findings = compute_checks(demo_results)
    table = findings_table(findings, "en")
    assert len(table) == len(findings) and table.columns[0] == "Severity"
    first = findings.iloc[0]
    assert table.iloc[0]["Details"] == first["message_en"]
    assert table.iloc[0]["link"].startswith("agency?") and str(first["agency_id"]) in \
        table.iloc[0]["link"]
    assert findings_table(findings, "th").columns[0] == "ความรุนแรง"


def test_too_few_changes_give_no_jump_findings():
    rows = [(a, "ลำปาง", y, [50 if y == 2567 else 90] * 10) for a in range(1, 5)
            for y in (2567, 2568)]
    assert check_jumps(frame(rows)).empty


def test_seed_004_is_flagged_on_the_demo_store(demo_results):
    findings = compute_checks(demo_results)
    seed = findings[(findings["check"] == "level_mismatch") & (findings["year"] == 2564)
                    & findings["name"].str.contains("โคกสะอาด")]
    assert seed[["found", "expected", "province"]].values.tolist() == [["E", "C", "กาฬสินธุ์"]]
    # Errors come first; the seeds' other reported values agree with their scores.
    assert findings.iloc[0]["severity"] == "error"
    seeds = demo_results[demo_results["source"].str.startswith("seed")]["agency_id"]
    others = findings[findings["agency_id"].isin(seeds) & (findings["check"] != "implausible_jump")]
    assert others["name"].str.contains("โคกสะอาด").all()
    by_year = compute_checks(demo_results, year=2568)
    assert set(by_year["year"].dropna().astype(int)) == {2568}


@pytest.mark.parametrize("chosen", [
    {},
    {"years": [2567, 2568], "provinces": ["ลำปาง"], "agency_types": ["เทศบาลตำบล"]},
])
def test_quality_page_reads_find_what_the_whole_frame_gives(demo_conn, chosen):
    """The quality page runs each check on the few rows it needs; the findings must be those
    of compute_checks over every agency-year loaded with names (here with a duplicate, too)."""
    demo_conn.execute("""INSERT INTO agencies SELECT * REPLACE (999999 AS agency_id)
                         FROM agencies WHERE name = 'เทศบาลตำบลทุ่งผึ้ง'""")
    demo_conn.execute("""INSERT INTO results SELECT * REPLACE (999999 AS agency_id)
                         FROM results r WHERE r.year = 2568 AND r.agency_id =
                         (SELECT agency_id FROM agencies WHERE name = 'เทศบาลตำบลทุ่งผึ้ง'
                          AND agency_id <> 999999)""")
    args = {k: chosen.get(k) for k in ("years", "agency_types", "provinces")}
    expected = compute_checks(store.load_results(demo_conn, **args))
    found = quality_findings(demo_conn, **args)

    def rows(frame):
        return frame.astype(object).where(frame.notna(), None).values.tolist()
    assert len(found) > 20 and set(found["check"]) >= {"implausible_jump", "duplicate_agency"}
    assert rows(found[FINDING_COLUMNS]) == rows(expected[FINDING_COLUMNS])
