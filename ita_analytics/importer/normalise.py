"""Turning a recognised sheet into one row per agency-year with raw cell values and locations."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ita_analytics.importer.plan import ImportPlan
from ita_analytics.importer.read import Sheet, column_letter
from ita_analytics.importer.recognise import (
    INDICATOR_ROLES,
    SheetLayout,
    indicator_cell_number,
    shown,
)
from ita_analytics.thai import clean_text, to_arabic_digits

VALUE_ROLES = (*INDICATOR_ROLES, "IIT", "EIT", "OIT", "total", "level")
ID_ROLES = ("name", "province", "district", "code", "agency_type", "year")
SCORE_ROLES = (*INDICATOR_ROLES, "IIT", "EIT", "OIT", "total")

# A row under an agency in NACC's reports: "ปี 2564", "ปีงบประมาณ 2563", "พ.ศ. 2565", "2564".
_YEAR_ROW = re.compile(r"^(?:ปีงบประมาณ|ปี|พ\.?\s*ศ\.?|fy|year)?\s*(\d{4})$", re.IGNORECASE)
# Notes under a table, and summary rows, are not agencies.
_FOOTER = re.compile(r"^(?:หมายเหตุ|ที่มา|แหล่งที่มา|รวม|รวมทั้งสิ้น|ค่าเฉลี่ย|เฉลี่ย|สรุป|note|source|"
                     r"average|mean|total|\*)", re.IGNORECASE)


def column_label(layout: SheetLayout, col: int) -> str:
    """'D (ตัวชี้วัดที่ 1)': a column's letter and its header, as errors name it."""
    header = layout.headers.get(col, "")
    return f"{column_letter(col)} ({header})" if header else column_letter(col)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    text = str(value)
    if not _is_clean(text):
        text = clean_text(text)
    return text or None


def _is_clean(text: str) -> bool:
    """Whether ``clean_text`` would return ``text`` unchanged, tested in C (most names are
    clean already, and cleaning them anyway costs several times more). Printable text holds no control, invisible
    or bidi mark, no-break space or whitespace but the plain space (all non-printable)."""
    return (text.isprintable() and unicodedata.is_normalized("NFC", text)
            and "\u0e4d\u0e32" not in text and "  " not in text
            and not text.startswith(" ") and not text.endswith(" "))


def _texts(values: pd.Series) -> pd.Series:
    """Cleaned text of a column (None for blanks), each distinct value cleaned once."""
    values = values.astype("object")
    cleaned = {v: _text(v) for v in pd.unique(values[values.notna()])}
    return pd.Series([cleaned.get(v) if v is not None and v == v else None for v in values],
                     index=values.index, dtype="object")


def _frame(sheet: Sheet, layout: SheetLayout) -> pd.DataFrame:
    """The data rows under the header, one column per mapped role, plus ``row`` (1-based)."""
    start = layout.header_row + 1
    body = sheet.rows[start:]
    cols = {}
    for col, role in layout.mapping.items():
        cols[role] = [r[col] if col < len(r) else None for r in body]
    frame = pd.DataFrame(cols, dtype="object")
    frame["row"] = np.arange(start + 1, start + 1 + len(body))
    blank = np.array([all(v is None or (isinstance(v, str) and not v.strip()) for v in r)
                      for r in body], dtype=bool)
    frame["blank"] = blank
    # The first text of each row, to recognise notes under the table (cleaned only if needed).
    # Kept as Python objects: pandas would store the texts in Arrow and hand them back one by
    # one, slowly, to the footer test.
    frame["first_text"] = pd.Series(
        [next((v.strip() for v in r if isinstance(v, str) and v.strip()), None) for r in body],
        index=frame.index, dtype="object")
    return frame


_NO_SCORE_TEXTS = ["", "-", "–", "—"]
_NUMBERS_ONLY = ("empty", "floating", "integer", "mixed-integer-float")
"""What pandas' infer_dtype names a column of numbers and blanks (no text, no booleans)."""


def _has_value(values: pd.Series) -> np.ndarray:
    """Which cells of a raw column hold a value: not blank, and for text not only spaces or a
    dash. Only text cells go through pandas' string type: turning the numbers into text too
    is the slow part on a national file's score columns."""
    filled = values.notna().to_numpy(dtype=bool, copy=True)
    if pd.api.types.infer_dtype(values, skipna=True) in _NUMBERS_ONLY:
        return filled  # no text at all, known from one pass in C
    text = np.array([isinstance(v, str) for v in values], dtype=bool)
    if text.any():
        stripped = values[text].astype("string").str.strip()
        filled[text] = ~stripped.isin(_NO_SCORE_TEXTS).to_numpy(dtype=bool)
    return filled


