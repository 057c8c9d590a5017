"""Provinces, districts and regions of Thailand, checked against geothai (CC-BY-4.0 data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ita_analytics.thai import clean_text, to_arabic_digits

if TYPE_CHECKING:
    import geothai

# geothai and rapidfuzz are imported where they are used: clean_province, which ``show
# --province`` needs, uses neither (tests/test_cli_speed.py).

GEOTHAI_CREDIT = (
    "ชื่อจังหวัด อำเภอ ตำบล จาก geothai (ข้อมูล CC-BY-4.0) / "
    "Province, district and subdistrict names from geothai (data CC-BY-4.0)"
)


@dataclass(frozen=True)
class Region:
    """A region (ภาค) used to group provinces in filters."""

    code: str
    name_th: str
    name_en: str
    province_codes: tuple[str, ...]


# The six geographic regions of the Royal Society, by DOPA province code.
REGIONS: tuple[Region, ...] = (
    Region("north", "ภาคเหนือ", "North", ("50", "51", "52", "53", "54", "55", "56", "57", "58")),
    Region("northeast", "ภาคตะวันออกเฉียงเหนือ", "Northeast",
           ("30", "31", "32", "33", "34", "35", "36", "37", "38", "39",
            "40", "41", "42", "43", "44", "45", "46", "47", "48", "49")),
    Region("central", "ภาคกลาง", "Central",
           ("10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "26",
            "60", "61", "62", "64", "65", "66", "67", "72", "73", "74", "75")),
    Region("east", "ภาคตะวันออก", "East", ("20", "21", "22", "23", "24", "25", "27")),
    Region("west", "ภาคตะวันตก", "West", ("63", "70", "71", "76", "77")),
    Region("south", "ภาคใต้", "South",
           ("80", "81", "82", "83", "84", "85", "86", "90", "91", "92", "93", "94", "95", "96")),
)


@cache
def provinces() -> tuple[geothai.Province, ...]:
    """All 77 provinces, by code."""
    import geothai

    return tuple(geothai.provinces())


@cache
def province_names() -> tuple[str, ...]:
    return tuple(p.name_th for p in provinces())


@cache
def _province_by_name() -> dict[str, geothai.Province]:
    return {p.name_th: p for p in provinces()}


@cache
def region_of_province() -> dict[str, Region]:
    """Province Thai name → region."""
    by_code = {code: region for region in REGIONS for code in region.province_codes}
    return {p.name_th: by_code[p.code] for p in provinces()}


def province_en(name_th: str) -> str:
    p = _province_by_name().get(name_th)
    return p.name_en if p else name_th


_PROVINCE_PREFIX = re.compile(r"^(จังหวัด|จ\s*\.)\s*")
_DISTRICT_PREFIX = re.compile(r"^(อำเภอ|อ\s*\.|เขต|กิ่งอำเภอ)\s*")
_PROVINCE_ALIASES = {"กรุงเทพ": "กรุงเทพมหานคร", "กรุงเทพฯ": "กรุงเทพมหานคร", "กทม": "กรุงเทพมหานคร",
                     "กทม.": "กรุงเทพมหานคร", "โคราช": "นครราชสีมา", "อยุธยา": "พระนครศรีอยุธยา"}


def clean_province(text: str) -> str:
    text = clean_text(to_arabic_digits(text))
    text = _PROVINCE_PREFIX.sub("", text).replace(" ", "")
    return _PROVINCE_ALIASES.get(text, text)


def clean_district(text: str) -> str:
    text = clean_text(to_arabic_digits(text))
    return _DISTRICT_PREFIX.sub("", text).replace(" ", "")


@dataclass(frozen=True)
class NameCheck:
    """Outcome of checking a place name: the canonical name if known, else suggestions."""

    given: str
    name: str | None
    suggestions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.name is not None


def _suggest(text: str, choices: tuple[str, ...], limit: int = 3) -> tuple[str, ...]:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    found = process.extract(text, choices, scorer=Levenshtein.distance, limit=limit)
    best = [name for name, distance, _ in found if distance <= max(2, len(text) // 2)]
    return tuple(best)


def check_province(text: str) -> NameCheck:
    """A province name as written in documents ('จ.ลำปาง', 'จังหวัดลำปาง', 'ลำปาง')."""
    name = clean_province(text)
    if name in _province_by_name():
        return NameCheck(text, name)
    return NameCheck(text, None, _suggest(name, province_names()))


@cache
def district_names(province: str) -> tuple[str, ...]:
    """District names of a province (Thai), e.g. 'แจ้ห่ม' for ลำปาง."""
    p = _province_by_name().get(province)
    if p is None:
        return ()
    import geothai

    return tuple(d.name_th for d in geothai.districts(p.code))


def check_district(text: str, province: str) -> NameCheck:
    """A district name within a known province ('อ.แจ้ห่ม', 'อำเภอเมือง', 'แจ้ห่ม')."""
    names = district_names(province)
    name = clean_district(text)
    if name in names:
        return NameCheck(text, name)
    if name == "เมือง" and f"เมือง{province}" in names:
        return NameCheck(text, f"เมือง{province}")
    return NameCheck(text, None, _suggest(name, names))


@cache
def subdistricts_of(province: str) -> tuple[tuple[str, str], ...]:
    """(district, subdistrict) Thai names of a province."""
    p = _province_by_name().get(province)
    if p is None:
        return ()
    import geothai

    out = []
    for d in geothai.districts(p.code):
        for s in geothai.subdistricts(d.code):
            out.append((d.name_th, s.name_th))
    return tuple(out)
