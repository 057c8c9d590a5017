"""Item-level analyses: indicators 9/10 reproduced from OIT items, contradictions with stored
scores, an agency-year's weak items and missing evidence, and a group's item pass rates and movers.

Inputs are item rows as ``store.load_items`` / ``store.load_item_values`` give them
(agency_id, year, item, tool, score, passed), for the checks ``store.load_results`` rows, and
for a group's views the counts the store makes (``load_item_counts``, ``load_item_pairs``) or
their pandas twins here (:func:`count_item_values`, :func:`pair_item_values`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.domain import ACTION_BY_CODE, INDICATOR_BY_NUMBER, action_levels_for, round2_array
from ita_analytics.items import (
    OIT_RULES,
    SURVEY_RULE_NOTE_EN,
    SURVEY_RULE_NOTE_TH,
    item_info,
    item_info_frame,
    item_sort_key,
)
from ita_analytics.recommendations import recommendation_for

WEAK_ITEM_THRESHOLD = ACTION_BY_CODE["maintain"].min_score
"""An item scored below the "maintain" line (95) is one to improve, as an indicator would be."""

CONTRADICTION_TOLERANCE = 0.01
"""Points a reproduced indicator may differ from the stored one (the last published digit)."""

SUB_RATE_COLUMNS = ["agency_id", "year", "indicator", "sub_indicator", "n_items", "n_known",
                    "n_passed", "rate"]
OIT_INDICATOR_COLUMNS = ["agency_id", "year", "rule_status", "i9", "i10"]
CONTRADICTION_COLUMNS = ["agency_id", "year", "indicator", "stored", "from_items", "difference",
                         "rule_status"]
FLAGGED_COLUMNS = ["item", "tool", "indicator", "sub_indicator", "name_th", "name_status",
                   "score", "passed", "reason", "action", "action_th", "recommendation_th",
                   "actions_th"]
GROUP_COLUMNS = ["item", "tool", "indicator", "sub_indicator", "name_th", "name_status", "n",
                 "mean_score", "n_below", "share_below", "share_passed", "n_not_passed",
                 "share_not_passed"]
MOVER_COLUMNS = ["item", "tool", "indicator", "sub_indicator", "name_th", "n", "value_from",
                 "value_to", "delta", "comparable"]


def _pass_flags(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(known, passed, not passed) as NumPy booleans from a pass column with missing values."""
    passed = pd.array(values, dtype="boolean")
    known = ~np.asarray(passed.isna(), dtype=bool)
    ok = passed.to_numpy(dtype=bool, na_value=False)
    return known, ok, known & ~ok


# --- reproducing indicators 9 and 10 ---------------------------------------------------------------

def _membership() -> pd.DataFrame:
    """(year, item, indicator, sub_indicator, sub_size) of every year with an OIT rule."""
    rows = []
    for year, rule in OIT_RULES.items():
        for sub, codes in rule.sub_indicators().items():
            indicator = int(sub.split(".")[0])
            rows += [(year, code, indicator, sub, len(codes)) for code in codes]
    return pd.DataFrame(rows, columns=["year", "item", "indicator", "sub_indicator", "sub_size"])


def compute_sub_indicator_rates(items: pd.DataFrame) -> pd.DataFrame:
    """Each OIT sub-indicator's pass rate per agency-year, for years whose rule is known.

    Input columns: agency_id, year, item, passed. Output: :data:`SUB_RATE_COLUMNS` — n_items
    the sub-indicator's size in the catalogue, n_known the items with a pass value, rate the
    passed share × 100 (NaN unless every item of the sub-indicator is known).
    """
    oit = items.loc[items["item"].str.startswith("o") & items["year"].isin(list(OIT_RULES)),
                    ["agency_id", "year", "item", "passed"]]
    if oit.empty:
        return pd.DataFrame(columns=SUB_RATE_COLUMNS)
    merged = oit.merge(_membership(), on=["year", "item"], how="inner")
    known, ok, _ = _pass_flags(merged["passed"])
    merged = merged.assign(known=known, ok=ok)
    out = (merged.groupby(["agency_id", "year", "indicator", "sub_indicator"], sort=True)
           .agg(n_items=("sub_size", "first"), n_known=("known", "sum"), n_passed=("ok", "sum"))
           .reset_index())
    complete = out["n_known"] == out["n_items"]
    out["rate"] = np.where(complete, 100.0 * out["n_passed"] / out["n_items"], np.nan)
    return out[SUB_RATE_COLUMNS]


