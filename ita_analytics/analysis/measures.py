"""Measures against scores: status counts, overdue measures, effect comparison, targets, proposals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ita_analytics.domain import ACTION_LEVELS, action_levels_for
from ita_analytics.measures import STATUS_DONE, STATUSES, fiscal_year_months

UNKNOWN = "unknown"
"""Column of measures whose status the document does not state."""

GROUPINGS = {"agency": ["agency_id", "name", "province"], "province": ["province"],
             "indicator": ["indicator"], "year": ["year"]}


def explode_indicators(measures: pd.DataFrame) -> pd.DataFrame:
    """One row per measure and linked indicator (measures without links are left out).

    Input: ``store.measures.load_measures`` (column ``indicators`` holds lists); output adds
    ``indicator`` (int).
    """
    frame = measures.explode("indicators").rename(columns={"indicators": "indicator"})
    frame = frame[frame["indicator"].notna()].copy()
    frame["indicator"] = frame["indicator"].astype("int64")
    return frame.reset_index(drop=True)


def compute_status_counts(measures: pd.DataFrame, by: str = "agency") -> pd.DataFrame:
    """Measures per status, grouped by agency, province, indicator or year.

    Output: the group columns, ``n``, one column per status (Thai names in
    :data:`STATUSES` order), ``unknown`` (status not stated) and ``done_share`` (done / n).
    For ``by="indicator"`` a measure counts once for each indicator it is linked to.
    """
    keys = GROUPINGS[by]
    frame = explode_indicators(measures) if by == "indicator" else measures
    columns = [*keys, "n", *STATUSES, UNKNOWN, "done_share"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    status = frame["status"].where(frame["status"].isin(STATUSES), UNKNOWN)
    counts = pd.crosstab([frame[k] for k in keys], status)
    counts = counts.reindex(columns=[*STATUSES, UNKNOWN], fill_value=0)
    counts.insert(0, "n", counts.sum(axis=1))
    counts["done_share"] = counts[STATUS_DONE] / counts["n"]
    counts.columns.name = None
    return counts.reset_index().sort_values(keys, ignore_index=True)[columns]


def _month_end(month: pd.Series) -> pd.Series:
    return month + pd.offsets.MonthEnd(0)


def find_overdue(measures: pd.DataFrame, today: date) -> pd.DataFrame:
    """Measures whose end month is over before ``today`` and that are not done.

    A measure with no stated status counts as not done (``status_known`` False says so).
    Output: measure_id, agency_id, name, province, year, title, end_month, status,
    status_known, days_overdue; most overdue first.
    """
    columns = ["measure_id", "agency_id", "name", "province", "year", "title", "end_month",
               "status", "status_known", "days_overdue"]
    if measures.empty:
        return pd.DataFrame(columns=columns)
    ends = _month_end(pd.to_datetime(measures["end_month"]))
    cutoff = pd.Timestamp(today)
    late = measures[ends.notna() & (ends < cutoff) & (measures["status"] != STATUS_DONE)].copy()
    late["status_known"] = late["status"].notna()
    late["days_overdue"] = (cutoff - ends[late.index]).dt.days.astype("int64")
    return late.sort_values(["days_overdue", "measure_id"], ascending=[False, True],
                            ignore_index=True)[columns]


def find_periods_outside_year(measures: pd.DataFrame) -> pd.DataFrame:
    """Measures whose stated period lies outside their fiscal year (a copied old plan?).

    Output: measure_id, name, year, title, period_text, start_month, end_month.
    """
    if measures.empty:
        return measures.reindex(columns=["measure_id", "name", "year", "title", "period_text",
                                         "start_month", "end_month"])
    bounds = measures["year"].map(lambda y: fiscal_year_months(int(y)))
    first = pd.to_datetime(bounds.map(lambda b: b[0]))
    last = pd.to_datetime(bounds.map(lambda b: b[1]))
    start, end = pd.to_datetime(measures["start_month"]), pd.to_datetime(measures["end_month"])
    outside = (end.notna() & (end < first)) | (start.notna() & (start > last))
    return measures.loc[outside, ["measure_id", "name", "year", "title", "period_text",
                                  "start_month", "end_month"]].reset_index(drop=True)


# --- judging: effect comparison -----------------------------------------------------------------

WITH_MEASURE = "with_measure"
WITHOUT_MEASURE = "without_measure"

NOTE_TH = ("เป็นการเปรียบเทียบเชิงสัมพันธ์ ไม่ใช่การพิสูจน์ว่ามาตรการเป็นสาเหตุ: หน่วยงานที่มีมาตรการ"
           "มักเริ่มจากคะแนนต่ำกว่า และคะแนนที่ต่ำมักขยับขึ้นเองในปีถัดไป จึงแสดงการเปรียบเทียบ"
           "ภายในกลุ่มระดับคะแนนเริ่มต้นเดียวกันด้วย และแสดงจำนวนหน่วยงาน (n) ของแต่ละกลุ่ม")
NOTE_EN = ("An association, not proof that the measures caused the change: agencies with a measure "
           "tend to start lower, and low scores tend to rise the next year anyway, so the "
           "comparison is also shown within the same starting action level, with n per group.")


@dataclass
class MeasureEffect:
    """The change of one indicator from ``year_from`` to ``year_to``, agencies with a linked
    measure (of ``measure_year``) against agencies without one.

    ``groups``: group, n, mean_before, mean_change, median_change, share_improved.
    ``by_start``: action (start action-level code), group, n, mean_change.
    ``agencies``: agency_id, name, province, group, before, after, change.
    ``difference``: mean change with minus without (NaN when a group is empty);
    ``adjusted_difference``: the same within start levels, weighted by agencies with a measure.
    """

    indicator: int
    year_from: int
    year_to: int
    measure_year: int
    groups: pd.DataFrame
    by_start: pd.DataFrame
    agencies: pd.DataFrame
    difference: float
    adjusted_difference: float
    note_th: str = NOTE_TH
    note_en: str = NOTE_EN
    n_measures: int = 0
    excluded_no_scores: int = field(default=0)

    def as_dict(self) -> dict:
        def records(frame: pd.DataFrame) -> list[dict]:
            out = frame.replace({np.nan: None}).to_dict(orient="records")
            return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
                    for r in out]
        return {
            "indicator": self.indicator, "from": self.year_from, "to": self.year_to,
            "measure_year": self.measure_year, "n_measures": self.n_measures,
            "groups": records(self.groups), "by_start_level": records(self.by_start),
            "difference": None if np.isnan(self.difference) else round(self.difference, 4),
            "adjusted_difference": (None if np.isnan(self.adjusted_difference)
                                    else round(self.adjusted_difference, 4)),
            "agencies_with_measure_without_scores": self.excluded_no_scores,
            "note_th": self.note_th, "note_en": self.note_en,
        }


def compute_measure_effect(results: pd.DataFrame, measures: pd.DataFrame, indicator: int,
                           year_from: int, year_to: int,
                           measure_year: int | None = None) -> MeasureEffect:
    """Compare indicator ``indicator``'s change ``year_from`` → ``year_to`` between agencies
    with a measure linked to it (in ``measure_year``, default ``year_from``) and the others.

    Input: ``results`` from ``store.load_results`` (agency_id, name, province, year, i1…i10)
    and ``measures`` from ``store.measures.load_measures``. Only agencies scored on the
    indicator in both years are compared; NaN is missing, never zero.
    """
    measure_year = year_from if measure_year is None else measure_year
    col = f"i{indicator}"
    linked = explode_indicators(measures) if not measures.empty else measures
    if not linked.empty:
        linked = linked[(linked["indicator"] == indicator) & (linked["year"] == measure_year)]
    treated = set(linked["agency_id"].astype("int64")) if not linked.empty else set()
    before = results.loc[results["year"] == year_from, ["agency_id", "name", "province", col]]
    after = results.loc[results["year"] == year_to, ["agency_id", col]]
    pairs = before.merge(after, on="agency_id", suffixes=("_before", "_after"))
    pairs = pairs.rename(columns={f"{col}_before": "before", f"{col}_after": "after"})
    pairs = pairs[pairs["before"].notna() & pairs["after"].notna()].copy()
    pairs["change"] = pairs["after"] - pairs["before"]
    pairs["group"] = np.where(pairs["agency_id"].isin(treated), WITH_MEASURE, WITHOUT_MEASURE)
    pairs["action"] = action_levels_for(pairs["before"])

    rows = []
    for group in (WITH_MEASURE, WITHOUT_MEASURE):
        part = pairs[pairs["group"] == group]
        rows.append({"group": group, "n": len(part), "mean_before": part["before"].mean(),
                     "mean_change": part["change"].mean(), "median_change": part["change"].median(),
                     "share_improved": (part["change"] > 0).mean() if len(part) else np.nan})
    groups = pd.DataFrame(rows)
    by_start = (pairs.groupby(["action", "group"]).agg(n=("change", "size"),
                                                       mean_change=("change", "mean"))
                .reset_index())
    rank = by_start["action"].map({a.code: i for i, a in enumerate(ACTION_LEVELS)})
    by_start = by_start.assign(_rank=rank).sort_values(["_rank", "group"], ignore_index=True)
    by_start = by_start.drop(columns="_rank")
    means = groups.set_index("group")["mean_change"]
    difference = float(means[WITH_MEASURE] - means[WITHOUT_MEASURE])
    wide = by_start.pivot(index="action", columns="group", values="mean_change") if len(by_start) \
        else pd.DataFrame()
    weights = by_start[by_start["group"] == WITH_MEASURE].set_index("action")["n"] if len(by_start) \
        else pd.Series(dtype="float64")
    adjusted = np.nan
    if {WITH_MEASURE, WITHOUT_MEASURE} <= set(wide.columns):
        both = wide.dropna()
        w = weights.reindex(both.index).fillna(0)
        if w.sum() > 0:
            adjusted = float(((both[WITH_MEASURE] - both[WITHOUT_MEASURE]) * w).sum() / w.sum())
    agencies = pairs[["agency_id", "name", "province", "group", "before", "after", "change"]]
    return MeasureEffect(indicator, year_from, year_to, measure_year, groups, by_start,
                         agencies.sort_values(["group", "change"], ignore_index=True),
                         difference, adjusted, n_measures=int(linked["measure_id"].nunique())
                         if not linked.empty else 0,
                         excluded_no_scores=len(treated - set(pairs["agency_id"])))


# --- judging: stated targets ----------------------------------------------------------------------

def compare_targets(results: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Targets stated in measures against the scores that followed.

    A target names one indicator, or (``target_indicator`` NaN) applies to every indicator the
    measure is linked to. Scores are read for the measure's year and the year after.
    Output: measure_id, agency_id, name, year, title, indicator, target_from, target_to,
    score_year, score_next, change, verdict ('reached', 'not_reached', 'not_assessed').
    """
    columns = ["measure_id", "agency_id", "name", "year", "title", "indicator", "target_from",
               "target_to", "score_year", "score_next", "change", "verdict"]
    with_target = measures[measures["target_to"].notna()] if not measures.empty else measures
    if with_target.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    scores = results.set_index(["agency_id", "year"]) if not results.empty else None
    for m in with_target.itertuples(index=False):
        numbers = [int(m.target_indicator)] if pd.notna(m.target_indicator) else list(m.indicators)
        for n in numbers:
            def score(year: int, n=n, agency=m.agency_id):
                if scores is None or (agency, year) not in scores.index:
                    return np.nan
                value = scores.loc[(agency, year), f"i{n}"]
                return float(value.iloc[0] if isinstance(value, pd.Series) else value)
            now, nxt = score(int(m.year)), score(int(m.year) + 1)
            verdict = ("not_assessed" if np.isnan(nxt)
                       else "reached" if round(nxt, 2) >= float(m.target_to) else "not_reached")
            rows.append((m.measure_id, m.agency_id, m.name, m.year, m.title, n, m.target_from,
                         m.target_to, now, nxt, nxt - now, verdict))
    return pd.DataFrame(rows, columns=columns)