def _warn_skipped(plan: ImportPlan, layout: SheetLayout, rows: list[int], key: str) -> None:
    """The warning ``key`` naming the rows skipped (the first 20)."""
    if not rows:
        return
    shown = ", ".join(str(r) for r in rows[:20]) + (" …" if len(rows) > 20 else "")
    plan.warn(key, count=len(rows), rows=shown, sheet=layout.sheet, row=rows[0])


def extract_wide(sheet: Sheet, layout: SheetLayout, plan: ImportPlan) -> pd.DataFrame:
    """Agency-year rows of a wide sheet (one row per agency, or NACC's rows per year).

    Output columns: sheet, row, name, province, district, code, agency_type, year_raw and the
    value roles present (raw cell values).
    """
    frame = _frame(sheet, layout)
    if frame.empty:
        return frame
    last = np.flatnonzero(~frame["blank"].to_numpy())
    frame = frame.iloc[: last[-1] + 1] if len(last) else frame.iloc[:0]
    _warn_skipped(plan, layout, frame.loc[frame["blank"], "row"].tolist(), "blank_rows")
    frame = frame[~frame["blank"]]
    score_cols = [r for r in SCORE_ROLES if r in frame.columns]
    has_scores = pd.Series(False, index=frame.index)
    for col in score_cols:
        has_scores |= _has_value(frame[col])
    if "name" in frame.columns:
        names = _texts(frame["name"])
    elif "province" in frame.columns:
        names = _provincial_offices(frame, plan, layout)
    else:
        names = pd.Series(None, index=frame.index, dtype="object")
    year_in_name = names.map(lambda n: _year_row(n) if isinstance(n, str) else None)
    is_year_row = year_in_name.notna()
    footer = frame["first_text"].map(lambda n: isinstance(n, str) and bool(_FOOTER.match(n))) \
        & ~is_year_row
    if is_year_row.any():
        # NACC layout: the agency's name row, then one row per year with the scores.
        agency_rows = ~is_year_row & ~footer & names.notna()
        owner = names.where(agency_rows).ffill()
        for role in ("province", "district", "code", "agency_type"):
            if role in frame.columns:
                frame[role] = frame[role].where(~is_year_row | frame[role].notna(),
                                                frame[role].where(agency_rows).ffill())
        frame["year_raw"] = year_in_name.where(is_year_row,
                                               frame.get("year", pd.Series(None, index=frame.index)))
        names = names.where(~is_year_row, owner)
        group_rows = agency_rows & ~has_scores & is_year_row.shift(-1, fill_value=False)
    else:
        frame["year_raw"] = frame["year"] if "year" in frame.columns else None
        group_rows = pd.Series(False, index=frame.index)
        if "year" in frame.columns:
            group_rows = _continue_blank_names(frame, names, has_scores & ~footer, plan, layout)
    frame["name"] = names
    _warn_skipped(plan, layout, frame.loc[footer, "row"].tolist(), "footer_rows")
    empty = ~has_scores & ~footer & ~group_rows
    _warn_skipped(plan, layout, frame.loc[empty, "row"].tolist(), "rows_without_scores")
    keep = has_scores & ~footer
    no_name = keep & names.isna()
    name_col = layout.columns_for("name")
    for row in frame.loc[no_name, "row"]:
        plan.error("missing_name/wide", sheet=layout.sheet, row=int(row),
                   column=column_label(layout, name_col[0]) if name_col else None)
    out = frame[keep & ~no_name].copy()
    out.insert(0, "sheet", layout.sheet)
    return out.drop(columns=["blank", "first_text"] + (["year"] if "year" in out.columns else []))


PROVINCIAL_OFFICE_TYPE = "จังหวัด"
"""The agency type of a province's own row (ศาลากลางจังหวัด, assessed as one agency)."""


def _provincial_offices(frame: pd.DataFrame, plan: ImportPlan, layout: SheetLayout) -> pd.Series:
    """Names for a sheet with a row per province and no agency column: each row is the
    provincial office ("จังหวัดตราด", type จังหวัด), as NACC's reports list provinces."""
    from ita_analytics.geo import check_province

    provinces = _texts(frame["province"])
    names = {}
    for text in provinces.dropna().unique():
        known = check_province(text).name
        names[text] = f"จังหวัด{known or text}"
    frame["agency_type"] = frame["agency_type"].where(frame["agency_type"].notna(),
                                                      PROVINCIAL_OFFICE_TYPE) \
        if "agency_type" in frame.columns else PROVINCIAL_OFFICE_TYPE
    col = layout.columns_for("province")
    plan.warn("provincial_rows", sheet=layout.sheet, row=layout.header_row + 1,
              column=column_label(layout, col[0]))
    return provinces.map(names).astype("object").where(provinces.notna(), None)


