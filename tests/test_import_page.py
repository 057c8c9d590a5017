"""The import page (AppTest: renders, history, undo), the template and the validation report."""

from __future__ import annotations

import pandas as pd
from conftest import app_test
from import_corpus import NONG_PLA_MO_2568, THUNG_PHUENG_2568, broken_files, csv_bytes, xlsx

from ita_analytics import store
from ita_analytics.dashboard import imports as view
from ita_analytics.dashboard.imports import XLSX_MIME
from ita_analytics.exports import export_bytes, to_xlsx_bytes
from ita_analytics.importer import analyse_file, commit_plan, preview, read_tables
from ita_analytics.importer.report import (
    TEMPLATE_COLUMNS,
    report_xlsx_bytes,
    template_frames,
    template_xlsx_bytes,
)


def _import_one(db_path) -> tuple[int, bytes]:
    conn = store.open_store(db_path)
    try:
        before = export_bytes(store.load_scores_long(conn), "csv", bom=False)
        data = xlsx([["ชื่อหน่วยงาน", "จังหวัด", *[f"i{n}" for n in range(1, 11)]],
                     ["ทต.ทุ่งผึ้ง", "ลำปาง", *THUNG_PHUENG_2568]])
        result = commit_plan(conn, analyse_file(conn, data, "page.xlsx", year=2569), user="tester")
    finally:
        conn.close()
    return result.import_id, before


def test_import_page_renders_history_and_undoes(demo_db, app_env):
    import_id, before = _import_one(demo_db)
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    assert not at.exception
    assert at.title[0].value == "นำเข้าผลการประเมิน"
    history = at.dataframe[0].value  # localised (issue 18 #4)
    assert history["ครั้งที่"].tolist() == [str(import_id)]  # an identifier, shown as text
    assert history["ไฟล์"].tolist() == ["page.xlsx"]
    assert history["สถานะ"].tolist() == ["นำเข้าแล้ว"]
    assert at.button(key="imp_undo").disabled
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo").click().run()
    assert not at.exception
    assert any("ยกเลิกการนำเข้า" in s.value for s in at.success)
    assert at.dataframe[0].value["สถานะ"].tolist() == ["ยกเลิกแล้ว"]
    conn = store.open_store(demo_db, read_only=True)  # as the page's process reads it
    try:
        assert export_bytes(store.load_scores_long(conn), "csv", bom=False) == before
    finally:
        conn.close()


def test_import_page_on_empty_store(empty_db, app_env):
    app_env(empty_db)
    at = app_test("pages/import.py", analyst=True)
    assert not at.exception
    assert at.text_input(key="imp_year").value == ""
    assert any("ยังไม่มีการนำเข้า" in c.value for c in at.caption)


def test_template_has_thai_headers_and_imports_when_filled(empty_db):
    sheets = read_tables(template_xlsx_bytes(), "template.xlsx")
    assert sheets[0].name == "ผลการประเมิน"
    assert sheets[0].rows[0] == TEMPLATE_COLUMNS
    filled = template_frames()
    filled["ผลการประเมิน"] = pd.DataFrame(
        [[1, "อบต.หนองปลาหมอ", "องค์การบริหารส่วนตำบล", "โนนศิลา", "ขอนแก่น", 2568,
          *NONG_PLA_MO_2568, None, None, None, 93.30, "ผ่านดี"]], columns=TEMPLATE_COLUMNS)
    conn = store.open_store(empty_db)
    try:
        plan = analyse_file(conn, to_xlsx_bytes(filled), "filled.xlsx")
        assert plan.status == "valid", [e.message_en for e in plan.errors]
        roles = set(plan.mapping_frame()["role"])
        assert {"seq", "name", "agency_type", "district", "province", "year", "total",
                "level"} <= roles and {f"i{n}" for n in range(1, 11)} <= roles
        assert commit_plan(conn, plan).status == "committed"
        row = store.load_results(conn).iloc[0]
        assert (row["name"], row["year"], row["total"]) == ("องค์การบริหารส่วนตำบลหนองปลาหมอ", 2568, 93.30)
    finally:
        conn.close()


def test_validation_report_lists_errors_with_locations(empty_db):
    data, kwargs, _ = broken_files()["score_as_word.xlsx"]
    conn = store.open_store(empty_db)
    try:
        plan = analyse_file(conn, data, "bad.xlsx", **kwargs)
    finally:
        conn.close()
    sheets = {s.name: s.rows for s in read_tables(report_xlsx_bytes(plan), "report.xlsx")}
    errors = sheets["ข้อผิดพลาด"]
    assert errors[0] == ["sheet", "row", "column", "code", "message_th", "message_en"]
    assert errors[1][:4] == ["ผลการประเมิน", 2, "H (ตัวชี้วัดที่ 4)", "not_numeric"]
    assert "ดีมาก" in errors[1][4]


