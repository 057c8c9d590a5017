"""The overview's charts drawn with plotly.js's cartesian build (dashboard.light_plotly): the
figure laid out as Streamlit lays out its own Plotly charts, the build the one plotly.py writes
figures for. In Chromium: tests/test_browser.py (test_the_overview_draws_*)."""

from __future__ import annotations

import json
import re

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.offline
import streamlit.elements.plotly_chart  # noqa: F401  (Streamlit's Python-side Plotly template)

from ita_analytics import web_assets
from ita_analytics.dashboard import charts, light_plotly


def _mean_chart() -> go.Figure:
    frame = pd.DataFrame({"year": [2562, 2563, 2564], "mean_total": [64.3, 67.6, 71.4]})
    return charts.line_by_year(frame, "mean_total", title="คะแนนรวมเฉลี่ยรายปี", pass_line=True)


def test_the_build_is_the_plotly_js_plotly_py_writes_figures_for():
    build = web_assets.ASSETS_DIR / web_assets.PLOTLY_FILE
    version = plotly.offline.get_plotlyjs_version()
    assert build.name == f"plotly-cartesian-{version}.min.js"
    assert f"plotly.js (cartesian - minified) v{version}" in build.read_text(encoding="utf-8")[:200]
    assert (web_assets.ASSETS_DIR / f"plotly-cartesian-{version}.LICENSE").exists()


def test_a_figure_gets_streamlits_look_and_no_placeholder_colour():
    fig = _mean_chart()
    assert "#000001" in fig.to_json()  # made under Streamlit's template: placeholder colours
    drawn = json.loads(light_plotly.figure_json(fig))
    assert not re.search(r"#0000[0-9]{2}\b", json.dumps(drawn))
    assert drawn["data"][0]["line"]["color"] == "#0068c9"  # Streamlit's first category colour
    assert drawn["layout"]["template"] == web_assets.streamlit_theme()["template"]
    assert drawn["layout"]["title"]["text"] == "<b>คะแนนรวมเฉลี่ยรายปี</b>"
    assert drawn["layout"]["height"] == light_plotly.DEFAULT_HEIGHT
    assert drawn["layout"]["shapes"][0]["y0"] == 85  # the figure's own content kept


def test_only_figures_of_the_builds_traces_are_drawn_light():
    assert light_plotly.drawable(_mean_chart())
    assert light_plotly.drawable(px.bar(x=[1, 2], y=[3, 4]))
    assert light_plotly.drawable(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])))
    assert not light_plotly.drawable(go.Figure(go.Box(y=[1, 2, 3])))
    assert not light_plotly.drawable(go.Figure(go.Choropleth(locations=["THA"], z=[1])))


def test_every_placeholder_colour_has_its_colour():
    import plotly.io as pio

    placeholders = set(re.findall(r"#0000[0-9]{2}", json.dumps(pio.templates["streamlit"].to_plotly_json())))
    assert placeholders and placeholders <= set(web_assets.streamlit_theme()["colors"])
