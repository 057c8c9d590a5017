"""Plotly charts drawn with plotly.js's cartesian build, for the first screen a new session sees.

Why: Streamlit draws ``st.plotly_chart`` with the whole plotly.js (a 4.5 MB chunk it loads
when the first chart arrives and then runs); in a new browser session on this 2-core machine
that was about 1.2 s of the overview's 2.4 s, while the same page without charts took 1.0 s
(issue 18 #10: a new session's charts drawn within 2 s). plotly.js's cartesian build (MIT,
the version plotly.py 7.1 writes figures for; ``ita_analytics/assets/``, served by
``web_assets``) holds the traces the overview draws — scatter, bar, heatmap — in 1.5 MB.

How: a Streamlit component (``st.components.v2``, public API) whose script loads that build
once per page from the app's own route (``/ita-assets``: ``web_assets.routes``, added to
``st.App`` in app.py) and draws the figure with ``Plotly.react``. The figure is laid out as
Streamlit lays out its own Plotly charts, so both look the same: Streamlit's light Plotly
template (taken from what Streamlit 1.67's frontend passes to Plotly, with the real colour of
each placeholder colour of its Python-side template; a browser test compares them), the title
in bold, 450 px high unless the figure says otherwise, the container's width. Plotly's own
toolbar (PNG download) stays.

Only for figures of those trace types (the overview's four). Other pages keep
``st.plotly_chart``: their maps and box plots need the full build, which Streamlit loads.
"""

from __future__ import annotations

import functools
import json
import re

import streamlit as st
from plotly.utils import PlotlyJSONEncoder

from ita_analytics.web_assets import ASSETS_ROUTE, PLOTLY_FILE, streamlit_theme

CARTESIAN_TRACES = frozenset({"scatter", "bar", "heatmap"})
"""Trace types drawn here (the cartesian build holds more; these are the ones checked)."""
DEFAULT_HEIGHT = 450
"""Streamlit's height for a Plotly chart whose figure sets none."""
COMPONENT_NAME = "ita_plotly_light"
"""The component's registered name (AppTest shows its charts as elements of this name)."""
CHART_CLASS = "ita-plotly"
"""The class of the block holding a chart's plot (as Streamlit's ``stPlotlyChart`` block holds
its ``.js-plotly-plot``): the browser tests and the bench find charts by it."""

_JS = """
export default function ({ parentElement, data }) {
  let block = parentElement.querySelector('.__CLASS__');
  if (!block) {
    block = document.createElement('div');
    block.className = '__CLASS__';
    block.appendChild(document.createElement('div')).style.width = '100%';
    parentElement.appendChild(block);
  }
  const el = block.firstChild;
  const loaded = window.__itaPlotly || (window.__itaPlotly = new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '__SRC__';
    script.onload = () => resolve(window.Plotly);
    script.onerror = reject;
    document.head.appendChild(script);
  }));
  const figure = JSON.parse(data.figure);
  loaded.then((Plotly) => Plotly.react(el, figure.data, figure.layout, data.config));
  return () => { if (window.Plotly) window.Plotly.purge(el); };
}
""".replace("__CLASS__", CHART_CLASS).replace("__SRC__", f".{ASSETS_ROUTE}/{PLOTLY_FILE}")


_PLACEHOLDER = re.compile(r'"(#0000[0-9]{2})"')


@functools.cache
def _component():
    # Registered once per process: Streamlit warns when a name is registered again.
    return st.components.v2.component(COMPONENT_NAME, js=_JS, isolate_styles=False)


def drawable(fig) -> bool:
    """Whether every trace of ``fig`` is of a type drawn here."""
    return all(trace.type in CARTESIAN_TRACES for trace in fig.data)


def figure_json(fig) -> str:
    """``fig`` as the JSON drawn, laid out as Streamlit lays out its Plotly charts.

    Figures made while Streamlit runs use its Python-side template, whose colours are
    placeholders (``#000001``…) that its frontend replaces by the theme's: replaced here the
    same way."""
    theme = streamlit_theme()
    out = fig.to_plotly_json()
    layout = dict(out.get("layout", {}))
    layout["template"] = theme["template"]
    layout.setdefault("height", DEFAULT_HEIGHT)
    layout["autosize"] = True
    title = layout.get("title")
    if isinstance(title, dict) and title.get("text"):
        layout["title"] = {**title, "text": f"<b>{title['text']}</b>"}
    out["layout"] = layout
    text = json.dumps(out, cls=PlotlyJSONEncoder, ensure_ascii=False)
    colors = theme["colors"]
    return _PLACEHOLDER.sub(lambda m: json.dumps(colors.get(m.group(1), m.group(1))), text)


def light_chart(fig, *, key: str, config: dict) -> None:
    """Draw ``fig`` (see :func:`drawable`) with the cartesian build, ``config`` as Plotly's."""
    height = fig.layout.height or DEFAULT_HEIGHT
    _component()(key=key, data={"figure": figure_json(fig),
                                "config": {**config, "responsive": True}},
                 height=int(height))
