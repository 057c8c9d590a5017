"""The shared filters (years, agency type, region, province), kept across pages and in the URL."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ita_analytics import geo
from ita_analytics.dashboard.ui import (
    LANG_CHOICE_KEY,
    LANG_KEY,
    LANG_URL_SEEN_KEY,
    LANGS,
    lang,
    multiselect,
    t,
)
from ita_analytics.domain import agency_type_en

# Session-state keys of the filter widgets, and the URL parameters they are written to.
YEARS_KEY = "f_years"
TYPES_KEY = "f_types"
REGIONS_KEY = "f_regions"
PROVINCES_KEY = "f_provinces"
URL_PARAMS = {YEARS_KEY: "years", TYPES_KEY: "type", REGIONS_KEY: "region",
              PROVINCES_KEY: "province", LANG_KEY: "lang"}


def _saved(key: str) -> str:
    """The session key that keeps a widget's value while the widget is not on screen.

    Streamlit drops a widget's state when a run does not draw it (e.g. on switching pages),
    so each value is copied to a plain key after drawing and restored before.
    """
    return f"_saved_{key}"


def _restore(key: str) -> None:
    if key not in st.session_state and _saved(key) in st.session_state:
        st.session_state[key] = st.session_state[_saved(key)]


def _save(key: str) -> None:
    st.session_state[_saved(key)] = st.session_state.get(key)


@dataclass(frozen=True)
class Filters:
    """What the user chose; ``None`` means no restriction."""

    years: tuple[int, ...]
    agency_types: tuple[str, ...] | None
    provinces: tuple[str, ...] | None
    regions: tuple[str, ...] = ()

    @property
    def first_year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def last_year(self) -> int | None:
        return self.years[-1] if self.years else None


def _init_from_url(all_years: list[int]) -> None:
    """Fill the widgets' state from the URL once per session, so a shared link reopens the view."""
    if st.session_state.get("_filters_ready"):
        return
    params = st.query_params
    years = params.get(URL_PARAMS[YEARS_KEY])
    if years and "-" in years and all_years:
        try:
            lo, hi = (int(v) for v in years.split("-", 1))
            lo, hi = max(lo, all_years[0]), min(hi, all_years[-1])
            if lo <= hi and lo in all_years and hi in all_years:
                st.session_state[YEARS_KEY] = (lo, hi)
        except ValueError:
            pass
    for key in (TYPES_KEY, REGIONS_KEY, PROVINCES_KEY):
        values = params.get_all(URL_PARAMS[key])
        if values:
            st.session_state[key] = values
    st.session_state["_filters_ready"] = True


def _write_url() -> None:
    for key, param in URL_PARAMS.items():
        value = lang() if key == LANG_KEY else st.session_state.get(key)
        if key == YEARS_KEY and value:
            st.query_params[param] = f"{value[0]}-{value[1]}"
        elif isinstance(value, (list, tuple)) and value:
            st.query_params[param] = list(value)
        elif isinstance(value, str) and value:
            st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]
    st.session_state[LANG_URL_SEEN_KEY] = lang()


def set_provinces(provinces) -> None:
    """Make ``provinces`` the shared province filter from the next run on (a map click).

    The sidebar widget is already drawn in this run, so its value cannot be set now: the
    saved copy is replaced and the widget's state dropped, and ``render_filters`` restores
    it on the next run (call ``st.rerun()``). A region filter that would hide one of the
    provinces is cleared.
    """
    known = set(geo.province_names())
    chosen = [p for p in dict.fromkeys(provinces) if p in known]
    st.session_state[_saved(PROVINCES_KEY)] = chosen
    st.session_state.pop(PROVINCES_KEY, None)
    regions = st.session_state.get(REGIONS_KEY) or st.session_state.get(_saved(REGIONS_KEY)) or []
    region_of = geo.region_of_province()
    if regions and any(region_of[p].code not in regions for p in chosen):
        st.session_state[_saved(REGIONS_KEY)] = []
        st.session_state.pop(REGIONS_KEY, None)


