"""ITA domain rules as data: indicators, tools, weights, level rules per fiscal year, action levels.

NumPy and pandas are imported by the few functions over arrays and frames, not here: the rules
are read by commands that need neither (``show``, ``--year`` parsing through thai.py), and
importing pandas was most of their time (tests/test_cli_speed.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class Indicator:
    """One of the ten ITA indicators (ตัวชี้วัด)."""

    number: int
    name_th: str
    name_en: str
    tool: str
    variants: tuple[str, ...] = ()

    @property
    def names_th(self) -> tuple[str, ...]:
        return (self.name_th, *self.variants)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(1, "การปฏิบัติหน้าที่", "Duty performance", "IIT", ("การปรับทัศนคติ",)),
    Indicator(2, "การใช้งบประมาณ", "Budget use", "IIT"),
    Indicator(3, "การใช้อำนาจ", "Use of authority", "IIT"),
    Indicator(4, "การใช้ทรัพย์สินของราชการ", "Use of government assets", "IIT",
              ("การใช้ทรัพย์สินของทางราชการ",)),
    Indicator(5, "การแก้ไขปัญหาการทุจริต", "Anti-corruption problem solving", "IIT"),
    Indicator(6, "คุณภาพการดำเนินงาน", "Quality of operation", "EIT"),
    Indicator(7, "ประสิทธิภาพการสื่อสาร", "Communication efficiency", "EIT"),
    Indicator(8, "การปรับปรุงการทำงาน", "Work improvement", "EIT", ("การปรับปรุงระบบการทำงาน",)),
    Indicator(9, "การเปิดเผยข้อมูล", "Information disclosure", "OIT", ("การเปิดเผยข้อมูลสาธารณะ",)),
    Indicator(10, "การป้องกันการทุจริต", "Corruption prevention", "OIT"),
)
INDICATOR_BY_NUMBER: dict[int, Indicator] = {i.number: i for i in INDICATORS}
INDICATOR_NUMBERS: tuple[int, ...] = tuple(i.number for i in INDICATORS)


@dataclass(frozen=True)
class Tool:
    """An assessment tool (เครื่องมือ): IIT, EIT or OIT, with its weight in the total."""

    code: str
    weight: float
    name_th: str
    name_en: str

    @property
    def max_points(self) -> float:
        """Points out of 100 the tool contributes at most (30 / 30 / 40 in NACC reports)."""
        return self.weight * 100


TOOLS: tuple[Tool, ...] = (
    Tool("IIT", 0.3, "แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน", "Internal stakeholders"),
    Tool("EIT", 0.3, "แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก", "External stakeholders"),
    Tool("OIT", 0.4, "แบบวัดการเปิดเผยข้อมูลสาธารณะ", "Open data"),
)
TOOL_BY_CODE: dict[str, Tool] = {t.code: t for t in TOOLS}
TOOL_CODES: tuple[str, ...] = tuple(t.code for t in TOOLS)


def tool_indicators(tool: str) -> tuple[int, ...]:
    """Indicator numbers measured by a tool."""
    return tuple(i.number for i in INDICATORS if i.tool == tool)


def indicator_weight(number: int) -> float:
    """How many total points one point of this indicator is worth (tool weight / indicators in tool)."""
    tool = INDICATOR_BY_NUMBER[number].tool
    return TOOL_BY_CODE[tool].weight / len(tool_indicators(tool))


# --- pass line and action levels -------------------------------------------------------------

PASS_THRESHOLD = 85.0
"""Total at or above which an agency passes (ผ่าน); the national master plan's target."""

NATIONAL_PASS_TARGET = 0.80
"""Share of agencies that should pass, per the national anti-corruption master plan."""


@dataclass(frozen=True)
class ActionLevel:
    """What an agency should do about one indicator (แนวทาง, seed 000 Table 1)."""

    code: str
    min_score: float
    name_th: str
    name_en: str


ACTION_LEVELS: tuple[ActionLevel, ...] = (
    ActionLevel("maintain", 95.0, "รักษาระดับ", "maintain"),
    ActionLevel("improve", 85.0, "พัฒนา", "improve"),
    ActionLevel("urgent", 0.0, "พัฒนาเร่งด่วน", "urgent"),
)
ACTION_BY_CODE: dict[str, ActionLevel] = {a.code: a for a in ACTION_LEVELS}


