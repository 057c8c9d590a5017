"""Cached access to the store for the dashboard: a read-only connection per process to the
store's published version, writes as new versions, loads cached per data version."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st
from streamlit.logger import get_logger
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ita_analytics import settings, store
from ita_analytics.demo import generator as demo
from ita_analytics.errors import ItaError
from ita_analytics.store import backups as store_backups
from ita_analytics.store import versions
from ita_analytics.store.connection import writes_in_this_thread

log = get_logger(__name__)
"""Streamlit's logger: its level and format, in the server's output beside Streamlit's own."""


@dataclass(frozen=True)
class OpenStore:
    """The process's connection to the store's published version, and which file it is."""

    conn: duckdb.DuckDBPyConnection
    file: tuple[int, int] | None
    """(device, inode) of the version opened; None for no file (``:memory:``)."""
    generation: int
    """Counts the opens in this process: a run drawn across a re-open starts again."""
    version_file: str = ""
    """The file opened (a version's own name; the store path itself for a plain file)."""


_OPENS = itertools.count(1)

RETIRE_SECONDS = 120.0
"""How long a connection to a replaced version stays open after a newer one was opened: runs
drawing from it finish on it (a page run takes seconds), and then it is closed, so that the
writer of a later version can remove the old file."""


def _first_start(path: str) -> None:
    """A missing store is created (``store.writing``), and an empty one filled with the
    synthetic demo data when setting ``demo_on_first_start`` is on."""
    if path == ":memory:":
        return
    if os.path.exists(path):
        if not settings.get("demo_on_first_start"):
            return
        with contextlib.closing(store.open_store(path, read_only=True)) as conn:
            if store.count_agencies(conn):
                return
    with store.writing(path, create=True) as conn:
        if settings.get("demo_on_first_start") and not store.count_agencies(conn):
            demo.load_demo(conn)


class StoreHolder:
    """The process's read-only connection to the store's published version, opened again when
    a new version is published (``store.versions``: by an import in any process) or the file
    is replaced by hand.

    Every call :meth:`current` costs one ``stat`` of the store path (following its link). A new
    version gets a new connection (DuckDB would hand back the open database for the same
    file, so each version is opened by its own file name); the old one is kept for
    :data:`RETIRE_SECONDS` so that runs drawing from it finish on it, then closed by the
    first call after that (the next write then removes its file, ``versions.prune_versions``).
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._current: OpenStore | None = None
        self._retired: list[tuple[float, duckdb.DuckDBPyConnection]] = []

    def current(self) -> OpenStore:
        held = self._current
        if self._retired and time.monotonic() - self._retired[0][0] >= RETIRE_SECONDS:
            with self._lock:
                self._close_retired()  # the next write can then remove their files
        if held is not None and held.file == store.file_identity(self.path):
            return held
        with self._lock:
            held = self._current
            now = store.file_identity(self.path)
            if held is not None and held.file == now:
                return held  # another session opened the new version meanwhile
            if held is None or now is None:
                _first_start(self.path)  # first open, or the store removed: made anew
            if held is not None and held.version_file == str(versions.published_file(self.path)):
                # The same file name holds another file (a plain store replaced by hand):
                # DuckDB would hand back the open database for that name, so it is closed
                # first; a run drawing from it at this moment may fail once.
                with contextlib.suppress(duckdb.Error):
                    held.conn.close()
                held = None
                st.cache_data.clear()
            opened = self._open()
            if held is not None:
                log.info("The store %s has a new version: reading it from now on", self.path)
                if store.data_version(opened.conn) <= store.data_version(held.conn):
                    # Not a newer version but another file (copied in by hand): cached
                    # loads keyed on the data version are not this file's.
                    st.cache_data.clear()
                self._retired.append((time.monotonic(), held.conn))
            self._close_retired()
            self._current = opened
            return opened

    def _open(self) -> OpenStore:
        before = store.file_identity(self.path)  # first: a version published meanwhile is seen next call
        conn = store.open_store(self.path, read_only=self.path != ":memory:", create=True)
        if self.path == ":memory:" and settings.get("demo_on_first_start"):
            demo.load_demo(conn)
        opened = str(store_backups.opened_file(conn) or "")
        return OpenStore(conn, before or store.file_identity(self.path), next(_OPENS), opened)

    def _close_retired(self) -> None:
        now = time.monotonic()
        kept = []
        for since, conn in self._retired:
            if now - since < RETIRE_SECONDS:
                kept.append((since, conn))
            else:
                with contextlib.suppress(duckdb.Error):
                    conn.close()
        self._retired = kept


@st.cache_resource(show_spinner=False)
def _holder(path: str) -> StoreHolder:
    return StoreHolder(path)


def open_store_now() -> OpenStore:
    """The process's open store: the published version at the store's path now (see
    :class:`StoreHolder`). On a first start the store is created (with the demo data when
    setting ``demo_on_first_start``)."""
    return _holder(str(settings.db_path())).current()


@contextlib.contextmanager
def writing():
    """A connection to the store's next version, published when the block ends without an
    error (``store.versions.writing``): the session's next run reads it. The dashboard never
    writes the version it reads; another process may read or write meanwhile (one writer at a
    time: a second waits, then is told the store is busy)."""
    path = str(settings.db_path())
    if path == ":memory:":
        yield open_store_now().conn  # tests: an in-memory store is its only version
        return
    with store.writing(path) as conn:
        yield conn
    _unpin_run()  # the rest of this run reads what it wrote


_RUN_STORE = "_ita_run_store"


def _run_store() -> OpenStore:
    """The store version this script run reads: the one published when the run first asked,
    kept for the whole run (a version's file never changes), so that every load of a page —
    cached or not, its filters and its tables — comes from one version, never some from
    before another process's import and some from after. Outside a run: the latest."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return open_store_now()
    pinned = getattr(ctx, _RUN_STORE, None)
    # ScriptRunContext.reset gives every run a new ``cursors`` dict: it tells this run's
    # version from the one kept by the session's previous run.
    if pinned is not None and pinned[0] is ctx.cursors:
        return pinned[1]
    held = open_store_now()
    setattr(ctx, _RUN_STORE, (ctx.cursors, held))
    return held


def _unpin_run() -> None:
    ctx = get_script_run_ctx()
    if ctx is not None:
        setattr(ctx, _RUN_STORE, None)


def connection():
    """The connection of the store version this run reads (see :func:`_run_store`)."""
    return _run_store().conn


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
    """The data version of the store this run reads: cached loads are keyed on it (with the
    run's connection), so an import invalidates them.

    One version serves a whole script run, so that a page is drawn from the data before an
    import or after it, never both. A published version never changes, and the run keeps the
    one it started with (:func:`_run_store`): another process's or session's import is read
    from the next run. An in-memory store (tests) is written in place: there, if another
    session has committed since the run began, the run starts again (``st.rerun``) on the new
    data. The run's own writes (an import, measures saved) move it on without a restart,
    which would drop their messages.
    """
    held = _run_store()
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
