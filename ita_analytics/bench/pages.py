"""Timing every dashboard page with AppTest for the benchmark (cold: data caches cleared)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from ita_analytics import store
from ita_analytics.bench.measurement import Measurement, measure
from ita_analytics.bench.runner import AnalysisContext, analysis_context
from ita_analytics.dashboard.agency import URL_AGENCY, URL_YEAR
from ita_analytics.dashboard.navigation import installed_pages
from ita_analytics.settings import BASE_DIR

# What a page shows when opened from a link; pages not listed open on their defaults.
PAGE_QUERY = {
    "agency": lambda ctx: {URL_AGENCY: str(ctx.agency_id), URL_YEAR: str(ctx.year)},
}


@contextmanager
def _store_env(path: Path):
    saved = {k: os.environ.get(k) for k in ("ITA_DB", "ITA_DEMO")}
    os.environ["ITA_DB"], os.environ["ITA_DEMO"] = str(path), "0"
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _page_app(page_path: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(BASE_DIR / "app.py"), default_timeout=120)
    at.run()
    if page_path != installed_pages()[0].path:
        at.switch_page(page_path)
    for key, value in query.items():
        at.query_params[key] = value
    _run(at)
    return at


def _run(at: AppTest) -> None:
    at.run()
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].value}"[:300])


def page_steps(path: Path, scale_name: str, repeats: int) -> list[Measurement]:
    """For each installed page: a full script run warm (cache hit) and cold (data caches cleared,
    the process's store connection kept, as after an import); the agency page shows the
    benchmark's typical agency in the latest year."""
    out = []
    conn = store.open_store(path, read_only=True)
    try:
        ctx: AnalysisContext = analysis_context(conn)
    finally:
        conn.close()
    with _store_env(path):
        for page in installed_pages():
            name = page.url_path
            query = PAGE_QUERY[name](ctx) if name in PAGE_QUERY else {}
            try:
                at = _page_app(page.path, query)
            except Exception as error:  # reported as a failed step, the others still run
                out.append(Measurement(f"page.cold.{name}", scale_name, status="failed",
                                       note=f"{type(error).__name__}: {error}"[:300]))
                continue

            def cold(_, at=at):
                st.cache_data.clear()
                _run(at)
            out.append(measure(f"page.cold.{name}", scale_name, cold, repeats))
            out.append(measure(f"page.warm.{name}", scale_name, lambda _, at=at: _run(at),
                               repeats, warmup=True))
    return out


@contextmanager
def open_session(url: str, timeout: float = 120):
    """One session on a running server, held open after its first page's script run.

    Speaks the app's websocket protocol as the browser does (a rerun request, then messages
    until ``script_finished``), so the server does the same work without a browser.
    """
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout) as ws:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = ""
        ws.send(request.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(ws.recv(timeout=timeout))
            if message.WhichOneof("type") == "script_finished":
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"first page did not finish: {message.script_finished}")
                break
        yield ws
