"""The provinces, compare and data-quality pages, the province tile grid and their helpers."""

import pandas as pd
import pytest
from conftest import app_test

from ita_analytics import geo
from ita_analytics.dashboard.places import (
    compare_frame,
    compute_province_values,
    filter_findings,
    parse_agency_ids,
    provinces_from_selection,
)
from ita_analytics.province_grid import PROVINCE_TILES, province_grid

# --- the tile grid ----------------------------------------------------------------------------



def _number(value) -> float:
    """A table cell as a number: shown numbers stay numbers, a column with a missing value is
    text ("1,234.50", "–")."""
    if isinstance(value, str):
        return float("nan") if value == "–" else float(value.replace(",", ""))
    return float(value)

def test_grid_has_every_province_once_in_its_own_cell():
    grid = province_grid()
    assert sorted(grid["province"]) == sorted(geo.province_names())
    assert len(grid) == 77 and set(PROVINCE_TILES) == set(geo.province_names())
    assert not grid.duplicated(["row", "col"]).any()
    assert not grid["label"].duplicated().any()
    assert grid.loc[grid["province"] == "กาฬสินธุ์", "label"].item() == "กส"


def test_grid_is_roughly_geographic():
    cell = province_grid().set_index("province")
    north, south = cell.loc["เชียงราย"], cell.loc["นราธิวาส"]
    assert north["row"] == cell["row"].min() and south["row"] == cell["row"].max()
    assert cell.loc["อุบลราชธานี", "col"] > cell.loc["กรุงเทพมหานคร", "col"] > cell.loc[
        "กาญจนบุรี", "col"]
    # The peninsula: every southern province lies below Bangkok.
    south_rows = cell.loc[cell["region"] == "south", "row"]
    assert (south_rows > cell.loc["กรุงเทพมหานคร", "row"]).all()
    regions = {r.code: r for r in geo.REGIONS}
    assert cell.loc["เชียงใหม่", "region_th"] == regions["north"].name_th


# --- provinces page helpers -------------------------------------------------------------------


def test_province_values_leave_missing_out():
    results = pd.DataFrame({
        "agency_id": [1, 2, 3, 4], "province": ["ลำปาง", "ลำปาง", "ลำปาง", "น่าน"],
        "year": 2568, "total": [90.0, 80.0, float("nan"), 70.0],
        "passed": pd.array([True, False, pd.NA, False], dtype="boolean"),
        "i1": [50.0, float("nan"), 100.0, 20.0]})
    mean = compute_province_values(results, "total").set_index("province")
    assert mean.loc["ลำปาง", "value"] == 85.0 and mean.loc["ลำปาง", "n"] == 2
    rate = compute_province_values(results, "pass_rate").set_index("province")
    assert rate.loc["ลำปาง", "value"] == 0.5 and rate.loc["น่าน", "value"] == 0.0
    ind = compute_province_values(results, "i1").set_index("province")
    assert ind.loc["ลำปาง", "value"] == 75.0 and ind.loc["ลำปาง", "n"] == 2


def test_selection_event_gives_the_clicked_provinces():
    event = {"selection": {"points": [
        {"curve_number": 1, "point_index": 3, "customdata": ["ลำปาง", "Lampang", "88.00", 12]},
        {"curve_number": 1, "point_index": 4, "customdata": ["ไม่มีจังหวัดนี้", "x", "1", 1]},
        {"curve_number": 1, "point_index": 3, "customdata": ["ลำปาง", "Lampang", "88.00", 12]},
    ]}}
    assert provinces_from_selection(event) == ["ลำปาง"]
    assert provinces_from_selection({"selection": {"points": []}}) == []
    assert provinces_from_selection(None) == []


def _ranking(at):
    return at.dataframe[0].value  # the page's one table


