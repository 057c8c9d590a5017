"""What levels, tools and action levels mean, as help text beside where they are shown.

Written from the domain's tables (``ita_analytics.domain``), so a corrected band or weight
changes the help with it.
"""

from __future__ import annotations

from ita_analytics.dashboard.table_format import ACTION_EN
from ita_analytics.dashboard.ui import t
from ita_analytics.domain import (
    ACTION_LEVELS,
    LEVEL_RULES,
    NATIONAL_PASS_TARGET,
    PASS_THRESHOLD,
    TOOLS,
    tool_indicators,
)


def _years(index: int) -> str:
    rule = LEVEL_RULES[index]
    if index + 1 < len(LEVEL_RULES):
        return f"{rule.first_year}–{LEVEL_RULES[index + 1].first_year - 1}"
    return t(f"ตั้งแต่ {rule.first_year}", f"from {rule.first_year}")


def _band(level, lowest_above: float | None) -> str:
    bound = f"≥ {level.total_min:g}" if level.total_min > 0 else f"< {lowest_above:g}"
    tools = ""
    if level.tool_min is not None:
        tools = t(f" และทุกเครื่องมือ ≥ {level.tool_min:g}", f" and every tool ≥ {level.tool_min:g}")
    return f"{t(level.name_th, level.name_en)} {bound}{tools}"


def levels_help() -> str:
    """The level bands of each rule (the first band an agency meets, best first), with the
    years they apply to."""
    lines = []
    for i, rule in enumerate(LEVEL_RULES):
        above = min((lv.total_min for lv in rule.levels if lv.total_min > 0), default=0)
        bands = ", ".join(_band(level, above) for level in rule.levels)
        lines.append(f"**{_years(i)}** ({t(rule.name_th, rule.name_en)}): " + bands)
    lines.append(t(f"ผ่าน = คะแนนรวม ≥ {PASS_THRESHOLD:g}; เป้าหมายระดับประเทศ: หน่วยงานผ่าน "
                   f"{NATIONAL_PASS_TARGET:.0%}; ระดับของสองช่วงเทียบกันไม่ได้ ให้เทียบสัดส่วนที่ผ่าน",
                   f"Pass = total ≥ {PASS_THRESHOLD:g}; national target: {NATIONAL_PASS_TARGET:.0%} "
                   "of agencies passing; levels of the two rules are not comparable: compare the "
                   "share passing"))
    return "  \n".join(lines)


def tools_help() -> str:
    """The three tools, their indicators and weights in the total."""
    lines = []
    for tool in TOOLS:
        numbers = tool_indicators(tool.code)
        span = f"{numbers[0]}–{numbers[-1]}"
        lines.append(f"**{tool.code}** — " + t(
            f"{tool.name_th}: ตัวชี้วัด {span}, น้ำหนัก {tool.weight:.0%} ของคะแนนรวม",
            f"{tool.name_en}: indicators {span}, {tool.weight:.0%} of the total"))
    return "  \n".join(lines)


def actions_help() -> str:
    """The action levels (แนวทาง) of an indicator score."""
    parts, upper = [], None
    for level in ACTION_LEVELS:
        bound = f"< {upper:g}" if level.min_score == 0 and upper else f"≥ {level.min_score:g}"
        parts.append(f"**{t(level.name_th, ACTION_EN[level.code])}** {bound}")
        upper = level.min_score
    return t("แนวทางตามคะแนนตัวชี้วัด: ", "Action by the indicator's score: ") + ", ".join(parts)