def compute_oit_indicators(items: pd.DataFrame) -> pd.DataFrame:
    """Indicators 9 and 10 from OIT items under the year's rule (:data:`OIT_RULES`).

    Each indicator is the equal-weight mean of its sub-indicators' pass rates, rounded to two
    decimals as published; NaN when any of its sub-indicators is incomplete. Years without a
    known rule are left out. Input columns: agency_id, year, item, passed. Output:
    :data:`OIT_INDICATOR_COLUMNS` (rule_status "verified" or "presumed").
    """
    rates = compute_sub_indicator_rates(items)
    if rates.empty:
        return pd.DataFrame(columns=OIT_INDICATOR_COLUMNS)
    sizes = {(y, n): sum(1 for s in r.sub_indicators() if s.startswith(f"{n}."))
             for y, r in OIT_RULES.items() for n in (9, 10)}
    per = (rates.groupby(["agency_id", "year", "indicator"])
           .agg(total=("rate", "sum"), n_subs=("sub_indicator", "size"),
                n_rated=("rate", "count")).reset_index())
    expected = [sizes[(int(y), int(n))] for y, n in zip(per["year"], per["indicator"])]
    whole = (per["n_subs"] == expected) & (per["n_rated"] == per["n_subs"])
    per["value"] = np.where(whole, per["total"] / np.maximum(per["n_subs"], 1), np.nan)
    wide = per.pivot_table(index=["agency_id", "year"], columns="indicator", values="value",
                           dropna=False).reindex(columns=[9, 10])
    out = pd.DataFrame({"agency_id": wide.index.get_level_values(0).astype("int64"),
                        "year": wide.index.get_level_values(1).astype("int64"),
                        "i9": round2_array(wide[9].to_numpy()),
                        "i10": round2_array(wide[10].to_numpy())})
    out["rule_status"] = out["year"].map(lambda y: OIT_RULES[int(y)].status)
    return out[OIT_INDICATOR_COLUMNS].reset_index(drop=True)


def compute_item_contradictions(reproduced: pd.DataFrame, results: pd.DataFrame,
                                tolerance: float = CONTRADICTION_TOLERANCE) -> pd.DataFrame:
    """Stored indicator scores that the agency's own OIT items contradict.

    Input: :func:`compute_oit_indicators` output and ``store.load_results`` rows (agency_id,
    year, i9, i10). Output: :data:`CONTRADICTION_COLUMNS`, one row per indicator whose stored
    score differs from the one its items give by more than ``tolerance`` (difference = stored −
    from items). Indicators 1–8 are never checked: their rule is not known.
    """
    if reproduced.empty or results.empty:
        return pd.DataFrame(columns=CONTRADICTION_COLUMNS)
    stored = results[["agency_id", "year", "i9", "i10"]].astype({"agency_id": "int64",
                                                                 "year": "int64"})
    both = reproduced.merge(stored, on=["agency_id", "year"], suffixes=("_items", "_stored"))
    parts = []
    for n in (9, 10):
        part = pd.DataFrame({"agency_id": both["agency_id"], "year": both["year"], "indicator": n,
                             "stored": both[f"i{n}_stored"].astype("float64"),
                             "from_items": both[f"i{n}_items"].astype("float64"),
                             "rule_status": both["rule_status"]})
        part["difference"] = round2_array(part["stored"] - part["from_items"])
        parts.append(part[part["difference"].abs() > tolerance + 1e-9])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["year", "agency_id", "indicator"])[CONTRADICTION_COLUMNS] \
        .reset_index(drop=True)


# --- an agency-year -----------------------------------------------------------------------------

def indicator_advice(indicator) -> tuple[str | None, tuple[str, ...]]:
    """(what assessors remark on, recommended actions) for an indicator, from the library the
    report uses; (None, ()) when the indicator is not known."""
    if indicator is None or pd.isna(indicator) or int(indicator) not in INDICATOR_BY_NUMBER:
        return None, ()
    rec = recommendation_for(int(indicator))
    return rec.focus_th, rec.actions_th


def with_catalogue(items: pd.DataFrame) -> pd.DataFrame:
    """``items`` (with year and item) and what the catalogue says of each: indicator,
    sub_indicator, name_th (None when unknown) and name_status."""
    return pd.concat([items.reset_index(drop=True),
                      item_info_frame(items.reset_index(drop=True))], axis=1)


