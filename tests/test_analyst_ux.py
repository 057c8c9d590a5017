"""Issue 18, "what an analyst meets": searching, URL state, labels, orders and the province
drill-down, run with AppTest as a person would (the browser's part is in test_browser.py)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, app_test

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


def _page(db, app_env, page: str, **params):
    """A page script run alone with URL parameters, as a shared link opens it."""
    from streamlit.testing.v1 import AppTest

    app_env(db)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
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
    spec = json.loads(chart.proto.spec)
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
    at.multiselect(key="f_types").set_value(["เทศบาลตำบล"])
    at.multiselect(key="f_provinces").set_value(["ลำปาง"]).run()
    _ok(at)
    levels = next(c for c in at.get("plotly_chart")
                  if "ระดับ" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    years = _x_order(levels)
    assert years == sorted(years) and years[0] == "2562", years


# --- 18.6 every page choice in the URL ----------------------------------------------------------

# (page, widget, key, value chosen): each changes what the page shows and must come back from
# the page's URL in a new session.
URL_CHOICES = [
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
