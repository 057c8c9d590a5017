"""Thai text helpers: digits, Buddhist-era years, agency-name normalisation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ita_analytics.domain import AGENCY_TYPES, AgencyType

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)

BE_OFFSET = 543
"""B.E. year = C.E. year + 543."""

THAI_MONTHS: tuple[tuple[str, str], ...] = (
    ("มกราคม", "ม.ค."), ("กุมภาพันธ์", "ก.พ."), ("มีนาคม", "มี.ค."), ("เมษายน", "เม.ย."),
    ("พฤษภาคม", "พ.ค."), ("มิถุนายน", "มิ.ย."), ("กรกฎาคม", "ก.ค."), ("สิงหาคม", "ส.ค."),
    ("กันยายน", "ก.ย."), ("ตุลาคม", "ต.ค."), ("พฤศจิกายน", "พ.ย."), ("ธันวาคม", "ธ.ค."),
)
"""Full name and abbreviation of each month, January first."""

# Years this far apart cannot be confused: C.E. 19xx–21xx vs B.E. 25xx–26xx.
_CE_RANGE = range(1900, 2200)
_BE_RANGE = range(2400, 2800)


def to_arabic_digits(text: str) -> str:
    """Replace Thai digits (๐–๙) with Arabic ones."""
    return text.translate(_TO_ARABIC)


def to_thai_digits(text: str) -> str:
    """Replace Arabic digits with Thai ones (for documents set in Thai numerals)."""
    return str(text).translate(_TO_THAI)


_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
"""Control characters, soft hyphen, zero-width and bidirectional marks, embeddings and isolates."""


def clean_text(text: str) -> str:
    """NFC, Thai sara am composed, control and invisible characters removed, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text))
    # Sara am typed as nikhahit + sara aa looks the same but compares differently.
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    text = _INVISIBLE.sub("", text)
    text = text.replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_MISSING = {"", "-", "–", "—", "n/a", "N/A", "NA", "nan"}


def parse_number(value, *, decimal_comma: bool = False) -> float | None:
    """A number from a cell: int/float, or text with Thai digits, spaces, and commas that
    group thousands ("1,000") or, with ``decimal_comma``, one decimal comma ("7,5" → 7.5).

    A comma anywhere else raises, never vanishes: "7,5" is not 75. Whether a file writes
    decimal commas is decided for a whole column, not cell by cell (see
    :func:`ita_analytics.importer.validate.parse_numbers`). Returns None for blanks and '-'
    (missing), raises ValueError for text that is not a number.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        return float(value)
    text = clean_text(to_arabic_digits(str(value))).replace(" ", "")
    if text in _MISSING:
        return None
    if "," in text:
        if decimal_comma and _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        elif not decimal_comma and _GROUPED.match(text):
            text = text.replace(",", "")
        else:
            raise ValueError(str(value))
    if not _NUMBER.match(text):
        raise ValueError(str(value))
    return float(text)


def to_be_year(year: int) -> int:
    """A fiscal year given in B.E. or C.E., as B.E. Raises ValueError for anything else."""
    year = int(year)
    if year in _BE_RANGE:
        return year
    if year in _CE_RANGE:
        return year + BE_OFFSET
    raise ValueError(f"ปี {year} ไม่ใช่ปี พ.ศ. หรือ ค.ศ. / {year} is not a B.E. or C.E. year")


def parse_year(value) -> int:
    """A fiscal year from a cell ('2568', '๒๕๖๘', 2025, 'ปี 2564', 'พ.ศ. ๒๕๖๘', '68') as B.E."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise ValueError(str(value))
        return to_be_year(int(value))
    text = clean_text(to_arabic_digits(str(value)))
    digits = re.findall(r"\d+", text)
    if len(digits) != 1 or text.startswith(("-", "−")):
        raise ValueError(str(value))
    number = int(digits[0])
    if len(digits[0]) == 2:  # short B.E. year as in "ต.ค. ๖๗"
        return 2500 + number
    return to_be_year(number)


