"""Importing a measures spreadsheet: recognise columns, validate rows, preview, commit, undo."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import pandas as pd

from ita_analytics import store
from ita_analytics.agencies import find_agency
from ita_analytics.errors import ItaError
from ita_analytics.importer.issues import ISSUE_KEYS, Issue
from ita_analytics.importer.messages import texts
from ita_analytics.importer.read import Sheet, column_letter
from ita_analytics.importer.sandbox import read_tables
from ita_analytics.measures import (
    clean_cell_text,
    clean_title,
    kind_from_title,
    parse_indicators,
    parse_kind,
    parse_month,
    parse_period,
    parse_status,
    parse_target,
    status_from_marks,
)
from ita_analytics.store import measures as measure_store
from ita_analytics.thai import clean_text, find_year_in_text, parse_year

# Column roles and the header words that name them, most specific first: "ผลลัพธ์" must win
# over "ผลการดำเนินการ", the status marks over plain "ดำเนินการ".
HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mark_not_started", ("ยังไม่ดำเนิน", "ยังไม่ได้ดำเนิน", "notstarted")),
    ("mark_in_progress", ("อยู่ระหว่างดำเนิน", "ระหว่างดำเนิน", "inprogress")),
    ("mark_done", ("ดำเนินงานเสร็จ", "ดำเนินการเสร็จ", "ดำเนินการแล้ว", "เสร็จแล้ว", "done")),
    ("status", ("สถานะ", "ความก้าวหน้า", "status")),
    ("outcome", ("ผลลัพธ์", "ผลสัมฤทธิ์", "ความสำเร็จ", "outcome")),
    ("output", ("ผลการดำเนิน", "สรุปผล", "ผลผลิต", "output")),
    ("responsible", ("ผู้รับผิดชอบ", "หน่วยรับผิดชอบ", "responsible")),
    ("start", ("เริ่ม", "start")),
    ("end", ("สิ้นสุด", "แล้วเสร็จ", "end")),
    ("period", ("ระยะเวลา", "ช่วงเวลา", "กำกับติดตาม", "period")),
    ("steps", ("ขั้นตอน", "วิธีการ", "วิธีดำเนินการ", "steps")),
    ("target", ("เป้าหมาย", "target")),
    ("indicators", ("ตัวชี้วัด", "indicator")),
    ("issue", ("ประเด็น", "issue")),
    ("kind", ("ประเภท", "kind", "type")),
    ("year", ("ปีงบประมาณ", "ปี", "year")),
    ("province", ("จังหวัด", "province")),
    ("agency", ("หน่วยงาน", "agency")),
    ("title", ("มาตรการ", "โครงการ", "กิจกรรม", "ชื่อ", "measure", "title")),
)
MARK_ROLES = ("mark_not_started", "mark_in_progress", "mark_done")
HEADER_SEARCH_ROWS = 20
MEASURE_SOURCE_PREFIX = "import:"


def role_of_header(text) -> str | None:
    """The column role a header cell names, or None."""
    if text is None:
        return None
    key = re.sub(r"[\s/_.\-()]", "", clean_text(str(text))).lower()
    if not key:
        return None
    for role, words in HEADER_WORDS:
        if any(word in key for word in words):
            return role
    return None


def _is_subheader(row: list, roles: dict[str, int]) -> bool:
    """A row under the header with no title and status-mark labels (seed 004's layout)."""
    title = row[roles["title"]] if roles["title"] < len(row) else None
    return (title is None or not str(title).strip()) and any(
        role_of_header(c) in MARK_ROLES for c in row)


def recognise_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """(header row index, role → column) of a measures sheet, or None.

    The header is the first of the top rows naming a title column and at least two other
    roles; the first column of each role wins. Seed 004 prints its status marks under a
    second header row (ยังไม่ดำเนินงาน / …) below "สถานการณ์ดำเนินงาน": one row below the
    header is searched for them too.
    """
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        roles: dict[str, int] = {}
        for col, cell in enumerate(row):
            role = role_of_header(cell)
            if role and role not in roles:
                roles[role] = col
        if "title" in roles and len(roles) >= 3:
            if index + 1 < len(sheet.rows) and _is_subheader(sheet.rows[index + 1], roles):
                for col, cell in enumerate(sheet.rows[index + 1]):
                    role = role_of_header(cell)
                    if role in MARK_ROLES and role not in roles:
                        roles[role] = col
            return index, roles
    return None


@dataclass
class MeasuresPlan:
    """What an import would add; nothing is written until :func:`commit_measures`."""

    file_name: str
    sha256: str
    rows: pd.DataFrame
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    unchanged_import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rows.empty

    def preview(self) -> pd.DataFrame:
        """The rows as a table to show before commit."""
        if self.rows.empty:
            return self.rows
        out = self.rows[["sheet", "row", "agency_name", "year", "title", "kind", "indicators",
                         "period_text", "start_month", "end_month", "responsible",
                         "status"]].copy()
        out["indicators"] = out["indicators"].map(lambda v: ", ".join(map(str, v)))
        return out

    def issues(self) -> pd.DataFrame:
        """Errors and warnings as one table (level, sheet, row, column, code, messages)."""
        rows = [{"level": "error", **e.as_dict()} for e in self.errors]
        rows += [{"level": "warning", **w.as_dict()} for w in self.warnings]
        return pd.DataFrame(rows, columns=["level", *ISSUE_KEYS])


def _issue(sheet: str, row: int, col: int | None, key: str, **values) -> Issue:
    """The catalogue's ``key`` at 0-based ``row`` and column index ``col``: a measures issue
    names its column by letter ("" for none), as the CLI's JSON always has."""
    return Issue.of(key, sheet=sheet, row=row + 1,
                    column=column_letter(col) if col is not None else "", **values)


def _cell(row: list, roles: dict[str, int], role: str):
    col = roles.get(role)
    return row[col] if col is not None and col < len(row) else None


@dataclass
class _Row:
    """One row of a measures sheet being read, and the problems found in it so far."""

    sheet: str
    index: int
    """0-based, as ``_issue`` takes it."""
    cells: list
    roles: dict[str, int]
    problems: list[Issue] = field(default_factory=list)

    def cell(self, role: str):
        return _cell(self.cells, self.roles, role)

    def problem(self, role: str | None, key: str, **values) -> None:
        self.problems.append(_issue(self.sheet, self.index, self.roles.get(role) if role else None,
                                    key, **values))

    def attempt(self, role: str, parse, *args, key: str):
        """``parse`` the cell of ``role``; on ValueError record the problem ``key``, give None."""
        value = self.cell(role)
        try:
            return parse(value, *args)
        except ValueError:
            self.problem(role, key, value=value)
            return None


def plan_measures(sheets: list[Sheet], keys: pd.DataFrame, file_name: str, sha256: str,
                  year: int | None = None) -> MeasuresPlan:
    """Validate the measures in ``sheets`` against the agencies in ``keys``.

    Every problem is reported with sheet, row and column; a file with any error is refused
    as a whole. ``year`` is used where a row gives none (else a year in the title rows).
    """
    records, errors, warnings, used = [], [], [], []
    agencies = _AgencyLookup(keys)
    for sheet in sheets:
        found = recognise_header(sheet)
        if found is None:
            continue
        header, roles = found
        used.append(sheet.name)
        title_year = _title_year(sheet, header)
        if "agency" not in roles:
            errors.append(_issue(sheet.name, header, None, "no_agency_column"))
            continue
        for r in range(_first_data_row(sheet, header, roles), len(sheet.rows)):
            cells = sheet.rows[r]
            if all(c is None or not str(c).strip() for c in cells):
                continue
            title = clean_title(_cell(cells, roles, "title"))
            if not title:
                errors.append(_issue(sheet.name, r, roles["title"], "no_title"))
                continue
            row = _Row(sheet.name, r, cells, roles)
            record = _measure_record(row, title, year, title_year, agencies, warnings, file_name)
            errors.extend(row.problems)
            if record is not None:
                records.append(record)
    if not used:
        errors.append(_issue(sheets[0].name if sheets else "-", 0, None, "no_header"))
    return MeasuresPlan(file_name, sha256, pd.DataFrame(records), errors, warnings, used)


def _title_year(sheet: Sheet, header: int) -> int | None:
    """A fiscal year written in the rows above the header (the sheet's title), or None."""
    return next((y for r in sheet.rows[:header] for c in r if c
                 for y in [find_year_in_text(str(c))] if y), None)


def _first_data_row(sheet: Sheet, header: int, roles: dict[str, int]) -> int:
    """The row after the header, or after the status marks' second header row."""
    first = header + 1
    if first < len(sheet.rows) and _is_subheader(sheet.rows[first], roles):
        first += 1
    return first


class _AgencyLookup:
    """``find_agency`` of each (name, province) once per file; its ItaError kept as found."""

    def __init__(self, keys: pd.DataFrame) -> None:
        self.keys = keys
        self.found: dict[tuple, object] = {}

    def __call__(self, name: str, province: str | None):
        match = self.found.get((name, province))
        if match is None:
            try:
                match = find_agency(self.keys, name, province)
            except ItaError as error:
                match = error
            self.found[(name, province)] = match
        return match


def _measure_record(row: _Row, title: str, year: int | None, title_year: int | None,
                    agencies: _AgencyLookup, warnings: list[Issue], file_name: str
                    ) -> dict | None:
    """The measure of one row with a title, as the plan's record; None when the row has
    problems (left in ``row.problems``). A period read only as text is a warning."""
    row_year = row.attempt("year", lambda v: parse_year(v) if v not in (None, "") else None,
                           key="bad_year/measures")
    row_year = row_year or year or title_year
    if row_year is None:
        row.problem("year", "no_year/measures")
    match = _row_agency(row, agencies)
    kind = row.attempt("kind", parse_kind, key="bad_kind") if "kind" in row.roles \
        else kind_from_title(title)
    indicators = row.attempt("indicators", parse_indicators, True, key="bad_indicators") or ()
    status = _row_status(row)
    period_text, start, end = _row_period(row, row_year, warnings)
    outcome = clean_cell_text(row.cell("outcome"))
    target = _row_target(row, outcome)
    if not indicators and target is not None:
        indicators = target.indicators
    if row.problems:
        return None
    return {
        "sheet": row.sheet, "row": row.index + 1, "agency_id": match.agency_id,
        "agency_name": match.name, "year": int(row_year), "title": title, "kind": kind,
        "issue": clean_cell_text(row.cell("issue")),
        "steps": clean_cell_text(row.cell("steps")), "period_text": period_text,
        "start_month": start, "end_month": end,
        "responsible": clean_cell_text(row.cell("responsible")),
        "status": status, "output": clean_cell_text(row.cell("output")),
        "outcome": outcome,
        "target_indicator": (target.indicators[0] if target and len(target.indicators) == 1
                             else None),
        "target_from": target.score_from if target else None,
        "target_to": target.score_to if target else None,
        "source": MEASURE_SOURCE_PREFIX + file_name, "indicators": list(indicators),
    }


def _row_agency(row: _Row, agencies: _AgencyLookup):
    """The row's agency (``find_agency``'s match); an unknown one is a problem in the lookup's
    own words (near names suggested)."""
    name = clean_text(str(row.cell("agency") or ""))
    province = row.cell("province")
    province = clean_text(str(province)) if province else None
    match = agencies(name, province)
    if isinstance(match, ItaError):
        row.problems.append(Issue("unknown_agency", match.message_th, match.message_en,
                                  row.sheet, row.index + 1, column_letter(row.roles["agency"])))
    return match


def _row_status(row: _Row) -> str | None:
    """The status, from the three mark columns when the sheet has them, else its own column."""
    if not any(m in row.roles for m in MARK_ROLES):
        return row.attempt("status", parse_status, key="bad_status")
    try:
        return status_from_marks([row.cell(m) for m in MARK_ROLES])
    except ValueError:
        row.problem("mark_done", "two_marks")
        return None


def _row_period(row: _Row, row_year: int | None,
                warnings: list[Issue]) -> tuple[str | None, object, object]:
    """(period as written, start month, end month): from start and end columns, else read
    from the period text (kept only as text, with a warning, when it cannot be read)."""
    period_text = clean_cell_text(row.cell("period"))
    period_text = " ".join(period_text.split("\n")) if period_text else None
    start = end = None
    if "start" in row.roles or "end" in row.roles:
        start = row.attempt("start", parse_month, row_year, key="bad_month")
        end = row.attempt("end", parse_month, row_year, key="bad_month")
        if start and end and end < start:
            row.problem("end", "end_before_start")
    elif period_text:
        try:
            period = parse_period(period_text, row_year)
            start, end = period.start, period.end
        except ValueError:
            warnings.append(_issue(row.sheet, row.index, row.roles.get("period"),
                                   "period_as_text", period=period_text))
    return period_text, start, end


def _row_target(row: _Row, outcome: str | None):
    """The score target the row states (its target column, else its outcome), or None; a
    target on a single item is not an indicator's target."""
    target = parse_target(clean_cell_text(row.cell("target")) or outcome)
    return None if target is not None and target.item is not None else target


def analyse_measures_file(conn, data: bytes, file_name: str,
                          year: int | None = None) -> MeasuresPlan:
    """Read and validate a measures spreadsheet (.xlsx or .csv); nothing is written.

    Raises ``ImportRejected`` for files that cannot be read at all.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    sheets = read_tables(data, file_name)
    plan = plan_measures(sheets, store.load_agency_keys(conn), file_name, sha256, year)
    plan.unchanged_import_id = measure_store.find_committed_import(conn, sha256)
    return plan


def commit_measures(conn, plan: MeasuresPlan, user: str | None = None) -> int:
    """Write a valid plan in one transaction with its import record; returns the import id.

    Refuses a plan with errors, and does nothing for a file already imported (same hash),
    returning that import's id.
    """
    if plan.errors or plan.rows.empty:
        raise ItaError(*texts("file_has_errors"))
    if plan.unchanged_import_id is not None:
        return plan.unchanged_import_id
    years = sorted(set(plan.rows["year"]))
    with store.transaction(conn) as cur:
        import_id = measure_store.record_import(
            cur, file_name=plan.file_name, sha256=plan.sha256,
            year=years[0] if len(years) == 1 else None, user_name=user, rows=len(plan.rows),
            agencies=int(plan.rows["agency_id"].nunique()),
            details={"sheets": plan.sheets, "years": [int(y) for y in years],
                     "warnings": len(plan.warnings)})
        measure_store.insert_measures(cur, plan.rows.assign(import_id=import_id))
    return import_id


def undo_measures(conn, import_id: int, user: str | None = None) -> int:
    """Undo a measures import (its measures removed); returns how many were removed."""
    try:
        with store.transaction(conn) as cur:
            return measure_store.undo_measures_import(cur, import_id, user)
    except ValueError:
        raise ItaError(*texts("not_committed/measures", import_id=import_id)) from None
