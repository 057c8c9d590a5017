"""Writing a report's sections to DOCX (python-docx) and XLSX (xlsxwriter) bytes."""

from __future__ import annotations

import dataclasses
import io
import re

import numpy as np
import pandas as pd
import xlsxwriter

from ita_analytics.report.contents import SECTIONS
from ita_analytics.report.data import ReportData
from ita_analytics.report.docx_tools import apply_digits, new_document
from ita_analytics.report.formatting import MISSING, convert_digits, fmt_score, is_missing
from ita_analytics.report.model import Section
from ita_analytics.report.options import DOCX_MIME, FORMATS, XLSX_MIME  # noqa: F401 (re-exported)


def render_docx(data: ReportData, sections: tuple[Section, ...] = SECTIONS, *,
                digits: str | None = None) -> bytes:
    """The report as a Word document (TH Sarabun New 16 pt, A4), every number in one digit
    system: ``digits`` or else the report's own (Thai by default)."""
    if digits is not None and digits != data.digits:
        data = dataclasses.replace(data, digits=digits)
    document = new_document()
    document.core_properties.title = f"รายงานการวิเคราะห์ผล ITA {data.name} ปี {data.year}"
    document.core_properties.author = "ITA Analytics"
    document.core_properties.language = "th-TH"
    for section in sections:
        section.write_docx(document, data)
    apply_digits(document, data.digits, keep=_file_names(data))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    # Excel forbids []:*?/\ in sheet names and allows 31 characters.
    base = re.sub(r"[\[\]:*?/\\]", " ", name)[:31]
    candidate, k = base, 2
    while candidate in used:
        candidate = f"{base[:28]} {k}"
        k += 1
    used.add(candidate)
    return candidate


NUMBER_FORMATS = {"score": "#,##0.00", "count": "#,##0", "year": "0"}
"""Excel number formats by kind (a sheet's ``formats``): scores with two decimals, counts with
thousands separators, B.E. years as they are."""


def number_kind(sheet, column: str, values: pd.Series, value) -> str:
    """How a number of ``column`` is written: the sheet's word for the column, else integers
    (by dtype or, in a mixed column, by value) are counts and other numbers scores."""
    if column in sheet.formats:
        return sheet.formats[column]
    if pd.api.types.is_integer_dtype(values.dtype):
        return "count"
    if pd.api.types.is_float_dtype(values.dtype):
        return "score"
    return "count" if isinstance(value, (int, np.integer)) else "score"


def cell_number(value, kind: str) -> float | int:
    """The number stored: a score rounded as the DOCX prints it (two decimals), a count or a
    year whole."""
    if kind == "score":
        return float(fmt_score(value))
    return int(round(float(value)))


def render_xlsx(data: ReportData, sections: tuple[Section, ...] = SECTIONS) -> bytes:
    """The report's tables, one sheet each, in Thai with Arabic digits: numbers stay numbers
    (scores rounded to two decimals, counts with thousands separators), "–" where missing.

    Every text cell is written as a string, never as a formula.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "nan_inf_to_errors": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1,
                            "bg_color": "#DDEBF7"})
    text = book.add_format({"text_wrap": True, "valign": "top"})
    numbers = {kind: book.add_format({"num_format": fmt, "valign": "top"})
               for kind, fmt in NUMBER_FORMATS.items()}
    used: set[str] = set()
    keep = _file_names(data)

    def _arabic(text: str) -> str:
        return convert_digits(text, "arabic", keep)

    for section in sections:
        for sheet in section.sheets(data):
            ws = book.add_worksheet(_sheet_name(_arabic(sheet.name), used))
            frame = sheet.frame
            for c, column in enumerate(frame.columns):
                ws.write_string(0, c, _arabic(str(column)), bold)
                values = frame[column]
                width = max([len(str(column))] + [len(str(v)) for v in values.head(100)])
                ws.set_column(c, c, min(60, max(8, width + 2)))
                for r, value in enumerate(values, start=1):
                    if isinstance(value, (bool, np.bool_)):
                        ws.write_string(r, c, "ใช่" if value else "ไม่ใช่", text)
                    elif is_missing(value):
                        ws.write_string(r, c, MISSING, text)
                    elif isinstance(value, (int, float)) or pd.api.types.is_number(value):
                        kind = number_kind(sheet, column, values, value)
                        ws.write_number(r, c, cell_number(value, kind), numbers[kind])
                    else:
                        ws.write_string(r, c, _arabic(str(value)), text)
            ws.freeze_panes(1, 0)
            for k, png in enumerate(sheet.images):
                ws.insert_image(1 + k * 32, len(frame.columns) + 1, f"chart{k + 1}.png",
                                {"image_data": io.BytesIO(png), "x_scale": 0.6, "y_scale": 0.6})
    book.close()
    return buffer.getvalue()


def _file_names(data: ReportData) -> tuple[str, ...]:
    """The file names the report cites (seed documents, imported files): never re-digited."""
    return tuple(data.sources.file_names()) if data.sources is not None else ()


def render(data: ReportData, fmt: str, sections: tuple[Section, ...] = SECTIONS) -> bytes:
    """The report in ``fmt`` ("docx" in the report's digits, or "xlsx")."""
    if fmt == "docx":
        return render_docx(data, sections)
    if fmt == "xlsx":
        return render_xlsx(data, sections)
    raise ValueError(fmt)


def report_file_name(data: ReportData, fmt: str) -> str:
    """A file name safe on every system: ITA_<year>_<agency>_<province>.<fmt>."""
    parts = [f"ITA_{data.year}", data.name, data.province or ""]
    name = "_".join(p for p in parts if p)
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", name) + f".{fmt}"
