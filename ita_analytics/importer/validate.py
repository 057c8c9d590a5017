"""Checking and converting the values of agency-year rows: years, scores, tool scales, levels."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ita_analytics.domain import (
    FAIL_LABEL_TH,
    LEVEL_BY_NAME,
    PASS_LABEL_TH,
    TOOL_BY_CODE,
    TOOL_CODES,
    compute_results_frame,
    level_from_total_only,
    round2_array,
    rule_for_year,
)
from ita_analytics.importer.normalise import column_label
from ita_analytics.importer.plan import ImportPlan
from ita_analytics.importer.recognise import INDICATOR_ROLES, SheetLayout, shown
from ita_analytics.thai import clean_text, parse_number, parse_year, to_arabic_digits

# Reported totals are published with two decimals; differences up to rounding are not flagged.
TOTAL_TOLERANCE = 0.011


# The longest agency name in the national list is under 100 characters; a name, place, code
# or level far longer is not one, and would make matching slow.
MAX_TEXT_CHARS = 500
TEXT_ROLES = ("name", "province", "district", "code", "agency_type", "year_raw", "level")


def refuse_long_text(frame: pd.DataFrame, layout: SheetLayout, plan: ImportPlan) -> pd.DataFrame:
    """The rows of ``frame`` (from ``extract_wide``/``extract_long``) whose identity and level
    cells are at most :data:`MAX_TEXT_CHARS` long; an error for each longer cell."""
    keep = pd.Series(True, index=frame.index)
    for role in TEXT_ROLES:
        if role not in frame.columns:
            continue
        # A list comprehension, not Series.map with a lambda: about twice as fast.
        lengths = pd.Series([len(v) if isinstance(v, str) else 0 for v in frame[role].tolist()],
                            index=frame.index, dtype="int64")
        for index in lengths[lengths > MAX_TEXT_CHARS].index:
            keep[index] = False
            source = "year" if role == "year_raw" else role
            cols = layout.columns_for(source)
            plan.error("cell_too_long", length=lengths[index], limit=MAX_TEXT_CHARS,
                       sheet=layout.sheet, row=int(frame.at[index, "row"]),
                       column=column_label(layout, cols[0]) if cols else None)
    return frame[keep]


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
_DECIMAL_POINT = re.compile(r"[+-]?\d*\.\d+")


def parse_numbers(values: pd.Series, groups: pd.Series | None = None
                  ) -> tuple[pd.Series, pd.Series]:
    """(floats, bad) for a column of raw score cells: numbers, numeric text, Thai digits, spaces.

    Blanks and "-" are missing (NaN, not bad); ``bad`` marks cells that are not numbers.
    A comma is a decimal comma ("7,5" → 7.5) in a group of cells (``groups``: each cell's
    sheet; one group without) whose every text with a comma is a number with one comma and
    one or two decimals, and whose texts use no decimal point: the whole column of a sheet
    writes decimals one way. Elsewhere a cell with a comma is bad: in a score (0–100) a
    comma is never a thousands separator, and "7,5" is never 75.
    """
    values = values.astype("object")
    # Numbers are placed through NumPy arrays: pandas boolean indexing is about three times
    # slower on a national file's columns.
    cells = values.to_numpy()
    is_number = np.array([type(v) is float or type(v) is int for v in cells], dtype=bool)
    numbers = np.full(len(cells), np.nan)
    numbers[is_number] = cells[is_number].astype("float64")
    out = pd.Series(numbers, index=values.index)
    bad = pd.Series(False, index=values.index)
    rest = values[~is_number & values.notna()]
    if len(rest):
        texts = rest.astype(str)
        group_of = (groups.loc[rest.index] if groups is not None
                    else pd.Series(0, index=rest.index)).to_numpy()
        decimal = _decimal_comma_groups(texts, group_of)
        comma_groups = np.isin(group_of, list(decimal)) if decimal else np.zeros(len(texts), bool)
        parsed = pd.Series(None, index=rest.index, dtype="object")
        for decimal_comma in (False, True):
            subset = texts[comma_groups == decimal_comma]
            if subset.empty:
                continue
            cache: dict[str, float | None | str] = {}
            for text in subset.unique():
                try:
                    cache[text] = "bad" if "," in text and not decimal_comma else \
                        parse_number(text, decimal_comma=decimal_comma)
                except ValueError:
                    cache[text] = "bad"
            parsed[subset.index] = subset.map(cache)
        is_bad = parsed.map(lambda v: isinstance(v, str))
        bad[rest.index[is_bad.to_numpy()]] = True
        good = parsed[~is_bad]
        out[good.index] = good.astype("float64")
    return out, bad


def _decimal_comma_groups(texts: pd.Series, groups: np.ndarray) -> set:
    """The groups whose texts write every decimal with a comma (see :func:`parse_numbers`)."""
    commas = texts.str.contains(",", regex=False).to_numpy(dtype=bool)
    if not commas.any():
        return set()
    decimal = set()
    for group in pd.unique(groups[commas]):
        in_group = groups == group
        compact = {text: clean_text(to_arabic_digits(text)).replace(" ", "")
                   for text in pd.unique(texts.to_numpy()[in_group])}
        if all(_DECIMAL_COMMA.fullmatch(c) for c in compact.values() if "," in c) and \
                not any(_DECIMAL_POINT.fullmatch(c) for c in compact.values()):
            decimal.add(group)
    return decimal


def _location(layouts: dict[str, SheetLayout], sheet: str, role: str) -> str | None:
    layout = layouts[sheet]
    cols = layout.columns_for(role) or (layout.columns_for("score") if role in INDICATOR_ROLES
                                        else [])
    return column_label(layout, cols[0]) if cols else None


def _cell_row(entities: pd.DataFrame, index, role: str) -> int:
    if "cell_rows" in entities.columns:
        cells = entities.at[index, "cell_rows"]
        if isinstance(cells, dict) and role in cells:
            return int(cells[role])
    return int(entities.at[index, "row"])


def resolve_years(entities: pd.DataFrame, layouts: dict[str, SheetLayout], plan: ImportPlan,
                  year: int | None) -> pd.Series:
    """Each row's fiscal year (B.E.): its year cell, else ``year`` given, else the sheet's title."""
    out = pd.Series(pd.NA, index=entities.index, dtype="Int64")
    raw = entities["year_raw"] if "year_raw" in entities.columns else pd.Series(None, index=entities.index)
    present = raw.notna()
    if present.any():  # a file without year cells skips cleaning each blank's text
        present = present & raw.map(lambda v: clean_text(str(v)) not in ("", "-"))
    cache: dict[str, int | None] = {}
    for text in raw[present].astype(str).unique():
        try:
            cache[text] = parse_year(to_arabic_digits(text).replace(".0", "")
                                     if text.endswith(".0") else text)
        except ValueError:
            cache[text] = None
    parsed = raw[present].astype(str).map(cache)
    bad = parsed.isna()
    for index in parsed[bad].index:
        sheet = entities.at[index, "sheet"]
        plan.error("bad_year", value=shown(raw[index]), sheet=sheet,
                   row=int(entities.at[index, "row"]), column=_location(layouts, sheet, "year"))
    out[parsed[~bad].index] = parsed[~bad].astype("int64")
    for sheet, layout in layouts.items():
        in_sheet = (entities["sheet"] == sheet) & ~present
        if not in_sheet.any():
            continue
        fallback = year if year is not None else layout.title_year
        if year is not None and layout.title_year and layout.title_year != year:
            plan.warn("year_differs", title_year=layout.title_year, year=year, sheet=sheet)
        if fallback is None:
            plan.error("no_year", sheet=sheet, row=int(entities.loc[in_sheet, "row"].iloc[0]))
        else:
            out[in_sheet] = fallback
    return out


def _tool_scale(tools: pd.DataFrame, computed: pd.DataFrame, totals: pd.Series) -> str:
    """'points' when the tool columns are NACC's weighted points (out of 30/30/40), else 'score'."""
    maxima = {code: TOOL_BY_CODE[code].max_points for code in TOOL_CODES}
    if any(tools[c].max() > maxima[c] + 1e-9 for c in tools.columns if tools[c].notna().any()):
        return "score"
    present = [c for c in tools.columns if tools[c].notna().any()]
    if not present:
        return "score"
    err_score = err_points = 0.0
    for code in present:
        if computed[code].notna().any():
            as_points = tools[code] * 100 / maxima[code]
            err_score += float((tools[code] - computed[code]).abs().median())
            err_points += float((as_points - computed[code]).abs().median())
    if err_score or err_points:
        return "points" if err_points < err_score else "score"
    if len(present) == len(TOOL_CODES) and totals.notna().any():
        diff = (tools[list(TOOL_CODES)].sum(axis=1) - totals).abs().median()
        return "points" if diff < 0.05 else "score"
    return "score"


