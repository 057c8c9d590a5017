"""The indicators, changes and levels pages: values shown equal the analyses, filters change them."""

import json

import pandas as pd
import pytest
from conftest import app_test

from ita_analytics.analysis.deltas import compute_agency_deltas, compute_movers
from ita_analytics.analysis.levels import (
    compute_level_transitions,
    compute_pass_crossings,
    compute_pass_rates,
)
from ita_analytics.analysis.trends import compute_trends
from ita_analytics.analysis.weakest import compute_weakest_counts
from ita_analytics.dashboard.trends import transition_matrix
from ita_analytics.domain import agency_type_en

TYPE = "เทศบาลตำบล"
PROVINCE = "ลำปาง"


CHART_TABLES = ("ind_weakest", "ind_dist", "ind_tools", "chg_movers", "chg_counts",
                "chg_transitions", "chg_sankey", "lv_dist", "lv_pass")
"""The pages' charts whose data tables are sent once their expander is opened."""


def _open(page: str):
    """The page run with every chart's data table opened, as a reader clicks them."""
    return _open_tables(app_test(page))


def _open_tables(at):
    for key in CHART_TABLES:
        at.session_state[f"{key}_table_open"] = True
    return at.run()


def _table_with(at, column: str, nth: int = 0) -> pd.DataFrame:
    """The nth rendered table that has ``column`` (pages draw several tables)."""
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    return tables[nth]


def _metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def _ok(at):
    assert not at.exception, at.exception
    assert not at.error


# --- indicators -------------------------------------------------------------------------------


def _weakest_expected(results: pd.DataFrame, year: int) -> pd.DataFrame:
    counts = compute_weakest_counts(results, year)
    return counts.sort_values(["count", "indicator"], ascending=[False, True]).reset_index()


