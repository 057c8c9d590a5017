"""Small pure stand-ins for the peer analyses the report needs, following analysis_api's contract.

The shared analyses (``analysis.benchmark``, ``analysis.weakest``, ``analysis.next_level``)
were not in the tree when the report was written; these helpers return the same columns and
keys so that the report can switch to them by changing its imports only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ita_analytics.domain import (
    ACTION_BY_CODE,
    INDICATORS,
    TOOL_BY_CODE,
    TOOL_CODES,
    action_levels_for,
    compute_result,
    indicator_weight,
    round2,
    rule_for_year,
    tool_indicators,
)

MEASURES = (*(f"i{i.number}" for i in INDICATORS), *TOOL_CODES, "total")


def select_peers(results: pd.DataFrame, agency_id: int, year: int, peers="type") -> pd.DataFrame:
    """The peer rows of ``year`` (the agency included): same type, same province, both, or ids."""
    rows = results[results["year"] == year].drop_duplicates("agency_id")
    own = rows[rows["agency_id"] == agency_id]
    if own.empty:
        return rows.iloc[0:0]
    me = own.iloc[0]
    if isinstance(peers, (list, tuple, set)):
        return rows[rows["agency_id"].isin(set(peers) | {agency_id})]
    mask = pd.Series(True, index=rows.index)
    if "type" in peers:
        mask &= rows["agency_type"] == me["agency_type"]
    if "province" in peers:
        mask &= rows["province"] == me["province"]
    return rows[mask]


@dataclass(frozen=True)
class Benchmark:
    """The agency's total among its peers (rank 1 = best) and a per-measure table."""

    n: int
    rank: int | None
    percentile: float | None
    table: pd.DataFrame


def _rank_and_percentile(values: pd.Series, score: float) -> tuple[int | None, float | None]:
    values = values.dropna()
    if pd.isna(score) or values.empty:
        return None, None
    rank = int((values > score).sum()) + 1
    # Share of peers at or below the agency: 100 for the best, ties counted together.
    return rank, float(100 * (values <= score).mean())


def compute_benchmark(results: pd.DataFrame, agency_id: int, year: int, peers="type") -> Benchmark:
    """n, rank and percentile of the total, and ``table``: measure, score, peer_median, peer_q1,
    peer_q3, percentile, rank for i1..i10, IIT, EIT, OIT and total."""
    group = select_peers(results, agency_id, year, peers)
    own = group[group["agency_id"] == agency_id]
    rows = []
    for measure in MEASURES:
        values = group[measure].astype("float64")
        score = float(own.iloc[0][measure]) if not own.empty else float("nan")
        rank, pct = _rank_and_percentile(values, score)
        rows.append({"measure": measure, "score": score, "peer_median": values.median(),
                     "peer_q1": values.quantile(0.25), "peer_q3": values.quantile(0.75),
                     "percentile": pct, "rank": rank})
    table = pd.DataFrame(rows)
    total = table[table["measure"] == "total"].iloc[0]
    rank = None if pd.isna(total["rank"]) else int(total["rank"])
    pct = None if pd.isna(total["percentile"]) else float(total["percentile"])
    return Benchmark(len(group), rank, pct, table)


def compute_weakest(results: pd.DataFrame, agency_id: int, year: int, peers=None) -> pd.DataFrame:
    """One row per indicator, weakest first: indicator, name_th, name_en, tool, score, action,
    action_th, gap_to_100, peer_median, peer_q3, gap_to_median, gap_to_q3, gain_to_median."""
    if peers is None:
        peers = select_peers(results, agency_id, year, "type")
    own = results[(results["agency_id"] == agency_id) & (results["year"] == year)]
    rows = []
    for ind in INDICATORS:
        col = f"i{ind.number}"
        score = float(own.iloc[0][col]) if not own.empty else float("nan")
        median, q3 = peers[col].median(), peers[col].quantile(0.75)
        gap_median = median - score
        rows.append({"indicator": ind.number, "name_th": ind.name_th, "name_en": ind.name_en,
                     "tool": ind.tool, "score": score, "gap_to_100": 100 - score,
                     "peer_median": median, "peer_q3": q3, "gap_to_median": gap_median,
                     "gap_to_q3": q3 - score,
                     "gain_to_median": round2(max(gap_median, 0) * indicator_weight(ind.number))
                     if pd.notna(gap_median) else float("nan")})
    frame = pd.DataFrame(rows)
    frame["action"] = action_levels_for(frame["score"])
    frame["action_th"] = frame["action"].map(
        lambda c: ACTION_BY_CODE[c].name_th if isinstance(c, str) else None)
    columns = ["indicator", "name_th", "name_en", "tool", "score", "action", "action_th",
               "gap_to_100", "peer_median", "peer_q3", "gap_to_median", "gap_to_q3",
               "gain_to_median"]
    return frame.sort_values(["score", "indicator"], na_position="last")[columns].reset_index(
        drop=True)


