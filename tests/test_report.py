"""The agency report: built from the demo store, written as DOCX/XLSX and read back."""

from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pandas as pd
import pytest

from ita_analytics import report, store
from ita_analytics.agencies import find_agency
from ita_analytics.cli import main
from ita_analytics.domain import INDICATOR_NUMBERS
from ita_analytics.recommendations import RECOMMENDATIONS
from ita_analytics.report.formatting import MISSING
from ita_analytics.report.peers import compute_benchmark, compute_gap_to_next_level
from ita_analytics.thai import to_arabic_digits

NONG_PLA_MO = "องค์การบริหารส่วนตำบลหนองปลาหมอ"
TODAY = date(2025, 11, 25)


def _agency_id(conn, name, province):
    return find_agency(store.load_agency_keys(conn), name, province).agency_id


def _table1(document) -> list[list[str]]:
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ที่")
    return [[c.text for c in row.cells] for row in table.rows]


def _arabic(rows: list[list[str]]) -> list[list[str]]:
    """Cells read with Arabic digits (the DOCX is set in Thai digits)."""
    return [[to_arabic_digits(c) for c in row] for row in rows]


@pytest.fixture()
def nong_pla_mo(demo_conn):
    agency_id = _agency_id(demo_conn, NONG_PLA_MO, "ขอนแก่น")
    return report.load_report_data(demo_conn, agency_id, 2568, today=TODAY)


def test_docx_table1_is_seed_000(nong_pla_mo):
    document = docx.Document(io.BytesIO(report.render_docx(nong_pla_mo)))
    rows = _table1(document)
    assert rows[0] == ["ที่", "ตัวชี้วัด", "กลุ่ม", "ปี ๒๕๖๗", "ปี ๒๕๖๘", "เปลี่ยนแปลง", "แนวทาง"]
    # Thai digits in every cell, as in the seed's own headings and totals.
    assert rows[10][4:] == ["๘๐.๐๐", MISSING, "พัฒนาเร่งด่วน"]
    rows = _arabic(rows)
    body = {int(r[0]): r for r in rows[1:11]}
    assert body[10][4:] == ["80.00", MISSING, "พัฒนาเร่งด่วน"]
    assert body[9][4:] == ["90.00", MISSING, "พัฒนา"]
    assert body[8][4] == "96.83" and body[8][6] == "รักษาระดับ"
    assert [body[n][3] for n in range(1, 6)] == ["100.00"] * 5
    assert [body[n][5] for n in range(1, 6)] == ["0.00"] * 5
    assert [body[n][3] for n in range(6, 11)] == [MISSING] * 5  # missing in 2567, never 0
    assert rows[11][0] == "ผลการประเมินภาพรวม"
    assert rows[11][4] == "93.30" and rows[11][6] == "ระดับ : ผ่านดี"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "อำเภอโนนศิลา จังหวัดขอนแก่น" in text
    assert "๒๕ พฤศจิกายน ๒๕๖๘" in text
    assert document.styles["Normal"].font.name == "TH Sarabun New"
    assert document.styles["Normal"].font.size.pt == 16
    # Only the indicators below "maintain" get an analysis, with the library's actions.
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings == ["ตัวชี้วัดที่ ๙ การเปิดเผยข้อมูล (พัฒนา)",
                        "ตัวชี้วัดที่ ๑๐ การป้องกันการทุจริต (พัฒนาเร่งด่วน)"]
    assert "No Gift Policy" in text and "เว็บไซต์หลัก" in text
    assert len(document.inline_shapes) == 2  # the two charts


def test_table1_rows_equal_the_stored_scores(demo_conn, demo_results):
    for name, province, year in ((NONG_PLA_MO, "ขอนแก่น", 2568), ("เทศบาลตำบลทุ่งผึ้ง", "ลำปาง", 2568),
                                 (NONG_PLA_MO, "ราชบุรี", 2567)):
        agency_id = _agency_id(demo_conn, name, province)
        data = report.load_report_data(demo_conn, agency_id, year, today=TODAY)
        rows = _arabic(_table1(docx.Document(io.BytesIO(report.render_docx(data)))))
        own = demo_results[demo_results["agency_id"] == agency_id].set_index("year")
        for n, row in zip(INDICATOR_NUMBERS, rows[1:11]):
            for cell, y in ((row[3], year - 1), (row[4], year)):
                stored = own.loc[y, f"i{n}"] if y in own.index else float("nan")
                assert cell == (MISSING if pd.isna(stored) else f"{stored:.2f}")
        assert rows[11][4] == f"{own.loc[year, 'total']:.2f}"


def test_thung_phueng_matches_seed_003(demo_conn):
    data = report.load_report_data(demo_conn, _agency_id(demo_conn, "ทต.ทุ่งผึ้ง", "ลำปาง"), 2568,
                                   today=TODAY)
    assert data.total == 96.47 and data.level == "ผ่านดีเยี่ยม"
    # Indicator 9 at 90.00 is the only one below maintain (seed 003 analyses it).
    assert [a.indicator for a in data.analyses] == [9]
    assert data.measures.iloc[0]["indicators"] == "ตัวชี้วัดที่ 9 การเปิดเผยข้อมูล"


