"""Cached access to the store for the dashboard: one connection per process, loads per version."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ita_analytics import demo, settings, store
from ita_analytics.store.connection import writes_in_this_thread


@st.cache_resource(show_spinner=False)
def get_connection(path: str):
    """The process's one connection to the store (DuckDB lets one process hold the file).

    On first start, when the store is empty, it is filled with the synthetic demo data
    (setting ``demo_on_first_start``); later starts reuse the file.
    """
    conn = store.open_store(path, create=True)
    if settings.get("demo_on_first_start") and not store.count_agencies(conn):
        demo.load_demo(conn)
    return conn


def connection():
    return get_connection(str(settings.db_path()))


_RUN_VERSION = "_ita_run_version"


def version() -> int:
    """The store's data version: cached loads are keyed on it, so an import invalidates them.

    One version serves a whole script run, so that a page is drawn from the data before an
    import or after it, never both: otherwise a run crossing another session's commit drew
    its filters from before and its tables from after. Each call checks the store; if another
    session has committed since the run began, the run starts again (``st.rerun``) on the new
    data. The run's own writes (an import, measures saved) move it on without a restart,
    which would drop their messages.
    """
    current = store.data_version(connection())
    ctx = get_script_run_ctx()
    if ctx is None:
        return current
    writes = writes_in_this_thread()
    kept = getattr(ctx, _RUN_VERSION, None)
    # ScriptRunContext.reset gives every run a new ``cursors`` dict: it tells this run's
    # version from one kept by the session's previous run.
    if kept is None or kept[0] is not ctx.cursors or writes != kept[2]:
        setattr(ctx, _RUN_VERSION, (ctx.cursors, current, writes))
    elif current != kept[1]:
        st.rerun()
    return current


@st.cache_data(show_spinner=False, max_entries=64)
def _load_results(_conn, data_version: int, years: tuple | None, agency_types: tuple | None,
                  provinces: tuple | None, indicators: bool,
                  columns: tuple | None = None) -> pd.DataFrame:
    return store.load_results(_conn, years=years, agency_types=agency_types,
                              provinces=provinces, indicators=indicators, columns=columns)


def norm(values) -> tuple | None:
    """A filter's values as a cache key: sorted tuple, or None for "all"."""
    return None if values is None else tuple(sorted(values))


def load_results(years=None, agency_types=None, provinces=None, indicators=True,
                 columns=None) -> pd.DataFrame:
    """``store.load_results`` for the filters, cached per store version (copy before mutating).

    Pass ``columns`` when the view needs only some: a cache hit unpickles the whole frame, so
    a smaller frame is faster on every run, not only the first.
    """
    frame = _load_results(connection(), version(), norm(years), norm(agency_types),
                          norm(provinces), indicators, norm(columns))
    version()  # a commit landed while loading: the frame may be newer than the run's version
    return frame


@st.cache_data(show_spinner=False)
def _meta(_conn, data_version: int) -> dict:
    return {
        "years": store.load_years(_conn),
        "agency_types": store.load_agency_types(_conn),
        "sources": store.load_source_counts(_conn),
    }


def meta() -> dict:
    """Years, agency types and source counts of the store (cached per version)."""
    found = _meta(connection(), version())
    version()  # as in load_results
    return found