def test_provinces_page_on_demo(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = app_test("pages/provinces.py")
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) == 1
    table = _ranking(at)
    assert len(table) == 77
    lampang = table[table["จังหวัด"] == "ลำปาง"].iloc[0]
    expected = demo_results[(demo_results["year"] == 2568)
                            & (demo_results["province"] == "ลำปาง")]["total"]
    assert lampang["คะแนนรวมเฉลี่ย"] == pytest.approx(round(expected.mean(), 2))
    assert lampang["จำนวนหน่วยงาน"] == expected.notna().sum()
    assert table["คะแนนรวมเฉลี่ย"].is_monotonic_decreasing

    # Another year and another metric change what is shown.
    at.selectbox(key="pv_year").set_value(2562).run()
    at.selectbox(key="pv_metric").set_value("pass_rate").run()
    assert not at.exception
    table = _ranking(at)
    column = [c for c in table.columns if c.startswith("สัดส่วนที่ผ่าน")][0]
    old = demo_results[(demo_results["year"] == 2562) & (demo_results["province"] == "ลำปาง")]
    old = old.dropna(subset=["total"])
    assert table.set_index("จังหวัด").loc["ลำปาง", column] == pytest.approx(
        round(100 * old["passed"].astype(bool).mean(), 2))


def test_provinces_page_type_filter_changes_values(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = app_test("pages/provinces.py")
    at.multiselect(key="f_types").set_value(["เทศบาลตำบล"]).run()
    assert not at.exception
    table = _ranking(at).set_index("จังหวัด")
    rows = demo_results[(demo_results["year"] == 2568) & (demo_results["province"] == "ลำปาง")
                        & (demo_results["agency_type"] == "เทศบาลตำบล")]
    assert table.loc["ลำปาง", "จำนวนหน่วยงาน"] == rows["total"].notna().sum()
    assert _number(table.loc["ลำปาง", "คะแนนรวมเฉลี่ย"]) == pytest.approx(round(rows["total"].mean(), 2))


def _map_click_script():
    """The shared frame plus the page's click handler, fed an event from session state."""
    import streamlit as st

    from ita_analytics.dashboard.navigation import current_filters
    from ita_analytics.dashboard.places import apply_map_selection

    filters = current_filters()
    st.text(f"provinces={filters.provinces}")
    apply_map_selection(st.session_state.pop("fake_event", None))


def test_map_click_sets_the_shared_province_filter(demo_db, app_env):
    """AppTest cannot click a Plotly chart: the page's handler is driven with a click's event."""
    from streamlit.testing.v1 import AppTest

    app_env(demo_db)
    at = AppTest.from_function(_map_click_script, default_timeout=60).run()
    assert at.text[0].value == "provinces=None"
    at.session_state["fake_event"] = {"selection": {"points": [
        {"curve_number": 0, "point_index": 5, "customdata": ["ลำปาง", "Lampang", "88.00", 9]}]}}
    at.run()
    assert not at.exception
    assert at.multiselect(key="f_provinces").value == ["ลำปาง"]
    assert at.text[0].value == "provinces=('ลำปาง',)"
    assert at.query_params["province"] == "ลำปาง"  # kept in the URL


def test_map_click_outside_the_chosen_region_clears_the_region(demo_db, app_env):
    from streamlit.testing.v1 import AppTest

    app_env(demo_db)
    at = AppTest.from_function(_map_click_script, default_timeout=60).run()
    at.multiselect(key="f_regions").set_value(["north"]).run()
    assert "ลำปาง" in at.text[0].value and "สงขลา" not in at.text[0].value
    at.session_state["fake_event"] = {"selection": {"points": [{"customdata": ["สงขลา"]}]}}
    at.run()
    assert not at.exception
    assert at.multiselect(key="f_regions").value == []
    assert at.text[0].value == "provinces=('สงขลา',)"


def test_provinces_page_in_english(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/provinces.py")
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Results by province"
    table = _ranking(at).set_index("Province")
    assert table.loc["Lampang", "Region"] == "North" and "Mean total" in table.columns


def test_provinces_page_shows_and_clears_the_province_filter(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/provinces.py")
    at.multiselect(key="f_provinces").set_value(["ลำปาง", "น่าน"]).run()
    assert any("ลำปาง, น่าน" in s.value for s in at.success)
    assert len(_ranking(at)) == 77  # the map and ranking keep every province
    at.button(key="pv_clear").click().run()
    assert not at.exception
    assert at.multiselect(key="f_provinces").value == []
    assert not at.success


def test_provinces_page_on_empty_store(empty_db, app_env):
    app_env(empty_db)
    at = app_test("pages/provinces.py")
    assert not at.exception and not at.error
    assert at.info and not at.get("plotly_chart")


# --- compare ----------------------------------------------------------------------------------


def test_agency_ids_from_the_url():
    known = {3, 10, 11}
    assert parse_agency_ids("10,3,x,999,3, 11", known) == [10, 3, 11]
    assert parse_agency_ids(None, known) == []
    assert parse_agency_ids(",".join(str(i) for i in range(20)), set(range(20))) == list(range(10))


def test_relative_values_start_from_each_agencys_first_year():
    results = pd.DataFrame({
        "agency_id": [1, 1, 1, 2, 2], "name": ["ก", "ก", "ก", "ข", "ข"],
        "province": ["ลำปาง", "ลำปาง", "ลำปาง", None, None], "year": [2566, 2567, 2568, 2567, 2568],
        "total": [80.0, 85.5, float("nan"), 90.0, 88.0],
        **{f"i{n}": [float("nan"), 60.0, 70.0, 50.0, 55.0] for n in range(1, 11)}})
    long = compare_frame(results, relative=True).set_index(["agency", "year", "metric"])["value"]
    assert long[("ก (ลำปาง)", 2566, "total")] == 0.0
    assert long[("ก (ลำปาง)", 2567, "total")] == 5.5
    assert pd.isna(long[("ก (ลำปาง)", 2568, "total")])  # missing stays missing
    assert pd.isna(long[("ก (ลำปาง)", 2567, "i1")])  # no base in the first year: no change
    assert long[("ข", 2568, "total")] == -2.0 and long[("ข", 2568, "i3")] == 5.0
    absolute = compare_frame(results, relative=False).set_index(["agency", "year", "metric"])
    assert absolute.loc[("ก (ลำปาง)", 2567, "total"), "value"] == 85.5


def _compare_table(at):
    return at.dataframe[-1].value


def test_compare_page_shows_the_chosen_agencies(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/compare.py")
    assert not at.exception and not at.error
    assert at.info  # nothing chosen yet
    at.text_input(key="cmp_search").set_value("โคกสะอาด").run()
    options = at.multiselect(key="cmp_agencies").options
    assert "องค์การบริหารส่วนตำบลโคกสะอาด — องค์การบริหารส่วนตำบล, กาฬสินธุ์" in options
    assert len(options) >= 7  # the same name in seven provinces
    at.multiselect(key="cmp_agencies").set_value([3]).run()
    assert not at.exception
    table = _compare_table(at)
    assert set(table["รหัส"]) == {"3"}  # an identifier reads as a label
    totals = table.set_index("ปี")["คะแนนรวม"].map(_number)
    # 2564 is seed 004's published total alone (basis "total"): shown, not left out.
    assert totals["2562"] == 85.44 and totals["2568"] == 97.5 and totals["2564"] == 74.83
    assert at.query_params["agencies"] == "3"
    assert len(at.get("plotly_chart")) == 2


def test_compare_page_from_a_shared_link_and_filters(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/compare.py")
    at.query_params["agencies"] = "3,10,11"
    at.run()
    assert not at.exception
    assert at.multiselect(key="cmp_agencies").value == [3, 10, 11]
    table = _compare_table(at)
    assert len(table) == 20  # agency 10 has no 2568 result
    assert _number(table.set_index(["รหัส", "ปี"]).loc[("10", "2567"), "คะแนนรวม"]) == 81.57
    # The year filter narrows what is shown.
    at.slider(key="f_years").set_value((2566, 2568)).run()
    assert not at.exception
    assert sorted(set(_compare_table(at)["ปี"])) == ["2566", "2567", "2568"]
    # Relative mode: each line starts at 0 in the first year shown (the charts' tables opened).
    at.session_state["cmp_totals_table_open"] = at.session_state["cmp_ind_table_open"] = True
    at.radio(key="cmp_mode").set_value("relative").run()
    assert not at.exception
    bars = at.dataframe[1].value  # the indicators' table of the latest year
    assert len(bars) and bars["เปลี่ยนแปลง (คะแนน)"].map(_number).notna().any()
    totals = at.dataframe[0].value.set_index("หน่วยงาน")
    assert _number(totals.loc["องค์การบริหารส่วนตำบลท่าช้าง (จันทบุรี)", "2566"]) == 0.0
    assert _number(totals.loc["องค์การบริหารส่วนตำบลท่าช้าง (จันทบุรี)", "2568"]) == pytest.approx(4.78)


def test_compare_page_on_empty_store(empty_db, app_env):
    app_env(empty_db)
    at = app_test("pages/compare.py")
    assert not at.exception and not at.error
    assert at.info


# --- data quality -----------------------------------------------------------------------------


def test_filter_findings_by_kind_severity_and_year():
    findings = pd.DataFrame({
        "check": ["level_mismatch", "implausible_jump", "implausible_jump", "duplicate_agency"],
        "severity": ["error", "info", "info", "warning"], "year": [2564, 2563, 2564, None]})
    assert len(filter_findings(findings)) == 4
    assert list(filter_findings(findings, checks=["implausible_jump"]).index) == [1, 2]
    assert list(filter_findings(findings, severities=["error", "warning"]).index) == [0, 3]
    assert list(filter_findings(findings, year=2564).index) == [0, 2]
    assert filter_findings(findings, ["level_mismatch"], ["info"]).empty


def _findings(at):
    return at.dataframe[-1].value


def test_quality_page_lists_seed_004s_level_contradiction(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/quality.py")
    assert not at.exception and not at.error
    table = _findings(at)
    first = table.iloc[0]  # errors first
    assert first["หน่วยงาน"] == "องค์การบริหารส่วนตำบลโคกสะอาด"
    assert (first["ความรุนแรง"], first["ค่าที่พบ"], first["ค่าที่ควรเป็น"]) == ("ข้อผิดพลาด", "E", "C")
    assert "74.83" in first["รายละเอียด"] and first["ปี"] == "2564"
    assert first["link"] == "agency?agency_id=3&year=2564&peers=type"
    total = len(table)
    assert total > 100  # the demo's implausible jumps

    at.multiselect(key="dq_severity").set_value(["error"]).run()
    assert not at.exception
    assert len(_findings(at)) == 1
    at.multiselect(key="dq_severity").set_value([]).run()
    at.multiselect(key="dq_kinds").set_value(["implausible_jump"]).run()
    at.selectbox(key="dq_year").set_value(2563).run()
    shown = _findings(at)
    assert 0 < len(shown) < total
    assert set(shown["ประเภทการตรวจ"]) == {"คะแนนเปลี่ยนมากผิดปกติ"} and set(shown["ปี"]) == {"2563"}


def test_quality_page_follows_the_shared_filters(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/quality.py")
    national = len(_findings(at))
    at.multiselect(key="f_provinces").set_value(["กาฬสินธุ์"]).run()
    assert not at.exception
    local = _findings(at)
    assert 0 < len(local) < national and set(local["จังหวัด"]) == {"กาฬสินธุ์"}
    at.slider(key="f_years").set_value((2566, 2568)).run()
    assert not at.exception
    assert "74.83" not in " ".join(_findings(at)["รายละเอียด"])  # 2564 is out of range


def test_finding_link_opens_the_agency_page(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/agency.py")
    for key, value in (("agency_id", "3"), ("year", "2564"), ("peers", "type")):
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert at.selectbox(key="ag_agency").value == 3
    assert at.selectbox(key="ag_year").value == 2564


def test_quality_page_on_empty_store(empty_db, app_env):
    app_env(empty_db)
    at = app_test("pages/quality.py")
    assert not at.exception and not at.error
    assert at.info
