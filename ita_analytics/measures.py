"""Reading measures (มาตรการ) as documents write them: periods, statuses, indicators, targets."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from ita_analytics.domain import INDICATOR_NUMBERS
from ita_analytics.thai import BE_OFFSET, THAI_MONTHS, clean_text, to_arabic_digits, to_be_year

# --- kinds and statuses -------------------------------------------------------------------------

KIND_MEASURE = "มาตรการ"
KIND_PROJECT = "โครงการ"
KIND_ACTIVITY = "กิจกรรม"
MEASURE_KINDS: tuple[str, ...] = (KIND_MEASURE, KIND_PROJECT, KIND_ACTIVITY)
KIND_EN = {KIND_MEASURE: "measure", KIND_PROJECT: "project", KIND_ACTIVITY: "activity"}

STATUS_NOT_STARTED = "ยังไม่ดำเนินการ"
STATUS_IN_PROGRESS = "อยู่ระหว่างดำเนินการ"
STATUS_DONE = "ดำเนินการแล้ว"
STATUSES: tuple[str, ...] = (STATUS_NOT_STARTED, STATUS_IN_PROGRESS, STATUS_DONE)
"""In the order documents print their status columns (seed 004)."""
STATUS_EN = {STATUS_NOT_STARTED: "not started", STATUS_IN_PROGRESS: "in progress",
             STATUS_DONE: "done"}
STATUS_UNKNOWN_TH = "ไม่ระบุสถานะ"
STATUS_UNKNOWN_EN = "status not stated"

# Checked in this order: "ยังไม่ดำเนินการ" contains "ดำเนินการ", so negative words come first.
_STATUS_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (STATUS_NOT_STARTED, ("ยังไม่", "ไม่ได้ดำเนิน", "notstarted", "notyet", "todo", "planned")),
    (STATUS_IN_PROGRESS, ("ระหว่างดำเนิน", "กำลังดำเนิน", "อยู่ระหว่าง", "inprogress", "ongoing",
                          "started")),
    (STATUS_DONE, ("ดำเนินการแล้ว", "ดำเนินงานแล้ว", "เสร็จ", "แล้วเสร็จ", "ดำเนินการ", "ดำเนินงาน",
                   "done", "completed", "complete", "finished")),
)

_CHECKED_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_CHECK_MARKS = ("☑", "☒", "✓", "✔", "✅", "[x]", "[X]", "[/]", "(/)", "(x)")
_EMPTY_BOXES = ("☐", "□", "[ ]", "( )")


def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return not str(value).strip()


def _status_word(text: str) -> str:
    key = re.sub(r"\s+", "", text).lower()
    for status, words in _STATUS_WORDS:
        if any(word in key for word in words):
            return status
    raise ValueError(f"สถานะไม่รู้จัก: {text} / unknown status: {text}")


def _labels_after(text: str, marker: re.Pattern) -> list[tuple[str, str]]:
    """(marker, label) pairs: the text after each marker up to the next marker."""
    pieces = marker.split(text)
    marks = marker.findall(text)
    return [(m, re.sub(r"<[^>]+>", " ", pieces[i + 1])) for i, m in enumerate(marks)]


def parse_status(value) -> str | None:
    """The status of a measure from a cell: a word, or checkboxes with one ticked.

    Words: ยังไม่ดำเนินการ / ยังไม่ได้ดำเนินการ, อยู่ระหว่างดำเนินการ / กำลังดำเนินการ,
    ดำเนินการแล้ว / ดำเนินการ / ดำเนินงานเสร็จแล้ว (and English). Checkboxes as rendered from
    Word (``<input checked="" type="checkbox"/> ดำเนินการ``, seed 002) or as ☑/☐ characters:
    the label after the one ticked box. Blank gives None; unknown text raises ValueError.
    """
    if _is_blank(value):
        return None
    text = html.unescape(str(value))
    if _CHECKED_INPUT.search(text):
        pairs = _labels_after(text, _CHECKED_INPUT)
        ticked = [label for tag, label in pairs if re.search(r"\bchecked\b", tag, re.IGNORECASE)]
        return _one_ticked(ticked, text)
    boxes = _CHECK_MARKS + _EMPTY_BOXES
    if any(box in text for box in boxes):
        marker = re.compile("(?:" + "|".join(re.escape(b) for b in boxes) + ")")
        pairs = _labels_after(text, marker)
        ticked = [label for box, label in pairs if box in _CHECK_MARKS]
        return _one_ticked(ticked, text)
    return _status_word(clean_text(text))


def _one_ticked(labels: list[str], text: str) -> str | None:
    if not labels:
        return None
    if len(labels) > 1:
        raise ValueError(f"เลือกสถานะมากกว่าหนึ่งช่อง: {text} / more than one status ticked")
    # The label runs to the next box; progress notes may follow it on the same line.
    label = clean_text(labels[0])
    head = re.split(r"\s-\s|\s–\s|\n", label, maxsplit=1)[0]
    return _status_word(head)


def status_from_marks(cells) -> str | None:
    """The status from three mark columns in the order of :data:`STATUSES`.

    Seed 004 ticks one of ยังไม่ดำเนินงาน / อยู่ระหว่างดำเนินงาน / ดำเนินงานเสร็จแล้ว with "/";
    its later pages repeat the first header three times, so the position decides, not the
    header. Any non-blank cell is a mark; none gives None, more than one raises ValueError.
    """
    cells = list(cells)
    if len(cells) != len(STATUSES):
        raise ValueError(f"ต้องมี {len(STATUSES)} ช่องสถานะ / expected {len(STATUSES)} status cells")
    marked = [status for status, cell in zip(STATUSES, cells) if not _is_blank(cell)]
    if len(marked) > 1:
        raise ValueError("ทำเครื่องหมายสถานะมากกว่าหนึ่งช่อง / more than one status marked")
    return marked[0] if marked else None


def kind_from_title(title: str, default: str = KIND_MEASURE) -> str:
    """มาตรการ / โครงการ / กิจกรรม from the word a title starts with, else ``default``."""
    text = re.sub(r"^[\s\d๐-๙.)\-–•“\"']+", "", clean_text(title))
    for kind in MEASURE_KINDS:
        if text.startswith(kind):
            return kind
    return default


def parse_kind(value) -> str:
    """A kind cell (Thai, or measure/project/activity); blank gives มาตรการ."""
    if _is_blank(value):
        return KIND_MEASURE
    text = clean_text(str(value)).lower()
    for kind, english in KIND_EN.items():
        if text in (kind, english) or text.startswith(kind):
            return kind
    raise ValueError(f"ประเภทไม่รู้จัก: {value} / unknown kind: {value}")


# --- text cells -----------------------------------------------------------------------------------

def clean_cell_text(value) -> str | None:
    """Plain text of a cell converted from Word: tags removed, list items and bullets on lines.

    Thai digits are kept as the document writes them. Blank gives None.
    """
    if _is_blank(value):
        return None
    text = html.unescape(str(value))
    text = re.sub(r"<br\s*/?>|</p>|</li>|<li[^>]*>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s*•\s*", "\n• ", text)
    lines = [clean_text(line) for line in text.split("\n")]
    out = "\n".join(line for line in lines if line)
    return out or None


def clean_title(value) -> str | None:
    """A measure's title on one line, without the list number or dash documents put first
    ("๑.มาตรการ…", "-มีแนวทาง…")."""
    text = clean_cell_text(value)
    if text is None:
        return None
    text = re.sub(r"^(?:[๐-๙\d]{1,2}\s*[.)]\s*|[-–•]\s*)", "", " ".join(text.split("\n")))
    return text.strip() or None


# --- months and periods -------------------------------------------------------------------------

FISCAL_YEAR_FIRST_MONTH = 10
"""The Thai fiscal year named B.E. Y runs from October of Y-1 to September of Y."""


def _month_alternatives() -> list[tuple[str, int]]:
    alts: list[tuple[str, int]] = []
    for number, (full, abbr) in enumerate(THAI_MONTHS, 1):
        alts.append((re.escape(full), number))
        letters = [re.escape(ch) for ch in abbr.replace(".", "")]
        # "ต.ค.", "ต.ค", "ต. ค.", "ตค" are the same month; not inside a word ("สมคบ").
        alts.append((r"(?<![ก-๛])" + r"\.?\s?".join(letters) + r"\.?(?![ก-ฮ])", number))
    # Longest first, so that "มิ.ย." is not read as "มี" or "ม.ค." as a prefix of another.
    return sorted(alts, key=lambda a: len(a[0]), reverse=True)


_MONTH_ALTS = _month_alternatives()
_MONTH_RE = re.compile(
    r"(?:(?:วันที่\s*)?(?P<day>\d{1,2})\s*)?(?P<month>"
    + "|".join(f"(?P<m{i}>{pattern})" for i, (pattern, _) in enumerate(_MONTH_ALTS))
    + r")\s*(?:พ\s*\.\s*ศ\s*\.?\s*)?(?P<year>\d{4}|\d{2})?(?!\d)"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(?:(?P<day>\d{1,2})[/.-])?(?P<month>\d{1,2})[/.-](?P<year>\d{4}|\d{2})(?!\d)")
_WHOLE_YEAR = re.compile(r"ตลอด\s*(?:ทั้ง\s*)?ปี\s*(?:งบ\s*ประมาณ)?")
_YEAR_TOKEN = re.compile(r"(?:พ\s*\.\s*ศ\s*\.?\s*)?(?<!\d)(\d{4}|\d{2})(?!\d)")


def _be_year(token: str) -> int:
    """A year token as B.E.: "67" → 2567, "2567" → 2567, "2024" → 2567."""
    number = int(token)
    if len(token) == 2:
        return 2500 + number
    return to_be_year(number)


def month_date(year_be: int, month: int) -> date:
    """The first day of a month given in B.E., as a (Gregorian) date."""
    return date(int(year_be) - BE_OFFSET, int(month), 1)


def fiscal_year_months(year_be: int) -> tuple[date, date]:
    """First and last month of a B.E. fiscal year (2568 → Oct 2024, Sep 2025)."""
    return (month_date(year_be - 1, FISCAL_YEAR_FIRST_MONTH),
            month_date(year_be, FISCAL_YEAR_FIRST_MONTH - 1))


@dataclass(frozen=True)
class Period:
    """Start and end month of a measure (first days of months); None where not stated."""

    start: date | None
    end: date | None


def _month_tokens(text: str) -> list[tuple[int, int | None]]:
    """(month, B.E. year or None) for each month named in ``text``, in order."""
    tokens = []
    for match in _MONTH_RE.finditer(text):
        number = next(_MONTH_ALTS[i][1] for i in range(len(_MONTH_ALTS))
                      if match.group(f"m{i}") is not None)
        year = match.group("year")
        tokens.append((number, _be_year(year) if year else None))
    if not tokens:
        for match in _NUMERIC_DATE.finditer(text):
            month = int(match.group("month"))
            if 1 <= month <= 12:
                tokens.append((month, _be_year(match.group("year"))))
    return tokens


def parse_period(value, fiscal_year: int | None = None) -> Period:
    """Start and end month of a period as documents write it.

    Reads "ต.ค. ๖๗ – ก.ย. ๖๘", "วันที่ ๑ ต.ค. ๖๗ ถึง วันที่ ๓๐ ก.ย. ๖๘", "ตุลาคม ๒๕๖๓ –
    กันยายน ๒๕๖๔", "ตลอดปีงบประมาณ พ.ศ. ๒๕๖๘" (= ต.ค. ๒๕๖๗ – ก.ย. ๒๕๖๘), a single date
    ("๓๑ มี.ค. ๖๕": start and end in that month), numeric "1/10/2567", and date cells.
    Years are B.E. (2 or 4 digits) or C.E.; a month without a year takes it from the other
    end of the range, else from ``fiscal_year``. Blank gives an empty period; text with no
    month or year raises ValueError, as does an end before the start.
    """
    if _is_blank(value):
        return Period(None, None)
    if isinstance(value, (date, datetime)):
        month = date(value.year, value.month, 1)
        return Period(month, month)
    text = clean_text(to_arabic_digits(re.sub(r"<[^>]+>", " ", str(value))))
    whole = _WHOLE_YEAR.search(text)
    if whole:
        found = _YEAR_TOKEN.search(text[whole.end():])
        year = _be_year(found.group(1)) if found else fiscal_year
        if year is None:
            raise ValueError(f"ไม่ระบุปีงบประมาณ: {value} / no fiscal year in: {value}")
        return Period(*fiscal_year_months(year))
    tokens = _month_tokens(text)
    if not tokens:
        raise ValueError(f"อ่านช่วงเวลาไม่ได้: {value} / cannot read the period: {value}")
    (m1, y1), (m2, y2) = tokens[0], tokens[-1]
    if y1 is None and y2 is None:
        if fiscal_year is None:
            raise ValueError(f"ไม่ระบุปี: {value} / no year in: {value}")
        y1 = fiscal_year - 1 if m1 >= FISCAL_YEAR_FIRST_MONTH else fiscal_year
        y2 = fiscal_year - 1 if m2 >= FISCAL_YEAR_FIRST_MONTH else fiscal_year
    elif y1 is None:
        y1 = y2 - 1 if m1 > m2 else y2
    elif y2 is None:
        y2 = y1 + 1 if m2 < m1 else y1
    start, end = month_date(y1, m1), month_date(y2, m2)
    if end < start:
        raise ValueError(f"สิ้นสุดก่อนเริ่ม: {value} / the period ends before it starts: {value}")
    return Period(start, end)


def parse_month(value, fiscal_year: int | None = None) -> date | None:
    """One month from a cell ("ต.ค. ๖๗", "ตุลาคม 2567", "10/2567", a date); blank gives None."""
    period = parse_period(value, fiscal_year)
    return period.start


def format_month_th(month: date | None) -> str:
    """"ต.ค. 2567" for a month date; "-" when missing."""
    if month is None or (isinstance(month, float) and math.isnan(month)):
        return "-"
    return f"{THAI_MONTHS[month.month - 1][1]} {month.year + BE_OFFSET}"


def format_period_th(start: date | None, end: date | None) -> str:
    """"ต.ค. 2567 – ก.ย. 2568"; one month alone when start and end are the same."""
    if start is None and end is None:
        return "-"
    if start == end or start is None or end is None:
        return format_month_th(start or end)
    return f"{format_month_th(start)} – {format_month_th(end)}"


# --- indicators and targets -----------------------------------------------------------------------

_NUMBER_ITEM = r"\d+(?:\.\d+)?"
_LIST = rf"{_NUMBER_ITEM}(?:\s*(?:-|–|—|,|และ|ถึง)\s*{_NUMBER_ITEM})*"
_INDICATOR_MENTION = re.compile(rf"ตัวชี้วัด\s*(?:ที่)?\s*(?P<list>{_LIST})")


def _expand_list(text: str) -> list[int]:
    """"1-5" → 1..5, "2,3,5,10" → 2, 3, 5, 10, "9.1" → 9 (a sub-indicator of 9)."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|และ)\s*", text.strip()):
        if not part:
            continue
        bounds = re.split(r"\s*(?:-|–|—|ถึง)\s*", part)
        ints = [int(float(b.split(".")[0])) for b in bounds if b]
        if len(ints) == 2 and ints[0] <= ints[1]:
            numbers.extend(range(ints[0], ints[1] + 1))
        else:
            numbers.extend(ints)
    return numbers


