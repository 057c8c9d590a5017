"""Item columns of a spreadsheet (i1…, e1…, o1…): found, read and validated; nothing is written.

:func:`extract_item_scores` takes the sheets of :func:`ita_analytics.importer.sandbox.read_tables`
(and optionally the layouts the score import recognised) and returns every item value with
where it came from; :func:`match_item_agencies` ties its rows to stored agencies. Wide sheets
have an item per column (``o1``, ``O10``, ``ข้อ ๐๖``, ``i๒``, ``e4``, alone or beside indicator
scores); long sheets an item column and a score column (and optionally a tool column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ita_analytics.agencies import find_agency
from ita_analytics.domain import round2
from ita_analytics.errors import ItaError
from ita_analytics.importer.issues import Issue
from ita_analytics.importer.read import Sheet, column_letter
from ita_analytics.importer.recognise import SheetLayout, header_role, indicator_number
from ita_analytics.items import (
    FAIL_SCORE,
    PASS_SCORE,
    header_item_code,
    item_info,
    item_number,
    parse_item_code,
    tool_of,
)
from ita_analytics.thai import clean_text, find_year_in_text, parse_number, parse_year

ITEM_ROW_COLUMNS = ["sheet", "row", "column", "name", "province", "district", "code", "year",
                    "item", "tool", "score", "passed"]
"""Rows of an extract: ``row`` is the spreadsheet's 1-based row, ``column`` its letter and
header; ``score`` 0–100 (None for a cell marked "-"), ``passed`` for OIT items only."""

ID_ROLES = ("name", "province", "district", "code", "year", "agency_type")
HEADER_SCAN_ROWS = 40
INDICATOR_COUNT = 10

PASS_WORDS = frozenset({"ผ่าน", "มี", "ได้", "ใช่", "pass", "passed", "yes", "y", "true", "✓",
                        "✔", "☑", "/"})
FAIL_WORDS = frozenset({"ไม่ผ่าน", "ไม่มี", "ไม่ได้", "ไม่ใช่", "fail", "failed", "no", "n",
                        "false", "✗", "✘", "x", "☐"})
MISSING_MARKS = frozenset({"-", "–", "—", "n/a", "na"})

_STRICT_ITEM_HEADERS = ("ข้อคำถาม", "รหัสข้อ", "item", "itemcode", "question")
_SCORE_HEADERS = ("คะแนน", "score", "value", "ผลการตรวจ", "ผ่านไม่ผ่าน", "มีไม่มี", "passed",
                  "result", "ผล")
_TOOL_HEADERS = ("เครื่องมือ", "แบบวัด", "tool")
_FOOTER = re.compile(r"^(?:หมายเหตุ|ที่มา|แหล่งที่มา|รวม|รวมทั้งสิ้น|ค่าเฉลี่ย|เฉลี่ย|สรุป|note|source|"
                     r"total|average|mean)\b", re.IGNORECASE)
_EXPLICIT_ITEM = re.compile(r"^\s*(?:ข้อ|item)", re.IGNORECASE)


@dataclass
class ItemExtract:
    """What the item columns of a file hold. ``item_columns`` (sheet → column index → item code)
    tells a score import which columns are items, not indicator scores."""

    rows: pd.DataFrame
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    layouts: dict[str, str] = field(default_factory=dict)
    item_columns: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """Whether any sheet has item columns."""
        return bool(self.layouts)


def _key(text) -> str:
    return re.sub(r"[\s.:_\-()/]", "", clean_text(str(text))).lower() if text is not None else ""


def _label(col: int, header) -> str:
    header = clean_text(str(header)) if header is not None else ""
    return f"{column_letter(col)} ({header})" if header else column_letter(col)


def _cell(row: list, col: int | None):
    return row[col] if col is not None and col < len(row) else None


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = clean_text(str(value))
    return text or None


# --- values -------------------------------------------------------------------------------------

def parse_item_value(value, tool: str) -> tuple[float | None, bool | None] | None:
    """(score, passed) of one cell; None for a blank cell (no row); (None, None) for "-".

    Question items (IIT/EIT) take a number 0–100 (Thai digits and spaces allowed, rounded to two
    decimals as the store keeps it); OIT items are pass/fail: 100/0, ผ่าน/ไม่ผ่าน, มี/ไม่มี, ✓/✗,
    yes/no or a TRUE/FALSE cell. Raises ValueError naming what is wrong ("not_number",
    "out_of_range", "not_pass_fail").
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value != value:
        return None
    if tool == "OIT" and isinstance(value, bool):
        return (PASS_SCORE, True) if value else (FAIL_SCORE, False)
    text = clean_text(str(value)).lower() if isinstance(value, str) else None
    if text is not None and text in MISSING_MARKS:
        return (None, None)
    if tool == "OIT" and text is not None:
        if text in PASS_WORDS:
            return (PASS_SCORE, True)
        if text in FAIL_WORDS:
            return (FAIL_SCORE, False)
    try:
        number = parse_number(value)
    except ValueError:
        raise ValueError("not_pass_fail" if tool == "OIT" else "not_number") from None
    if number is None:
        return (None, None)
    if tool == "OIT":
        if number == PASS_SCORE:
            return (PASS_SCORE, True)
        if number == FAIL_SCORE:
            return (FAIL_SCORE, False)
        raise ValueError("not_pass_fail")
    if not 0 <= number <= 100:
        raise ValueError("out_of_range")
    return (round2(number), None)


