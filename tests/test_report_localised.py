"""The report reads as one Thai document (issue 18 #4 and #9): localised XLSX headers and values,
"–" for missing, B.E. dates, two decimals, thousands separators, the DOCX in one digit system,
and charts whose labels stay inside the picture and off each other."""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from matplotlib.text import Text

from ita_analytics import report, store
from ita_analytics.agencies import find_agency
from ita_analytics.report import charts
from ita_analytics.report.formatting import MISSING
from ita_analytics.report.sections import chart_titles
from ita_analytics.thai import to_arabic_digits

TODAY = date(2025, 12, 4)
AGENCIES = (("อบต.หนองปลาหมอ", "ขอนแก่น", 2568),  # a year without a total, seed measures
            ("ทต.ทุ่งผึ้ง", "ลำปาง", 2568))      # a year missing, old levels, seed items
THAI = re.compile("[\u0e01-\u0e5b]")
THAI_DIGIT = re.compile("[๐-๙]")
ARABIC_DIGIT = re.compile("[0-9]")
RAW_VALUES = {"maintain", "improve", "urgent", "None", "none", "nan", "NaN", "NaT", "<NA>",
              "True", "False", "-"}
CE_DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")
TOOL_CODES = {"IIT", "EIT", "OIT"}
NUMBER_FORMATS = {"#,##0.00", "#,##0", "0"}


@pytest.fixture(scope="module")
def reports(demo_db_template):
    conn = store.open_store(demo_db_template, read_only=True)
    try:
        out = []
        for name, province, year in AGENCIES:
            agency_id = find_agency(store.load_agency_keys(conn), name, province).agency_id
            out.append(report.load_report_data(conn, agency_id, year, today=TODAY))
        return out
    finally:
        conn.close()


def _cells(book):
    for ws in book.worksheets:
        for r, row in enumerate(ws.iter_rows()):
            for cell in row:
                yield ws.title, r, cell


# --- XLSX -----------------------------------------------------------------------------------------

def test_xlsx_headers_and_values_are_thai(reports):
    for data in reports:
        book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(data)))
        for sheet, r, cell in _cells(book):
            value = cell.value
            where = f"{sheet}!{cell.coordinate} {value!r}"
            if r == 0:
                assert THAI.search(str(value)) or value in TOOL_CODES, where
            if isinstance(value, str):
                assert value.strip() not in RAW_VALUES, where
                assert not CE_DATE.search(value), where
                assert not THAI_DIGIT.search(value), where  # the XLSX's digits are Arabic


def test_xlsx_numbers_are_rounded_and_formatted(reports):
    for data in reports:
        book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(data)))
        for sheet, _r, cell in _cells(book):
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                where = f"{sheet}!{cell.coordinate} {cell.value!r}"
                assert cell.value == float(f"{cell.value:.2f}"), where  # no 97.92500000000001
                assert cell.number_format in NUMBER_FORMATS, where
        peers = list(book["กลุ่มเปรียบเทียบ"].iter_rows(values_only=True))
        formats = [c.number_format for c in book["กลุ่มเปรียบเทียบ"][2]]
        assert formats[1:4] == ["#,##0"] * 3 and formats[4] == "#,##0.00"
        assert peers[1][1] >= 1000  # shown as 5,290
        years = [c.number_format for c in book["คะแนนรายปี"]["A"][1:]]
        assert set(years) == {"0"}  # 2568, not 2,568


def test_xlsx_percentile_is_the_docx_one(reports):
    for data in reports:
        book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(data)))
        xlsx_rows = list(book["กลุ่มเปรียบเทียบ"].iter_rows(values_only=True))[1:]
        document = docx.Document(io.BytesIO(report.render_docx(data)))
        table = next(t for t in document.tables if t.rows[0].cells[0].text == "กลุ่มเปรียบเทียบ")
        docx_rows = [[to_arabic_digits(c.text) for c in row.cells] for row in table.rows[1:]]
        for x, d in zip(xlsx_rows, docx_rows):
            assert x[0] == d[0]
            assert f"{x[1]:,}" == d[1] and f"{x[2]:,}" == d[2] and str(x[3]) == d[3]
            assert f"{x[4]:.2f}" == d[4]


