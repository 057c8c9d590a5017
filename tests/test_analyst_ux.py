"""Issue 18, "what an analyst meets": searching, URL state, labels, orders and the province
drill-down, run with AppTest as a person would (the browser's part is in test_browser.py)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, app_test, chart_specs

from ita_analytics import store
from ita_analytics.agencies import find_agency

THUNG_PHUENG = "เทศบาลตำบลทุ่งผึ้ง"
NONG_PLA_MO = "องค์การบริหารส่วนตำบลหนองปลาหมอ"


def _ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _agency_id(db, name: str, province: str) -> int:
    conn = store.open_store(db, read_only=True)
    try:
        return find_agency(store.load_agency_keys(conn), name, province).agency_id
    finally:
        conn.close()


CHART_TABLES = ("ov_mean", "ov_pass", "ov_levels", "ov_heatmap", "ind_weakest", "ind_dist",
                "ind_tools", "chg_movers", "chg_counts", "chg_transitions", "chg_sankey", "lv_dist",
                "lv_pass", "cmp_totals", "cmp_ind", "dq_counts", "ag_total", "ag_peers_fig")
"""Charts whose data tables are sent once opened: the tests open them, as a reader does."""


def _page(db, app_env, page: str, **params):
    """A page script run alone with URL parameters, as a shared link opens it, its charts'
    tables opened."""
    from streamlit.testing.v1 import AppTest

    app_env(db)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    for key in CHART_TABLES:
        at.session_state[f"{key}_table_open"] = True
    return at.run()


def _shown(selectbox) -> str:
    """The option a selectbox shows as chosen."""
    return selectbox.options[selectbox.index]


def _param(at, key):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) and len(value) == 1 else value


# --- 18.2 a new search chooses its best match ---------------------------------------------------


def test_agency_page_search_changes_the_chosen_agency(demo_db, app_env):
    at = _page(demo_db, app_env, "agency")
    at.text_input(key="ag_search").set_value("ทต.ทุ่งผึ้ง").run()
    _ok(at)
    assert at.header[0].value == THUNG_PHUENG
    at.text_input(key="ag_search").set_value("อบต.หนองปลาหมอ").run()
    _ok(at)
    assert at.header[0].value == NONG_PLA_MO
    assert at.selectbox(key="ag_agency").value == int(_param(at, "agency_id"))
    # The agency chosen before stays in the list, and a pick stays while the text is the same.
    picker = at.selectbox(key="ag_agency")
    picker.select_index(next(i for i, o in enumerate(picker.options) if "ทุ่งผึ้ง" in o)).run()
    assert at.header[0].value == THUNG_PHUENG


@pytest.mark.parametrize("tab", ["rec", "prop"])
def test_measures_page_search_changes_the_chosen_agency(demo_db, app_env, tab):
    app_env(demo_db)
    at = app_test("pages/measures.py", analyst=True)
    at.text_input(key=f"{tab}_search").input("ทต.ทุ่งผึ้ง").run()
    _ok(at)
    assert "ทุ่งผึ้ง" in _shown(at.selectbox(key=f"{tab}_agency"))
    at.text_input(key=f"{tab}_search").input("อบต.หนองปลาหมอ").run()
    _ok(at)
    assert "หนองปลาหมอ" in _shown(at.selectbox(key=f"{tab}_agency"))


# --- 18.5 years in order ------------------------------------------------------------------------


def _x_order(chart) -> list[str]:
    """The x categories in the order Plotly draws them: the axis's own array when it sets
    one, else as the traces first meet them."""
    spec = chart if isinstance(chart, dict) else json.loads(chart.proto.spec)
    axis = spec["layout"].get("xaxis", {})
    if axis.get("categoryorder") == "array":
        return [str(v) for v in _values(axis["categoryarray"])]
    seen = []
    for trace in spec["data"]:
        seen += [str(v) for v in _values(trace.get("x", [])) if str(v) not in seen]
    return seen


def _values(array) -> list:
    """A Plotly data array as a list (Plotly sends numbers as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_level_years_in_order_for_a_small_group(demo_db, app_env):
    """Filtered to เทศบาลตำบล in ลำปาง the level chart's years read 2563, 2564, 2565, 2562, …:
    no agency of 2562 had the first level drawn."""
    app_env(demo_db)
    at = app_test()
    at.segmented_control(key="ov_charts").set_value(["levels"])  # a click away (issue 18 #10)
    at.multiselect(key="f_types").set_value(["เทศบาลตำบล"])
    at.multiselect(key="f_provinces").set_value(["ลำปาง"]).run()
    _ok(at)
    levels = next(f for f in chart_specs(at) if "ระดับ" in f["layout"]["title"]["text"])
    years = _x_order(levels)
    assert years == sorted(years) and years[0] == "2562", years


# --- 18.6 every page choice in the URL ----------------------------------------------------------

# (page, widget, key, value chosen): each changes what the page shows and must come back from
# the page's URL in a new session.
URL_CHOICES = [
    ("overview", "segmented_control", "ov_charts", ["levels", "indicators"]),
    ("indicators", "selectbox", "ind_year", 2564),
    ("indicators", "selectbox", "ind_indicator", 9),
    ("indicators", "radio", "ind_by", "none"),
    ("changes", "radio", "chg_sort", "rel_delta"),
    ("changes", "selectbox", "chg_n", 20),
    ("changes", "selectbox", "chg_from", 2565),
    ("levels", "radio", "lv_by", "province"),
    ("levels", "selectbox", "lv_year", 2566),
    ("provinces", "selectbox", "pv_year", 2565),
    ("provinces", "selectbox", "pv_metric", "pass_rate"),
    ("compare", "radio", "cmp_mode", "relative"),
    ("compare", "selectbox", "cmp_year", 2566),
    ("quality", "multiselect", "dq_kinds", ["implausible_jump"]),
    ("quality", "multiselect", "dq_severity", ["info"]),
    ("quality", "selectbox", "dq_year", 2566),
    ("measures", "radio", "track_by", "province"),
    ("measures", "selectbox", "judge_ind", 3),
    ("measures", "selectbox", "judge_from", 2564),
    ("measures", "selectbox", "prop_year", 2566),
    ("items", "selectbox", "it_group_year", 2564),
]


def _base_params(db, page: str) -> dict:
    if page == "compare":
        ids = [_agency_id(db, "ทต.ทุ่งผึ้ง", "ลำปาง"), _agency_id(db, "อบต.หนองปลาหมอ", "ขอนแก่น")]
        return {"agencies": ",".join(map(str, ids))}
    return {}


def _widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


def _query(at) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


@pytest.mark.parametrize("page, kind, key, value", URL_CHOICES,
                         ids=[f"{p}-{k}" for p, _, k, _ in URL_CHOICES])
def test_a_page_choice_comes_back_from_its_url(demo_db, app_env, page, kind, key, value):
    """Issue 18.6: a shared link dropped the page's own choices (the indicators page's box
    plot came back with indicator 1, not 9)."""
    at = _page(demo_db, app_env, page, **_base_params(demo_db, page))
    _ok(at)
    if key == "ind_indicator":  # shown when the spread is split by agency type (the default)
        assert at.radio(key="ind_by").value == "agency_type"
    _widget(at, kind, key).set_value(value).run()
    _ok(at)
    assert _widget(at, kind, key).value == value
    shared = _query(at)
    again = _page(demo_db, app_env, page, **shared)
    _ok(again)
    assert _widget(again, kind, key).value == value, shared


# --- 18.4 tables read as people read them ---------------------------------------------------------

RAW_HEADER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
RAW_VALUES = {"None", "nan", "NaN", "NaT", "<NA>", "True", "False", "-", "maintain", "improve",
              "urgent", "with_measure", "without_measure", "reached", "not_reached",
              "not_assessed", "unknown", "committed"}
CE_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d")
LONG_DECIMALS = re.compile(r"\d\.\d{3,}")
TABLE_PAGES = ["overview", "indicators", "changes", "levels", "provinces", "compare", "agency",
               "items", "measures", "quality"]


def _table_params(db, page: str) -> dict:
    if page == "overview":  # its charts a click away shown, with their tables
        return {"charts": ["levels", "indicators"]}
    if page not in ("compare", "agency", "items", "measures"):
        return {}  # the look-ups below read every agency of the store: only where they are used
    thung_phueng = _agency_id(db, "ทต.ทุ่งผึ้ง", "ลำปาง")
    nong_pla_mo = _agency_id(db, "อบต.หนองปลาหมอ", "ขอนแก่น")
    return {"compare": {"agencies": f"{thung_phueng},{nong_pla_mo}"},
            "agency": {"agency_id": str(nong_pla_mo), "year": "2568"},
            "items": {"it_agency": str(thung_phueng)},
            "measures": {"rec_agency": str(nong_pla_mo), "rec_year": "2568",
                         "prop_agency": str(nong_pla_mo), "prop_year": "2568"},
            }.get(page, {})


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in str(text))