def compute_gap_to_next_level(results: pd.DataFrame, agency_id: int, year: int) -> dict:
    """What the next level needs: {current_level, next_level, total, points_needed, possible,
    plan: [{indicator, from, to, points}], note_th, note_en}.

    The plan raises the indicators worth most total points per point first (OIT's), and under
    the 2566+ rule first lifts each tool to the level's tool minimum.
    """
    own = results[(results["agency_id"] == agency_id) & (results["year"] == year)]
    scores = {i.number: float(own.iloc[0][f"i{i.number}"]) for i in INDICATORS} if not own.empty \
        else {}
    out = {"current_level": None, "next_level": None, "total": None, "points_needed": None,
           "possible": False, "plan": [], "note_th": None, "note_en": None}
    if not scores or any(pd.isna(v) for v in scores.values()):
        out["note_th"] = "คะแนนไม่ครบทุกตัวชี้วัด จึงคำนวณระยะห่างถึงระดับถัดไปไม่ได้"
        out["note_en"] = "Not every indicator has a score: the gap to the next level is unknown."
        return out
    rule = rule_for_year(year)
    current = compute_result(year, scores)
    out.update(current_level=current.level, total=current.total)
    levels = list(rule.levels)
    index = next((k for k, lv in enumerate(levels) if lv.name_th == current.level), None)
    if index is None or index == 0:
        out["note_th"] = f"อยู่ในระดับสูงสุดแล้ว ({current.level})"
        out["note_en"] = f"Already at the highest level ({current.level})."
        return out
    target = levels[index - 1]
    out["next_level"] = target.name_th
    raised = dict(scores)
    plan: dict[int, float] = {}

    def lift(numbers, needed_points_fn):
        for n in sorted(numbers, key=lambda k: (-indicator_weight(k), raised[k])):
            need = needed_points_fn()
            if need <= 0:
                return
            room = 100 - raised[n]
            step = min(room, need / indicator_weight(n)) if room > 0 else 0
            if step > 0:
                raised[n] = round2(raised[n] + step + 0.004)
                plan[n] = raised[n]

    if target.tool_min is not None:
        for code in TOOL_CODES:
            numbers = tool_indicators(code)

            def tool_gap(numbers=numbers, code=code):
                mean = sum(raised[k] for k in numbers) / len(numbers)
                return (target.tool_min - mean) * TOOL_BY_CODE[code].weight
            lift(numbers, tool_gap)
    lift([i.number for i in INDICATORS],
         lambda: target.total_min - compute_result(year, raised).total)
    reached = compute_result(year, raised)
    out["possible"] = reached.level == target.name_th or (
        reached.level is not None and levels.index(
            next(lv for lv in levels if lv.name_th == reached.level)) < index)
    out["points_needed"] = round2(max(target.total_min - current.total, 0))
    out["plan"] = [{"indicator": n, "from": scores[n], "to": to,
                    "points": round2((to - scores[n]) * indicator_weight(n))}
                   for n, to in plan.items()]
    steps = ", ".join(f"ตัวชี้วัดที่ {p['indicator']} จาก {p['from']:.2f} เป็น {p['to']:.2f}"
                      for p in out["plan"])
    out["note_th"] = (f"ต้องการคะแนนรวมเพิ่มอีก {out['points_needed']:.2f} คะแนนเพื่อถึงระดับ"
                      f"{target.name_th}" + (f" เช่น ยกระดับ{steps}" if steps else ""))
    out["note_en"] = (f"{out['points_needed']:.2f} more total points reach {target.name_en}"
                      + (f", e.g. raising {len(out['plan'])} indicator(s)" if out["plan"] else ""))
    if not out["possible"]:
        out["note_th"] += " (ยังไม่ถึงแม้ได้คะแนนเต็มตามแผนนี้)"
        out["note_en"] += " (not reachable even at full marks under this plan)"
    return out
