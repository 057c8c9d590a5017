"""Every report and download states its sources and the day made (issue 18 #3): the store's
sources per agency-year, provenance's text, the report's DOCX and XLSX, the download helpers."""

from __future__ import annotations

import io
import json
from datetime import date

import docx
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from import_corpus import xlsx

from ita_analytics import exports, provenance, report, store
from ita_analytics.agencies import find_agency
from ita_analytics.demo.labels import DEMO_LABEL_EN, DEMO_LABEL_TH
from ita_analytics.importer import analyse_file, commit_plan
from ita_analytics.store.sources import load_import_records, load_row_sources, load_source_totals

MADE = date(2025, 12, 4)
SEED_000 = "000_0f72d71bcfbfa337.txt"
THUNG_PHUENG_2569 = [99.0, 98.0, 97.0, 96.0, 95.0, 94.0, 93.0, 92.0, 91.0, 90.0]


def _agency_id(conn, name, province):
    return find_agency(store.load_agency_keys(conn), name, province).agency_id


def _import_thung_phueng(conn, name: str = "ผลคะแนน 2569.xlsx") -> int:
    data = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
                 ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2569]])
    plan = analyse_file(conn, data, name, year=2569, replace=False)
    assert plan.status == "valid", [e.message_en for e in plan.errors]
    return int(commit_plan(conn, plan, user="tester").import_id)


def _docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [p.text for s in document.sections for p in s.footer.paragraphs]
    return "\n".join(parts)


# --- the store ----------------------------------------------------------------------------------

def test_row_sources_name_every_source_of_an_agency_year(demo_conn):
    agency_id = _agency_id(demo_conn, "อบต.หนองปลาหมอ", "ขอนแก่น")
    own = load_row_sources(demo_conn, agency_ids=[agency_id]).set_index("year")["sources"]
    assert own[2568] == f"seed:{SEED_000}" and own[2567] == f"seed:{SEED_000}"
    assert own[2566] == "demo"
    year = load_row_sources(demo_conn, years=[2568])
    assert len(year) == store.count_agencies(demo_conn, 2568)
    totals = load_source_totals(demo_conn, years=[2568], provinces=["ขอนแก่น"]).set_index("source")
    assert totals.loc[f"seed:{SEED_000}", "n"] == 1 and totals.loc["demo", "n"] > 100
    # Filters are bound: a province that is SQL names nothing.
    assert load_source_totals(demo_conn, provinces=["x' OR '1'='1"]).empty


def test_a_mixed_agency_year_has_both_sources(demo_conn):
    """An agency-year whose indicators came from the demo and from an import names both (the
    results table keeps only one of them)."""
    agency_id = _agency_id(demo_conn, "ทต.ทุ่งผึ้ง", "ลำปาง")
    store.upsert_scores(demo_conn, pd.DataFrame([
        {"agency_id": agency_id, "year": 2566, "indicator": 9, "score": 100.0,
         "source": "import:77", "import_id": None}]))
    row = load_row_sources(demo_conn, agency_ids=[agency_id], years=[2566])
    assert row["sources"].tolist() == ["demo|import:77"]
    found = provenance.count_sources(row, "results")
    assert {(c.source, c.n) for c in found} == {("demo", 1), ("import:77", 1)}
    # An import the store no longer knows is still named by its id.
    sources = provenance.Sources(tuple(found), MADE)
    assert "นำเข้า หมายเลข 77 1 แถว" in sources.summary("th")


# --- provenance ---------------------------------------------------------------------------------

def test_describe_sources_of_an_import_names_its_file(demo_conn):
    import_id = _import_thung_phueng(demo_conn)
    sources = provenance.describe_sources(demo_conn, years=[2569], made_on=MADE)
    assert not sources.is_demo and sources.caveat("th") is None
    th, en = sources.summary("th"), sources.summary("en")
    assert f"นำเข้า ผลคะแนน 2569.xlsx (หมายเลข {import_id}, " in th and "1 แถว" in th
    assert "จัดทำเมื่อ 4 ธันวาคม 2568" in th  # B.E.
    assert f"import ผลคะแนน 2569.xlsx (no. {import_id}, " in en
    assert "made on 4 December 2568 B.E." in en
    records = load_import_records(demo_conn, [import_id, 999])
    assert records["file_name"].tolist() == ["ผลคะแนน 2569.xlsx"]