def parse_indicators(value, bare: bool = False) -> tuple[int, ...]:
    """Indicator numbers (1–10) named in text, sorted and unique.

    Prose: "ตัวชี้วัดที่ ๑๐", "ตัวชี้วัดที่ ๑-๕", "ตัวชี้วัดที่ ๒,๓,๕,๑๐" (numbers outside 1–10
    are ignored there). ``bare=True`` reads a whole cell as a list ("1, 2, 5", "1-5", "i9")
    and raises ValueError for anything else or a number outside 1–10.
    """
    if _is_blank(value):
        return ()
    text = clean_text(to_arabic_digits(str(value)))
    if bare and not _INDICATOR_MENTION.search(text):
        body = re.sub(r"(?i)\bi(?=\d)", "", text)
        if not re.fullmatch(rf"\s*{_LIST}\s*", body):
            raise ValueError(f"อ่านตัวชี้วัดไม่ได้: {value} / cannot read indicators: {value}")
        numbers = _expand_list(body)
        bad = [n for n in numbers if n not in INDICATOR_NUMBERS]
        if bad:
            raise ValueError(f"ตัวชี้วัดต้องเป็น 1–10: {value} / indicators must be 1–10: {value}")
        return tuple(sorted(set(numbers)))
    numbers = []
    for match in _INDICATOR_MENTION.finditer(text):
        numbers.extend(n for n in _expand_list(match.group("list")) if n in INDICATOR_NUMBERS)
    return tuple(sorted(set(numbers)))