def test_indicators_page_on_demo_follows_year_and_type(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = _open("pages/indicators.py")
    _ok(at)
    assert len(at.get("plotly_chart")) == 3
    shown = _table_with(at, "จำนวนหน่วยงานที่ต่ำสุด")
    expected = _weakest_expected(demo_results, 2568)
    assert shown["จำนวนหน่วยงานที่ต่ำสุด"].tolist() == expected["count"].tolist()
    assert shown["ตัวชี้วัด"].iloc[0].startswith(f"{expected['indicator'].iloc[0]}. ")
    assert shown["สัดส่วน (%)"].iloc[0] == pytest.approx(round(100 * expected["share"].iloc[0], 2))

    at.selectbox(key="ind_year").set_value(2562).run()
    _ok(at)
    shown = _table_with(at, "จำนวนหน่วยงานที่ต่ำสุด")
    assert shown["จำนวนหน่วยงานที่ต่ำสุด"].tolist() == _weakest_expected(demo_results, 2562)[
        "count"].tolist()

    at.multiselect(key="f_types").set_value([TYPE]).run()
    _ok(at)
    subset = demo_results[demo_results["agency_type"] == TYPE]
    shown = _table_with(at, "จำนวนหน่วยงานที่ต่ำสุด")
    assert shown["จำนวนหน่วยงานที่ต่ำสุด"].tolist() == _weakest_expected(subset, 2562)[
        "count"].tolist()
    tools = _table_with(at, "เครื่องมือ").set_index("เครื่องมือ")
    trend = compute_trends(subset[subset["year"] == 2562], by="agency_type",
                           metrics=("IIT", "EIT", "OIT")).set_index("metric")
    assert list(tools.index) == ["IIT", "EIT", "OIT"]
    assert tools.loc["OIT", "ค่าเฉลี่ย"] == pytest.approx(round(trend.loc["OIT", "mean"], 2))
    assert tools.loc["OIT", "จำนวน"] == trend.loc["OIT", "n"]

    at.selectbox(key="ind_indicator").set_value(9).run()
    _ok(at)
    spread = _table_with(at, "มัธยฐาน", 0)
    scores = subset.loc[subset["year"] == 2562, "i9"].dropna()
    assert spread["ตัวชี้วัด"].unique().tolist() == ["9. การเปิดเผยข้อมูล"]
    row = spread.set_index("ประเภทหน่วยงาน").loc[TYPE]
    assert row["มัธยฐาน"] == pytest.approx(round(scores.median(), 2))
    assert row["จำนวน"] == len(scores)


# --- changes ----------------------------------------------------------------------------------


def test_changes_page_movers_follow_years_sort_and_province(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = _open("pages/changes.py")
    _ok(at)
    risers, fallers = compute_movers(compute_agency_deltas(demo_results, 2567, 2568))
    shown_risers = _table_with(at, "link", 0)
    shown_fallers = _table_with(at, "link", 1)
    assert shown_risers["หน่วยงาน"].tolist() == risers["name"].tolist()
    assert shown_fallers["หน่วยงาน"].iloc[0] == fallers["name"].iloc[0]
    assert shown_risers["เปลี่ยนแปลง (คะแนน)"].iloc[0] == pytest.approx(risers["delta"].iloc[0])
    first_id = int(risers["agency_id"].iloc[0])
    assert shown_risers["link"].iloc[0].startswith(f"agency?agency_id={first_id}&year=2568")

    at.radio(key="chg_sort").set_value("rel_delta").run()
    _ok(at)
    by_rel, _ = compute_movers(compute_agency_deltas(demo_results, 2567, 2568), by="rel_delta")
    assert _table_with(at, "link", 0)["หน่วยงาน"].iloc[0] == by_rel["name"].iloc[0]

    at.selectbox(key="chg_from").set_value(2563).run()
    at.selectbox(key="chg_to").set_value(2564).run()
    _ok(at)
    old_risers, _ = compute_movers(compute_agency_deltas(demo_results, 2563, 2564), by="rel_delta")
    assert _table_with(at, "link", 0)["หน่วยงาน"].iloc[0] == old_risers["name"].iloc[0]
    assert old_risers["name"].iloc[0] != by_rel["name"].iloc[0]

    at.multiselect(key="f_provinces").set_value([PROVINCE]).run()
    _ok(at)
    local = demo_results[demo_results["province"] == PROVINCE]
    local_risers, _ = compute_movers(compute_agency_deltas(local, 2563, 2564), by="rel_delta")
    shown = _table_with(at, "link", 0)
    assert shown["หน่วยงาน"].tolist() == local_risers["name"].tolist()
    assert set(shown["จังหวัด"]) == {PROVINCE}


def test_changes_page_transitions_and_counts(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = _open("pages/changes.py")
    at.selectbox(key="chg_from").set_value(2565).run()
    at.selectbox(key="chg_to").set_value(2566).run()
    _ok(at)
    expected = compute_level_transitions(demo_results, 2565, 2566).set_index(
        ["level_from", "level_to"])["count"]
    shown = _table_with(at, "จำนวนหน่วยงาน").set_index(["ระดับปีแรก", "ระดับปีหลัง"])[
        "จำนวนหน่วยงาน"]
    assert shown.loc[("A", "ผ่านดี")] == expected.loc[("A", "ผ่านดี")]
    assert shown.sum() == expected.sum()
    both = compute_agency_deltas(demo_results, 2565, 2566).dropna(subset=["delta"])
    assert _metric(at, "ประเมินทั้งสองปี") == f"{len(both):,}"
    assert _metric(at, "คะแนนรวมดีขึ้น") == f"{(both['delta'] > 0).sum():,}"
    counts = _table_with(at, "ดีขึ้น").set_index("คะแนน")
    assert counts.loc["คะแนนรวม", "ดีขึ้น"] == (both["delta"] > 0).sum()
    assert at.query_params["from"] == "2565" and at.query_params["to"] == "2566"


def test_changes_page_refuses_backward_years(demo_db, app_env):
    app_env(demo_db)
    at = _open("pages/changes.py")
    at.selectbox(key="chg_from").set_value(2568).run()
    _ok(at)
    assert any("ปีแรกต้องมาก่อนปีหลัง" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_changes_page_needs_two_years_in_the_range(demo_db, app_env):
    app_env(demo_db)
    at = _open("pages/changes.py")
    at.slider(key="f_years").set_value((2568, 2568)).run()
    _ok(at)
    assert any("อย่างน้อยสองปี" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_transition_matrix_orders_levels_best_first():
    transitions = pd.DataFrame({"level_from": ["ไม่ผ่าน", "ผ่านดีเยี่ยม", "ผ่าน"],
                                "level_to": ["ผ่าน", "ผ่านดีเยี่ยม", "ไม่ทราบ"],
                                "count": [3, 5, 1]})
    matrix = transition_matrix(transitions)
    assert list(matrix.index) == ["ผ่านดีเยี่ยม", "ผ่าน", "ไม่ผ่าน"]
    assert list(matrix.columns) == ["ผ่านดีเยี่ยม", "ผ่าน", "ไม่ทราบ"]
    assert matrix.loc["ไม่ผ่าน", "ผ่าน"] == 3 and matrix.loc["ผ่าน", "ผ่าน"] == 0


# --- levels -----------------------------------------------------------------------------------


def test_levels_page_pass_rates_and_crossings(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = _open("pages/levels.py")
    _ok(at)
    year = demo_results[demo_results["year"] == 2568]
    rates = compute_pass_rates(year, by="agency_type").set_index("agency_type")
    shown = _table_with(at, "สัดส่วนที่ผ่าน (%)").set_index("ประเภทหน่วยงาน")
    assert shown.loc[TYPE, "สัดส่วนที่ผ่าน (%)"] == pytest.approx(
        round(100 * rates.loc[TYPE, "pass_rate"], 2))
    assert shown.loc[TYPE, "จำนวนที่ประเมิน"] == rates.loc[TYPE, "assessed"]
    crossings = compute_pass_crossings(demo_results, 2567, 2568)
    assert _metric(at, "ผ่านเกณฑ์ใหม่") == f"{(crossings['direction'] == 'up').sum():,}"
    assert len(_table_with(at, "link")) == len(crossings)

    at.selectbox(key="lv_year").set_value(2563).run()
    at.radio(key="lv_by").set_value("province").run()
    _ok(at)
    old = demo_results[demo_results["year"] == 2563]
    rates = compute_pass_rates(old, by="province").set_index("province")
    shown = _table_with(at, "สัดส่วนที่ผ่าน (%)").set_index("จังหวัด")
    assert shown.loc[PROVINCE, "สัดส่วนที่ผ่าน (%)"] == pytest.approx(
        round(100 * rates.loc[PROVINCE, "pass_rate"], 2))
    crossings = compute_pass_crossings(demo_results, 2562, 2563)
    assert _metric(at, "หลุดเกณฑ์") == f"{(crossings['direction'] == 'down').sum():,}"
    levels = _table_with(at, "ระดับ")
    lampang = old[old["province"] == PROVINCE]
    assert levels.loc[levels["จังหวัด"] == PROVINCE, "จำนวนหน่วยงาน"].sum() == len(lampang)

    at.multiselect(key="f_types").set_value([TYPE]).run()
    _ok(at)
    typed = old[old["agency_type"] == TYPE]
    rate = typed.dropna(subset=["total"])["passed"].astype(bool).mean()
    assert _metric(at, "สัดส่วนที่ผ่าน ปี 2563") == f"{100 * rate:.1f}%"


def test_levels_page_in_english(demo_db, demo_results, app_env):
    app_env(demo_db)
    at = _open("pages/levels.py")
    at.radio(key="lang").set_value("en").run()
    _ok(at)
    assert at.title[0].value == "Assessment levels"
    shown = _table_with(at, "Pass rate (%)").set_index("Agency type")
    rates = compute_pass_rates(demo_results[demo_results["year"] == 2568],
                               by="agency_type").set_index("agency_type")
    assert shown.loc[agency_type_en(TYPE), "Pass rate (%)"] == pytest.approx(
        round(100 * rates.loc[TYPE, "pass_rate"], 2))
    assert "Newly passing" in [m.label for m in at.metric]
    legend = [trace["name"] for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert legend[:2] == ["Pass – excellent", "Pass – good"]


# --- empty store ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["pages/indicators.py", "pages/changes.py", "pages/levels.py"])
def test_pages_on_empty_store_say_to_import(empty_db, app_env, page):
    app_env(empty_db)
    at = app_test(page)
    _ok(at)
    assert any("นำเข้า" in i.value for i in at.info)
    assert not at.get("plotly_chart")
