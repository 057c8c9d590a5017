"""Coverage of a year: a province's file is not a national year."""

from __future__ import annotations

from ita_analytics.analysis.coverage import (
    compute_import_coverage,
    compute_year_coverage,
    latest_complete_year,
)
from ita_analytics.domain import national_agencies


def test_a_partial_year_is_marked_and_never_the_headline():
    # The demo store's years, then 7 agencies of 2569 imported (issue 16's example).
    counts = {2566: 8300, 2567: 8310, 2568: 8317, 2569: 7}
    coverage = compute_year_coverage(counts)
    assert coverage["partial"].tolist() == [False, False, False, True]
    row = coverage.iloc[-1]
    assert (row["agencies"], row["expected"]) == (7, 8317) and row["share"] < 0.001
    assert latest_complete_year(coverage) == 2568


def test_the_first_year_is_measured_against_the_national_count_only_when_unfiltered():
    assert national_agencies(2568) == 8317 and national_agencies(2564) == 8303
    national = compute_year_coverage({2568: 39})
    assert national.iloc[0]["expected"] == 8317 and bool(national.iloc[0]["partial"])
    # A province's view: its own largest year is what a year should have.
    province = compute_year_coverage({2567: 120, 2568: 118}, national=False)
    assert province["expected"].tolist() == [120, 120] and not province["partial"].any()
    assert latest_complete_year(province) == 2568


def test_the_share_that_counts_as_complete_is_settable():
    counts = {2567: 100, 2568: 85}
    assert compute_year_coverage(counts, national=False)["partial"].tolist() == [False, True]
    assert not compute_year_coverage(counts, national=False, complete_share=0.8)["partial"].any()


def test_every_year_partial_falls_back_to_the_latest_and_no_years_to_none():
    coverage = compute_year_coverage({2562: 3, 2566: 10})
    assert coverage["partial"].all() and latest_complete_year(coverage) == 2566
    assert latest_complete_year(compute_year_coverage({})) is None


def test_import_coverage_against_the_previous_year_or_the_national_count():
    assert compute_import_coverage(2569, 7, {2567: 8310, 2568: 8317}) == {
        "year": 2569, "agencies": 7, "expected": 8317, "share": round(7 / 8317, 4)}
    assert compute_import_coverage(2568, 39, {}) == {
        "year": 2568, "agencies": 39, "expected": 8317, "share": round(39 / 8317, 4)}
    # Re-importing a stored year: still measured against the year before it.
    assert compute_import_coverage(2568, 8317, {2567: 8310, 2568: 8317})["expected"] == 8310