def _problems(frame, config: dict, language: str) -> list[str]:
    found = []
    for col in frame.columns:
        if col == "link":  # shown under its configured label
            continue
        if RAW_HEADER.fullmatch(str(col)):
            found.append(f"raw header {col!r}")
        if language == "en" and _has_thai(col):
            found.append(f"Thai header {col!r}")
        values = frame[col]
        if values.dtype.kind in "fiu":
            if values.isna().any():
                found.append(f"{col!r}: a missing number shows as None")
            shown = config.get(col, {}).get("type_config", {})
            if shown.get("format") != "localized":
                found.append(f"{col!r}: numbers without thousands separators")
            if values.dtype.kind == "f" and shown.get("step") != 0.01:
                found.append(f"{col!r}: not two decimals")
        elif values.dtype.kind == "b":
            found.append(f"{col!r}: True/False")
        else:
            for value in values.unique():
                text = str(value)
                if value is None or text in RAW_VALUES or CE_DATE.search(text) \
                        or LONG_DECIMALS.search(text):
                    found.append(f"{col!r}: {text!r}")
                    break
    return found


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("page", TABLE_PAGES)
def test_every_table_reads_localised(demo_db, app_env, page, language):
    """Issue 18.4: English column names (year, mean_total, q1, done_share…), raw values
    (maintain, None, False), C.E. dates and unrounded numbers in the tables of every page."""
    at = _page(demo_db, app_env, page, lang=language, **_table_params(demo_db, page))
    _ok(at)
    assert len(at.dataframe) >= max(1, len(chart_specs(at))), "a chart's table is missing"
    problems = []
    for table in at.dataframe:
        config = {}
        if table.proto.columns:
            config = {name: spec for name, spec in json.loads(table.proto.columns).items()}
        problems += [f"{table.key}: {p}" for p in _problems(table.value, config, language)]
    texts = [e.value for e in (*at.caption, *at.subheader, *at.markdown, *at.info, *at.warning)]
    problems += [f"text: {x[:80]}" for x in texts
                 if CE_DATE.search(x) or "status_known" in x or "None" in x]
    assert not problems, problems