class FakeUpload:
    """What st.file_uploader returns, for AppTest (which cannot upload files)."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


def _fake_uploader(monkeypatch, name: str, data: bytes) -> None:
    import streamlit as st

    def file_uploader(label, *args, max_upload_size=None, **kwargs):
        assert max_upload_size == 20  # the explicit limit (setting upload_max_mb)
        return FakeUpload(name, data)

    monkeypatch.setattr(st, "file_uploader", file_uploader)


def test_upload_preview_suggestion_and_commit(demo_db, app_env, monkeypatch):
    data = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
                 ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568],
                 ["อบต.หนองปลาหมา", "โนนศิลา", "ขอนแก่น", *NONG_PLA_MO_2568]])
    _fake_uploader(monkeypatch, "typo.xlsx", data)
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.text_input(key="imp_year").input("2569").run()
    assert not at.exception
    assert any("ไฟล์ถูกต้อง" in s.value and "1 แถว" in s.value for s in at.success)
    tables = {str(d.key).rsplit("_", 1)[0]: d.value for d in at.dataframe if d.key}
    suggestion = tables["imp_decisions"].iloc[0]
    assert (suggestion["name"], suggestion["suggested_name"]) == (
        "อบต.หนองปลาหมา", "องค์การบริหารส่วนตำบลหนองปลาหมอ")
    mapping = tables["imp_mapping"].set_index("column")
    assert mapping.loc["D", "role"].startswith("i1 ")
    assert not at.button(key="imp_commit").disabled
    at.button(key="imp_commit").click().run()
    assert not at.exception
    assert any("นำเข้าแล้ว" in s.value for s in at.success)
    history = at.dataframe[-1].value  # headers in Thai (issue 18: every table localised)
    assert history["ผู้นำเข้า"].tolist()[0] == "tester [local]"  # who imported
    assert history["สถานะ"].tolist()[0] == "นำเข้าแล้ว" and "sha256" not in history
    conn = store.open_store(demo_db, read_only=True)
    try:
        frame = store.load_results(conn, years=[2569])
    finally:
        conn.close()
    assert frame["name"].tolist() == ["เทศบาลตำบลทุ่งผึ้ง"]
    assert frame["total"].tolist() == [96.47]


def test_upload_of_a_broken_file_shows_errors_and_cannot_commit(demo_db, app_env, monkeypatch):
    data, _, _ = broken_files()["score_over_100.xlsx"]
    _fake_uploader(monkeypatch, "bad.xlsx", data)
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.text_input(key="imp_year").input("2569").run()
    assert not at.exception
    assert any("ไม่นำเข้า" in e.value for e in at.error)
    assert at.button(key="imp_commit").disabled


# --- the preview's rows, counts, coverage and workbook; safe text (issues 16, 18.8) -----------

def _upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.file_uploader(key="imp_file").set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def _rows_table(at) -> pd.DataFrame:
    """The preview's table of rows to write (read-only tables carry no key in AppTest)."""
    return next(d.value for d in at.dataframe
                if {"ผลที่จะบันทึก", "What is written"} & set(d.value.columns))


def _editor(at, prefix: str):
    return next(d for d in at.dataframe if str(d.key).startswith(prefix))


SEEDED = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", "ปี", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
               ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", 2568, *THUNG_PHUENG_2568[:8], 95.0, 100],
               ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", 2569, *THUNG_PHUENG_2568]])
"""Seed 003's 2568 row with indicator 9 at 95 (published: 90), and the same scores as 2569."""