_VALUE_PROBLEMS = {"not_number": "not_number", "out_of_range": "out_of_range/item",
                   "not_pass_fail": "not_pass_fail"}
"""The catalogue's message for each problem :func:`parse_item_value` names."""


# --- recognising the header ---------------------------------------------------------------------

@dataclass
class _Header:
    row: int
    ids: dict[str, int]
    items: dict[int, str]
    labels: dict[int, str]
    item_col: int | None = None
    score_col: int | None = None
    tool_col: int | None = None
    dropped_i: list[int] = field(default_factory=list)


def _wide_items(cells: dict[int, str], ids: dict[str, int]) -> tuple[dict[int, str], list[int]]:
    """Item columns of a header row, and i-columns left to the score import as indicators.

    ``i1``…``i10`` are also how score files head indicators 1–10, so a column headed i1–i10 is
    an IIT item only when the header says so (``ข้อ i2``), when the row's i-columns go past
    ten, or when the row names its indicators another way (``ตัวชี้วัดที่ 1``).
    """
    found = {c: code for c, text in cells.items() if c not in ids.values()
             and (code := header_item_code(text))}
    i_cols = [c for c, code in found.items() if code[0] == "i"]
    past_ten = any(item_number(found[c]) > INDICATOR_COUNT for c in i_cols)
    other_indicators = any(header_item_code(text) is None and indicator_number(text)
                           for c, text in cells.items())
    dropped = [c for c in i_cols if not (past_ten or other_indicators
                                         or _EXPLICIT_ITEM.match(cells[c]))]
    for c in dropped:
        del found[c]
    return found, dropped


def _header_of(sheet: Sheet, layout: SheetLayout | None) -> _Header | None:
    """The item header of a sheet: the recognised layout's header row when given, else the top
    row with an agency column and the most item columns (or an item and a score column)."""
    candidates = ([layout.header_row] if layout is not None and layout.header_row is not None
                  else range(min(HEADER_SCAN_ROWS, len(sheet.rows))))
    best: _Header | None = None
    for index in candidates:
        row = sheet.rows[index] if index < len(sheet.rows) else []
        cells = {c: v for c, v in enumerate(row) if isinstance(v, str) and v.strip()}
        if layout is not None:
            cells.update({c: v for c, v in layout.headers.items() if v})
        ids: dict[str, int] = {}
        if layout is not None:
            ids = {role: c for c, role in layout.mapping.items() if role in ID_ROLES}
        else:
            for c, text in cells.items():
                role = header_role(text)
                if role in ID_ROLES and role not in ids:
                    ids[role] = c
        if "name" not in ids and "code" not in ids:
            continue
        items, dropped = _wide_items(cells, ids)
        header = _Header(index, ids, items, {c: str(v) for c, v in cells.items()},
                         dropped_i=dropped)
        if not items:
            for c, text in cells.items():
                key = _key(text)
                if header.item_col is None and (key in _STRICT_ITEM_HEADERS
                                                or header_role(text) == "indicator"):
                    header.item_col = c
                elif header.score_col is None and (key in _SCORE_HEADERS
                                                   or header_role(text) == "score"):
                    header.score_col = c
                elif header.tool_col is None and key in _TOOL_HEADERS:
                    header.tool_col = c
            if header.item_col is None or header.score_col is None:
                continue
        size = len(items) or 1
        if best is None or size > (len(best.items) or 1):
            best = header
    return best


def _title_year(sheet: Sheet, header_row: int) -> int | None:
    for row in sheet.rows[:header_row]:
        for value in row:
            if isinstance(value, str) and (year := find_year_in_text(value)):
                return year
    return find_year_in_text(sheet.name)


# --- extracting ---------------------------------------------------------------------------------

