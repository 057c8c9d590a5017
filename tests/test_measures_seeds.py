"""The seeds' measures, transcribed and loaded into the demo store, match their documents."""

from datetime import date

import pytest

from ita_analytics.demo.seed_measures import SEED_MEASURE_COUNTS, SEED_MEASURES
from ita_analytics.demo.seeds import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004, seed_source
from ita_analytics.measures import STATUS_DONE, STATUS_IN_PROGRESS
from ita_analytics.store import measures as measure_store
from tests.conftest import SEEDS_DIR


def test_every_transcribed_piece_is_in_its_document():
    for measure in SEED_MEASURES:
        text = (SEEDS_DIR / measure.source_file).read_text(encoding="utf-8")
        for piece in measure.pieces():
            assert piece in text, (measure.source_file, piece[:60])


@pytest.fixture()
def seed_measures(demo_conn):
    return measure_store.load_measures(demo_conn, source_prefix="seed:")


def test_counts_per_seed(seed_measures, demo_conn):
    counts = seed_measures["source"].value_counts().to_dict()
    assert counts == {seed_source(f): n for f, n in SEED_MEASURE_COUNTS.items()}
    assert SEED_MEASURE_COUNTS == {SEED_000: 5, SEED_001: 14, SEED_002: 13, SEED_003: 5, SEED_004: 12}
    assert sum(measure_store.count_measures_by_source(demo_conn).values()) == 49


def _rows(frame, source_file):
    return frame[frame["source"] == seed_source(source_file)].reset_index(drop=True)


def test_seed_000_measures_and_target(seed_measures):
    rows = _rows(seed_measures, SEED_000)
    assert set(rows["name"]) == {"องค์การบริหารส่วนตำบลหนองปลาหมอ"} and set(rows["year"]) == {2568}
    first = rows.iloc[0]
    assert first["title"] == "โครงการจัดทำมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
    assert first["kind"] == "โครงการ" and first["responsible"] == "สำนักปลัด"
    assert first["period_text"] == "ตุลาคม ๒๕๖๓ – กันยายน ๒๕๖๔ (เริ่มดำเนินการทันที)"
    assert first["steps"].endswith("๖. รายงานผลต่อผู้บริหารทุกไตรมาส")
    assert first["indicators"] == [10]
    assert (first["target_indicator"], first["target_from"], first["target_to"]) == (10, 80.0, 100.0)
    assert rows.iloc[4]["indicators"] == [1, 2, 3, 4, 5] and rows.iloc[4]["target_to"] == 100.0
    assert rows.iloc[3]["period_text"] == "ตลอดปีงบประมาณ พ.ศ. ๒๕๖๘"
    assert rows.iloc[3]["start_month"].date() == date(2024, 10, 1)
    assert rows.iloc[3]["end_month"].date() == date(2025, 9, 1)
    assert rows["status"].isna().all()


def test_seed_001_measures_by_issue(seed_measures):
    rows = _rows(seed_measures, SEED_001)
    assert len(rows) == 14 and set(rows["name"]) == {"องค์การบริหารส่วนตำบลหนองแสง"}
    assert rows["issue"].str.startswith("ประเด็นที่").all()
    assert rows["issue"].str.slice(0, 12).nunique() == 6  # the sixth issue is misnumbered ๒
    assert rows.iloc[0]["period_text"] == "วันที่ ๑ ต.ค. ๖๗ ถึง วันที่ ๓๐ ก.ย. ๖๘"
    assert rows.iloc[0]["responsible"] == "ทุกส่วนราชการ (สำนักปลัด องค์การบริหารส่วนตำบล รวบรวม)"
    kinds = rows["kind"].value_counts().to_dict()
    assert kinds == {"มาตรการ": 9, "โครงการ": 3, "กิจกรรม": 2}
    blank = rows[rows["period_text"].isna()]
    assert list(blank["title"]) == [
        "มาตรการเปิดเผยข้อมูลสาธารณะและกำกับติดตามการเผยแพร่ข้อมูลสาธารณะขององค์การบริหารส่วนตำบลหนองแสง"]