def test_downloads_are_rounded_localised_and_dashed():
    """Issue 18.4: an XLSX download held 97.92500000000001, missing cells were empty or
    "None", years and counts had no format, yes/no read True/False."""
    import io

    import openpyxl
    import pandas as pd

    from ita_analytics.dashboard.table_format import download_table, year_columns
    from ita_analytics.exports import to_csv_bytes, to_xlsx_bytes

    frame = pd.DataFrame({"ปีงบประมาณ": [2567, 2568], "คะแนนรวม": [97.92500000000001, None],
                          "จำนวนหน่วยงาน": [8290, 31], "ถึงเป้าหมาย": [True, None],
                          "หน่วยงาน": ["ก", None]})
    table = download_table(frame, "th")
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(
        table, missing="–", number_formats=True, plain_columns=year_columns(table))))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == tuple(frame.columns)
    assert rows[1] == (2567, 97.93, 8290, "ใช่", "ก")
    assert rows[2] == (2568, "–", 31, "–", "–")
    cells = book.active[2]
    assert [c.number_format for c in cells[:3]] == ["General", "#,##0.00", "#,##0"]
    csv = to_csv_bytes(download_table(frame, "en"), missing="–").decode("utf-8-sig").splitlines()
    assert csv[1:] == ["2567,97.93,8290,Yes,ก", "2568,–,31,–,–"]


