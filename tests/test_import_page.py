"""The import page (AppTest: renders, history, undo), the template and the validation report."""

from __future__ import annotations

import pandas as pd
from conftest import app_test
from import_corpus import NONG_PLA_MO_2568, THUNG_PHUENG_2568, broken_files, xlsx

from ita_analytics import store
from ita_analytics.exports import export_bytes, to_xlsx_bytes
from ita_analytics.importer import analyse_file, commit_plan, read_tables
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
    history = at.dataframe[0].value
    assert history["import_id"].tolist() == [import_id]
    assert history["file_name"].tolist() == ["page.xlsx"]
    assert history["status"].tolist() == ["committed"]
    assert at.button(key="imp_undo").disabled
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo").click().run()
    assert not at.exception
    assert any("ยกเลิกการนำเข้า" in s.value for s in at.success)
    assert at.dataframe[0].value["status"].tolist() == ["undone"]
    conn = store.open_store(demo_db)
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
    assert at.dataframe[-1].value["user_name"].tolist()[0] == "tester [local]"  # who imported
    conn = store.open_store(demo_db)
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
