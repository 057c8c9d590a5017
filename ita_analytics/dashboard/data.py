"""Cached access to the store for the dashboard: one connection per process, loads per version."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st
from streamlit.logger import get_logger
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ita_analytics import settings, store
from ita_analytics.demo import generator as demo
from ita_analytics.errors import ItaError
from ita_analytics.store.connection import writes_in_this_thread

log = get_logger(__name__)
"""Streamlit's logger: its level and format, in the server's output beside Streamlit's own."""


@dataclass(frozen=True)
class OpenStore:
    """The process's connection to the store and which file it opened."""

    conn: duckdb.DuckDBPyConnection
    file: tuple[int, int] | None
    """(device, inode) of the store file when it was opened; None for no file (``:memory:``)."""
    generation: int
    """Counts the opens in this process: a run drawn across a re-open starts again."""


_OPENS = itertools.count(1)
_REOPEN_LOCK = threading.Lock()


def _file_of(path: str) -> tuple[int, int] | None:
    """The identity of the file at ``path`` (None when there is none)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


@st.cache_resource(show_spinner=False)
def get_store(path: str) -> OpenStore:
    """Open the store at ``path`` for the process (DuckDB lets one process hold the file).

    On first start, when the store is empty, it is filled with the synthetic demo data
    (setting ``demo_on_first_start``); later starts reuse the file.
    """
    before = _file_of(path)  # taken first: a file replaced while opening is noticed next call
    conn = store.open_store(path, create=True)
    if settings.get("demo_on_first_start") and not store.count_agencies(conn):
        demo.load_demo(conn)
    return OpenStore(conn, before or _file_of(path), next(_OPENS))


def open_store_now() -> OpenStore:
    """The process's open store, opened again when the file at the store's path is no longer
    the one it opened.

    A restored or copied-in store file (renamed into place), or one removed, was otherwise
    never seen: the dashboard went on reading — and writing imports into — the file it had
    opened at its first page view, gone from the folder, until it was restarted. One
    ``stat`` per call notices it; the old connection is closed first (DuckDB would hand back
    the open database for the same path), and every cached load is dropped (the new file's
    data versions are not the old one's). A page being drawn from the old file at that
    moment may fail once; its next run, and every other, reads the new file.
    """
    path = str(settings.db_path())
    held = get_store(path)
    if held.file == _file_of(path):
        return held
    with _REOPEN_LOCK:
        current = get_store(path)
        if current is not held and current.file == _file_of(path):
            return current  # another session opened it again meanwhile
        log.warning("The store file %s was replaced or removed since it was opened: "
                    "opening it again", path)
        with contextlib.suppress(duckdb.Error):
            held.conn.close()
        st.cache_data.clear()
        st.cache_resource.clear()
        return get_store(path)


def connection():
    return open_store_now().conn


def check_store_at_start() -> None:
    """Open, check and (first start) build the store, saying in the server's log how it went.

    Run when the server starts (``app.py``), so that a store the dashboard cannot use is
    reported then rather than met by the first visitor, and the first start's demo build is
    not that visitor's wait. A refusal does not stop the server: every page shows it, in
    Thai and English, until the file is put right (the next page view tries again).
    """
    path = settings.db_path()
    try:
        held = open_store_now()
        agencies = store.count_agencies(held.conn)
    except ItaError as error:
        log.error("The store %s cannot be used: %s", path, error.message("en"))
        return
    except Exception:
        log.exception("The store %s could not be opened", path)
        return
    log.info("The store %s is open: %s agencies, data version %s", path, f"{agencies:,}",
             store.data_version(held.conn))


_RUN_VERSION = "_ita_run_version"


def version() -> int:
    """The store's data version: cached loads are keyed on it, so an import invalidates them.

    One version serves a whole script run, so that a page is drawn from the data before an
    import or after it, never both: otherwise a run crossing another session's commit drew
    its filters from before and its tables from after. Each call checks the store; if another
    session has committed since the run began, the run starts again (``st.rerun``) on the new
    data. The run's own writes (an import, measures saved) move it on without a restart,
    which would drop their messages. A store file opened again (:func:`open_store_now`)
    starts the run again too, whatever its version.
    """
    held = open_store_now()
    current = store.data_version(held.conn)
    ctx = get_script_run_ctx()
    if ctx is None:
        return current
    writes = writes_in_this_thread()
    kept = getattr(ctx, _RUN_VERSION, None)
    # ScriptRunContext.reset gives every run a new ``cursors`` dict: it tells this run's
    # version from one kept by the session's previous run.
    if kept is None or kept[0] is not ctx.cursors or writes != kept[2]:
        setattr(ctx, _RUN_VERSION, (ctx.cursors, current, writes, held.generation))
    elif current != kept[1] or held.generation != kept[3]:
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