def _keep_language() -> None:
    st.session_state[LANG_CHOICE_KEY] = st.session_state[LANG_KEY]


def render_language_switch() -> None:
    """The ไทย / English switch. The choice lives in a plain session key and is given to the
    switch on every run: the switch is a new widget on each page (Streamlit keys widgets by
    page), and its own state went back to Thai on the second page change."""
    chosen = lang()
    st.session_state[LANG_CHOICE_KEY] = chosen
    st.session_state[LANG_KEY] = chosen
    st.sidebar.radio("ภาษา / Language", list(LANGS), format_func=LANGS.get, key=LANG_KEY,
                     horizontal=True, on_change=_keep_language)


def render_filters(all_years: list[int], agency_types: list[str]) -> Filters:
    """The sidebar filters; their values persist across pages and are mirrored in the URL."""
    _init_from_url(all_years)
    render_language_switch()
    for key in (YEARS_KEY, TYPES_KEY, REGIONS_KEY, PROVINCES_KEY):
        _restore(key)
    sidebar = st.sidebar
    sidebar.subheader(t("ตัวกรอง", "Filters"))
    years: tuple[int, ...] = ()
    if all_years:
        current = st.session_state.get(YEARS_KEY)
        if isinstance(current, int):
            current = (current, current)
        if (not isinstance(current, (list, tuple)) or len(current) != 2
                or current[0] not in all_years or current[1] not in all_years):
            current = (all_years[0], all_years[-1])
        st.session_state[YEARS_KEY] = tuple(current)
        if len(all_years) > 1:
            # A numeric range slider: AppTest round-trips its tuple value faithfully.
            lo, hi = sidebar.slider(t("ปีงบประมาณ (พ.ศ.)", "Fiscal years (B.E.)"),
                                    min_value=all_years[0], max_value=all_years[-1], step=1,
                                    format="%d", key=YEARS_KEY)
        else:
            lo = hi = all_years[0]
        years = tuple(y for y in all_years if lo <= y <= hi)
    st.session_state[TYPES_KEY] = [v for v in st.session_state.get(TYPES_KEY, [])
                                   if v in agency_types]
    chosen_types = multiselect(
        sidebar, t("ประเภทหน่วยงาน", "Agency type"), agency_types, key=TYPES_KEY,
        format_func=lambda v: v if t("th", "en") == "th" else agency_type_en(v),
        placeholder=t("ทุกประเภท", "All types"))
    regions = {r.code: r for r in geo.REGIONS}
    st.session_state[REGIONS_KEY] = [v for v in st.session_state.get(REGIONS_KEY, []) if v in regions]
    chosen_regions = multiselect(
        sidebar, t("ภาค", "Region"), list(regions), key=REGIONS_KEY,
        format_func=lambda c: t(regions[c].name_th, regions[c].name_en),
        placeholder=t("ทุกภาค", "All regions"))
    region_of = geo.region_of_province()
    province_options = [p for p in geo.province_names()
                        if not chosen_regions or region_of[p].code in chosen_regions]
    st.session_state[PROVINCES_KEY] = [v for v in st.session_state.get(PROVINCES_KEY, [])
                                       if v in province_options]
    chosen_provinces = multiselect(
        sidebar, t("จังหวัด", "Province"), province_options, key=PROVINCES_KEY,
        format_func=lambda p: t(p, geo.province_en(p)), placeholder=t("ทุกจังหวัด", "All provinces"))
    for key in (YEARS_KEY, TYPES_KEY, REGIONS_KEY, PROVINCES_KEY):
        _save(key)
    _write_url()
    provinces = tuple(chosen_provinces) or (tuple(province_options) if chosen_regions else None)
    return Filters(years, tuple(chosen_types) or None, provinces, tuple(chosen_regions))