def test_preview_shows_each_row_its_agency_counts_coverage_and_workbook(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.checkbox(key="imp_replace").check()
    _upload(at, "seeded.xlsx", SEEDED, XLSX_MIME)
    assert any("ไฟล์ถูกต้อง" in s.value for s in at.success), [e.value for e in at.error]
    rows = _rows_table(at).set_index("ปี")
    assert list(rows["หน่วยงานที่จับคู่"]) == ["เทศบาลตำบลทุ่งผึ้ง"] * 2
    assert list(rows["รหัสหน่วยงานที่จับคู่"].astype(int)) == [5314, 5314]
    assert (rows.loc["2568", "ผลที่จะบันทึก"], rows.loc["2569", "ผลที่จะบันทึก"]) == \
        ("แทนที่ผลเดิม", "เพิ่มปีใหม่")
    assert rows.loc["2568", "ตัวชี้วัดที่ 9"] == "90.00 → 95.00"
    assert rows.loc["2568", "ตัวชี้วัดที่ 1"] == "98.29 (=)"
    counts = next(i.value for i in at.info if i.value.startswith("จะบันทึก"))
    assert "จะบันทึก 2 แถว" in counts and "เพิ่มปีให้หน่วยงานเดิม 1, แทนที่ผลเดิม 1" in counts
    assert "คะแนนตัวชี้วัด 20 คะแนน: ใหม่ 10, เปลี่ยนค่า 1, เท่าเดิม 9" in counts
    coverage = next(w.value for w in at.warning if "ครอบคลุม" in w.value)
    assert "ไฟล์นี้ครอบคลุม 1 จาก 8,237 หน่วยงานของปี 2569 (0.01%)" in coverage
    plan, built = at.session_state["imp_plan"][1], at.session_state["imp_preview"][1]
    for language, sheet_header, outcome in (("th", "หน่วยงานที่จับคู่", "แทนที่ผลเดิม"),
                                            ("en", "Matched agency", "replaces the stored year")):
        data = view.validation_workbook(plan, built.rows, language)
        sheets = {s.name: s.rows for s in read_tables(data, "report.xlsx")}
        matched = sheets[view.MATCHED_SHEET]
        assert matched[0][:9] == [preview.HEADERS[c][language == "en"] for c in preview.ROW_COLUMNS[:9]]
        assert sheet_header in matched[0] and len(matched) == 3
        assert matched[1][matched[0].index(sheet_header)] == "เทศบาลตำบลทุ่งผึ้ง"
        assert outcome in matched[1]
        assert "สรุป" in sheets and "ข้อผิดพลาด" in sheets  # the report's own sheets stay
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    rows = _rows_table(at)
    assert {"Matched agency", "Name in the file", "What is written", "Indicator 9"} <= set(rows.columns)
    assert any(i.value.startswith("Writes 2 rows") for i in at.info)
    assert any("This file covers 1 of 8,237 agencies of 2569" in w.value for w in at.warning)


def test_mapping_and_decision_editors_show_formula_text_inert_and_use_it_as_read(
        demo_db, app_env):
    """A stored name and a header that a spreadsheet would run are shown (and downloadable
    from the tables' toolbar) with a leading quote; the values chosen by are the file's."""
    header = ["ชื่อหน่วยงาน", "ประเภท", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)],
              '=HYPERLINK("http://x.test","?")']
    conn = store.open_store(demo_db)
    try:
        first = analyse_file(conn, csv_bytes([header[:-1], ["=SUM(1)อบต.ทดสอบสูตรหนึ่ง",
                                                            "องค์การบริหารส่วนตำบล", "โนนศิลา",
                                                            "ขอนแก่น", *NONG_PLA_MO_2568]]),
                             "first.csv", year=2569)
        commit_plan(conn, first, user="tester")
        stored_id = int(store.load_results(conn, years=[2569]).query(
            "name == '=SUM(1)อบต.ทดสอบสูตรหนึ่ง'")["agency_id"].iloc[0])
    finally:
        conn.close()
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.text_input(key="imp_year").input("2570")
    _upload(at, "typo.csv", csv_bytes([header, ["=SUM(1)อบต.ทดสอบสูตรหนึง", "องค์การบริหารส่วนตำบล",
                                                "โนนศิลา", "ขอนแก่น", *NONG_PLA_MO_2568, "x"]]))
    mapping = _editor(at, "imp_mapping").value.set_index("column")
    assert mapping.loc["O", "header"] == '\'=HYPERLINK("http://x.test","?")'
    decisions = _editor(at, "imp_decisions")
    row = decisions.value.iloc[0]
    assert (row["name"], row["suggested_name"]) == ("'=SUM(1)อบต.ทดสอบสูตรหนึง",
                                                    "'=SUM(1)อบต.ทดสอบสูตรหนึ่ง")
    at.session_state[decisions.key] = {"edited_rows": {0: {"decision": "ใช้หน่วยงานที่แนะนำ"}},
                                       "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    rows = _rows_table(at)
    assert (rows["ชื่อในไฟล์"].tolist(), rows["การจับคู่"].tolist()) == \
        (["'=SUM(1)อบต.ทดสอบสูตรหนึง"], ["ยืนยันชื่อใกล้เคียงแล้ว"])
    at.button(key="imp_commit").click().run()
    assert any("นำเข้าแล้ว" in s.value for s in at.success), [e.value for e in at.error]
    conn = store.open_store(demo_db, read_only=True)
    try:
        aliases = conn.execute("SELECT alias, agency_id FROM agency_aliases").fetchall()
    finally:
        conn.close()
    assert ("=SUM(1)อบต.ทดสอบสูตรหนึง", stored_id) in aliases


def test_sheet_name_and_file_name_are_shown_as_text(demo_db, app_env):
    """A sheet's or file's name that reads as Markdown (a link, maths, HTML) is shown as typed."""
    data = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
                 ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568]], title="ผล_2569_$x$ <b>")
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.text_input(key="imp_year").input("2569")
    _upload(at, "[x](https://evil.test).xlsx", data, XLSX_MIME)
    caption = next(c.value for c in at.caption if "รูปแบบ wide" in c.value)
    assert "ผล\\_2569\\_\\$x\\$ \\<b\\>" in caption
    shown = [e.value for kind in ("caption", "markdown", "success", "info", "warning", "error")
             for e in at.get(kind)]
    assert not any("[x](https://evil.test)" in text for text in shown)