def test_describe_sources_of_demo_rows_carries_the_caveat(demo_conn):
    sources = provenance.describe_sources(demo_conn, years=[2568], made_on=MADE)
    assert sources.is_demo
    assert sources.caveat("th") == DEMO_LABEL_TH and sources.caveat("en") == DEMO_LABEL_EN
    assert "ข้อมูลสาธิต (สังเคราะห์)" in sources.summary("th")
    assert f"เอกสารต้นฉบับ {SEED_000} 1 แถว" in sources.summary("th")
    frame = sources.frame()
    assert frame["ที่มา / Source"].str.contains("demo data (synthetic)", regex=False).any()
    assert frame.iloc[-1]["ที่มา / Source"] == f"{DEMO_LABEL_TH} / {DEMO_LABEL_EN}"
    assert "4 ธันวาคม 2568 / 4 December 2568 B.E." in frame["ที่มา / Source"].tolist()


# --- the report -----------------------------------------------------------------------------------

def test_seed_agency_report_with_demo_peers_says_so(demo_conn):
    """Seed 000's agency-year is real, its peers and earlier years are demo rows: the report
    names both and carries the synthetic-data caveat (it carried neither before)."""
    agency_id = _agency_id(demo_conn, "อบต.หนองปลาหมอ", "ขอนแก่น")
    data = report.load_report_data(demo_conn, agency_id, 2568, today=MADE)
    assert data.is_demo
    document = docx.Document(io.BytesIO(report.render_docx(data)))
    text = _docx_text(document)
    assert f"หมายเหตุ: {DEMO_LABEL_TH}" in text
    assert "ที่มาของข้อมูล:" in text and "๖. ที่มาของข้อมูล" in text
    assert f"เอกสารต้นฉบับ {SEED_000} ๒ ปี" in text  # the file name keeps its digits
    assert "ข้อมูลสาธิต (สังเคราะห์) ๕ ปี" in text
    assert "จัดทำเมื่อ ๔ ธันวาคม ๒๕๖๘" in text
    footer = "\n".join(p.text for p in document.sections[-1].footer.paragraphs)
    assert DEMO_LABEL_TH in footer  # on every page
    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(data)))
    rows = list(book[exports.SOURCES_SHEET].iter_rows(values_only=True))
    assert rows[0][:2] == ("ส่วนของข้อมูล / Part", "ที่มา / Source")
    cited = {(r[0], r[2], r[4]) for r in rows[1:]}
    assert ("ผลการประเมินของหน่วยงาน (ทุกปี) / The agency's results (all years)", SEED_000, 2) in cited
    assert rows[-1][1] == f"{DEMO_LABEL_TH} / {DEMO_LABEL_EN}"
    header = dict(r[:2] for r in book["หน่วยงาน"].iter_rows(values_only=True))
    assert header["ที่มาของผลปีนี้"] == f"เอกสารต้นฉบับ {SEED_000}"


def test_report_of_an_imported_year_names_the_file(demo_conn):
    import_id = _import_thung_phueng(demo_conn, "tp-2569.xlsx")
    agency_id = _agency_id(demo_conn, "ทต.ทุ่งผึ้ง", "ลำปาง")
    data = report.load_report_data(demo_conn, agency_id, 2569, today=MADE)
    text = _docx_text(docx.Document(io.BytesIO(report.render_docx(data))))
    # The file name as imported, the id and the import's date in the report's digits.
    assert f"นำเข้า tp-2569.xlsx (หมายเลข {to_thai(import_id)}, " in text
    # The agency's earlier years are demo rows: the caveat stays.
    assert f"หมายเหตุ: {DEMO_LABEL_TH}" in text
    # The dashboard's way (no section loads): the frame brings the import's record.
    results = report.load_report_results(demo_conn, [agency_id], 2569)
    built = report.build_report_data(results, agency_id, 2569, today=MADE)
    assert built.sources.imports[import_id].file_name == "tp-2569.xlsx"