# --- 18.9 what analysts missed --------------------------------------------------------------------


def _lampang(demo_results, year):
    rows = demo_results[(demo_results["year"] == year) & (demo_results["province"] == "ลำปาง")]
    return rows


def test_province_table_has_pass_rate_and_change(demo_db, demo_results, app_env):
    at = _page(demo_db, app_env, "provinces")
    _ok(at)
    table = at.dataframe[0].value.set_index("จังหวัด")
    now, before = _lampang(demo_results, 2568), _lampang(demo_results, 2567)
    row = table.loc["ลำปาง"]
    assert row["สัดส่วนที่ผ่าน (%)"] == pytest.approx(round(100 * now["passed"].mean(), 2))
    assert row["เปลี่ยนแปลงจากปี 2567"] == pytest.approx(
        round(now["total"].mean() - before["total"].mean(), 2), abs=0.011)


def test_a_province_lists_its_agencies_ranked(demo_db, demo_results, app_env):
    """From a province (its tile, its row, or the filter) to its agencies ranked, each linked
    to its agency page."""
    app_env(demo_db)
    at = app_test("pages/provinces.py")
    at.multiselect(key="f_provinces").set_value(["ลำปาง"]).run()
    _ok(at)
    agencies = next(d.value for d in at.dataframe if "link" in d.value.columns)
    now = _lampang(demo_results, 2568)
    assert len(agencies) == len(now)
    totals = agencies["คะแนนรวม"].astype(float)
    assert totals.is_monotonic_decreasing and totals.iloc[0] == now["total"].max()
    assert agencies["อันดับ"].iloc[0] == 1
    assert agencies["link"].iloc[0].startswith("agency?agency_id=")
    assert set(agencies["จังหวัด"]) == {"ลำปาง"}


