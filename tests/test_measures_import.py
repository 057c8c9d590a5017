"""Importing a measures spreadsheet: header recognition, validation, commit and undo."""

import io

import openpyxl
import pytest

from ita_analytics.errors import ItaError
from ita_analytics.importer.measures import (
    analyse_measures_file,
    commit_measures,
    role_of_header,
    undo_measures,
)
from ita_analytics.measures import STATUS_DONE, STATUS_IN_PROGRESS
from ita_analytics.store import measures as measure_store

HEADER = ["หน่วยงาน", "จังหวัด", "มาตรการ/โครงการ/กิจกรรม", "ตัวชี้วัดที่เกี่ยวข้อง",
          "ขั้นตอน/วิธีการปฏิบัติ", "ช่วงระยะเวลาในการดำเนินการ", "ผู้รับผิดชอบ", "สถานะ",
          "ผลลัพธ์/ผลสัมฤทธิ์"]
ROWS = [
    ["ทต.ทุ่งผึ้ง", "ลำปาง", "มาตรการเผยแพร่แผนและความก้าวหน้าการใช้งบประมาณ", "๙",
     "๑. จัดทำแผน ๒. เผยแพร่บนเว็บไซต์", "ต.ค. ๖๘ – ก.ย. ๖๙", "สำนักปลัด", "อยู่ระหว่างดำเนินการ",
     "ตัวชี้วัดที่ ๙ เพิ่มขึ้นจาก ๙๐ คะแนน เป็น ๑๐๐ คะแนน"],
    ["อบต. หนองปลาหมอ", "ขอนแก่น", "โครงการประกาศ No Gift Policy", "10", "ประกาศนโยบาย",
     "ตลอดปีงบประมาณ", "สำนักปลัด", "ดำเนินการแล้ว", None],
]


def _xlsx(rows, header=HEADER, title="มาตรการส่งเสริมคุณธรรม ประจำปีงบประมาณ พ.ศ. ๒๕๖๙") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "มาตรการ"
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("header, role", [
    ("มาตรการ/โครงการ/กิจกรรม", "title"), ("ขั้นตอนหรือวิธีการปฏิบัติ", "steps"),
    ("ผลการดำเนินการ (Output)", "output"), ("ผลลัพธ์/ผลสัมฤทธิ์ (Outcome/Result)", "outcome"),
    ("ระยะเวลา ดำเนินการ", "period"), ("การกำกับติดตาม", "period"), ("ผู้รับผิดชอบ", "responsible"),
    ("ยังไม่ดำเนินงาน", "mark_not_started"), ("อยู่ระหว่างดำเนินงาน", "mark_in_progress"),
    ("ดำเนินงานเสร็จแล้ว", "mark_done"), ("ความก้าวหน้าผลการดำเนินการ", "status"),
    ("ชื่อหน่วยงาน", "agency"), ("ปีงบประมาณ", "year"), ("Indicators", "indicator" + "s"),
    ("เดือนเริ่มต้น", "start"), ("เดือนสิ้นสุด", "end"), ("หมายเหตุ", None),
])
def test_header_roles(header, role):
    assert role_of_header(header) == role


def test_import_commit_and_undo(demo_conn):
    # One set of bytes for both reads: an xlsx saved in another second has another
    # timestamp, so a second _xlsx(ROWS) is not "the same file".
    content = _xlsx(ROWS)
    plan = analyse_measures_file(demo_conn, content, "measures-2569.xlsx")
    assert plan.errors == [] and len(plan.rows) == 2
    rows = plan.rows.set_index("row")
    assert rows.loc[3, "agency_name"] == "เทศบาลตำบลทุ่งผึ้ง" and rows.loc[3, "year"] == 2569
    assert rows.loc[3, "indicators"] == [9] and rows.loc[3, "target_from"] == 90.0
    assert rows.loc[4, "agency_name"] == "องค์การบริหารส่วนตำบลหนองปลาหมอ"
    assert str(rows.loc[4, "start_month"]) == "2025-10-01"  # the title's year 2569
    before = sum(measure_store.count_measures_by_source(demo_conn).values())
    import_id = commit_measures(demo_conn, plan, user="tester")
    stored = measure_store.load_measures(demo_conn, import_id=import_id)
    by_title = stored.set_index("title")
    assert by_title.loc["มาตรการเผยแพร่แผนและความก้าวหน้าการใช้งบประมาณ", "status"] == STATUS_IN_PROGRESS
    assert by_title.loc["โครงการประกาศ No Gift Policy", "status"] == STATUS_DONE
    assert by_title.loc["โครงการประกาศ No Gift Policy", "kind"] == "โครงการ"
    history = measure_store.load_measure_imports(demo_conn)
    assert history.iloc[0]["import_id"] == import_id and history.iloc[0]["rows"] == 2
    # The same file again does nothing.
    again = analyse_measures_file(demo_conn, content, "copy.xlsx")
    assert commit_measures(demo_conn, again) == import_id
    assert sum(measure_store.count_measures_by_source(demo_conn).values()) == before + 2
    assert undo_measures(demo_conn, import_id, "tester") == 2
    assert sum(measure_store.count_measures_by_source(demo_conn).values()) == before
    assert measure_store.load_measure_imports(demo_conn).iloc[0]["status"] == "undone"
    with pytest.raises(ItaError):
        undo_measures(demo_conn, import_id)