def test_xlsx_has_the_same_table1(nong_pla_mo):
    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(nong_pla_mo)))
    assert {"หน่วยงาน", "สรุป", "ตาราง 1", "วิเคราะห์", "มาตรการ", "คะแนนรายปี",
            "เทียบกลุ่ม"} <= set(book.sheetnames)
    rows = list(book["ตาราง 1"].iter_rows(values_only=True))
    assert rows[0] == ("ที่", "ตัวชี้วัด", "กลุ่ม", "ปี 2567", "ปี 2568", "เปลี่ยนแปลง", "แนวทาง")
    assert rows[10] == (10, "การป้องกันการทุจริต", "OIT", MISSING, 80.0, MISSING, "พัฒนาเร่งด่วน")
    assert rows[9][4] == 90.0 and rows[9][6] == "พัฒนา"
    assert rows[1][3:6] == (100.0, 100.0, 0.0)
    assert rows[11][0] == "ผลการประเมินภาพรวม" and rows[11][4] == 93.30
    measures = list(book["มาตรการ"].iter_rows(values_only=True))
    assert measures[0] == ("มาตรการ/โครงการ/กิจกรรม", "ตัวชี้วัดที่เกี่ยวข้อง", "ขั้นตอน/วิธีการปฏิบัติ",
                           "ช่วงระยะเวลาในการดำเนินการ", "ผู้รับผิดชอบ")
    assert "No Gift Policy" in " ".join(str(r[0]) for r in measures)


def test_one_year_agency_says_there_is_no_previous_year(demo_conn, demo_results):
    counts = demo_results.groupby("agency_id")["year"].nunique()
    only_2568 = demo_results[demo_results["agency_id"].isin(counts[counts == 1].index)
                             & (demo_results["year"] == 2568)]
    agency_id = int(only_2568.iloc[0]["agency_id"])
    data = report.load_report_data(demo_conn, agency_id, 2568, today=TODAY)
    assert not data.has_prev and data.total_prev is None
    document = docx.Document(io.BytesIO(report.render_docx(data)))
    rows = _table1(document)
    assert [r[3] for r in rows[1:12]] == [MISSING] * 11
    assert [r[5] for r in rows[1:12]] == [MISSING] * 11
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ไม่มีผลการประเมินของปีก่อนหน้า (ปี พ.ศ. ๒๕๖๗)" in text


def test_benchmark_helper_on_a_hand_built_frame():
    frame = pd.DataFrame({
        "agency_id": [1, 2, 3, 4], "year": 2568, "agency_type": ["A", "A", "A", "B"],
        "province": ["X", "X", "Y", "X"],
        **{f"i{n}": [90.0, 80.0, 100.0, 50.0] for n in INDICATOR_NUMBERS},
        "IIT": [90.0, 80.0, 100.0, 50.0], "EIT": [90.0, 80.0, 100.0, 50.0],
        "OIT": [90.0, 80.0, 100.0, 50.0], "total": [90.0, 80.0, 100.0, 50.0],
    })
    same_type = compute_benchmark(frame, 1, 2568, peers="type")
    assert (same_type.n, same_type.rank) == (3, 2)
    # Percentile rank: peers below plus half of those equal (the agency itself), out of n.
    assert same_type.percentile == pytest.approx(100 * 1.5 / 3)
    both = compute_benchmark(frame, 1, 2568, peers="type+province")
    assert (both.n, both.rank, both.percentile) == (2, 1, 75.0)
    assert compute_benchmark(frame, 1, 2568, peers="province").n == 3


def test_gap_to_next_level_of_nong_pla_mo(nong_pla_mo):
    gap = nong_pla_mo.next_level
    assert gap["current_level"] == "ผ่านดี" and gap["next_level"] == "ผ่านดีเยี่ยม"
    # The total's band needs 1.70 more, but OIT (85.00) must reach 95 too: +10 on OIT is
    # 0.4 × 10 = 4.00 total points, by raising indicator 10 from 80 to 100.
    assert gap["points_needed"] == 4.00 and gap["possible"]
    assert [(p["indicator"], p["to"]) for p in gap["plan"]] == [(10, 100.0)]


def test_gap_unknown_with_missing_indicators(demo_results):
    row = demo_results[(demo_results["year"] == 2567) & demo_results["i6"].isna()]
    gap = compute_gap_to_next_level(demo_results, int(row.iloc[0]["agency_id"]), 2567)
    assert gap["next_level"] is None and "ไม่ครบ" in gap["note_th"]


def test_library_covers_every_indicator():
    assert sorted(RECOMMENDATIONS) == list(INDICATOR_NUMBERS)
    for rec in RECOMMENDATIONS.values():
        assert rec.actions_th and rec.measures and rec.focus_th
        for m in rec.measures:
            assert m.steps_th and m.responsible_th


def test_cli_report_one_agency_and_a_province(demo_db, tmp_path, capsys):
    out = tmp_path / "npm.xlsx"
    assert main(["--db", str(demo_db), "report", "--agency", "อบต.หนองปลาหมอ",
                 "--province", "ขอนแก่น", "--year", "2568", "--out", str(out)]) == 0
    rows = list(openpyxl.load_workbook(out)["ตาราง 1"].iter_rows(values_only=True))
    assert rows[10][4] == 80.0
    # Same name in two provinces: the CLI asks for the province.
    assert main(["--db", str(demo_db), "report", "--agency", NONG_PLA_MO, "--year", "2568",
                 "--out", str(tmp_path / "x.docx")]) == 1
    assert "ราชบุรี" in capsys.readouterr().err
    # A province: one file per agency of that province with results in the year.
    conn = store.open_store(demo_db, read_only=True)
    province = "ภูเก็ต"
    expected = store.load_results(conn, years=[2568], provinces=[province], indicators=False)
    conn.close()
    folder = tmp_path / "province"
    assert main(["--db", str(demo_db), "report", "--province", province, "--year", "2568",
                 "--format", "xlsx", "--out", str(folder)]) == 0
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == len(expected) > 0
    err = capsys.readouterr().err
    assert f"[{len(expected)}/{len(expected)}]" in err