def action_level(score: float | None) -> ActionLevel | None:
    """The action level for an indicator score; None when the score is missing."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    for level in ACTION_LEVELS:
        if round(score, 2) >= level.min_score:
            return level
    return ACTION_LEVELS[-1]


# --- levels per fiscal year ------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    """One level band of a rule. ``tool_min`` is None for total-only bands."""

    code: str
    name_th: str
    name_en: str
    total_min: float
    tool_min: float | None = None
    passed: bool = False
    rank: int = 0


@dataclass(frozen=True)
class LevelRule:
    """Level rule in force from ``first_year`` until the next rule (B.E. fiscal years)."""

    code: str
    first_year: int
    name_th: str
    name_en: str
    levels: tuple[Level, ...]
    needs_tools: bool

    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name_th for level in self.levels)


LETTER_RULE = LevelRule(
    "letter", 2562, "ระดับตัวอักษร AA–F", "Letter levels AA–F",
    (
        Level("AA", "AA", "AA", 95.0, passed=True, rank=7),
        Level("A", "A", "A", 85.0, passed=True, rank=6),
        Level("B", "B", "B", 75.0, rank=5),
        Level("C", "C", "C", 65.0, rank=4),
        Level("D", "D", "D", 55.0, rank=3),
        Level("E", "E", "E", 50.0, rank=2),
        Level("F", "F", "F", 0.0, rank=1),
    ),
    needs_tools=False,
)

RATING_RULE = LevelRule(
    "rating", 2566, "เกณฑ์ Rating Score (มติ ป.ป.ช. 8 มิ.ย. 2566)", "Rating score (NACC, 8 June 2023)",
    (
        Level("excellent", "ผ่านดีเยี่ยม", "Pass – excellent", 95.0, 95.0, passed=True, rank=4),
        Level("good", "ผ่านดี", "Pass – good", 85.0, 85.0, passed=True, rank=3),
        Level("pass", "ผ่าน", "Pass", 85.0, None, passed=True, rank=2),
        Level("fail", "ไม่ผ่าน", "Fail", 0.0, None, rank=1),
    ),
    needs_tools=True,
)

LEVEL_RULES: tuple[LevelRule, ...] = (LETTER_RULE, RATING_RULE)
"""Rules keyed by the first fiscal year they apply to; a correction is one row here."""

FIRST_YEAR = 2562
"""First fiscal year of the comparable ten-indicator framework."""
LAST_DEFINED_YEAR = 2568
"""Last fiscal year the rules above are confirmed for; later years use the latest rule."""

PASS_LABEL_TH = "ผ่านการประเมิน"
FAIL_LABEL_TH = "ไม่ผ่านการประเมิน"
PASS_LABEL_EN = "Passed"
FAIL_LABEL_EN = "Not passed"

LEVEL_BY_NAME: dict[str, Level] = {
    level.name_th: level for rule in LEVEL_RULES for level in rule.levels
}


def rule_for_year(year: int) -> LevelRule:
    """The level rule of a B.E. fiscal year; years after the table use the latest rule."""
    if year < FIRST_YEAR:
        raise ValueError(
            f"ปี {year} ใช้กรอบการประเมินเดิม (ก่อน {FIRST_YEAR}) / "
            f"fiscal year {year} used the older framework (before {FIRST_YEAR})"
        )
    chosen = LEVEL_RULES[0]
    for rule in LEVEL_RULES:
        if rule.first_year <= year:
            chosen = rule
    return chosen


def rule_is_assumed(year: int) -> bool:
    """True when ``year`` is beyond the confirmed table and the latest rule is assumed."""
    return year > LAST_DEFINED_YEAR


def round2(value: float) -> float:
    """Round half away from zero to two decimals, as NACC publishes scores."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    scaled = abs(value) * 100
    # The small epsilon absorbs binary error such as 95.835 stored as 95.83499999.
    rounded = math.floor(scaled + 0.5 + 1e-9) / 100
    return math.copysign(rounded, value)


def round2_array(values) -> np.ndarray:
    """Vectorised :func:`round2` for arrays and Series (NaN stays NaN)."""
    import numpy as np

    arr = np.asarray(values, dtype="float64")
    return np.sign(arr) * np.floor(np.abs(arr) * 100 + 0.5 + 1e-9) / 100


