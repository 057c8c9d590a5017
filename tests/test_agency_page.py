"""The agency page, run with AppTest: URL state, the seed's scores, year and search switching."""

from __future__ import annotations

from conftest import ROOT

from ita_analytics import store
from ita_analytics.agencies import find_agency


def _page(demo_db, app_env, **params):
    from streamlit.testing.v1 import AppTest

    app_env(demo_db)
    at = AppTest.from_file(str(ROOT / "pages" / "agency.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _nong_pla_mo(demo_db) -> int:
    conn = store.open_store(demo_db, read_only=True)
    try:
        return find_agency(store.load_agency_keys(conn), "อบต.หนองปลาหมอ", "ขอนแก่น").agency_id
    finally:
        conn.close()


def test_opens_from_the_url_and_shows_the_seed_scores(demo_db, app_env):
    agency_id = _nong_pla_mo(demo_db)
    at = _page(demo_db, app_env, agency_id=str(agency_id), year="2568")
    assert not at.exception
    assert at.header[0].value == "องค์การบริหารส่วนตำบลหนองปลาหมอ"
    table = at.dataframe[0].value  # Table 1 is the first table
    assert list(table.columns[3:5]) == ["ปี 2567", "ปี 2568"]
    assert table.iloc[9, 4] == "80.00" and table.iloc[9, 6] == "พัฒนาเร่งด่วน"
    assert table.iloc[8, 4] == "90.00" and table.iloc[8, 6] == "พัฒนา"
    assert list(table.iloc[5:10, 3]) == ["–"] * 5
    assert list(table.iloc[0:5, 3]) == ["100.00"] * 5
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["คะแนนรวม ปี 2568"] == "93.30" and metrics["ระดับ"] == "ผ่านดี"
    assert at.query_params["peers"] in ("type", ["type"])
    links = " ".join(m.value for m in at.markdown)
    assert "agency?agency_id=" in links and "&year=2568" in links


def test_switching_year_changes_the_table_and_the_url(demo_db, app_env):
    agency_id = _nong_pla_mo(demo_db)
    at = _page(demo_db, app_env, agency_id=str(agency_id), year="2568")
    at.selectbox(key="ag_year").set_value(2567).run()
    assert not at.exception
    table = at.dataframe[0].value  # Table 1 is the first table
    assert list(table.columns[3:5]) == ["ปี 2566", "ปี 2567"]
    assert list(table.iloc[5:10, 4]) == ["–"] * 5  # 2567 gives only indicators 1-5
    assert at.query_params["year"] in ("2567", ["2567"])


def test_search_forgives_abbreviations_and_typos(demo_db, app_env):
    at = _page(demo_db, app_env)
    assert not at.exception
    at.text_input(key="ag_search").set_value("ทต ทุงผึ้ง").run()
    assert not at.exception
    options = at.selectbox(key="ag_agency").options
    assert any(o.startswith("เทศบาลตำบลทุ่งผึ้ง — อ.แจ้ห่ม จ.ลำปาง") for o in options)
