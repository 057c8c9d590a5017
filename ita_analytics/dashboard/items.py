"""The item-level page's helpers: cached item loads, the agency picker, its tables and figure."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ita_analytics import store
from ita_analytics.analysis.items import (
    WEAK_ITEM_THRESHOLD,
    agency_indicator_check,
    compute_flagged_items,
    compute_item_movers,
    compute_item_pass_rates,
)
from ita_analytics.dashboard import charts, data
from ita_analytics.dashboard.agency import (
    agency_keys,
    agency_label,
    search_box,
    searched_options,
)
from ita_analytics.dashboard.table_format import action_label
from ita_analytics.dashboard.ui import lang, t
from ita_analytics.dashboard.url_state import url_widget
from ita_analytics.demo.labels import DEMO_SOURCE
from ita_analytics.items import UNKNOWN_NAME_EN, UNKNOWN_NAME_TH
from ita_analytics.store import items as item_store

# Session-state keys of the page's widgets.
SEARCH_KEY = "it_search"
AGENCY_KEY = "it_agency"
YEAR_KEY = "it_year"
GROUP_YEAR_KEY = "it_group_year"
SHOWN_ITEMS = 15


@dataclass(frozen=True)
class ItemChoice:
    """The agency-year the page shows items of (None until chosen)."""

    agency_id: int | None
    year: int | None


# --- cached loads -------------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def _item_meta(_conn, data_version: int) -> dict:
    return {"years": item_store.load_item_years(_conn),
            "sources": item_store.load_item_source_counts(_conn)}


def item_meta() -> dict:
    """Years with item rows and the rows per source (cached per store version)."""
    return _item_meta(data.connection(), data.version())


@st.cache_data(show_spinner=False, max_entries=32)
def _agency_items(_conn, data_version: int, agency_id: int) -> pd.DataFrame:
    return item_store.load_items(_conn, agency_ids=[agency_id])


def agency_items(agency_id: int) -> pd.DataFrame:
    """Every item row of one agency, all years (cached per store version)."""
    return _agency_items(data.connection(), data.version(), int(agency_id))


@st.cache_data(show_spinner=False, max_entries=16)
def _group_analyses(_conn, data_version: int, year: int, previous: int | None,
                    agency_types: tuple | None, provinces: tuple | None) -> dict:
    group = {"agency_types": agency_types, "provinces": provinces}
    counts = item_store.load_item_counts(_conn, threshold=WEAK_ITEM_THRESHOLD, years=[year], **group)
    return {"n_agencies": item_store.count_item_agencies(_conn, year, **group),
            "rates": compute_item_pass_rates(counts, year),
            "movers": (compute_item_movers(item_store.load_item_pairs(_conn, previous, year, **group),
                                           previous, year) if previous is not None else None)}


def group_analyses(year: int, previous: int | None, agency_types, provinces) -> dict:
    """A group's item pass rates in ``year`` and movers since ``previous`` (cached)."""
    return _group_analyses(data.connection(), data.version(), int(year), previous,
                           data.norm(agency_types), data.norm(provinces))


@st.cache_data(show_spinner=False, max_entries=32)
def _stored_oit(_conn, data_version: int, agency_id: int, year: int) -> dict:
    row = store.load_results(_conn, agency_ids=[agency_id], years=[year],
                             columns=["agency_id", "year", "i9", "i10"])
    return {n: (float(row[f"i{n}"].iloc[0]) if len(row) else None) for n in (9, 10)}


def agency_year_view(agency_id: int, year: int) -> dict:
    """Flagged items and the indicator check of one agency-year."""
    items = agency_items(agency_id)
    items = items[items["year"] == year]
    stored = _stored_oit(data.connection(), data.version(), int(agency_id), int(year))
    return {"items": items, "flagged": compute_flagged_items(items, WEAK_ITEM_THRESHOLD),
            "check": agency_indicator_check(items, stored)}


def items_are_demo() -> bool:
    return bool(item_meta()["sources"].get(DEMO_SOURCE))


# --- controls -----------------------------------------------------------------------------------

def render_agency_controls() -> ItemChoice:
    """Search box, matching agencies and one of the agency's years with items."""
    keys = agency_keys()
    text, found, before = search_box(keys, search_key=SEARCH_KEY, agency_key=AGENCY_KEY,
                                     example="ทต.ทุ่งผึ้ง")
    known = set(keys["agency_id"].astype(int))
    linked = st.query_params.get(AGENCY_KEY, "")  # a shared link's agency
    options = searched_options([st.session_state.get(AGENCY_KEY), before,
                                int(linked) if linked.isdigit() else None], known, text, found)
    if not options:
        return ItemChoice(None, None)
    agency_id = int(url_widget("selectbox", t("หน่วยงาน", "Agency"), options, key=AGENCY_KEY,
                               format_func=lambda a: agency_label(keys, a)))
    years = sorted({int(y) for y in agency_items(agency_id)["year"]}, reverse=True)
    if not years:
        st.info(t("หน่วยงานนี้ยังไม่มีผลรายข้อ", "This agency has no item results yet"))
        return ItemChoice(agency_id, None)
    year = url_widget("selectbox", t("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)"), years, key=YEAR_KEY)
    return ItemChoice(agency_id, int(year))