def test_rejected_file_writes_nothing(demo_conn):
    bad = [ROWS[0], ["อบต.ไม่มีจริง", None, "มาตรการ ก", "11", None, "ก.ย. ๖๘ – ต.ค. ๖๗", None,
                     "ยกเลิก", None]]
    plan = analyse_measures_file(demo_conn, _xlsx(bad), "bad.xlsx")
    codes = {(e.row, e.column, e.code) for e in plan.errors}
    assert {(4, "A", "unknown_agency"), (4, "D", "bad_indicators"), (4, "H", "bad_status")} <= codes
    assert not plan.ok
    before = measure_store.count_measures_by_source(demo_conn)
    with pytest.raises(ItaError):
        commit_measures(demo_conn, plan)
    assert measure_store.count_measures_by_source(demo_conn) == before


def test_status_mark_columns_and_cp874_csv(demo_conn):
    text = ("หน่วยงาน,จังหวัด,มาตรการ,ขั้นตอน,การกำกับติดตาม,ยังไม่ดำเนินงาน,อยู่ระหว่างดำเนินงาน,"
            "ดำเนินงานเสร็จแล้ว\n"
            "อบต.โคกสะอาด,กาฬสินธุ์,E – Service,เพิ่มช่องทาง,๓๑ มี.ค. ๖๕,,,/\n")
    plan = analyse_measures_file(demo_conn, text.encode("cp874"), "khok.csv", year=2565)
    assert plan.errors == [], plan.errors
    row = plan.rows.iloc[0]
    assert (row["title"], row["status"], row["year"]) == ("E – Service", STATUS_DONE, 2565)
    assert str(row["end_month"]) == "2022-03-01"


def test_file_without_a_measures_table_is_refused(demo_conn):
    plan = analyse_measures_file(demo_conn, b"a,b\n1,2\n", "scores.csv")
    assert [e.code for e in plan.errors] == ["no_header"]


def test_cli_list_import_effect_undo(demo_db, tmp_path, capsys):
    import json

    from ita_analytics.cli import main

    assert main(["--db", str(demo_db), "measures", "list", "--agency", "อบต.หนองปลาหมอ",
                 "--province", "ขอนแก่น", "--year", "๒๕๖๘", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["count"] == 5 and listed["measures"][0]["target"] == {"indicator": 10, "from": 80.0,
                                                                        "to": 100.0}
    assert listed["measures"][0]["period"] == "ตุลาคม ๒๕๖๓ – กันยายน ๒๕๖๔ (เริ่มดำเนินการทันที)"
    path = tmp_path / "m.xlsx"
    path.write_bytes(_xlsx(ROWS))
    assert main(["--db", str(demo_db), "measures", "import", str(path), "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert (imported["status"], imported["rows"]) == ("committed", 2)
    assert main(["--db", str(demo_db), "measures", "effect", "--indicator", "9", "--from", "2569",
                 "--to", "2570", "--json"]) == 0
    effect = json.loads(capsys.readouterr().out)
    assert effect["n_measures"] == 2 and effect["groups"][0]["n"] == 0  # 2569 not yet scored
    # Seed 003 and the import both give ทต.ทุ่งผึ้ง a 2569 measure on indicator 9.
    assert effect["agencies_with_measure_without_scores"] == 1
    assert main(["--db", str(demo_db), "measures", "undo", str(imported["import_id"])]) == 0
    capsys.readouterr()
    assert main(["--db", str(demo_db), "measures", "undo", str(imported["import_id"])]) == 1


def test_cli_refuses_a_measures_or_items_file_over_the_size_limit_before_reading_it(
        demo_db, tmp_path, capsys, monkeypatch):
    from ita_analytics.cli import main

    path = tmp_path / "big.xlsx"
    path.write_bytes(_xlsx(ROWS) + b"\0" * 1_100_000)  # over a 1 MB limit
    monkeypatch.setenv("ITA_UPLOAD_MAX_MB", "1")
    reads = []
    real_open = open

    def counting_open(file, mode="r", *args, **kwargs):
        if str(file) == str(path) and "b" in mode:
            reads.append(file)
        return real_open(file, mode, *args, **kwargs)
    monkeypatch.setattr("builtins.open", counting_open)
    for command in (["measures", "import"], ["items", "import"]):
        assert main(["--db", str(demo_db), *command, str(path)]) == 1
        err = capsys.readouterr().err
        assert "เกินขีดจำกัด 1 MB" in err and "over the 1 MB limit" in err
    assert reads == []  # refused by its size: never opened


def test_generic_undo_removes_a_measures_import(demo_conn):
    from ita_analytics.importer import undo_import

    before = sum(measure_store.count_measures_by_source(demo_conn).values())
    import_id = commit_measures(demo_conn, analyse_measures_file(demo_conn, _xlsx(ROWS), "m.xlsx"))
    assert sum(measure_store.count_measures_by_source(demo_conn).values()) == before + 2
    counts = undo_import(demo_conn, import_id, user="tester")
    assert counts == {"import_id": import_id, "kind": "measures", "measures_removed": 2}
    assert sum(measure_store.count_measures_by_source(demo_conn).values()) == before