# --- start from the analysis ------------------------------------------------------------------------

def propose_measures(weakest: pd.DataFrame, library: dict, agency_name: str, year: int,
                     limit: int = 3) -> pd.DataFrame:
    """Draft measures for ``year + 1`` from the weakest indicators of ``year``.

    Input: ``weakest`` with columns indicator, score, action (weakest first, as
    ``analysis.weakest.compute_weakest`` gives) and ``library`` indicator → Recommendation
    (``recommendations.RECOMMENDATIONS``). Indicators already at the maintain level propose
    nothing; at most ``limit`` indicators propose, each all its library measures. Output: indicator, score, action, title, steps (one per line), responsible,
    period_text, year (the next fiscal year).
    """
    columns = ["indicator", "score", "action", "title", "steps", "responsible", "period_text",
               "year"]
    maintain = ACTION_LEVELS[0].code
    rows, used = [], 0
    for w in weakest.itertuples(index=False):
        if used >= limit:
            break
        if pd.isna(w.score) or w.action == maintain or int(w.indicator) not in library:
            continue
        used += 1
        for template in library[int(w.indicator)].measures:
            values = {"agency": agency_name, "year": year, "next_year": year + 1,
                      "score": f"{float(w.score):.2f}"}
            rows.append((int(w.indicator), float(w.score), w.action,
                         template.measure_th.format(**values),
                         "\n".join(f"{i}. {s.format(**values)}"
                                   for i, s in enumerate(template.steps_th, 1)),
                         template.responsible_th, template.period_th.format(**values), year + 1))
    return pd.DataFrame(rows, columns=columns)
