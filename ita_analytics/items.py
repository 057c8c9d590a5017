"""Assessment items (ข้อคำถาม / ข้อมูล OIT) as data: the catalogue per fiscal year, item codes, OIT rules.

The catalogue is ``data/items.csv`` (from shared/ITEMS.md, each row with its source): IIT
i1–i30 for 2564, the general-agency OIT list o1–o43 for 2563–2565, partial OIT lists for
2562, 2568 and 2569, and an OBEC school mirror of 2566 (variant "school"). No EIT wording was
found for any year. Codes are canonical lower case: ``i2``, ``e4``, ``o10``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from ita_analytics.thai import THAI_DIGITS, clean_text, to_arabic_digits

TOOL_OF_LETTER = {"i": "IIT", "e": "EIT", "o": "OIT"}
LETTER_OF_TOOL = {tool: letter for letter, tool in TOOL_OF_LETTER.items()}

GENERAL = "general"
SCHOOL = "school"
"""Catalogue variants: NACC's list for agencies in general, and the OBEC school mirror (2566)."""

COMPLETE_CATALOGUES: frozenset[tuple[str, int]] = frozenset({
    ("IIT", 2564), ("OIT", 2563), ("OIT", 2564), ("OIT", 2565)})
"""(tool, year) whose whole general-agency list is known (ITEMS.md §0): an item code outside
it is an error there; in every other year codes are accepted with their names unknown."""

UNKNOWN_NAME_TH = "ชื่อข้อไม่ทราบ"
UNKNOWN_NAME_EN = "name unknown"

PASS_SCORE = 100.0
FAIL_SCORE = 0.0
"""An OIT item is evidence published or not: scored 100 (ผ่าน) or 0 (ไม่ผ่าน)."""


@dataclass(frozen=True)
class CatalogueItem:
    """One row of the catalogue: an item of a tool over the fiscal years it was found for."""

    code: str
    tool: str
    first_year: int
    last_year: int
    indicator: int | None
    sub_indicator: str | None
    sub_indicator_inferred: bool
    name_th: str
    scoring: str
    source: str
    variant: str


@dataclass(frozen=True)
class ItemInfo:
    """What is known of an item code in a fiscal year. ``name_th`` is None when unknown, and
    ``status`` says why: "known", "unknown" (code accepted, name not found for the year) or
    "not_in_catalogue" (the year's whole list is known and the code is not in it)."""

    code: str
    year: int
    tool: str
    indicator: int | None
    sub_indicator: str | None
    name_th: str | None
    status: str
    source: str | None
    message_th: str
    message_en: str

    @property
    def known(self) -> bool:
        return self.status == "known"

    def label_th(self) -> str:
        """The item as a report names it: its code and name, or that the name is unknown."""
        return f"{self.code} {self.name_th}" if self.name_th else f"{self.code} ({UNKNOWN_NAME_TH})"


# --- item codes -----------------------------------------------------------------------------------

_PREFIX = re.compile(r"^(?:ข้อคำถามที่|ข้อคำถาม|ข้อที่|ข้อ|รหัสข้อ|item|no\.?)\s*", re.IGNORECASE)
_CODE = re.compile(rf"^(?P<letter>iit|eit|oit|[ieo])?\s*[.\-:]?\s*(?P<digits>[0-9{THAI_DIGITS}]{{1,3}})$",
                   re.IGNORECASE)
_HEADER_CODE = re.compile(
    rf"^(?P<code>(?:iit|eit|oit|[ieo])\s*[.\-:]?\s*[0-9{THAI_DIGITS}]{{1,3}}|[0๐][0-9{THAI_DIGITS}]{{1,2}})"
    rf"(?:[^0-9{THAI_DIGITS}].*)?$", re.IGNORECASE | re.DOTALL)