def test_choosing_a_row_of_the_province_table_chooses_the_province(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/provinces.py")
    table = at.dataframe[0].value
    row = int(table.index[table["จังหวัด"] == "ลำปาง"][0])
    at.session_state["pv_rank_table_0"] = {"selection": {"rows": [row], "columns": [],
                                                         "cells": []}}
    at.run()
    _ok(at)
    assert at.multiselect(key="f_provinces").value == ["ลำปาง"]
    assert any("link" in d.value.columns for d in at.dataframe)  # its agencies, ranked


def test_levels_tools_and_action_levels_explained_where_used(demo_db, app_env):
    """A glossary as help text: level bands beside levels, the tools beside IIT/EIT/OIT, the
    action levels on the columns that show them."""
    nong_pla_mo = _agency_id(demo_db, "อบต.หนองปลาหมอ", "ขอนแก่น")
    at = _page(demo_db, app_env, "agency", agency_id=str(nong_pla_mo), year="2568")
    _ok(at)
    level = next(m for m in at.metric if m.label == "ระดับ")
    assert "AA ≥ 95" in level.help and "ผ่านดีเยี่ยม ≥ 95 และทุกเครื่องมือ ≥ 95" in level.help
    table1 = json.loads(at.dataframe[0].proto.columns)
    assert "รักษาระดับ" in table1["แนวทาง"]["help"] and "≥ 95" in table1["แนวทาง"]["help"]
    assert "OIT" in table1["กลุ่ม"]["help"] and "40%" in table1["กลุ่ม"]["help"]

    at = _page(demo_db, app_env, "indicators", lang="en")
    _ok(at)
    assert any("External stakeholders" in (c.proto.help or "") for c in at.caption)
    at = _page(demo_db, app_env, "changes")
    assert any("F < 50" in (h.proto.help or "") for h in at.subheader)


def _figures(at) -> list[dict]:
    return chart_specs(at)


def _titled(figures, words: str) -> dict:
    return next(f for f in figures if words in f["layout"].get("title", {}).get("text", ""))


def test_long_labels_lie_as_rows_and_the_target_is_in_the_legend(demo_db, app_env):
    """Rotated box-plot labels and 77 provinces' names were cut; the 80 % target's label was
    written over the bars."""
    at = _page(demo_db, app_env, "indicators")
    _ok(at)
    box = _titled(_figures(at), "การกระจายคะแนน")
    assert all(trace["orientation"] == "h" for trace in box["data"])
    tools = _titled(_figures(at), "เครื่องมือ")
    assert all(trace["orientation"] == "h" for trace in tools["data"])

    at = _page(demo_db, app_env, "levels", by="province")
    _ok(at)
    figures = _figures(at)
    levels = _titled(figures, "การกระจายระดับ")
    assert all(trace["orientation"] == "h" for trace in levels["data"])
    assert levels["layout"]["height"] >= 77 * 20
    rates = _titled(figures, "สัดส่วนที่ผ่าน")
    assert not any("เป้าหมาย" in a.get("text", "") for a in rates["layout"].get("annotations", []))
    assert any(trace.get("name") == "เป้าหมาย 80%" for trace in rates["data"])

    at = app_test()
    passing = _titled(_figures(at), "สัดส่วนหน่วยงานที่ผ่าน")
    assert not any("เป้าหมาย" in a.get("text", "") for a in passing["layout"].get("annotations", []))
    assert any(trace.get("name") == "เป้าหมาย 80%" for trace in passing["data"])


def test_settled_margins_hold_the_labels_legend_and_colour_bar():
    """charts.settle_margins gives each margin the room automargin would push it to (so a chart
    is drawn once): the longest indicator name on the left, the legend's longest name or the
    colour bar on the right; a legend over the plot leaves the right margin alone."""
    import pandas as pd

    from ita_analytics.dashboard import charts

    short, long_ = "2. Budget use", "5. Anti-corruption problem solving"
    heat = charts.settle_margins(charts.heatmap(
        pd.DataFrame([[80.0, 81.0], [70.0, 71.0]], index=[short, long_], columns=["2567", "2568"])))
    assert heat.layout.margin.l >= charts.text_px(long_) > charts.text_px(short)
    assert heat.layout.margin.r >= charts.COLORBAR_PX
    assert charts.text_px("ผ่านดีเยี่ยม") == 8 * charts.CHAR_PX  # marks above and below take no room

    share = charts.line_by_year(pd.DataFrame({"year": [2567, 2568], "rate": [0.8, 0.9]}), "rate",
                                percent=True)
    assert charts.settle_margins(share).layout.margin.r == 10  # one line: no legend
    charts.add_target_line(share, 0.8, "เป้าหมาย 80%")
    margin = charts.settle_margins(share).layout.margin
    assert margin.r >= charts.LEGEND_PX + charts.text_px("เป้าหมาย 80%")
    assert margin.l == charts.NUMBER_AXIS_PX and margin.b == charts.TICKS_BELOW_PX

    share.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0), margin_r=10)
    assert charts.settle_margins(share).layout.margin.r == 10
