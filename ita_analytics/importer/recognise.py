"""Recognising a sheet's layout: its header row, what each column holds, wide or long, its year."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ita_analytics.domain import INDICATOR_NUMBERS, INDICATORS, TOOL_CODES, TOOLS
from ita_analytics.importer.read import Sheet
from ita_analytics.thai import clean_text, find_year_in_text, to_arabic_digits

INDICATOR_ROLES = tuple(f"i{n}" for n in INDICATOR_NUMBERS)

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "seq": ("ลำดับ", "No."),
    "name": ("ชื่อหน่วยงาน", "Agency name"),
    "agency_type": ("ประเภทหน่วยงาน", "Agency type"),
    "district": ("อำเภอ", "District"),
    "province": ("จังหวัด", "Province"),
    "code": ("รหัสหน่วยงาน", "Agency code"),
    "year": ("ปีงบประมาณ", "Fiscal year"),
    "indicator": ("ตัวชี้วัด", "Indicator"),
    "score": ("คะแนน", "Score"),
    **{f"i{i.number}": (f"ตัวชี้วัดที่ {i.number} {i.name_th}", f"Indicator {i.number} {i.name_en}")
       for i in INDICATORS},
    **{t.code: (t.code, t.code) for t in TOOLS},
    "total": ("คะแนนรวม", "Total"),
    "level": ("ระดับ", "Level"),
    "ignore": ("ไม่ใช้", "Ignored"),
}
"""Every role a column can have, with its Thai and English label (for the mapping shown)."""


HEADER_MAX_CHARS = 200
"""A header cell longer than this is not a header (the longest seen, a group title over an
indicator's name, is under 100): it is not compared at all, so that recognising a sheet is
linear in its size (a header cell of a million characters took 1–100 s)."""
TITLE_MAX_CHARS = 500
"""Cells above the header longer than this are notes, not titles: no year is sought in them."""


def shown(value, limit: int = 60) -> str:
    """A cell's text for a message: at most ``limit`` characters, cut with an ellipsis."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def norm(text) -> str:
    """A header cell reduced for comparison: Arabic digits, lower case, no spaces or dots."""
    text = clean_text(to_arabic_digits(str(text))).lower()
    return re.sub(r"[\s.:_\-()/]", "", text)


# Headers compared after :func:`norm`; exact matches first, then prefixes.
_EXACT: dict[str, str] = {}
for _role, _words in {
    "seq": ("ลำดับ", "ลำดับที่", "ที่", "no", "#", "seq", "order"),
    "name": ("ชื่อหน่วยงาน", "หน่วยงาน", "ชื่อ", "ชื่อองค์กรปกครองส่วนท้องถิ่น", "อปท", "ชื่ออปท",
             "agency", "agencyname", "name", "organization", "organisation", "หน่วยงานภาครัฐ",
             "ชื่อหน่วยงานภาครัฐ"),
    "agency_type": ("ประเภท", "ประเภทหน่วยงาน", "type", "agencytype", "ประเภทอปท"),
    "district": ("อำเภอ", "อ", "เขต", "district", "amphoe", "อำเภอเขต"),
    "province": ("จังหวัด", "จ", "province", "changwat"),
    "code": ("รหัส", "รหัสหน่วยงาน", "code", "agencycode", "officialcode", "รหัสอปท"),
    "year": ("ปี", "ปีงบประมาณ", "พศ", "ปีพศ", "year", "fiscalyear", "fy", "ปีที่ประเมิน"),
    "indicator": ("ตัวชี้วัด", "indicator", "ตัวชี้วัดที่", "ข้อ", "indicatorno", "ประเด็น"),
    "score": ("คะแนน", "score", "value", "ค่าคะแนน"),
    "total": ("คะแนนรวม", "คะแนนita", "ita", "total", "itascore", "totalscore", "รวม",
              "คะแนนรวมita", "ผลคะแนน", "ผลคะแนนรวม", "คะแนนผลการประเมิน"),
    "level": ("ระดับ", "ระดับผลการประเมิน", "ผลการประเมิน", "level", "rating", "result", "ระดับคะแนน"),
}.items():
    for _w in _words:
        _EXACT[_w] = _role
for _tool in TOOLS:
    _EXACT[_tool.code.lower()] = _tool.code
    _EXACT[norm(_tool.name_th)] = _tool.code

_INDICATOR_NUMBER = re.compile(r"^(?:ตัวชี้วัดที่|ตัวชี้วัด|indicator|ind|i)(\d{1,2})(?!\d)")
_LEADING_NUMBER = re.compile(r"^(\d{1,2})(?!\d)")
_INDICATOR_NAMES: list[tuple[str, int]] = sorted(
    [(norm(name), i.number) for i in INDICATORS for name in i.names_th]
    + [(norm(i.name_en), i.number) for i in INDICATORS],
    key=lambda pair: -len(pair[0]),
)


def indicator_number(text) -> int | None:
    """The indicator a header or cell names ('ตัวชี้วัดที่ ๑', 'i1', '1. การปฏิบัติหน้าที่', 'Budget use')."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return int(text) if text == int(text) and int(text) in INDICATOR_NUMBERS else None
    if len(str(text)) > HEADER_MAX_CHARS:
        return None
    key = norm(text)
    match = _INDICATOR_NUMBER.match(key)
    if match and int(match.group(1)) in INDICATOR_NUMBERS:
        return int(match.group(1))
    for name, number in _INDICATOR_NAMES:
        if name and name in key:
            return number
    match = _LEADING_NUMBER.match(key)
    if match and int(match.group(1)) in INDICATOR_NUMBERS and len(key) > len(match.group(1)):
        # "1การปฏิบัติ…" already matched by name; a bare "1" is only taken when many are.
        return None
    return None


def indicator_cell_number(value) -> int | None:
    """The indicator a long layout's indicator cell names: as :func:`indicator_number`, and a
    bare number 1–10 as text ("1", "๑๐", "3.0") — under a header "ตัวชี้วัดที่" a bare number
    can only be the indicator (in a header row it could be anything)."""
    if isinstance(value, str) and len(value) <= HEADER_MAX_CHARS:
        bare = re.fullmatch(r"(\d{1,2})(?:\.0+)?", to_arabic_digits(clean_text(value)).strip())
        if bare and int(bare.group(1)) in INDICATOR_NUMBERS:
            return int(bare.group(1))
    return indicator_number(value)


def header_signature(sheet: Sheet) -> str:
    """A file layout's fingerprint: its first rows' header-like texts, normalised — the same
    for every file of one layout whatever its data, so a mapping set once can be offered again."""
    import hashlib

    row = _header_like_row(sheet)
    # Normalised from the first 1,000 characters only: the same 60 for any real header, and
    # linear for a cell of a million.
    cells = [norm(str(v)[:1000])[:60] for v in sheet.rows[row]] if row is not None else []
    return hashlib.sha256("|".join(c for c in cells if c).encode("utf-8")).hexdigest()[:16]


def _header_like_row(sheet: Sheet) -> int | None:
    """The first row of two or more cells, all text: a header, whatever its words (a title
    above it is one merged cell; data rows hold numbers)."""
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        cells = [v for v in row if v is not None and not (isinstance(v, str) and not v.strip())]
        if len(cells) >= 2 and all(isinstance(v, str) for v in cells):
            return index
    return None


def role_from_text(text: str) -> str | None:
    """The role a user names in a mapping (``--map "ตัวชี้วัด ก=1"``): a number 1–10 is that
    indicator; else a role code (name, province, district, agency_type/type, code, year, i1…,
    IIT/EIT/OIT, total, level, ignore) or its Thai or English label."""
    key = norm(text)
    if re.fullmatch(r"\d{1,2}", key) and int(key) in INDICATOR_NUMBERS:
        return f"i{int(key)}"
    aliases = {"agency": "name", "type": "agency_type", "หน่วยงาน": "name"}
    if key in aliases:
        return aliases[key]
    for role, (th, en) in ROLE_LABELS.items():
        if key in (norm(role), norm(th), norm(en)):
            return role
    for tool in TOOL_CODES:
        if key == tool.lower():
            return tool
    return header_role(text)


def header_role(text) -> str | None:
    """The role of a header cell, or None when it is not recognised."""
    if text is None or len(str(text)) > HEADER_MAX_CHARS:
        return None
    key = norm(text)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    number = indicator_number(text)
    if number is not None:
        return f"i{number}"
    for code in TOOL_CODES:
        if key.startswith(code.lower()):
            return code
    for prefix, role in (("ชื่อหน่วยงาน", "name"), ("หน่วยงาน", "name"), ("ชื่อ", "name"),
                         ("คะแนนรวม", "total"), ("คะแนนita", "total"),
                         ("ระดับ", "level"), ("ผลการประเมิน", "level"), ("ปีงบ", "year"),
                         ("จังหวัด", "province"), ("อำเภอ", "district"), ("ประเภท", "agency_type"),
                         ("รหัส", "code"), ("ลำดับ", "seq"), ("agencyname", "name")):
        if key.startswith(prefix):
            return role
    return None


@dataclass
class SheetLayout:
    """What was recognised in one sheet.

    ``mapping`` maps 0-based column index → role (see :data:`ROLE_LABELS`); ``header_row``
    is 0-based; ``layout`` is "wide", "long" or "none" (no scores found).
    """

    sheet: str
    layout: str
    header_row: int | None = None
    mapping: dict[int, str] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)
    title_year: int | None = None
    hidden: bool = False
    duplicates: dict[int, str] = field(default_factory=dict)
    """Columns whose header names an indicator already taken by an earlier column."""

    def columns_for(self, role: str) -> list[int]:
        return [c for c, r in self.mapping.items() if r == role]

    def indicator_columns(self) -> dict[int, int]:
        """Indicator number → column index, for a wide layout."""
        return {int(r[1:]): c for c, r in self.mapping.items() if r in INDICATOR_ROLES}


HEADER_SCAN_ROWS = 40


def _row_mapping(row: list, named: dict[str, str] | None = None) -> dict[int, str]:
    """Column → role for a candidate header row; ``named`` (normalised header → role) is the
    analyst's mapping by header text, which wins over recognition ("ignore" drops a column)."""
    mapping: dict[int, str] = {}
    used: set[str] = set()
    if named:
        for col, value in enumerate(row):
            role = named.get(norm(value)) if isinstance(value, (str, int, float)) \
                and len(str(value)) <= HEADER_MAX_CHARS else None
            if role:
                mapping[col] = role
                used.add(role)
    for col, value in enumerate(row):
        if col in mapping or not isinstance(value, str):
            continue
        role = header_role(value)
        if role and role not in used:
            mapping[col] = role
            used.add(role)
    # Bare numbers 1–10 as headers: taken only when most of them are present.
    keys = {col: norm(v) for col, v in enumerate(row) if col not in mapping and v is not None
            and len(str(v)) <= HEADER_MAX_CHARS}
    bare = {col: int(key) for col, key in keys.items()
            if re.fullmatch(r"\d{1,2}", key) and int(key) in INDICATOR_NUMBERS}
    if len(bare) >= 8 and len(set(bare.values())) == len(bare):
        for col, number in bare.items():
            if f"i{number}" not in used:
                mapping[col] = f"i{number}"
    return mapping


VALUE_ROLES = frozenset({*INDICATOR_ROLES, *TOOL_CODES, "total", "level", "score"})
"""Roles that hold a result: a sheet needs one of them to be a score table."""


def _score(mapping: dict[int, str]) -> int:
    roles = set(mapping.values())
    indicators = len(roles & set(INDICATOR_ROLES))
    score = len(roles) + indicators
    if "name" not in roles and "code" not in roles:
        # A row per province (the provincial office) names no agency: weaker, not refused.
        score -= 2 if "province" in roles else 100
    if not roles & VALUE_ROLES:
        score -= 50
    return score


def _merge_header_rows(upper: list, lower: list) -> list:
    """Header cells of two rows combined (a merged group title above the column names)."""
    width = max(len(upper), len(lower))
    out = []
    for col in range(width):
        top = upper[col] if col < len(upper) else None
        bottom = lower[col] if col < len(lower) else None
        if isinstance(top, str) and len(top) > HEADER_MAX_CHARS:
            top = None  # not a group title: joined to the cell below, it would hide that cell
        if bottom is None:
            out.append(top)
        elif top is None or not isinstance(top, str) or header_role(bottom):
            out.append(bottom)
        else:
            out.append(f"{top} {bottom}")
    return out


def recognise_sheet(sheet: Sheet, overrides: dict[int, str] | None = None,
                    named: dict[str, str] | None = None) -> SheetLayout:
    """Find the header row and the role of each column of a sheet.

    ``overrides`` (column index → role, "ignore" to drop one) corrects the recognised mapping;
    ``named`` (header text → role) does the same by header, for every sheet and file with
    that header (the CLI's ``--map``/``--mapping``, a remembered mapping).
    """
    named = {norm(k): v for k, v in (named or {}).items()} or None
    best: tuple[int, int, dict[int, str], list] | None = None
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        if not row or all(v is None for v in row):
            continue
        candidates = [(row, _row_mapping(row, named))]
        if index > 0 and sheet.rows[index - 1]:
            merged = _merge_header_rows(sheet.rows[index - 1], row)
            candidates.append((merged, _row_mapping(merged, named)))
        for cells, mapping in candidates:
            score = _score(mapping)
            if score > 0 and (best is None or score > best[0]):
                best = (score, index, mapping, cells)
    title_year = _title_year(sheet, best[1] if best else HEADER_SCAN_ROWS)
    if best is None:
        # No score table: the header-like row's columns are still listed, so a message can
        # say what each was read as and the page can map them.
        row = _header_like_row(sheet)
        if row is None:
            return SheetLayout(sheet.name, "none", title_year=title_year, hidden=sheet.hidden)
        cells = sheet.rows[row]
        return SheetLayout(sheet.name, "none", row, _row_mapping(cells, named),
                           {c: shown(v, HEADER_MAX_CHARS) for c, v in enumerate(cells)
                            if isinstance(v, str) and v.strip()},
                           title_year, sheet.hidden)
    _, header_row, mapping, cells = best
    if named:
        mapping = {c: r for c, r in mapping.items() if r != "ignore"}
    if overrides:
        for col, role in overrides.items():
            mapping = {c: r for c, r in mapping.items() if r != role or role == "ignore"}
            mapping[int(col)] = role
        mapping = {c: r for c, r in mapping.items() if r != "ignore"}
    # Every titled column is listed (unrecognised ones as "ignore"), so the page can remap it.
    headers = {c: shown(v, HEADER_MAX_CHARS) for c, v in enumerate(cells)
               if v is not None and str(v).strip()}
    headers.update({c: headers.get(c, "") for c in mapping})
    roles = set(mapping.values())
    if "score" in roles and "indicator" not in roles and not roles & {*INDICATOR_ROLES, "total"}:
        # A bare "คะแนน" beside no indicator column is the total (a totals-only file).
        mapping = {c: "total" if r == "score" else r for c, r in mapping.items()}
        roles = set(mapping.values())
    if {"indicator", "score"} <= roles and not roles & set(INDICATOR_ROLES):
        layout = "long"
    elif roles & (VALUE_ROLES - {"score"}):
        layout = "wide"
    else:
        layout = "none"
    chosen = {int(c) for c in overrides or {}}
    duplicates = {c: role for c, v in enumerate(cells)
                  if c not in mapping and c not in chosen and isinstance(v, str)
                  and (role := header_role(v))
                  in INDICATOR_ROLES and role in roles}
    return SheetLayout(sheet.name, layout, header_row, dict(sorted(mapping.items())), headers,
                       title_year, sheet.hidden, duplicates)


def _title_year(sheet: Sheet, header_row: int) -> int | None:
    """The fiscal year named in the rows above the header (or in the sheet's name)."""
    for row in sheet.rows[:header_row]:
        for value in row:
            if isinstance(value, str) and len(value) <= TITLE_MAX_CHARS:
                year = find_year_in_text(value)
                if year:
                    return year
    return find_year_in_text(sheet.name)