def is_pass(total: float | None) -> bool | None:
    """Pass flag (total ≥ 85), the metric comparable across all years; None when unknown."""
    if total is None or (isinstance(total, float) and math.isnan(total)):
        return None
    return round2(total) >= PASS_THRESHOLD


def level_for(year: int, total: float | None, tools: dict[str, float] | None = None) -> Level | None:
    """The level of a total (and tool scores from 2566) under the year's rule.

    Returns None when the total is missing, or when the year's rule needs tool scores
    and they are not all given: then only :func:`is_pass` can be said.
    """
    if total is None or (isinstance(total, float) and math.isnan(total)):
        return None
    rule = rule_for_year(year)
    total = round2(total)
    tool_values: list[float] = []
    if rule.needs_tools:
        if not tools or any(
            tools.get(code) is None or math.isnan(tools[code]) for code in TOOL_CODES
        ):
            return None
        tool_values = [round2(tools[code]) for code in TOOL_CODES]
    for level in rule.levels:
        if total < level.total_min:
            continue
        if level.tool_min is not None and min(tool_values) < level.tool_min:
            continue
        return level
    return rule.levels[-1]


def level_from_total_only(year: int, total: float | None) -> str | None:
    """The most that can be said from a total alone: the letter level up to 2565, else pass/fail."""
    if total is None or (isinstance(total, float) and math.isnan(total)):
        return None
    rule = rule_for_year(year)
    if not rule.needs_tools:
        return level_for(year, total).name_th
    return PASS_LABEL_TH if is_pass(total) else FAIL_LABEL_TH


@dataclass(frozen=True)
class Result:
    """Tool scores, total and level computed from indicator scores, rounded as published."""

    tools: dict[str, float]
    total: float
    level: str | None
    passed: bool | None

    def as_dict(self) -> dict:
        return {"tools": self.tools, "total": self.total, "level": self.level, "passed": self.passed}


def _tool_means(indicators: dict[int, float | None]) -> dict[str, float]:
    """Unrounded tool means; NaN where any indicator of the tool is missing."""
    out: dict[str, float] = {}
    for code in TOOL_CODES:
        values = [indicators.get(n) for n in tool_indicators(code)]
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
            out[code] = float("nan")
        else:
            out[code] = sum(float(v) for v in values) / len(values)
    return out


def _weighted_total(means: dict[str, float]) -> float:
    if any(math.isnan(means[code]) for code in TOOL_CODES):
        return float("nan")
    return sum(TOOL_BY_CODE[code].weight * means[code] for code in TOOL_CODES)


def compute_tools(indicators: dict[int, float | None]) -> dict[str, float]:
    """Each tool's score: the mean of its indicators, two decimals; NaN if any is missing."""
    return {code: round2(value) for code, value in _tool_means(indicators).items()}


def compute_total(indicators: dict[int, float | None]) -> float:
    """The ITA total 0.3·IIT + 0.3·EIT + 0.4·OIT, two decimals.

    The weights apply to the unrounded tool means and only the total is rounded: that is
    how NACC's published figures come out (Thung Phueng 2568: tools 99.078 / 95.837 / 95
    give 96.47, while the rounded tools 99.08 / 95.84 would give 96.48).
    """
    return round2(_weighted_total(_tool_means(indicators)))


def compute_result(year: int, indicators: dict[int, float | None]) -> Result:
    """Tools, total, level and pass flag of one agency-year from its ten indicator scores."""
    tools = compute_tools(indicators)
    total = compute_total(indicators)
    level = level_for(year, total, tools)
    return Result(tools, total, level.name_th if level else None, is_pass(total))


