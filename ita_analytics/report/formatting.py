"""Numbers and dates written the way Thai official reports write them."""

from __future__ import annotations

import math
import re
from datetime import date

from ita_analytics.thai import BE_OFFSET, THAI_MONTHS, to_arabic_digits, to_thai_digits

MISSING = "–"
"""What a report shows for a missing value: an en dash, never a zero (nor "None" or "nan")."""


def is_missing(value) -> bool:
    """True for None, NaN and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return str(value) in ("<NA>", "nan", "NaT")


def fmt_score(value, *, thai_digits: bool = False) -> str:
    """A score with two decimals ("93.30"), "–" when missing."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):.2f}"
    return to_thai_digits(text) if thai_digits else text


def fmt_change(value, *, thai_digits: bool = False) -> str:
    """A change with its sign ("+1.25", "-2.10", "0.00"), "–" when either year is missing."""
    if is_missing(value):
        return MISSING
    value = round(float(value), 2)
    text = "0.00" if value == 0 else f"{value:+.2f}"
    return to_thai_digits(text) if thai_digits else text


def fmt_percentile(value) -> str:
    """A percentile rank with no decimals ("87"), "–" when unknown."""
    return MISSING if is_missing(value) else f"{float(value):.0f}"


def thai_year(year: int) -> str:
    """A B.E. year in Thai digits, as headings write it (๒๕๖๘)."""
    return to_thai_digits(str(int(year)))


def thai_date(day: date, *, thai_digits: bool = True) -> str:
    """A date as Thai documents write it: ๒๕ พฤศจิกายน ๒๕๖๘ (Buddhist era)."""
    text = f"{day.day} {THAI_MONTHS[day.month - 1][0]} {day.year + BE_OFFSET}"
    return to_thai_digits(text) if thai_digits else text


_ADDRESS = r"https?://\S+|www\.\S+"


def convert_digits(text: str, system: str, keep: tuple[str, ...] = ()) -> str:
    """``text`` with every digit in ``system`` ("thai" ๐–๙ or "arabic" 0–9): one digit system
    per report. Web addresses and the texts in ``keep`` (file names) are left as they are."""
    convert = to_thai_digits if system == "thai" else to_arabic_digits
    pattern = "|".join([_ADDRESS, *(re.escape(k) for k in sorted(keep, key=len, reverse=True)
                                    if k)])
    parts = re.split(f"({pattern})", text)
    return "".join(part if k % 2 else convert(part) for k, part in enumerate(parts))