def test_xlsx_weakest_sheet_is_thai(reports):
    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(reports[0])))
    rows = list(book["ตัวชี้วัดที่อ่อน"].iter_rows(values_only=True))
    assert rows[0][:5] == ("ตัวชี้วัด", "ชื่อ", "เครื่องมือ", "คะแนน", "แนวทาง")
    assert rows[1][4] == "พัฒนาเร่งด่วน"


def test_xlsx_missing_is_an_en_dash(reports):
    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(reports[0])))
    history = {r[0]: r for r in book["คะแนนรายปี"].iter_rows(values_only=True)}
    assert history[2567][4:] == (MISSING, MISSING, MISSING)  # no total in 2567
    summary = dict(r[:2] for r in book["สรุป"].iter_rows(values_only=True))
    assert summary["คะแนนรวมปี 2567"] == MISSING


# --- DOCX digits ----------------------------------------------------------------------------------

def _texts(document) -> list[str]:
    roots = [document.element.body] + [s.footer._element for s in document.sections]
    return [node.text for root in roots for node in root.iter(qn("w:t")) if node.text]


@pytest.mark.parametrize("digits, foreign", [("thai", ARABIC_DIGIT), ("arabic", THAI_DIGIT)])
def test_docx_has_one_digit_system(reports, digits, foreign):
    for data in reports:
        document = docx.Document(io.BytesIO(report.render_docx(data, digits=digits)))
        names = data.sources.file_names()
        for text in _texts(document):
            for name in names:  # file names are cited as they are
                text = text.replace(name, "")
            assert not foreign.search(text), text
            assert text.strip() not in RAW_VALUES - {"-"} or text == "-", text
        if digits == "arabic":
            assert "93.30" in "\n".join(_texts(document)) or data.total != 93.30


def test_cli_report_in_arabic_digits(demo_db, tmp_path):
    from ita_analytics.cli import main

    out = tmp_path / "r.docx"
    assert main(["--db", str(demo_db), "report", "--agency", "อบต.หนองปลาหมอ", "--province",
                 "ขอนแก่น", "--year", "2568", "--digits", "arabic", "--out", str(out)]) == 0
    text = "\n".join(_texts(docx.Document(out)))
    assert "ปี 2568" in text and not THAI_DIGIT.search(text)


# --- charts ---------------------------------------------------------------------------------------

@pytest.fixture()
def drawn(monkeypatch):
    """The figures the report's charts draw, laid out as they are saved."""
    figures = []

    def keep(fig):
        fig.canvas.draw()
        figures.append(fig)
        return b""
    monkeypatch.setattr(charts, "_png", keep)
    return figures


def _labels(fig) -> list[tuple[str, object]]:
    renderer = fig.canvas.get_renderer()
    out = []
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            out.append((text.get_text(), text.get_window_extent(renderer)))
    return out


def _overlap(a, b, tolerance: float = 1.0) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


@pytest.mark.parametrize("digits", ["thai", "arabic"])
def test_chart_labels_are_inside_and_apart(reports, drawn, digits):
    for data in reports:
        total_title, peer_title = chart_titles(data)
        charts.render_total_chart(data.history, total_title, digits=digits)
        charts.render_peer_chart(data.profile, peer_title, digits=digits)
    assert len(drawn) == 2 * len(reports)
    foreign = ARABIC_DIGIT if digits == "thai" else THAI_DIGIT
    for fig in drawn:
        labels = _labels(fig)
        page = fig.bbox
        for text, box in labels:
            # Inside the saved picture with a margin: nothing relies on cropping to fit,
            # nothing is cut at an edge (chart 2's title was).
            assert box.x0 >= page.x0 + 2 and box.x1 <= page.x1 - 2, text
            assert box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, text
            assert not foreign.search(text), text
        for i, (text, box) in enumerate(labels):
            for other, other_box in labels[i + 1:]:
                assert not _overlap(box, other_box), (text, other)