def to_thai(number: int) -> str:
    from ita_analytics.thai import to_thai_digits

    return to_thai_digits(str(number))


def test_cli_province_reports_state_their_sources(demo_db, tmp_path):
    from ita_analytics.cli import main

    assert main(["--db", str(demo_db), "report", "--province", "ภูเก็ต", "--year", "2568",
                 "--format", "docx", "--out", str(tmp_path)]) == 0
    first = sorted(tmp_path.glob("*.docx"))[0]
    text = _docx_text(docx.Document(first))
    assert "๖. ที่มาของข้อมูล" in text and f"หมายเหตุ: {DEMO_LABEL_TH}" in text


# --- downloads --------------------------------------------------------------------------------------

@pytest.fixture()
def demo_sources(demo_conn):
    return provenance.describe_sources(demo_conn, years=[2568], provinces=["ขอนแก่น"], made_on=MADE)


def test_xlsx_download_has_a_sources_sheet(demo_sources):
    frame = pd.DataFrame({"ชื่อ": ["ก"], "คะแนน": [93.3]})
    book = openpyxl.load_workbook(io.BytesIO(
        exports.export_bytes_with_sources(frame, "xlsx", demo_sources)))
    assert book.sheetnames == ["data", exports.SOURCES_SHEET]
    cells = [c for row in book[exports.SOURCES_SHEET].iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and SEED_000 in c for c in cells)
    assert f"{DEMO_LABEL_TH} / {DEMO_LABEL_EN}" in cells


def test_csv_download_ends_with_its_sources(demo_sources):
    frame = pd.DataFrame({"ชื่อ": ["ก", "ข"], "คะแนน": [93.3, 90.0]})
    text = exports.export_bytes_with_sources(frame, "csv", demo_sources).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[:3] == ["ชื่อ,คะแนน", "ก,93.30", "ข,90.00"] and lines[3] == ""
    assert lines[4] == "ที่มา / Sources" and "ข้อมูลสาธิต (สังเคราะห์)" in lines[5]
    assert DEMO_LABEL_EN in text
    back = pd.read_csv(io.StringIO(text), skipfooter=6, engine="python")
    assert back["คะแนน"].tolist() == [93.3, 90.0]


def test_csv_sources_never_run_as_formulas(demo_conn):
    _import_thung_phueng(demo_conn, "=HYPERLINK(1).xlsx")
    sources = provenance.describe_sources(demo_conn, years=[2569], made_on=MADE)
    text = exports.to_csv_bytes_with_sources(pd.DataFrame({"a": [1]}), sources).decode("utf-8-sig")
    assert all(not line.startswith("=") for line in text.splitlines())


def test_parquet_download_carries_its_sources(demo_sources):
    data = exports.export_bytes_with_sources(pd.DataFrame({"a": [1.0]}), "parquet", demo_sources)
    meta = pq.read_schema(io.BytesIO(data)).metadata[exports.SOURCES_METADATA_KEY]
    note = json.loads(meta)
    assert note["caveat_en"] == DEMO_LABEL_EN and note["made_on"] == "2025-12-04"
    assert SEED_000 in note["th"]


def test_download_helpers_take_the_table_options(demo_sources):
    frame = pd.DataFrame({"ปี": [2568], "คะแนน": [None]})
    text = exports.to_csv_bytes_with_sources(frame, demo_sources, missing="–").decode("utf-8-sig")
    assert text.splitlines()[1] == "2568,–"
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes_with_sources(
        frame, demo_sources, missing="–", number_formats=True, plain_columns=("ปี",))))
    assert book["data"]["B2"].value == "–"
    assert exports.SOURCES_SHEET in book.sheetnames
