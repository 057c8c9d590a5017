"""Gap to the next level: the least total points needed and the cheapest indicators to raise."""

from __future__ import annotations

import math

import pandas as pd

from ita_analytics.analysis.common import INDICATOR_COLUMNS, agency_year, indicator_catalogue
from ita_analytics.domain import (
    TOOL_CODES,
    compute_result,
    rule_for_year,
    tool_indicators,
)

EPSILON = 1e-9
"""Float residue left after a step; without it a plan listed untouched indicators."""


def _raise(scores: dict[int, float], numbers: list[int], needed_sum: float,
           plan: dict[int, float]) -> float:
    """Raise indicators (lowest first, capped at 100) until their sum grew by ``needed_sum``."""
    for n in sorted(numbers, key=lambda k: (scores[k], k)):
        if needed_sum <= EPSILON:
            break
        room = 100.0 - scores[n]
        step = min(room, needed_sum)
        if step > 0:
            scores[n] += step
            plan[n] = plan.get(n, 0.0) + step
            needed_sum -= step
    return needed_sum


def _ceil2(value: float) -> float:
    return math.ceil(value * 100 - 1e-9) / 100


def compute_gap_to_next_level(results: pd.DataFrame, agency_id: int, year: int) -> dict:
    """The least total points to the next level of the year's rule, and a cheapest plan.

    Returns {current_level, next_level, total, points_needed, possible, plan, note_th, note_en};
    plan lists {indicator, from, to, points} where points are total points gained. From 2566
    the better levels also need each tool at a minimum, which the plan satisfies first; then
    the remaining total points come from the indicators worth most per point (OIT's, 0.2),
    each capped at 100.
    """
    row = agency_year(results, agency_id, year)
    base = {"current_level": None, "next_level": None, "total": None, "points_needed": None,
            "possible": False, "plan": []}
    if row is None or pd.isna(row.get("total")) or row[list(INDICATOR_COLUMNS)].isna().any():
        return {**base, "note_th": "คะแนนไม่ครบทั้ง 10 ตัวชี้วัด จึงคำนวณระยะห่างถึงระดับถัดไปไม่ได้",
                "note_en": "Not all ten indicator scores are known, so no gap can be computed."}
    rule = rule_for_year(int(year))
    current = next((lv for lv in rule.levels if lv.name_th == row["level"]), None)
    better = [lv for lv in rule.levels if current is None or lv.rank == current.rank + 1]
    total = float(row["total"])
    base.update(current_level=row["level"], total=total)
    if current is not None and not better:
        return {**base, "points_needed": 0.0,
                "note_th": "อยู่ในระดับสูงสุดแล้ว ควรรักษาระดับ",
                "note_en": "Already at the top level: maintain it."}
    target = better[0]
    scores = {int(c[1:]): float(row[c]) for c in (f"i{n}" for n in range(1, 11))}
    plan: dict[int, float] = {}
    if rule.needs_tools and target.tool_min is not None:
        for code in TOOL_CODES:
            numbers = list(tool_indicators(code))
            mean = sum(scores[n] for n in numbers) / len(numbers)
            short = target.tool_min - mean
            if short > EPSILON:
                _raise(scores, numbers, short * len(numbers), plan)
    catalogue = indicator_catalogue().set_index("indicator")
    weights = catalogue["weight"].to_dict()
    current_total = compute_result(int(year), scores).total
    missing_points = target.total_min - current_total
    if missing_points > EPSILON:
        # Highest weight first: the fewest indicator points per total point.
        for n in sorted(scores, key=lambda k: (-weights[k], scores[k], k)):
            if missing_points <= EPSILON:
                break
            need = missing_points / weights[n]
            step = min(100.0 - scores[n], need)
            if step > 0:
                scores[n] += step
                plan[n] = plan.get(n, 0.0) + step
                missing_points -= step * weights[n]
    result = compute_result(int(year), scores)
    reached = next((lv for lv in rule.levels if lv.name_th == result.level), None)
    possible = reached is not None and reached.rank >= target.rank
    original = {int(c[1:]): float(row[c]) for c in (f"i{n}" for n in range(1, 11))}
    steps = [{"indicator": n, "name_th": catalogue.loc[n, "name_th"],
              "from": original[n], "to": min(100.0, _ceil2(original[n] + plan[n])),
              "points": round(plan[n] * weights[n], 2)} for n in sorted(plan)]
    # The least total gain is not just the distance to the band's total: from 2566 a tool
    # below the band's minimum must rise too (Nong Pla Mo 2568: total 93.30 but OIT 85, so
    # ผ่านดีเยี่ยม needs OIT +10, i.e. 4.00 total points, not 1.70).
    gained = sum(plan[n] * weights[n] for n in plan)
    needed = round(max(0.0, target.total_min - total, gained), 2)
    rule_th = (f"คะแนนรวมอย่างน้อย {target.total_min:.2f}"
               + (f" และทุกเครื่องมือ ≥ {target.tool_min:.0f}" if target.tool_min else ""))
    rule_en = (f"a total of at least {target.total_min:.2f}"
               + (f" and every tool ≥ {target.tool_min:.0f}" if target.tool_min else ""))
    raise_th = ", ".join(f"ตัวชี้วัดที่ {p['indicator']} จาก {p['from']:.2f} เป็น {p['to']:.2f}"
                         for p in steps)
    raise_en = ", ".join(f"indicator {p['indicator']} from {p['from']:.2f} to {p['to']:.2f}"
                         for p in steps)
    note_th = (f"ระดับ{target.name_th}ต้องได้{rule_th}: ต้องเพิ่มคะแนนรวมอีก {needed:.2f} คะแนน"
               + (f" เช่น ยกระดับ{raise_th}" if raise_th else ""))
    note_en = (f"{target.name_en} needs {rule_en}: {needed:.2f} more total points"
               + (f", e.g. raising {raise_en}" if raise_en else ""))
    if not possible:
        note_th += " (ยังไม่ถึงแม้ได้คะแนนเต็ม)"
        note_en += " (not reachable even at full marks)"
    return {**base, "next_level": target.name_th, "points_needed": needed,
            "possible": bool(possible), "plan": steps, "note_th": note_th, "note_en": note_en}