def compute_flagged_items(items: pd.DataFrame, threshold: float = WEAK_ITEM_THRESHOLD
                          ) -> pd.DataFrame:
    """An agency-year's items that hold it back: question items scored below ``threshold`` and
    OIT evidence not passed, each with its indicator's recommendation.

    Input: item rows of one agency-year (year, item, tool, score, passed). Output:
    :data:`FLAGGED_COLUMNS`, by indicator (unknown last) then item; ``reason`` is
    "below_threshold" or "not_passed"; items without a value are not listed.
    """
    if items.empty:
        return pd.DataFrame(columns=FLAGGED_COLUMNS)
    frame = with_catalogue(items)
    is_oit = (frame["tool"] == "OIT").to_numpy()
    not_passed = is_oit & _pass_flags(frame["passed"])[2]
    weak = ~is_oit & (frame["score"].astype("float64") < threshold - 1e-9).to_numpy()
    out = frame[not_passed | weak].copy()
    out["reason"] = np.where(not_passed[not_passed | weak], "not_passed", "below_threshold")
    out["action"] = action_levels_for(out["score"].astype("float64"))
    out["action_th"] = out["action"].map(lambda c: ACTION_BY_CODE[c].name_th if c else None)
    advice = [indicator_advice(n) for n in out["indicator"]]
    out["recommendation_th"] = [a[0] for a in advice]
    out["actions_th"] = [a[1] for a in advice]
    out["_order"] = [item_sort_key(c) for c in out["item"]]
    out = out.sort_values(["indicator", "_order"], na_position="last", kind="stable")
    return out[FLAGGED_COLUMNS].reset_index(drop=True)


def agency_indicator_check(items: pd.DataFrame, stored: dict[int, float | None]) -> dict:
    """Indicators 9 and 10 of one agency-year from its items, beside the stored ones.

    ``stored`` maps 9 and 10 to the stored scores (None when missing). Returns, per indicator
    number, ``stored``, ``from_items`` (None when the rule is unknown or items are missing),
    ``sub_indicators`` (rate per sub-indicator), ``rule_status`` and ``contradiction``; and
    the note that indicators 1–8 are not reproduced.
    """
    years = set(int(y) for y in items["year"]) if len(items) else set()
    year = years.pop() if len(years) == 1 else None
    rule = OIT_RULES.get(year) if year is not None else None
    rates = compute_sub_indicator_rates(items) if rule else pd.DataFrame(columns=SUB_RATE_COLUMNS)
    reproduced = compute_oit_indicators(items) if rule else pd.DataFrame(
        columns=OIT_INDICATOR_COLUMNS)
    out: dict = {}
    for n in (9, 10):
        value = None
        if len(reproduced) and pd.notna(reproduced[f"i{n}"].iloc[0]):
            value = float(reproduced[f"i{n}"].iloc[0])
        have = stored.get(n)
        have = None if have is None or pd.isna(have) else float(have)
        subs = rates[rates["indicator"] == n]
        out[n] = {
            "stored": have, "from_items": value,
            "sub_indicators": {s: (None if pd.isna(r) else round(float(r), 2))
                               for s, r in zip(subs["sub_indicator"], subs["rate"])},
            "rule_status": rule.status if rule else None,
            "contradiction": (value is not None and have is not None
                              and abs(round(have - value, 2)) > CONTRADICTION_TOLERANCE + 1e-9),
        }
    return {"indicators": out,
            "rule_note_th": rule.note_th if rule else (
                f"ยังไม่ทราบกฎการคำนวณตัวชี้วัดที่ 9–10 จากรายข้อของปี {year}" if year else None),
            "rule_note_en": rule.note_en if rule else (
                f"The rule making indicators 9–10 from items is not known for {year}" if year
                else None),
            "survey_note_th": SURVEY_RULE_NOTE_TH, "survey_note_en": SURVEY_RULE_NOTE_EN}


# --- a group ----------------------------------------------------------------------------------------

COUNT_COLUMNS = ["year", "item", "tool", "n", "score_sum", "n_below", "n_pass_known", "n_passed"]
PAIR_COLUMNS = ["item", "tool", "n", "sum_from", "sum_to"]


def count_item_values(values: pd.DataFrame, threshold: float = WEAK_ITEM_THRESHOLD) -> pd.DataFrame:
    """Item rows counted per year and item, as ``store.load_item_counts`` counts them in SQL.

    Input columns: agency_id, year, item, tool, score, passed. Output: :data:`COUNT_COLUMNS`.
    """
    if values.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    score = values["score"].astype("float64")
    known, ok, _ = _pass_flags(values["passed"])
    work = pd.DataFrame({"year": values["year"].to_numpy(), "item": values["item"].to_numpy(),
                         "tool": values["tool"].to_numpy(), "has": score.notna().to_numpy(),
                         "score": score.fillna(0).to_numpy(),
                         "below": (score < threshold).to_numpy(), "known": known, "ok": ok})
    out = (work.groupby(["year", "item", "tool"], sort=False)
           .agg(n=("has", "sum"), score_sum=("score", "sum"), n_below=("below", "sum"),
                n_pass_known=("known", "sum"), n_passed=("ok", "sum")).reset_index())
    return out[COUNT_COLUMNS]