def _continue_blank_names(frame: pd.DataFrame, names: pd.Series, data_rows: pd.Series,
                          plan: ImportPlan, layout: SheetLayout) -> pd.Series:
    """NACC's report layout with a year column: an agency's name (and place) on its first row,
    its other years' rows under it with the name cells blank (not merged). A blank-named row
    with scores takes the agency above it when its year is new for that agency; ``names``
    and the place columns are filled in place. Returns the name-only rows (no scores) that
    head such a block, which are not data."""
    heads = pd.Series(False, index=frame.index)
    blank = names.isna() & data_rows & frame["year"].notna()
    if not blank.any():
        return heads
    years = frame["year"].map(lambda v: to_arabic_digits(str(v)).strip())
    owner, seen, filled = None, set(), []
    places = [r for r in ("province", "district", "code", "agency_type") if r in frame.columns]
    for index in frame.index:
        if names[index] is not None and names[index] == names[index]:
            owner = index
            seen = {years[index]} if data_rows[index] else set()
        elif blank[index] and owner is not None and years[index] not in seen:
            names[index] = names[owner]
            for role in places:
                if frame.at[index, role] is None or frame.at[index, role] != frame.at[index, role]:
                    frame.at[index, role] = frame.at[owner, role]
            seen.add(years[index])
            heads[owner] = not data_rows[owner]
            filled.append(int(frame.at[index, "row"]))
    if filled:
        _warn_skipped(plan, layout, filled, "name_from_row_above")
    return heads


def _year_row(name: str) -> str | None:
    if not name.rstrip()[-1:].isdigit():
        # A year row ends in a digit (Thai or Arabic); an agency name seldom does, and skipping
        # the translation and the pattern for it saves ~10 ms on a national file.
        return None
    match = _YEAR_ROW.match(to_arabic_digits(name).strip())
    return match.group(1) if match else None


def extract_long(sheet: Sheet, layout: SheetLayout, plan: ImportPlan) -> pd.DataFrame:
    """Agency-year rows of a long sheet (one row per agency × indicator, optionally × year).

    Raw scores are pivoted into i1…i10; the row of an agency-year is its first row.
    Output columns as :func:`extract_wide`, plus ``cell_rows`` (indicator → its row).
    """
    frame = _frame(sheet, layout)
    last = np.flatnonzero(~frame["blank"].to_numpy())
    frame = frame.iloc[: last[-1] + 1] if len(last) else frame.iloc[:0]
    _warn_skipped(plan, layout, frame.loc[frame["blank"], "row"].tolist(), "blank_rows")
    frame = frame[~frame["blank"]].copy()
    frame["name"] = _texts(frame["name"]) if "name" in frame.columns else None
    footer = frame["first_text"].map(lambda n: isinstance(n, str) and bool(_FOOTER.match(n)))
    _warn_skipped(plan, layout, frame.loc[footer, "row"].tolist(), "footer_rows")
    frame = frame[~footer]
    ind_col = layout.columns_for("indicator")[0]
    numbers = frame["indicator"].map(indicator_cell_number)
    bad = numbers.isna()
    for row, value in zip(frame.loc[bad, "row"], frame.loc[bad, "indicator"]):
        plan.error("bad_indicator", value=shown(value), sheet=layout.sheet, row=int(row),
                   column=column_label(layout, ind_col))
    frame = frame[~bad].copy()
    frame["indicator"] = numbers[~bad].astype("int64")
    missing_name = frame["name"].isna()
    for row in frame.loc[missing_name, "row"]:
        plan.error("missing_name", sheet=layout.sheet, row=int(row))
    frame = frame[~missing_name]
    keys = [c for c in ("name", "province", "district", "code", "agency_type", "year")
            if c in frame.columns]
    key_frame = frame[keys].astype("string").fillna("")
    frame["entity"] = key_frame.groupby(keys, sort=False).ngroup() if keys else 0
    dup = frame.duplicated(["entity", "indicator"], keep="first")
    score_col = layout.columns_for("score")[0]
    first_rows = frame[~dup].set_index(["entity", "indicator"])["row"]
    for row, entity, number in zip(frame.loc[dup, "row"], frame.loc[dup, "entity"],
                                   frame.loc[dup, "indicator"]):
        plan.error("duplicate/indicator", indicator=number, first_row=first_rows[(entity, number)],
                   sheet=layout.sheet, row=int(row), column=column_label(layout, score_col))
    frame = frame[~dup]
    wide = frame.pivot(index="entity", columns="indicator", values="score")
    wide.columns = [f"i{n}" for n in wide.columns]
    rows = frame.pivot(index="entity", columns="indicator", values="row")
    rows.columns = [f"i{n}" for n in rows.columns]
    first = frame.groupby("entity", sort=False).first()
    out = first[keys].join(wide)
    out["row"] = frame.groupby("entity", sort=False)["row"].min()
    out["cell_rows"] = rows.apply(lambda r: {k: int(v) for k, v in r.items() if pd.notna(v)}, axis=1)
    out = out.rename(columns={"year": "year_raw"})
    if "year_raw" not in out.columns:
        out["year_raw"] = None
    out.insert(0, "sheet", layout.sheet)
    return out.reset_index(drop=True)
