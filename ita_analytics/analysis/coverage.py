"""Coverage: how much of a year's agencies the store (or a file) holds, and which years are partial.

Files arrive a province or an agency at a time; a year holding 7 of 8,317 agencies must not
become a view's headline nor bend its trend lines as if it were a national year.
"""

from __future__ import annotations

import pandas as pd

from ita_analytics.domain import national_agencies

COVERAGE_COLUMNS = ["year", "agencies", "expected", "share", "partial"]


def _expected(year: int, earlier: list[int], national: bool, largest: int) -> int:
    """The agencies a year should have: in an unfiltered view the national count, or more if an
    earlier stored year had more (a stress store); in a filtered view the most any earlier
    year had, and for its first year the most any of its years has."""
    if national:
        return max([national_agencies(year), *earlier])
    return max(earlier) if earlier else largest


def compute_year_coverage(year_counts: dict[int, int], *, national: bool = True,
                          complete_share: float = 0.9) -> pd.DataFrame:
    """Per year: agencies with results, the agencies expected, their share and whether the year
    is partial (share under ``complete_share``).

    ``year_counts``: agencies with results per year under a view's filters; ``national``: the
    view is unfiltered, so the national count is what the first year should have.
    Output columns: year, agencies, expected, share, partial (ascending years).
    """
    rows = []
    years = sorted(int(y) for y in year_counts)
    largest = max(year_counts.values(), default=0)
    for i, year in enumerate(years):
        agencies = int(year_counts[year])
        expected = _expected(year, [int(year_counts[y]) for y in years[:i]], national, largest)
        share = agencies / expected if expected else 1.0
        rows.append((year, agencies, expected, share, share < complete_share))
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS).astype(
        {"year": "int64", "agencies": "int64", "expected": "int64", "share": "float64",
         "partial": "bool"})


def latest_complete_year(coverage: pd.DataFrame) -> int | None:
    """The latest year that is not partial; the latest year of all when every year is partial
    (a store of one province's files), None for no years."""
    if coverage.empty:
        return None
    complete = coverage.loc[~coverage["partial"], "year"]
    return int(complete.max() if len(complete) else coverage["year"].max())


def compute_import_coverage(year: int, agencies: int, year_counts: dict[int, int]) -> dict:
    """A file's coverage of its year: ``agencies`` it names against the agencies with results
    in the store's previous year (the latest stored year before it), or the national count
    when the store has none. Keys: year, agencies, expected, share."""
    earlier = [y for y in year_counts if int(y) < int(year) and year_counts[y]]
    expected = int(year_counts[max(earlier)]) if earlier else national_agencies(int(year))
    return {"year": int(year), "agencies": int(agencies), "expected": expected,
            "share": round(agencies / expected, 4) if expected else None}
