"""Level distribution per year under each year's own rule, and pass rates."""

from __future__ import annotations

import pandas as pd

from ita_analytics.domain import NATIONAL_PASS_TARGET, rule_for_year


def compute_level_distribution(results: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts and shares of agencies per level, per year [and group].

    Input: ``store.load_results`` columns year, level (computed under the year's rule).
    Agency-years whose level cannot be determined (missing scores) are counted under
    level None so the counts always add up to the agencies assessed.
    Output columns: year, [by], level, rank, count, share. Levels are ordered best first
    within each year's own rule; years before and after 2566 use different bands.
    """
    keys = ["year"] + ([by] if by else [])
    if results.empty:
        return pd.DataFrame(columns=keys + ["level", "rank", "count", "share"])
    counts = (results.assign(level=results["level"].fillna("ไม่ทราบ"))
              .groupby(keys + ["level"], dropna=False).size().rename("count").reset_index())
    counts["share"] = counts["count"] / counts.groupby(keys)["count"].transform("sum")
    order = {}
    for year in counts["year"].unique():
        rule = rule_for_year(int(year))
        for level in rule.levels:
            order[(year, level.name_th)] = level.rank
    counts["rank"] = [order.get((y, lv), 0) for y, lv in zip(counts["year"], counts["level"])]
    return counts.sort_values(keys + ["rank"], ascending=[True] * len(keys) + [False],
                              ignore_index=True)[keys + ["level", "rank", "count", "share"]]


def compute_pass_rates(results: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Pass rate (total ≥ 85) per year [and group], the measure comparable across all years.

    Output columns: year, [by], assessed (agency-years with a total), passed, pass_rate,
    target, meets_target.
    """
    keys = ["year"] + ([by] if by else [])
    known = results.dropna(subset=["total"])
    if known.empty:
        return pd.DataFrame(columns=keys + ["assessed", "passed", "pass_rate", "target",
                                            "meets_target"])
    # A column of 0/1 summed per group: a Python lambda per group is ~10x slower at scale.
    known = known.assign(_passed=known["passed"].fillna(False).astype("Int64"))
    out = known.groupby(keys).agg(assessed=("total", "size"), passed=("_passed", "sum"))
    out["pass_rate"] = out["passed"] / out["assessed"]
    out["target"] = NATIONAL_PASS_TARGET
    out["meets_target"] = out["pass_rate"] >= NATIONAL_PASS_TARGET
    return out.reset_index()