class _Collector:
    """Rows and issues of one extract."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, key: str, **place_and_values) -> None:
        self.errors.append(Issue.of(key, **place_and_values))

    def warn(self, key: str, **place_and_values) -> None:
        self.warnings.append(Issue.of(key, **place_and_values))


def _row_ids(sheet: Sheet, header: _Header, r: int, year: int | None, title_year: int | None,
             out: _Collector) -> dict | None:
    """The agency and year of data row ``r`` (0-based), or None when the row is skipped."""
    row = sheet.rows[r]
    ids = {role: _text(_cell(row, col)) for role, col in header.ids.items()}
    name = ids.get("name")
    if name and _FOOTER.match(name):
        return None
    row_year = None
    raw_year = _cell(row, header.ids.get("year"))
    if raw_year is not None and str(raw_year).strip():
        try:
            row_year = parse_year(raw_year)
        except ValueError:
            col = header.ids["year"]
            out.error("bad_year/items", value=raw_year, sheet=sheet.name, row=r + 1,
                      column=_label(col, header.labels.get(col)))
            return None
    row_year = row_year or year or title_year
    if row_year is None:
        out.error("no_year/items", sheet=sheet.name, row=r + 1)
        return None
    return {"name": name, "province": ids.get("province"), "district": ids.get("district"),
            "code": ids.get("code"), "year": int(row_year)}


def _shown(value) -> str:
    """A cell as the user typed it (Excel gives 50 as 50.0)."""
    if isinstance(value, float) and value == value and value.is_integer():
        return str(int(value))
    return str(value)


def _add_value(out: _Collector, sheet: Sheet, r: int, col: int, label: str, ids: dict,
               code: str, value) -> None:
    tool = tool_of(code)
    try:
        parsed = parse_item_value(value, tool)
    except ValueError as problem:
        out.error(_VALUE_PROBLEMS[str(problem)], item=code, value=_shown(value), sheet=sheet.name,
                  row=r + 1, column=label)
        return
    if parsed is None:
        return
    if ids["name"] is None and ids["code"] is None:
        out.error("missing_name/items", sheet=sheet.name, row=r + 1)
        return
    out.rows.append((sheet.name, r + 1, label, ids["name"], ids["province"], ids["district"],
                     ids["code"], ids["year"], code, tool, parsed[0], parsed[1]))


def _extract_wide(sheet: Sheet, header: _Header, year: int | None, out: _Collector) -> None:
    title_year = _title_year(sheet, header.row)
    labels = {c: _label(c, header.labels.get(c)) for c in header.items}
    for r in range(header.row + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        values = {c: _cell(row, c) for c in header.items}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        ids = _row_ids(sheet, header, r, year, title_year, out)
        if ids is None:
            continue
        for c, value in values.items():
            _add_value(out, sheet, r, c, labels[c], ids, header.items[c], value)


def _extract_long(sheet: Sheet, header: _Header, year: int | None, out: _Collector) -> None:
    title_year = _title_year(sheet, header.row)
    item_label = _label(header.item_col, header.labels.get(header.item_col))
    score_label = _label(header.score_col, header.labels.get(header.score_col))
    for r in range(header.row + 1, len(sheet.rows)):
        row = sheet.rows[r]
        raw = _cell(row, header.item_col)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        tool = _text(_cell(row, header.tool_col))
        tool = tool.upper() if tool and tool.upper() in ("IIT", "EIT", "OIT") else None
        code = parse_item_code(raw, tool)
        if code is None:
            out.error("bad_item", value=raw, sheet=sheet.name, row=r + 1, column=item_label)
            continue
        ids = _row_ids(sheet, header, r, year, title_year, out)
        if ids is None:
            continue
        _add_value(out, sheet, r, header.score_col, score_label, ids, code,
                   _cell(row, header.score_col))


def _long_holds_items(sheet: Sheet, header: _Header) -> bool:
    """Whether a long sheet's item column holds items rather than indicator numbers: an e- or
    o-code, an i-code past ten, a tool column, or an item-only header."""
    if header.tool_col is not None or _key(header.labels.get(header.item_col)) in _STRICT_ITEM_HEADERS:
        return True
    for row in sheet.rows[header.row + 1: header.row + 1 + 500]:
        code = parse_item_code(_cell(row, header.item_col))
        if code and (code[0] != "i" or item_number(code) > INDICATOR_COUNT):
            return True
    return False


def _check_catalogue(frame: pd.DataFrame, out: _Collector) -> pd.DataFrame:
    """Refuse codes outside a year's complete list; say once per year which names are unknown."""
    keep = np.ones(len(frame), dtype=bool)
    unknown: dict[int, list[str]] = {}
    for (year, code), idx in frame.groupby(["year", "item"], sort=True).groups.items():
        info = item_info(int(year), code)
        if info.status == "not_in_catalogue":
            first = frame.loc[idx[0]]
            # The item catalogue's own words (ita_analytics/items.py).
            out.errors.append(Issue("unknown_item", info.message_th, info.message_en,
                                    first["sheet"], int(first["row"]), first["column"]))
            keep[frame.index.get_indexer(idx)] = False
        elif info.status == "unknown":
            unknown.setdefault(int(year), []).append(code)
    for year, codes in unknown.items():
        listed = ", ".join(sorted(codes, key=lambda c: ("ieo".index(c[0]), item_number(c))))
        out.warn("item_name_unknown", year=year, listed=listed, sheet=frame["sheet"].iloc[0])
    return frame[keep]


