"""How tables read on screen and in downloads: localised values, "–" for missing, B.E. dates,
numbers with two decimals and thousands separators, right-aligned."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import streamlit as st

from ita_analytics.thai import THAI_MONTHS

MISSING = "–"
"""A missing value, on screen and in downloads (the agency report writes the same)."""
BE_OFFSET = 543
MONTHS_TH = tuple(abbreviation for _, abbreviation in THAI_MONTHS)
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YES_NO = {"th": ("ใช่", "ไม่ใช่"), "en": ("Yes", "No")}
YEAR_HEADERS = {"year", "ปี", "ปีงบประมาณ", "ปี (พ.ศ.)", "ปีงบประมาณ (พ.ศ.)", "fiscal year",
                "fiscal year (b.e.)", "year (b.e.)", "fy"}
"""Headers of B.E. year columns: a year is a label ("2568"), never a count ("2,568")."""
CODE_HEADERS = {"รหัส", "id", "รหัสหน่วยงาน", "agency id", "ครั้งที่", "import", "ที่", "no."}
"""Headers of identifiers and row numbers, labels too ("5313", not "5,313")."""
_MISSING_TEXT = {"-", "None", "nan", "NaN", "NaT", "<NA>", "none"}
"""Text that stands for a missing value; an empty cell left blank on purpose stays blank."""


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return isinstance(value, str) and value.strip() in _MISSING_TEXT


def fmt_number(value, decimals: int = 2) -> str:
    """"1,234.50" (``decimals`` places, thousands separated), "–" when missing."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{decimals}f}"


def fmt_date(value, language: str) -> str:
    """A date in the Buddhist era: "4 ธ.ค. 2569" in Thai, "4 Dec 2569 B.E." in English."""
    if is_missing(value):
        return MISSING
    day = pd.Timestamp(value)
    months = MONTHS_TH if language == "th" else MONTHS_EN
    text = f"{day.day} {months[day.month - 1]} {day.year + BE_OFFSET}"
    return text if language == "th" else f"{text} B.E."


def fmt_month(value, language: str) -> str:
    """A month in the Buddhist era: "ก.ย. 2568", "Sep 2568 B.E."."""
    if is_missing(value):
        return MISSING
    day = pd.Timestamp(value)
    if language == "th":
        return f"{MONTHS_TH[day.month - 1]} {day.year + BE_OFFSET}"
    return f"{MONTHS_EN[day.month - 1]} {day.year + BE_OFFSET} B.E."


def fmt_bool(value, language: str) -> str:
    if is_missing(value):
        return MISSING
    yes, no = YES_NO["en" if language == "en" else "th"]
    return yes if bool(value) else no


def is_year_column(name, series: pd.Series) -> bool:
    """A column of years, identifiers or row numbers: numbers read as labels."""
    return (str(name).strip().lower() in YEAR_HEADERS | CODE_HEADERS
            and (pd.api.types.is_numeric_dtype(series) or series.dtype == object))


def _kind(series: pd.Series) -> str:
    """bool, int, float, date, text — what a column holds (object columns by their values)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    known = [v for v in series if not is_missing(v)]
    if known and all(isinstance(v, bool | np.bool_) for v in known):
        return "bool"
    if known and all(isinstance(v, dt.date) for v in known):
        return "date"
    return "text"


def _text_cells(series: pd.Series, show) -> pd.Series:
    """One text per cell, ``show`` called once per distinct value (tables reach 20,000 rows)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    shown = np.array([show(u) for u in uniques] + [MISSING], dtype=object)
    return pd.Series(shown[codes], index=series.index, dtype=object)


def screen_table(frame: pd.DataFrame, language: str,
                 skip=()) -> tuple[pd.DataFrame, dict]:
    """``frame`` for ``st.dataframe`` and the column configuration it needs.

    Numbers stay numbers (they sort as numbers) shown with two decimals or as whole numbers,
    thousands separated; a number column with a missing value becomes right-aligned text, as
    the grid would print "None" in it. Yes/no, dates (B.E.) and years become text, and every
    missing cell reads "–". Columns in ``skip`` (links, columns the caller configures) are
    left alone.
    """
    out = frame.copy()
    config: dict = {}
    right = st.column_config.TextColumn(alignment="right")
    for name in out.columns:
        if name in skip:
            continue
        series = out[name]
        kind = _kind(series)
        if is_year_column(name, series) and kind in ("int", "float", "text"):
            out[name] = _text_cells(series, lambda v: str(int(float(v))) if _is_number(v)
                                    else str(v))
        elif kind == "bool":
            out[name] = _text_cells(series, lambda v: fmt_bool(v, language))
        elif kind == "date":
            out[name] = _text_cells(series, lambda v: fmt_date(v, language))
        elif kind in ("int", "float"):
            decimals = 0 if kind == "int" else 2
            values = series.astype("float64")
            if values.isna().any():
                out[name] = _text_cells(values.round(decimals), lambda v, d=decimals: fmt_number(v, d))
                config[name] = right
            else:  # the value kept whole (sorting, the grid's own copy); shown rounded
                config[name] = st.column_config.NumberColumn(
                    format="localized", step=1 if decimals == 0 else 0.01)
        else:
            out[name] = _text_cells(series, _shown_text)
            known = out[name][out[name] != MISSING]
            if len(known) and known.map(lambda v: bool(_NUMBER_TEXT.fullmatch(v))).all():
                config[name] = right  # numbers written as text ("93.30", "+1.25")
    return out, config


