"""The measures page, run with AppTest on the demo store and on an empty store."""

import re

from conftest import app_test

from ita_analytics import store
from ita_analytics.agencies import find_agency
from ita_analytics.store import measures as measure_store


def _open(db, app_env):
    app_env(db)
    at = app_test("pages/measures.py", analyst=True)
    assert not at.exception, at.exception
    return at


def _nong_pla_mo(db) -> int:
    conn = store.open_store(db, read_only=True)
    try:
        return find_agency(store.load_agency_keys(conn), "อบต.หนองปลาหมอ", "ขอนแก่น").agency_id
    finally:
        conn.close()


def _table(at, column):
    """The first table with ``column`` (AppTest finds tables by position, not key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_measures_page_on_demo_shows_the_seeds(demo_db, app_env):
    agency_id = _nong_pla_mo(demo_db)
    at = _open(demo_db, app_env)
    assert at.title[0].value == "มาตรการส่งเสริมคุณธรรมและความโปร่งใส"
    at.selectbox(key="rec_agency").set_value(agency_id)
    at.selectbox(key="rec_year").set_value(2568).run()
    assert not at.exception
    subheaders = [s.value for s in at.subheader]
    assert "มาตรการของ องค์การบริหารส่วนตำบลหนองปลาหมอ ปี 2568: 5 รายการ" in subheaders, subheaders
    assert _table(at, "แล้วเสร็จ (%)")["จำนวนมาตรการ"].sum() == 49
    overdue = _table(at, "เลยกำหนด (วัน)")
    assert len(overdue) > 0 and "ดำเนินการแล้ว" not in set(overdue["สถานะ"])
    assert all(re.fullmatch(r"\S+ 25\d\d", month) for month in overdue["สิ้นสุด"])  # B.E. months
    targets = _table(at, "ผล")
    assert any(str(v).startswith("10 ") for v in targets["ตัวชี้วัด"])
    assert any("ไม่ใช่การพิสูจน์" in w.value for w in at.warning)


def test_record_form_adds_a_measure(demo_db, app_env):
    agency_id = _nong_pla_mo(demo_db)
    at = _open(demo_db, app_env)
    at.selectbox(key="rec_agency").set_value(agency_id)
    at.selectbox(key="rec_year").set_value(2569).run()
    at.text_input(key="mf_title").input("มาตรการทดสอบจากแดชบอร์ด")
    at.multiselect(key="mf_ind").set_value([9, 10])
    at.text_input(key="mf_period").input("ต.ค. ๖๘ – มี.ค. ๖๙")
    next(b for b in at.button if b.label == "บันทึกมาตรการ").click().run()
    assert not at.exception and at.success[0].value == "บันทึกแล้ว"
    conn = store.open_store(demo_db, read_only=True)  # as the page reads it
    try:
        added = measure_store.load_measures(conn, agency_ids=[agency_id], years=[2569])
    finally:
        conn.close()
    row = added.iloc[0]
    assert (row["title"], row["indicators"], row["source"]) == ("มาตรการทดสอบจากแดชบอร์ด", [9, 10],
                                                                "dashboard")
    assert str(row["start_month"].date()) == "2025-10-01" and str(row["end_month"].date()) == "2026-03-01"


def test_measures_page_on_an_empty_store(empty_db, app_env):
    at = _open(empty_db, app_env)
    assert any("ยังไม่มีหน่วยงาน" in i.value for i in at.info)
    assert any("ยังไม่มีมาตรการ" in i.value for i in at.info)


def test_agency_found_by_search_gets_proposals_from_its_weakest_indicators(demo_db, app_env):
    nong_pla_mo = _nong_pla_mo(demo_db)
    at = _open(demo_db, app_env)
    at.text_input(key="prop_search").input("ทต.ทุ่งผึ้ง").run()
    picker = at.selectbox(key="prop_agency")
    found = [o for o in picker.options if "ทุ่งผึ้ง" in o]
    assert found and found[0].endswith("— อ.แจ้ห่ม จ.ลำปาง"), picker.options  # as on the agency page
    # Agencies with measures stay one click away, and the search does not list every agency.
    assert any("หนองปลาหมอ" in o for o in picker.options) and len(picker.options) < 100
    at.text_input(key="prop_search").input("อบต.หนองปลาหมอ").run()
    at.selectbox(key="prop_agency").set_value(nong_pla_mo)
    at.selectbox(key="prop_year").set_value(2568).run()
    assert not at.exception, at.exception
    proposals = _table(at, "แนวทาง")
    scores = {int(label.split()[0]): score
              for label, score in zip(proposals["ตัวชี้วัด"], proposals["คะแนน"])}
    assert scores[10] == 80.0 and scores[9] == 90.0  # seed 000: urgent 10, improve 9
    actions = dict(zip(proposals["ตัวชี้วัด"].str.split().str[0], proposals["แนวทาง"]))
    assert actions["10"] == "พัฒนาเร่งด่วน" and actions["9"] == "พัฒนา"