def parse_item_code(value, tool: str | None = None) -> str | None:
    """The canonical code of an item as documents write it, or None when it is not one.

    ``O10``, ``o10``, ``ข้อ o10``, ``o๑๐`` and ``๐๑๐`` (documents print the O of OIT items as a
    Thai zero: seed 003's "อ้างอิงจาก ๐๑๐") give ``o10``; ``i๒`` gives ``i2``; ``e4`` ``e4``.
    A bare number (``10``, ``"๑๐"``) is an item only when ``tool`` says which tool it is of.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value != value or value != int(value) or int(value) < 1 or tool not in LETTER_OF_TOOL:
            return None
        return f"{LETTER_OF_TOOL[tool]}{int(value)}"
    text = _PREFIX.sub("", clean_text(str(value)).strip()).replace(" ", "")
    match = _CODE.match(text)
    if not match:
        return None
    letter = (match.group("letter") or "").lower()[:1]
    digits = match.group("digits")
    if not letter:
        arabic = to_arabic_digits(digits)
        if len(arabic) >= 2 and arabic[0] == "0":
            letter, digits = "o", digits[1:]
        elif tool in LETTER_OF_TOOL:
            letter = LETTER_OF_TOOL[tool]
        else:
            return None
    number = int(to_arabic_digits(digits))
    return f"{letter}{number}" if number >= 1 else None


def header_item_code(text) -> str | None:
    """The item a column header names (``o10``, ``O10 แผนดำเนินงานประจำปี``, ``ข้อ ๐๖``), or None."""
    if not isinstance(text, str):
        return None
    cleaned = _PREFIX.sub("", clean_text(text).strip())
    match = _HEADER_CODE.match(cleaned)
    return parse_item_code(match.group("code")) if match else None


def tool_of(code: str) -> str:
    """The tool of a canonical item code (``o10`` → OIT)."""
    return TOOL_OF_LETTER[code[0]]


def item_number(code: str) -> int:
    return int(code[1:])


def item_sort_key(code: str) -> tuple[int, int]:
    """Items in the order reports list them: IIT, EIT, OIT, then by number."""
    return ("ieo".index(code[0]), item_number(code))


# --- the catalogue --------------------------------------------------------------------------------

def _int_or_none(text: str) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


@cache
def catalogue_items() -> tuple[CatalogueItem, ...]:
    """Every catalogue row shipped with the package (``ita_analytics/data/items.csv``)."""
    path = resources.files("ita_analytics").joinpath("data", "items.csv")
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            tool = row["tool"].strip()
            variant = SCHOOL if tool.endswith("-school") else GENERAL
            sub = (row["sub_indicator"] or "").strip()
            rows.append(CatalogueItem(
                code=parse_item_code(row["item"]), tool=tool.removesuffix("-school"),
                first_year=int(row["first_year"]), last_year=int(row["last_year"]),
                indicator=_int_or_none(row["indicator"]),
                sub_indicator=sub.split(" ")[0] or None, sub_indicator_inferred="inferred" in sub,
                name_th=row["name_th"].strip(), scoring=row["scoring"].strip(),
                source=row["source"].strip(), variant=variant))
    return tuple(rows)


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a table: code, tool, first_year, last_year, indicator, sub_indicator,
    sub_indicator_inferred, name_th, scoring, source, variant."""
    return pd.DataFrame([vars(item) for item in catalogue_items()])


@cache
def _by_year(year: int, variant: str) -> dict[str, CatalogueItem]:
    return {item.code: item for item in catalogue_items()
            if item.variant == variant and item.first_year <= year <= item.last_year}


def catalogue_for_year(year: int, tool: str | None = None, variant: str = GENERAL
                       ) -> list[CatalogueItem]:
    """The items known for a fiscal year (of one tool when given), in item order."""
    items = [i for i in _by_year(int(year), variant).values() if tool is None or i.tool == tool]
    return sorted(items, key=lambda i: item_sort_key(i.code))


def is_complete(year: int, tool: str) -> bool:
    """Whether the year's whole general-agency list of ``tool`` is known."""
    return (tool, int(year)) in COMPLETE_CATALOGUES


def item_info(year: int, code: str, variant: str = GENERAL) -> ItemInfo:
    """What the catalogue says of ``code`` (canonical) in fiscal ``year``."""
    year, tool = int(year), tool_of(code)
    found = _by_year(year, variant).get(code)
    if found is not None:
        return ItemInfo(code, year, tool, found.indicator, found.sub_indicator, found.name_th,
                        "known", found.source, "", "")
    # OIT items are evidence for indicators 9 and 10 alone, but which one is not known here.
    if is_complete(year, tool):
        listed = catalogue_for_year(year, tool, variant)
        span = f"{listed[0].code}–{listed[-1].code}"
        return ItemInfo(code, year, tool, None, None, None, "not_in_catalogue", None,
                        f"ไม่มีข้อ {code} ในแบบวัด {tool} ปี {year} (มีข้อ {span})",
                        f"{tool} {year} has no item {code} (its items are {span})")
    school = variant == GENERAL and code in _by_year(year, SCHOOL)
    hint_th = " (มีเฉพาะรายการของสถานศึกษา สพฐ. ซึ่งยังไม่ยืนยันว่าตรงกับหน่วยงานทั่วไป)" if school else ""
    hint_en = (" (only an OBEC school list is known, not verified for agencies in general)"
               if school else "")
    return ItemInfo(code, year, tool, None, None, None, "unknown", None,
                    f"{UNKNOWN_NAME_TH}: ไม่พบชื่อข้อ {code} ของปี {year} ในแหล่งข้อมูลสาธารณะ{hint_th}",
                    f"{UNKNOWN_NAME_EN}: no public source gives item {code} of {year}{hint_en}")