def compute_results_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Vectorised :func:`compute_result` for many agency-years.

    Input columns: ``year`` and ``i1`` … ``i10`` (NaN when missing).
    Output: a new frame with the same index and columns ``IIT, EIT, OIT, total, level, passed``.
    """
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=scores.index)
    means = {}
    for code in TOOL_CODES:
        cols = [f"i{n}" for n in tool_indicators(code)]
        # Sum/len rather than mean so that any missing indicator leaves the tool missing.
        means[code] = scores[cols].astype("float64").sum(axis=1, skipna=False) / len(cols)
        out[code] = round2_array(means[code])
    total = sum(TOOL_BY_CODE[code].weight * means[code] for code in TOOL_CODES)
    out["total"] = round2_array(total)
    out["level"] = levels_for_frame(scores["year"], out["total"], out[list(TOOL_CODES)])
    out["passed"] = pd.array(
        np.where(out["total"].isna(), None, out["total"] >= PASS_THRESHOLD), dtype="boolean"
    )
    return out


def levels_for_frame(years: pd.Series, totals: pd.Series, tools: pd.DataFrame | None) -> pd.Series:
    """Level names for many rows under each row's own year rule (None where not determinable)."""
    import numpy as np
    import pandas as pd

    years = pd.Series(np.asarray(years), index=totals.index)
    result = pd.Series([None] * len(totals), index=totals.index, dtype="object")
    total_v = totals.to_numpy(dtype="float64")
    tool_min = (
        tools[list(TOOL_CODES)].min(axis=1, skipna=False).to_numpy(dtype="float64")
        if tools is not None else np.full(len(totals), np.nan)
    )
    rules = years.map(lambda y: rule_for_year(int(y)).code).to_numpy()
    for rule in LEVEL_RULES:
        in_rule = rules == rule.code
        if not in_rule.any():
            continue
        assigned = np.zeros(len(totals), dtype=bool)
        for level in rule.levels:
            ok = in_rule & ~assigned & ~np.isnan(total_v) & (total_v >= level.total_min)
            if rule.needs_tools:
                ok &= ~np.isnan(tool_min)
                if level.tool_min is not None:
                    ok &= tool_min >= level.tool_min
            result[ok] = level.name_th
            assigned |= ok
    return result


def action_levels_for(scores: pd.Series) -> pd.Series:
    """Action-level codes (maintain / improve / urgent) for a Series of indicator scores."""
    import numpy as np
    import pandas as pd

    values = round2_array(scores)
    out = np.full(len(values), None, dtype=object)
    for level in reversed(ACTION_LEVELS):
        out[values >= level.min_score] = level.code
    out[np.isnan(values)] = None
    return pd.Series(out, index=scores.index, dtype="object")


def level_en(name_th: str | None) -> str | None:
    """English label of a Thai level name (pass/fail labels included)."""
    if name_th is None:
        return None
    if name_th in LEVEL_BY_NAME:
        return LEVEL_BY_NAME[name_th].name_en
    return {PASS_LABEL_TH: PASS_LABEL_EN, FAIL_LABEL_TH: FAIL_LABEL_EN}.get(name_th, name_th)


# --- agency types ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyType:
    """A kind of agency (ประเภทหน่วยงาน). ``prefix`` begins the names of local agencies."""

    name_th: str
    name_en: str
    abbreviations: tuple[str, ...]
    local: bool
    prefix: str | None = None


AGENCY_TYPES: tuple[AgencyType, ...] = (
    AgencyType("องค์การบริหารส่วนตำบล", "Subdistrict administrative organisation", ("อบต.",), True,
               "องค์การบริหารส่วนตำบล"),
    AgencyType("เทศบาลตำบล", "Subdistrict municipality", ("ทต.",), True, "เทศบาลตำบล"),
    AgencyType("เทศบาลเมือง", "Town municipality", ("ทม.",), True, "เทศบาลเมือง"),
    AgencyType("เทศบาลนคร", "City municipality", ("ทน.",), True, "เทศบาลนคร"),
    AgencyType("องค์การบริหารส่วนจังหวัด", "Provincial administrative organisation", ("อบจ.",), True,
               "องค์การบริหารส่วนจังหวัด"),
    AgencyType("องค์กรปกครองส่วนท้องถิ่นรูปแบบพิเศษ", "Special local government", (), True),
    AgencyType("ส่วนราชการระดับกรม", "Department", ("กรม",), False),
    AgencyType("จังหวัด", "Province office", (), False),
    AgencyType("รัฐวิสาหกิจ", "State enterprise", (), False),
    AgencyType("องค์การมหาชน", "Public organisation", (), False),
    AgencyType("สถาบันอุดมศึกษา", "Higher education institution", (), False),
    AgencyType("องค์กรอิสระและหน่วยงานอื่นของรัฐ", "Independent and other state bodies", (), False),
)
AGENCY_TYPE_BY_TH: dict[str, AgencyType] = {t.name_th: t for t in AGENCY_TYPES}