def _check_duplicates(frame: pd.DataFrame, out: _Collector) -> pd.DataFrame:
    keys = ["name", "province", "district", "code", "year", "item"]
    dup = frame.astype({k: "string" for k in keys}).fillna({k: "" for k in keys}) \
        .duplicated(keys, keep="first")
    for row in frame[dup].itertuples(index=False):
        out.error("duplicate_item", item=row.item, name=row.name, year=row.year, sheet=row.sheet,
                  row=int(row.row), column=row.column)
    return frame[~dup.to_numpy()]


def extract_item_scores(sheets: list[Sheet], *, year: int | None = None,
                        layouts: dict[str, SheetLayout] | None = None) -> ItemExtract:
    """Every item value of ``sheets``, validated; nothing is written.

    ``year`` is the fiscal year for rows that give none (else a year in the title rows or the
    sheet's name); ``layouts`` (sheet name → the score import's recognised layout) supplies
    the header row and agency/year columns, else they are recognised here. Sheets without
    item columns are skipped silently (``found`` is False when no sheet has any). Output rows:
    :data:`ITEM_ROW_COLUMNS`; every problem an :class:`Issue` naming sheet, row and column.
    """
    out = _Collector()
    found_layouts: dict[str, str] = {}
    item_columns: dict[str, dict[int, str]] = {}
    for sheet in sheets:
        layout = (layouts or {}).get(sheet.name)
        header = _header_of(sheet, layout)
        if header is None:
            continue
        if header.items:
            found_layouts[sheet.name] = "wide"
            item_columns[sheet.name] = dict(header.items)
            _extract_wide(sheet, header, year, out)
        elif _long_holds_items(sheet, header):
            found_layouts[sheet.name] = "long"
            _extract_long(sheet, header, year, out)
        else:
            continue
        if header.dropped_i:
            cols = ", ".join(_label(c, header.labels.get(c)) for c in header.dropped_i)
            out.warn("i_columns_as_indicators", columns=cols, sheet=sheet.name, row=header.row + 1)
    frame = pd.DataFrame(out.rows, columns=ITEM_ROW_COLUMNS)
    if len(frame):
        frame["score"] = frame["score"].astype("float64")
        frame["passed"] = pd.array(frame["passed"], dtype="boolean")
        frame = _check_duplicates(_check_catalogue(frame, out), out).reset_index(drop=True)
    return ItemExtract(frame, out.errors, out.warnings, found_layouts, item_columns)


# --- matching agencies --------------------------------------------------------------------------

def match_item_agencies(rows: pd.DataFrame, keys: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """``rows`` of an extract with the stored agency of each (agency_id, agency_name), matched
    by name (and province when given) as documents write them; rows of an unknown or ambiguous
    name are left out with an error naming the nearest names. ``keys``: ``store.load_agency_keys``.
    """
    errors: list[Issue] = []
    if rows.empty:
        return rows.assign(agency_id=pd.Series(dtype="int64"), agency_name=pd.Series(dtype=object)), errors
    found: dict[tuple, object] = {}
    ids, names = [], []
    for row in rows.itertuples(index=False):
        key = (row.name, row.province)
        if key not in found:
            try:
                found[key] = find_agency(keys, row.name or "", row.province)
            except ItaError as error:
                found[key] = error
                errors.append(Issue("unknown_agency", error.message_th, error.message_en,
                                    row.sheet, int(row.row), None))
        match = found[key]
        ids.append(None if isinstance(match, ItaError) else match.agency_id)
        names.append(None if isinstance(match, ItaError) else match.name)
    out = rows.assign(agency_id=pd.array(ids, dtype="Int64"), agency_name=names)
    out = out[out["agency_id"].notna()].astype({"agency_id": "int64"})
    dup = out.duplicated(["agency_id", "year", "item"], keep="first")
    for row in out[dup].itertuples(index=False):
        errors.append(Issue.of("duplicate_item", item=row.item, name=row.agency_name, year=row.year,
                               sheet=row.sheet, row=int(row.row), column=row.column))
    return out[~dup.to_numpy()].reset_index(drop=True), errors