def item_info_frame(keys: pd.DataFrame) -> pd.DataFrame:
    """Catalogue facts for many (year, item) pairs.

    Input columns: ``year``, ``item``. Output: a new frame on the same index with
    ``indicator`` (Int64), ``sub_indicator``, ``name_th`` (None when unknown) and ``name_status``.
    """
    pairs = keys[["year", "item"]].drop_duplicates()
    facts = {(int(y), c): item_info(int(y), c) for y, c in zip(pairs["year"], pairs["item"])}
    infos = [facts[(int(y), c)] for y, c in zip(keys["year"], keys["item"])]
    return pd.DataFrame({
        "indicator": pd.array([i.indicator for i in infos], dtype="Int64"),
        # Object columns: an unknown name stays None (pandas would make text columns NaN).
        "sub_indicator": pd.Series([i.sub_indicator for i in infos], dtype=object, index=keys.index),
        "name_th": pd.Series([i.name_th for i in infos], dtype=object, index=keys.index),
        "name_status": [i.status for i in infos],
    }, index=keys.index)


# --- OIT scoring rules ----------------------------------------------------------------------------

@dataclass(frozen=True)
class OitRule:
    """How indicators 9 and 10 come from OIT items in a fiscal year: each indicator is the
    equal-weight mean of its sub-indicators' pass rates (passed items / items, × 100)."""

    year: int
    status: str
    note_th: str
    note_en: str
    source: str

    def sub_indicators(self) -> dict[str, tuple[str, ...]]:
        """Sub-indicator → its item codes, from the year's catalogue."""
        groups: dict[str, list[str]] = {}
        for item in catalogue_for_year(self.year, "OIT"):
            groups.setdefault(item.sub_indicator, []).append(item.code)
        return {sub: tuple(codes) for sub, codes in sorted(
            groups.items(), key=lambda kv: tuple(int(p) for p in kv[0].split(".")))}


_S5 = ("https://online.anyflip.com/qxtmp/cuda/files/basic-html/page138.html "
       "(ตาราง 4.26, จังหวัดพิจิตร FY2564)")
OIT_RULES: dict[int, OitRule] = {r.year: r for r in (
    OitRule(2564, "verified",
            "ตรวจสอบกับคะแนนที่เผยแพร่ปี 2564 แล้ว: ตัวชี้วัดที่ 9 = ค่าเฉลี่ยของอัตราผ่านของตัวชี้วัดย่อย "
            "9.1–9.5 (9, 8, 7, 4, 5 ข้อ) ตัวชี้วัดที่ 10 = ค่าเฉลี่ยของ 10.1 และ 10.2 (8, 2 ข้อ)",
            "Checked against published 2564 scores: indicator 9 = mean of the pass rates of "
            "sub-indicators 9.1–9.5 (9, 8, 7, 4, 5 items), indicator 10 = mean of 10.1 and 10.2 "
            "(8, 2 items)", _S5),
    OitRule(2563, "presumed",
            "สันนิษฐานว่าเหมือนปี 2564 (รายการข้อ o1–o43 ชุดเดียวกัน) ยังไม่ได้ตรวจกับคะแนนที่เผยแพร่",
            "Presumed as in 2564 (the same o1–o43 list); not checked against published scores",
            _S5),
    OitRule(2565, "presumed",
            "สันนิษฐานว่าเหมือนปี 2564 (รายการข้อ o1–o43 ชุดเดียวกัน) ยังไม่ได้ตรวจกับคะแนนที่เผยแพร่",
            "Presumed as in 2564 (the same o1–o43 list); not checked against published scores",
            _S5),
)}
"""Years whose rule is known (verified) or presumed; other years are not reproduced."""

SURVEY_RULE_NOTE_TH = ("ยังไม่ทราบวิธีรวมคะแนนรายข้อ IIT/EIT เป็นคะแนนตัวชี้วัดที่ 1–8 "
                       "(ไม่พบในแหล่งข้อมูลสาธารณะ) จึงไม่คำนวณย้อนจากรายข้อ")
SURVEY_RULE_NOTE_EN = ("How IIT/EIT item scores make indicators 1–8 is not known (no public "
                       "source found), so those indicators are not reproduced from items")