@dataclass(frozen=True)
class Target:
    """A score target stated in a measure: indicators, from (may be None), to; ``item`` when the
    target is a question item (e7) rather than the indicator's score."""

    indicators: tuple[int, ...]
    score_from: float | None
    score_to: float
    item: str | None = None


_TARGET = re.compile(
    rf"ตัวชี้วัด\s*(?:ที่)?\s*(?P<list>{_LIST})(?P<mid>[^•\n]*?)"
    r"(?:(?:เพิ่มขึ้น|ลดลง)?\s*จาก\s*(?P<from>\d+(?:\.\d+)?)\s*(?:คะแนน)?\s*(?:ไป)?(?:เป็น|สู่|ถึง)\s*"
    r"(?P<to>\d+(?:\.\d+)?)"
    r"|(?:ได้)?\s*คะแนนเต็ม\s*(?P<full>\d+(?:\.\d+)?)?"
    r"|(?:ได้|ไม่ต่ำกว่า|อย่างน้อย)\s*(?P<reach>\d+(?:\.\d+)?)\s*คะแนน)"
)
_ITEM = re.compile(r"(?<![A-Za-z])([ieo])\s?(\d{1,2})(?!\d)")


def parse_target(value) -> Target | None:
    """The first score target in text, or None.

    "คะแนนตัวชี้วัดที่ ๑๐ ... เพิ่มขึ้นจาก ๘๐ คะแนน เป็น ๑๐๐ คะแนน" → 10: 80 → 100;
    "ตัวชี้วัดที่ ๑-๕ (IIT) ได้คะแนนเต็ม ๑๐๐ คะแนน" → 1–5: → 100;
    "ตัวชี้วัดที่ ๘ (...) e7 เพิ่มขึ้นจาก ๙๔.๒๙ คะแนน สู่ ๑๐๐ คะแนน" → item e7 of 8.
    """
    if _is_blank(value):
        return None
    text = clean_text(to_arabic_digits(str(value)))
    for match in _TARGET.finditer(text):
        indicators = tuple(n for n in _expand_list(match.group("list")) if n in INDICATOR_NUMBERS)
        if not indicators:
            continue
        item = _ITEM.search(match.group("mid") or "")
        to = match.group("to") or match.group("full") or match.group("reach") or "100"
        score_from = float(match.group("from")) if match.group("from") else None
        return Target(tuple(sorted(set(indicators))), score_from, float(to),
                      f"{item.group(1)}{item.group(2)}" if item else None)
    return None
