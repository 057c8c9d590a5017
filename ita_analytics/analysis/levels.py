"""Level distribution per year under each year's own rule, and pass rates."""

from __future__ import annotations

import pandas as pd

from ita_analytics.domain import NATIONAL_PASS_TARGET, rule_for_year


def compute_level_distribution(results: pd.DataFrame, by: str | None = None,
                               weights: str | None = None) -> pd.DataFrame:
    """Counts and shares of agencies per level, per year [and group].

    Input: ``store.load_results`` columns year, level (computed under the year's rule), or
    rows already counted, with ``weights`` naming the column of how many agency-years each
    row stands for (``store.load_level_counts``).
    Agency-years whose level cannot be determined (missing scores) are counted under
    level None so the counts always add up to the agencies assessed.
    Output columns: year, [by], level, rank, count, share. Levels are ordered best first
    within each year's own rule; years before and after 2566 use different bands.
    """
    keys = ["year"] + ([by] if by else [])
    if results.empty:
        return pd.DataFrame(columns=keys + ["level", "rank", "count", "share"])
    grouped = (results.assign(level=results["level"].fillna("ไม่ทราบ"))
               .groupby(keys + ["level"], dropna=False))
    counts = (grouped[weights].sum() if weights else grouped.size()).rename(
        "count").reset_index()
    counts["share"] = counts["count"] / counts.groupby(keys)["count"].transform("sum")
    order = {}
    for year in counts["year"].unique():
        rule = rule_for_year(int(year))
        for level in rule.levels:
            order[(year, level.name_th)] = level.rank
    counts["rank"] = [order.get((y, lv), 0) for y, lv in zip(counts["year"], counts["level"])]
    return counts.sort_values(keys + ["rank"], ascending=[True] * len(keys) + [False],
                              ignore_index=True)[keys + ["level", "rank", "count", "share"]]


def compute_pass_rates(results: pd.DataFrame, by: str | None = None,
                       weights: str | None = None) -> pd.DataFrame:
    """Pass rate (total ≥ 85) per year [and group], the metric comparable across all years.

    ``weights`` names a column of how many agency-years each row stands for (rows already
    counted, as ``store.load_level_counts`` gives them; total is then any value where known).
    Output columns: year, [by], assessed (agency-years whose pass is known: from a total, or
    from a published level that implies it), passed, pass_rate, target, meets_target.
    """
    keys = ["year"] + ([by] if by else [])
    known = results[results["passed"].notna()]
    if known.empty:
        return pd.DataFrame(columns=keys + ["assessed", "passed", "pass_rate", "target",
                                            "meets_target"])
    # A column of 0/1 summed per group: a Python lambda per group is ~10x slower at scale.
    weight = known[weights].to_numpy(dtype="int64") if weights else 1
    known = known.assign(_passed=known["passed"].fillna(False).astype("Int64") * weight,
                         _rows=weight)
    out = known.groupby(keys).agg(assessed=("_rows", "sum"), passed=("_passed", "sum"))
    out["pass_rate"] = out["passed"] / out["assessed"]
    out["target"] = NATIONAL_PASS_TARGET
    out["meets_target"] = out["pass_rate"] >= NATIONAL_PASS_TARGET
    return out.reset_index()


def _levels_of(results: pd.DataFrame, year: int) -> pd.DataFrame:
    """One year's rows by agency id: names and places (those present), total, level, passed."""
    cols = [c for c in ("agency_id", "name", "agency_type", "province", "total", "level", "passed")
            if c in results.columns]
    return results.loc[results["year"] == year, cols].set_index("agency_id")


def compute_level_transitions(results: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    """From-level × to-level counts of agencies assessed in both years.

    Output columns: level_from, level_to, count. A level that cannot be determined is
    "ไม่ทราบ" (unknown). Across 2565/2566 the two sides use different rules.
    """
    a = _levels_of(results, year_from)
    b = _levels_of(results, year_to)
    both = a[["level"]].add_suffix("_from").join(b[["level"]].add_suffix("_to"), how="inner")
    if both.empty:
        return pd.DataFrame(columns=["level_from", "level_to", "count"])
    both = both.fillna("ไม่ทราบ")
    return both.groupby(["level_from", "level_to"]).size().rename("count").reset_index()


def compute_pass_crossings(results: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    """Agencies whose total crossed the pass line (85) between two years, either way.

    Output columns: agency_id, name, agency_type, province, total_from, total_to, direction
    (up | down); rises first, then falls, each by size of the change.
    """
    a = _levels_of(results, year_from)
    b = _levels_of(results, year_to)
    later = b.rename(columns={"total": "total_to", "passed": "passed_to", "level": "level_to"})
    both = a[["total", "passed"]].add_suffix("_from").join(later, how="inner")
    both = both.dropna(subset=["total_from", "total_to"])
    crossed = both[both["passed_from"].astype(bool) != both["passed_to"].astype(bool)].copy()
    crossed["direction"] = crossed["passed_to"].astype(bool).map({True: "up", False: "down"})
    crossed["change"] = crossed["total_to"] - crossed["total_from"]
    crossed = crossed.sort_values(["direction", "change"], ascending=[False, False])
    crossed = crossed.reset_index()
    return crossed[["agency_id", "name", "agency_type", "province", "total_from", "total_to",
                    "direction"]]