_YEAR_IN_TEXT = re.compile(r"(?:พ\s*\.\s*ศ\s*\.?|ปี(?:งบประมาณ)?|ค\s*\.\s*ศ\s*\.?|FY|fiscal year)\s*(\d{4})",
                           re.IGNORECASE)


def find_year_in_text(text: str) -> int | None:
    """The fiscal year named in a title such as 'ประจำปีงบประมาณ พ.ศ. ๒๕๖๙' (B.E.), or None."""
    text = clean_text(to_arabic_digits(str(text)))
    for match in _YEAR_IN_TEXT.finditer(text):
        try:
            return to_be_year(int(match.group(1)))
        except ValueError:
            continue
    return None


# --- agency names -----------------------------------------------------------------------------

# Misspellings of type names seen in real documents, mapped to the right spelling.
_TYPE_MISSPELLINGS = {
    "องค์กรบริหารส่วนตำบล": "องค์การบริหารส่วนตำบล",
    "องค์การบริหารส่วนตําบล": "องค์การบริหารส่วนตำบล",
    "องค์กรบริหารส่วนจังหวัด": "องค์การบริหารส่วนจังหวัด",
}


def _abbreviation_patterns() -> list[tuple[re.Pattern, AgencyType]]:
    patterns = []
    for agency_type in AGENCY_TYPES:
        if not agency_type.prefix:
            continue
        for abbr in agency_type.abbreviations:
            letters = [re.escape(ch) for ch in abbr.rstrip(".")]
            # "อบต.", "อบต", "อ.บ.ต.", "อ บ ต" all abbreviate the same type.
            body = r"\.?\s*".join(letters)
            patterns.append((re.compile(rf"^{body}\.?\s*(?=\S)"), agency_type))
    return patterns


_ABBREVIATIONS = _abbreviation_patterns()
_PREFIXES = sorted(
    [t for t in AGENCY_TYPES if t.prefix], key=lambda t: len(t.prefix or ""), reverse=True
)


def expand_agency_name(name: str) -> str:
    """Full, clean agency name: abbreviations such as อบต./ทต. expanded, spaces and digits tidied."""
    text = clean_text(to_arabic_digits(name))
    for wrong, right in _TYPE_MISSPELLINGS.items():
        text = text.replace(wrong, right)
    for pattern, agency_type in _ABBREVIATIONS:
        if pattern.match(text):
            text = pattern.sub(agency_type.prefix, text, count=1)
            break
    for agency_type in _PREFIXES:
        if text.startswith(agency_type.prefix):
            rest = text[len(agency_type.prefix):].strip()
            return agency_type.prefix + rest
    return text


def split_agency_name(name: str) -> tuple[str | None, str]:
    """(agency type, place) of a local agency name; (None, name) when no type prefix is found."""
    full = expand_agency_name(name)
    for agency_type in _PREFIXES:
        if full.startswith(agency_type.prefix) and len(full) > len(agency_type.prefix):
            return agency_type.name_th, full[len(agency_type.prefix):]
    return None, full


@lru_cache(maxsize=1 << 17)
def normalize_agency_name(name: str) -> str:
    """Matching key of an agency name: expanded type, no spaces or dots, Arabic digits.

    "ทต.ทุ่งผึ้ง", "ทต. ทุ่งผึ้ง" and "เทศบาลตำบลทุ่งผึ้ง" give the same key. Cached: the
    same national list of names is keyed again by every consistency check and import match
    (about 40 ms for 8,300 names uncached).
    """
    return re.sub(r"[\s.\-–—_,'\"()]", "", expand_agency_name(name)).lower()


def abbreviate_agency_name(name: str) -> str:
    """Short form used in documents (เทศบาลตำบลทุ่งผึ้ง → ทต.ทุ่งผึ้ง)."""
    full = expand_agency_name(name)
    for agency_type in _PREFIXES:
        if full.startswith(agency_type.prefix) and agency_type.abbreviations:
            return agency_type.abbreviations[0] + full[len(agency_type.prefix):]
    return full