# --- tables and figures -------------------------------------------------------------------------

def _name(value) -> str:
    return value if isinstance(value, str) and value else t(UNKNOWN_NAME_TH, UNKNOWN_NAME_EN)


def _indicator(indicator, sub) -> str:
    if indicator is None or pd.isna(indicator):
        return t("ไม่ทราบ", "unknown")
    return f"{int(indicator)}" + (f" ({sub})" if isinstance(sub, str) else "")


def flagged_table(flagged: pd.DataFrame) -> pd.DataFrame:
    """The flagged items as the page shows them (Thai or English headers)."""
    result = [t("ไม่ผ่าน", "not passed") if r == "not_passed" else f"{s:.2f}"
              for r, s in zip(flagged["reason"], flagged["score"])]
    return pd.DataFrame({
        t("ข้อ", "Item"): flagged["item"],
        t("ชื่อข้อ", "Name (Thai)"): [_name(v) for v in flagged["name_th"]],
        t("ตัวชี้วัด", "Indicator"): [_indicator(i, s) for i, s in
                                      zip(flagged["indicator"], flagged["sub_indicator"])],
        t("ผล", "Result"): result,
        t("แนวทาง", "Action"): [action_label(c, lang()) for c in flagged["action"]],
        t("ข้อเสนอแนะของตัวชี้วัด", "The indicator's recommendation (Thai)"):
            flagged["recommendation_th"].fillna("-"),
    })


def check_table(check: dict) -> pd.DataFrame:
    """Indicators 9 and 10: stored, from the items, whether they contradict."""
    rows = []
    for number, v in check["indicators"].items():
        rows.append({
            t("ตัวชี้วัด", "Indicator"): number,
            t("คะแนนที่เก็บไว้", "Stored"): v["stored"],
            t("คำนวณจากรายข้อ", "From items"): v["from_items"],
            t("สถานะกฎ", "Rule"): {"verified": t("ยืนยันแล้ว", "verified"),
                                   "presumed": t("สันนิษฐาน", "presumed")}.get(v["rule_status"], "-"),
            t("ขัดกัน", "Contradicts"): t("ใช่", "yes") if v["contradiction"] else "-",
        })
    return pd.DataFrame(rows)


def pass_rate_table(rates: pd.DataFrame) -> pd.DataFrame:
    """A group's items: OIT share not passed, question items' mean score."""
    return pd.DataFrame({
        t("ข้อ", "Item"): rates["item"],
        t("ชื่อข้อ", "Name (Thai)"): [_name(v) for v in rates["name_th"]],
        t("ตัวชี้วัด", "Indicator"): [_indicator(i, s) for i, s in
                                      zip(rates["indicator"], rates["sub_indicator"])],
        t("จำนวนหน่วยงาน", "Agencies"): rates["n"].astype("int64"),
        # Shares as percentages, as every other table shows them (they were fractions).
        t("สัดส่วนที่ไม่ผ่าน (%)", "Share not passed (%)"):
            (100 * rates["share_not_passed"].astype("float64")).round(2),
        t("คะแนนเฉลี่ย", "Mean score"): rates["mean_score"],
        t("สัดส่วนต่ำกว่าเกณฑ์ (%)", "Share below the line (%)"):
            (100 * rates["share_below"].astype("float64")).round(2),
    })


def movers_table(movers: pd.DataFrame) -> pd.DataFrame:
    """Items that moved most; a code named differently in the two years is marked."""
    comparable = {True: t("ข้อเดียวกัน", "same item"), False: t("คนละข้อ (เปลี่ยนรายการ)", "different item"),
                  None: t("ไม่ทราบ", "unknown")}
    return pd.DataFrame({
        t("ข้อ", "Item"): movers["item"],
        t("ชื่อข้อ", "Name (Thai)"): [_name(v) for v in movers["name_th"]],
        t("จำนวนหน่วยงาน", "Agencies"): movers["n"].astype("int64"),
        t("ปีก่อน", "Before"): movers["value_from"],
        t("ปีนี้", "After"): movers["value_to"],
        t("เปลี่ยนแปลง", "Change"): movers["delta"],
        t("เทียบได้", "Comparable"): [comparable[v] for v in movers["comparable"]],
    })


def not_passed_figure(rates: pd.DataFrame, year: int):
    """The OIT items most often not passed, as horizontal bars of the share."""
    top = rates[rates["tool"] == "OIT"].head(SHOWN_ITEMS)
    frame = pd.DataFrame({"item": [f"{c} {(_name(n))[:40]}" for c, n in zip(top["item"], top["name_th"])],
                          "share": top["share_not_passed"].astype("float64")})
    return charts.rate_bars(frame, "item", "share", title=t(
        f"ข้อมูล OIT ที่ไม่ผ่านบ่อยที่สุด ปี {year}", f"OIT evidence most often not passed, {year} B.E."))