CENTRAL_NAME_STARTS: tuple[tuple[str, str], ...] = (
    ("กรม", "ส่วนราชการระดับกรม"),
    ("มหาวิทยาลัย", "สถาบันอุดมศึกษา"),
    ("สถาบันเทคโนโลยี", "สถาบันอุดมศึกษา"),
    ("จังหวัด", "จังหวัด"),
)
"""How the names of some central agencies begin (กรมที่ดิน, มหาวิทยาลัยราชภัฏสุรินทร์, จังหวัดตราด):
enough to know a new agency's type when a file gives no type column. Other central names
(สำนักงาน…, การไฟฟ้า…) say nothing certain and still need the type."""


def central_type_from_name(name: str) -> str | None:
    """The type a central agency's name implies (see :data:`CENTRAL_NAME_STARTS`), or None."""
    for start, type_th in CENTRAL_NAME_STARTS:
        if name.startswith(start) and len(name) > len(start):
            return type_th
    return None


def agency_type_en(name_th: str | None) -> str | None:
    """English name of an agency type."""
    t = AGENCY_TYPE_BY_TH.get(name_th or "")
    return t.name_en if t else name_th


# --- coverage: how many agencies a year should have -------------------------------------------

NATIONAL_AGENCIES: dict[int, int] = {2563: 8304, 2565: 8303, 2568: 8317}
"""Agencies assessed nationally per fiscal year (NACC figures in docs/domain.md); a year not listed
takes the nearest listed one (the count moves by a few agencies a year)."""


def national_agencies(year: int) -> int:
    """The national count of assessed agencies for a fiscal year (nearest year listed)."""
    nearest = min(NATIONAL_AGENCIES, key=lambda y: (abs(y - year), -y))
    return NATIONAL_AGENCIES[nearest]


# --- partial results: what each result rests on ----------------------------------------------

BASES: tuple[str, ...] = ("indicators", "tools", "total", "level")
"""What an agency-year's result rests on, most detailed first: all ten indicator scores, the
three tool scores (0–100, or points /30 /30 /40 converted), a published total only, or a
published level only. Real data is mostly ``total``: NACC's announcements and agencies' own
pages give a total and a level, rarely the indicators."""

BASIS_LABELS: dict[str, tuple[str, str]] = {
    "indicators": ("ตัวชี้วัด", "indicators"),
    "tools": ("เครื่องมือ (IIT/EIT/OIT)", "tools (IIT/EIT/OIT)"),
    "total": ("คะแนนรวมเท่านั้น", "total only"),
    "level": ("ระดับเท่านั้น", "level only"),
}


def _rating_total_bounds(rule: LevelRule, level: Level) -> tuple[float, float]:
    """Totals [low, high) a level of a rule needing tools can have when the tools are unknown.

    A level is the first of its rule whose conditions hold. Its own conditions bound the total
    from below (``total_min``, and every tool ≥ ``tool_min``); each better level whose total
    band the total reaches must fail through a tool under that level's ``tool_min``, and one
    tool under ``m`` caps the total at ``100 − w·(100 − m)`` for the lightest tool's weight
    ``w`` — so "ผ่าน" (a tool under 85) cannot reach 95.5, "ผ่านดี" (a tool under 95) 98.5.
    """
    low = max(level.total_min, level.tool_min or 0.0)
    high = math.inf
    lightest = min(tool.weight for tool in TOOLS)
    for better in rule.levels:
        if better is level:
            break
        if better.tool_min is None:
            # A better level with no tool condition holds for any total in its band.
            high = min(high, better.total_min)
        else:
            high = min(high, max(better.total_min, 100 - lightest * (100 - better.tool_min)))
    return low, high


def level_possible(year: int, level_name: str | None, total: float | None) -> bool | None:
    """Whether a reported level can go with a total when the tool scores are unknown.

    None when it cannot be judged (no level, no total, or a label the year's rule does not
    have); the pass/fail labels ("ผ่านการประเมิน") are judged against the pass line.
    """
    if not level_name or total is None or (isinstance(total, float) and math.isnan(total)):
        return None
    total = round2(total)
    if level_name in (PASS_LABEL_TH, FAIL_LABEL_TH):
        return (level_name == PASS_LABEL_TH) == (total >= PASS_THRESHOLD)
    rule = rule_for_year(year)
    level = next((lv for lv in rule.levels if lv.name_th == level_name), None)
    if level is None:
        return None
    if not rule.needs_tools:
        return level_for(year, total) is level
    low, high = _rating_total_bounds(rule, level)
    return low <= total < high