def compute_item_pass_rates(counts: pd.DataFrame, year: int) -> pd.DataFrame:
    """How a group did on each item in ``year``: for OIT items how many agencies did not pass
    it, for question items the mean score and how many scored below the threshold counted.

    Input: :data:`COUNT_COLUMNS` rows (``store.load_item_counts`` or :func:`count_item_values`).
    Output: :data:`GROUP_COLUMNS` (shares of the agencies with a value for the item), OIT items
    most often not passed first, then question items lowest mean first; ties in item order.
    """
    out = counts[counts["year"] == year].reset_index(drop=True)
    if out.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    is_oit = out["tool"] == "OIT"
    n = out["n"].astype("float64").where(out["n"] > 0)
    known = out["n_pass_known"].astype("float64").where(out["n_pass_known"] > 0)
    out = out.assign(
        mean_score=pd.Series(round2_array(out["score_sum"] / n), index=out.index).where(~is_oit),
        share_below=(out["n_below"] / n).where(~is_oit),
        n_below=out["n_below"].where(~is_oit),
        share_passed=(out["n_passed"] / known).where(is_oit),
        n_not_passed=(out["n_pass_known"] - out["n_passed"]).where(is_oit),
        share_not_passed=((out["n_pass_known"] - out["n_passed"]) / known).where(is_oit))
    out = pd.concat([out, item_info_frame(out)], axis=1)
    out["_order"] = [item_sort_key(c) for c in out["item"]]
    out["_oit"] = ~is_oit
    out = out.sort_values(["_oit", "share_not_passed", "mean_score", "_order"],
                          ascending=[True, False, True, True], na_position="last", kind="stable")
    return out[GROUP_COLUMNS].reset_index(drop=True)


def _same_item(code: str, year_from: int, year_to: int) -> bool | None:
    """Whether ``code`` names the same item in both years: True when the catalogue gives it the
    same name, False when the names differ, None when either is unknown."""
    a, b = item_info(year_from, code), item_info(year_to, code)
    if a.name_th is None or b.name_th is None:
        return None
    return a.name_th == b.name_th


def pair_item_values(values: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    """Per item, the agencies with a value in both years and the values' sums, as
    ``store.load_item_pairs`` sums them in SQL. The value of an item is its score (question
    items) or 100 / 0 for passed / not (OIT items). Output: :data:`PAIR_COLUMNS`."""
    def values_of(year: int) -> pd.DataFrame:
        part = values[values["year"] == year]
        known, ok, _ = _pass_flags(part["passed"])
        value = np.where(part["tool"].to_numpy() == "OIT", np.where(known, 100.0 * ok, np.nan),
                         part["score"].astype("float64").to_numpy())
        return pd.DataFrame({"agency_id": part["agency_id"].to_numpy(),
                             "item": part["item"].to_numpy(), "tool": part["tool"].to_numpy(),
                             "value": value}).dropna(subset=["value"])
    pairs = values_of(year_from).merge(values_of(year_to), on=["agency_id", "item", "tool"],
                                       suffixes=("_from", "_to"))
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    out = (pairs.groupby(["item", "tool"], sort=False)
           .agg(n=("agency_id", "size"), sum_from=("value_from", "sum"),
                sum_to=("value_to", "sum")).reset_index())
    return out[PAIR_COLUMNS]


def compute_item_movers(pairs: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    """Which items moved most between two years, over the agencies with the item in both.

    Input: :data:`PAIR_COLUMNS` rows (``store.load_item_pairs`` or :func:`pair_item_values`).
    Output: :data:`MOVER_COLUMNS` — the mean value in each year (OIT items: percent passed)
    and its change, biggest absolute change first; ``comparable`` is False when the catalogue
    names the code differently in the two years (a renumbered list), None when a name is
    unknown.
    """
    if pairs.empty:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    out = pairs.reset_index(drop=True)
    n = out["n"].astype("float64")
    out = out.assign(value_from=round2_array(out["sum_from"] / n),
                     value_to=round2_array(out["sum_to"] / n))
    out["delta"] = round2_array(out["value_to"] - out["value_from"])
    out = pd.concat([out, item_info_frame(out.assign(year=year_to))], axis=1)
    out["comparable"] = pd.Series([_same_item(c, year_from, year_to) for c in out["item"]],
                                  dtype=object, index=out.index)
    out["_size"] = out["delta"].abs()
    out["_order"] = [item_sort_key(c) for c in out["item"]]
    out = out.sort_values(["_size", "_order"], ascending=[False, True], kind="stable")
    return out[MOVER_COLUMNS].reset_index(drop=True)