def test_seed_002_statuses_from_checkboxes(seed_measures):
    rows = _rows(seed_measures, SEED_002)
    assert len(rows) == 13 and set(rows["year"]) == {2566}
    assert rows.iloc[0]["title"] == ("มาตรการเสริมสร้างความซื่อสัตย์สุจริต และปลูกฝังทัศนคติ "
                                     "วัฒนธรรมที่ดีในการต่อต้านการทุจริต")
    per_indicator = rows[rows["title"].str.startswith("ตัวชี้วัดที่")]
    status = dict(zip(per_indicator["indicators"].map(tuple), per_indicator["status"]))
    assert status == {(1,): STATUS_DONE, (2,): STATUS_DONE, (3,): STATUS_DONE,
                      (4,): STATUS_IN_PROGRESS, (5,): STATUS_DONE, (6,): STATUS_IN_PROGRESS,
                      (7,): STATUS_IN_PROGRESS, (8,): STATUS_DONE}
    assert per_indicator.iloc[3]["output"].startswith("- มีการจัดทำคู่มือการใช้ทรัพย์สินของทางราชการ")
    # "ตลอดปี งบประมาณ" takes the document's fiscal year.
    third = rows.iloc[2]
    assert third["start_month"].date() == date(2022, 10, 1) and third["end_month"].date() == date(2023, 9, 1)


def test_seed_003_measures_for_2569(seed_measures):
    rows = _rows(seed_measures, SEED_003)
    assert set(rows["year"]) == {2569} and set(rows["name"]) == {"เทศบาลตำบลทุ่งผึ้ง"}
    assert list(rows["indicators"]) == [[1], [4], [9], [2, 3, 5, 10], [6, 7, 8]]
    assert rows.iloc[4]["title"] == "มาตรการเพิ่มประสิทธิภาพการสื่อสาร"
    assert rows.iloc[3]["responsible"] == "สำนักปลัด ,กองคลัง, กองช่าง"
    assert rows["start_month"].dt.date.eq(date(2025, 10, 1)).all()


def test_seed_004_all_done_by_position(seed_measures):
    rows = _rows(seed_measures, SEED_004)
    assert len(rows) == 12 and set(rows["status"]) == {STATUS_DONE}
    assert set(rows["name"]) == {"องค์การบริหารส่วนตำบลโคกสะอาด"} and set(rows["year"]) == {2565}
    assert rows.iloc[0]["title"] == "มีแนวทางปฏิบัติเกี่ยวกับการใช้ทรัพย์สินของราชการที่ถูกต้อง"
    assert rows.iloc[0]["responsible"] == "สำนักปลัด, กองคลัง"
    assert rows.iloc[8]["title"] == "E – Service"
    assert rows["end_month"].dt.date.eq(date(2022, 3, 1)).all()


def test_report_has_the_recorded_measures_section(demo_conn):
    import io

    import docx
    import openpyxl

    from ita_analytics import report
    from ita_analytics.agencies import find_agency
    from ita_analytics.store import load_agency_keys

    match = find_agency(load_agency_keys(demo_conn), "อบต.หนองปลาหมอ", "ขอนแก่น")
    data = report.load_report_data(demo_conn, match.agency_id, 2568)
    document = docx.Document(io.BytesIO(report.render(data, "docx")))
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "มาตรการ/โครงการ/กิจกรรม"
              and len(t.columns) == 8]
    assert len(tables) == 1 and len(tables[0].rows) == 6  # header + the seed's five measures
    first = [c.text for c in tables[0].rows[1].cells]
    assert first[0] == "โครงการจัดทำมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
    assert first[1] == "๑๐" and first[4] == "สำนักปลัด"  # Thai digits: one system per report
    assert first[3] == "ตุลาคม ๒๕๖๓ – กันยายน ๒๕๖๔ (เริ่มดำเนินการทันที)"
    book = openpyxl.load_workbook(io.BytesIO(report.render(data, "xlsx")))
    assert "มาตรการที่บันทึก" in book.sheetnames