_NUMBER_TEXT = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _shown_text(value) -> str:
    if is_missing(value):
        return MISSING
    if isinstance(value, float | np.floating):
        return fmt_number(value)
    return str(value)


def download_table(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """``frame`` for a CSV or XLSX download: numbers rounded to two decimals (an XLSX cell held
    97.92500000000001), yes/no and dates (B.E.) as text in ``language``, missing cells
    written "–" by the writer (:func:`ita_analytics.exports.to_csv_bytes` ``missing=``)."""
    out = frame.copy()
    for name in out.columns:
        series = out[name]
        kind = _kind(series)
        if kind == "bool":
            out[name] = _text_cells(series, lambda v: fmt_bool(v, language))
        elif kind == "date":
            out[name] = _text_cells(series, lambda v: fmt_date(v, language))
        elif kind == "float":
            out[name] = series.astype("float64").round(2)
        elif kind == "text":
            out[name] = series.map(lambda v: None if is_missing(v) else v)
    return out


def year_columns(frame: pd.DataFrame) -> list:
    """The columns of ``frame`` holding B.E. years (written without a thousands separator)."""
    return [name for name in frame.columns if is_year_column(name, frame[name])]


HEADERS: dict[str, tuple[str, str]] = {
    "year": ("ปีงบประมาณ", "Fiscal year"),
    "n": ("จำนวน", "N"),
    "agencies": ("จำนวนหน่วยงาน", "Agencies"),
    "count": ("จำนวนหน่วยงาน", "Agencies"),
    "mean": ("ค่าเฉลี่ย", "Mean"),
    "median": ("มัธยฐาน", "Median"),
    "q1": ("ควอร์ไทล์ที่ 1", "1st quartile"),
    "q3": ("ควอร์ไทล์ที่ 3", "3rd quartile"),
    "min": ("ต่ำสุด", "Minimum"),
    "max": ("สูงสุด", "Maximum"),
    "share": ("สัดส่วน (%)", "Share (%)"),
    "assessed": ("จำนวนที่ประเมิน", "Assessed"),
    "passed": ("จำนวนที่ผ่าน", "Passed"),
    "pass_rate": ("สัดส่วนที่ผ่าน (%)", "Pass rate (%)"),
    "target": ("เป้าหมาย (%)", "Target (%)"),
    "meets_target": ("ถึงเป้าหมาย", "Meets the target"),
    "agency_id": ("รหัสหน่วยงาน", "Agency ID"),
    "name": ("หน่วยงาน", "Agency"),
    "agency": ("หน่วยงาน", "Agency"),
    "province": ("จังหวัด", "Province"),
    "region": ("ภาค", "Region"),
    "agency_type": ("ประเภทหน่วยงาน", "Agency type"),
    "indicator": ("ตัวชี้วัด", "Indicator"),
    "metric": ("คะแนน", "Measure"),
    "score": ("คะแนน", "Score"),
    "value": ("ค่า", "Value"),
    "total": ("คะแนนรวม", "Total"),
    "level": ("ระดับ", "Level"),
    "action": ("แนวทาง", "Action"),
    "title": ("มาตรการ", "Measure"),
    "status": ("สถานะ", "Status"),
    "group": ("กลุ่ม", "Group"),
    "change": ("เปลี่ยนแปลง", "Change"),
    "label": ("ตัวชี้วัด", "Indicator"),
    "peer_median": ("มัธยฐานกลุ่มเปรียบเทียบ", "Peer median"),
    "peer_q3": ("ควอร์ไทล์บนของกลุ่ม", "Peer upper quartile"),
    "level_label": ("ระดับ", "Level"),
    "kind": ("ประเภทการตรวจ", "Check"),
    "severity_label": ("ความรุนแรง", "Severity"),
}
"""Headers of the analyses' own columns in Thai and English (a table shown or downloaded
never carries ``mean_total`` or ``q1``)."""


def labelled(frame: pd.DataFrame, language: str, **names: tuple[str, str]) -> pd.DataFrame:
    """``frame`` with its columns named in ``language``: ``names`` first (column → (th, en)),
    then :data:`HEADERS`; other columns keep their names."""
    pick = 1 if language == "en" else 0
    rename = {col: (names.get(col) or HEADERS[col])[pick] for col in frame.columns
              if col in names or col in HEADERS}
    return frame.rename(columns=rename)


ACTION_EN = {"maintain": "Maintain", "improve": "Improve", "urgent": "Improve urgently"}
"""The action levels (แนวทาง) as an English reader reads them; the codes are the domain's."""


def action_label(code, language: str) -> str:
    """รักษาระดับ / พัฒนา / พัฒนาเร่งด่วน, or Maintain / Improve / Improve urgently."""
    from ita_analytics.domain import ACTION_BY_CODE

    if is_missing(code) or code not in ACTION_BY_CODE:
        return MISSING
    return ACTION_BY_CODE[code].name_th if language == "th" else ACTION_EN[code]


def fmt_change(value) -> str:
    """A change with its sign ("+1.25", "-2.10", "0.00"), "–" when missing."""
    if is_missing(value):
        return MISSING
    value = round(float(value), 2)
    return "0.00" if value == 0 else f"{value:+,.2f}"
