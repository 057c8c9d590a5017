"""The benchmark's ``session`` steps: a new browser session on a warm server, timed in Chromium
from the request to every chart of its first page drawn.

The first page is the overview; what a person sees first there is its KPI tiles and two charts
(the mean total and the share passing by year): its levels chart and indicator heatmap are one
click away (``?charts=``) and not on the page until chosen, so a session's note says "2 charts
drawn" (4 before issue 18 #10 moved them). A chart is Streamlit's Plotly block or, on the
overview, ``dashboard.light_plotly``'s (plotly.js's cartesian build), each drawn when its block
holds a plot.

``session.new`` opens each session in a new browser context (nothing cached: a person's first
visit, or a browser that keeps nothing); ``session.new_tab`` in a new tab of a browser that has
shown the dashboard before (its static files cached: a returning analyst). Both run against
one server on the national store, warmed by a first session that is not timed, and note the
machine's load (the browser competes for the cores with everything else running).

Time is read in the page itself: a script added before the page loads marks, in the page's
own clock from the start of navigation, when each chart's plot is drawn; a session is done
when the app's script has finished and every chart block holds a drawn plot, with nothing new
drawn for :data:`SETTLE_MS`. The value is the time of the last chart drawn.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ita_analytics.bench.measurement import Budget, Measurement, StepUnavailable
from ita_analytics.bench.server import chromium, streamlit_server

GROUP = "session"
BUDGETS = (Budget("session.new", "national", 2.0),)
"""A new session on a warm server, all charts of its first screen drawn (issue 18 #10)."""
PAGE_TIMEOUT_MS = 120_000
SETTLE_MS = 600
VIEWPORT = {"width": 1400, "height": 900}

_MARKS = """
(() => {
  const marks = window.__itaSession = {charts: 0, drawnAt: null, finishedAt: null,
                                       changedAt: null, ran: false};
  new MutationObserver(() => {
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running') marks.ran = true;
    if (state === 'notRunning' && marks.ran && marks.finishedAt === null) marks.finishedAt = now;
    const blocks = [...document.querySelectorAll('[data-testid="stPlotlyChart"], .ita-plotly')];
    const drawn = blocks.filter(b => b.querySelector('.main-svg')).length;
    marks.blocks = blocks.length;
    if (drawn !== marks.charts) {
      marks.charts = drawn;
      marks.drawnAt = now;
    }
    marks.changedAt = now;
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();
"""
_DONE = """(settle) => {
  const m = window.__itaSession;
  if (!m || m.finishedAt === null || !m.charts || m.charts < m.blocks) return false;
  return performance.now() - Math.max(m.drawnAt, m.finishedAt) >= settle;
}"""


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def session_seconds(context, url: str, path: str = "") -> tuple[float, int]:
    """Open ``url``/``path`` in a new page of ``context``; (seconds from the start of
    navigation to the last chart drawn, charts drawn)."""
    page = context.new_page()
    try:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(f"{url}/{path}")
        page.wait_for_function(_DONE, arg=SETTLE_MS, polling=100)
        marks = page.evaluate("window.__itaSession")
        return max(marks["drawnAt"], marks["finishedAt"]) / 1000, int(marks["charts"])
    finally:
        page.close()


def _new_context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="th-TH")
    context.add_init_script(_MARKS)
    return context


def session_steps(national: Path, repeats: int, path: str = "") -> list:
    """``session.new`` and ``session.new_tab`` on a server holding a copy of ``national``."""
    steps = ("session.new", "session.new_tab")
    note = load_note()
    work = Path(tempfile.mkdtemp(prefix="ita-session-"))
    try:
        db = work / "ita.duckdb"
        shutil.copy(national, db)  # a server may write to its store: never the bench's own
        with chromium() as browser, streamlit_server(db, demo_on_start=False) as (url, _):
            returning = _new_context(browser)
            session_seconds(returning, url, path)  # warms the server, and this browser's cache
            out = []
            for step in steps:
                m = Measurement(step, "national")
                charts = set()
                for _ in range(repeats):
                    context = _new_context(browser) if step == "session.new" else returning
                    try:
                        seconds, drawn = session_seconds(context, url, path)
                    finally:
                        if context is not returning:
                            context.close()
                    m.values.append(seconds)
                    charts.add(drawn)
                m.note = f"{'/'.join(map(str, sorted(charts)))} charts drawn; {note}"
                out.append(m)
            returning.close()
            return out
    except StepUnavailable as error:
        return [Measurement(step, "national", status="skipped", note=f"skipped: {error}")
                for step in steps]
    except Exception as error:  # a benchmark reports a broken step and goes on
        return [Measurement(step, "national", status="failed",
                            note=f"{type(error).__name__}: {error}"[:300]) for step in steps]
    finally:
        shutil.rmtree(work, ignore_errors=True)