def possible_levels(year: int, total: float | None) -> tuple[str, ...]:
    """The levels of the year's rule a total allows when the tool scores are unknown."""
    return tuple(name for name in rule_for_year(year).level_names()
                 if level_possible(year, name, total))


def passed_from_level(year: int, level_name: str | None) -> bool | None:
    """The pass flag a level implies under the year's rule (AA/A and every "ผ่าน…" pass)."""
    if not level_name:
        return None
    if level_name in (PASS_LABEL_TH, FAIL_LABEL_TH):
        return level_name == PASS_LABEL_TH
    rule = rule_for_year(year)
    level = next((lv for lv in rule.levels if lv.name_th == level_name), None)
    return None if level is None else level.passed


def compute_partial_results(frame: pd.DataFrame) -> pd.DataFrame:
    """Tools, total, level, pass flag and basis of agency-years with whatever was published.

    Input columns: ``year``, ``i1`` … ``i10`` (NaN when missing) and, where given,
    ``reported_total``, ``reported_level``, ``reported_IIT``/``EIT``/``OIT``.
    Output (same index): ``IIT, EIT, OIT, total, level, passed, basis``.

    Each tool comes from its indicators when all are there, else from its published score;
    the total from the ten indicators (basis ``indicators``), else from the three tools
    (``tools``), else the published total (``total``). The level is the year's rule applied
    to what is known — from the total alone up to 2565; from 2566 only with the tools — and
    otherwise the published level when the total allows it (``level`` basis when nothing else
    was given). The pass flag follows the total, else the level.
    """
    import numpy as np
    import pandas as pd

    out = compute_results_frame(frame)
    index = frame.index

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return pd.to_numeric(frame[name], errors="coerce").astype("float64")
        return pd.Series(np.nan, index=index, dtype="float64")

    from_indicators = out["total"].notna().to_numpy()
    means = {}
    for code in TOOL_CODES:
        cols = [f"i{n}" for n in tool_indicators(code)]
        mean = frame[cols].astype("float64").sum(axis=1, skipna=False) / len(cols)
        means[code] = mean.where(mean.notna(), column(f"reported_{code}"))
        out[code] = round2_array(means[code])
    tools_known = out[list(TOOL_CODES)].notna().all(axis=1).to_numpy()
    from_tools = tools_known & ~from_indicators
    tool_total = round2_array(sum(TOOL_BY_CODE[c].weight * means[c] for c in TOOL_CODES))
    reported_total = round2_array(column("reported_total"))
    from_total = ~from_indicators & ~from_tools & ~np.isnan(reported_total)
    total = np.where(from_indicators, out["total"].to_numpy(dtype="float64"),
                     np.where(from_tools, tool_total, np.where(from_total, reported_total, np.nan)))
    out["total"] = total
    out["level"] = levels_for_frame(frame["year"], out["total"], out[list(TOOL_CODES)])

    reported_level = (frame["reported_level"] if "reported_level" in frame.columns
                      else pd.Series(None, index=index, dtype="object"))
    has_level = reported_level.notna().to_numpy() & out["level"].isna().to_numpy()
    passed = np.where(np.isnan(total), None, total >= PASS_THRESHOLD).astype(object)
    for i in np.flatnonzero(has_level):  # rows with a published level the rule cannot give
        year, name = int(frame["year"].iat[i]), reported_level.iat[i]
        if name in rule_for_year(year).level_names() \
                and level_possible(year, name, total[i]) is not False:
            out.iat[i, out.columns.get_loc("level")] = name
        if passed[i] is None:
            passed[i] = passed_from_level(year, name)
    out["passed"] = pd.array(passed, dtype="boolean")

    n_indicators = frame[[f"i{n}" for n in INDICATOR_NUMBERS]].notna().sum(axis=1).to_numpy()
    basis = np.where(from_indicators, "indicators",
                     np.where(from_tools, "tools",
                              np.where(from_total, "total", None))).astype(object)
    basis[(basis == None) & reported_level.notna().to_numpy()] = "level"  # noqa: E711
    basis[(basis == None) & (n_indicators > 0)] = "indicators"  # noqa: E711
    out["basis"] = basis
    return out