def normalise_level(value) -> str | None:
    """A reported level as stored: 'ระดับ E' → 'E', spaces removed from Thai labels."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = clean_text(str(value))
    if not text or text == "-":
        return None
    for prefix in ("ระดับ", "level"):
        if text.lower().startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):].strip()
    squeezed = text.replace(" ", "")
    if squeezed in LEVEL_BY_NAME or squeezed in (PASS_LABEL_TH, FAIL_LABEL_TH):
        return squeezed
    return text.upper() if text.isascii() else text


def validate_values(entities: pd.DataFrame, layouts: dict[str, SheetLayout],
                    plan: ImportPlan) -> pd.DataFrame:
    """Scores as floats (i1…i10, IIT/EIT/OIT on 0–100, total) and level text, with errors for
    non-numbers and values outside 0–100, and warnings where reported values differ from the
    computed ones. Output keeps the identity columns and adds year-dependent comparisons."""
    out = entities.copy()
    for role in (*INDICATOR_ROLES, *TOOL_CODES, "total"):
        if role not in out.columns:
            out[role] = np.nan
            continue
        values, bad = parse_numbers(out[role], out["sheet"])
        for index in bad[bad].index:
            sheet = out.at[index, "sheet"]
            text = shown(out.at[index, role])
            if "," in text:
                plan.error("ambiguous_decimal", file=plan.file_name, value=text, sheet=sheet,
                           row=_cell_row(out, index, role), column=_location(layouts, sheet, role))
                continue
            plan.error("not_numeric", value=text, sheet=sheet, row=_cell_row(out, index, role),
                       column=_location(layouts, sheet, role))
        out[role] = values
    out["level"] = out["level"].map(normalise_level) if "level" in out.columns else None
    for sheet in out["sheet"].unique():
        in_sheet = out["sheet"] == sheet
        tools = out.loc[in_sheet, list(TOOL_CODES)]
        if tools.notna().any().any():
            computed = compute_results_frame(out.loc[in_sheet, ["year_be", *INDICATOR_ROLES]]
                                             .rename(columns={"year_be": "year"})
                                             .assign(year=lambda f: f["year"].fillna(2568)))
            if _tool_scale(tools, computed, out.loc[in_sheet, "total"]) == "points":
                for code in TOOL_CODES:
                    out.loc[in_sheet, code] = out.loc[in_sheet, code] * 100 / \
                        TOOL_BY_CODE[code].max_points
                plan.warn("tools_as_points", sheet=sheet)
    for role in (*INDICATOR_ROLES, *TOOL_CODES, "total"):
        values = out[role]
        outside = values.notna() & ((values < 0) | (values > 100 + 1e-9))
        for index in outside[outside].index:
            sheet = out.at[index, "sheet"]
            plan.error("out_of_range", score=values[index], sheet=sheet,
                       row=_cell_row(out, index, role), column=_location(layouts, sheet, role))
    return out


def compare_reported(valid: pd.DataFrame, layouts: dict[str, SheetLayout],
                     plan: ImportPlan) -> None:
    """Warnings where a reported total, tool score or level differs from the computed one."""
    rows = valid[valid["year_be"].notna()]
    if rows.empty:
        return
    frame = rows[list(INDICATOR_ROLES)].astype("float64").assign(year=rows["year_be"].astype("int64"))
    computed = compute_results_frame(frame)
    for role, computed_col in (("total", "total"), *((c, c) for c in TOOL_CODES)):
        reported = rows[role]
        diff = (round2_array(reported) - computed[computed_col]).abs()
        flagged = reported.notna() & computed[computed_col].notna() & (diff > TOTAL_TOLERANCE)
        for index in flagged[flagged].index:
            sheet = rows.at[index, "sheet"]
            plan.warn("reported_differs", name=rows.at[index, 'name'], role=role,
                      reported=reported[index], computed=computed.at[index, computed_col],
                      sheet=sheet, row=int(rows.at[index, "row"]),
                      column=_location(layouts, sheet, role))
    levels = rows["level"]
    computed_levels = computed["level"]
    passed = computed["passed"]
    pass_label = levels.isin([PASS_LABEL_TH, FAIL_LABEL_TH])
    pass_ok = passed.isna() | ((levels == PASS_LABEL_TH) == passed.fillna(False).astype(bool))
    level_ok = computed_levels.isna() | (levels == computed_levels)
    suspect = levels.notna() & ((pass_label & ~pass_ok) | (~pass_label & ~level_ok)
                                | (~pass_label & computed_levels.isna()))
    for index in suspect[suspect].index:
        reported = levels[index]
        expected = computed_levels[index]
        if reported in (PASS_LABEL_TH, FAIL_LABEL_TH):
            expected = PASS_LABEL_TH if passed[index] else FAIL_LABEL_TH
        elif expected is None or pd.isna(expected):
            expected = _level_from_total(rows.at[index, "year_be"], rows.at[index, "total"])
            if expected is None or reported == expected:
                continue
        sheet = rows.at[index, "sheet"]
        plan.warn("reported_level_differs", name=rows.at[index, 'name'], reported=reported,
                  expected=expected, sheet=sheet, row=int(rows.at[index, "row"]),
                  column=_location(layouts, sheet, "level"))


def _level_from_total(year, total) -> str | None:
    """The letter level of a reported total where no indicators are given (up to 2565)."""
    if pd.isna(total) or rule_for_year(int(year)).needs_tools:
        return None
    return level_from_total_only(int(year), float(total))
