"""Plotly figure builders with consistent, colour-blind-safe level colours."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from ita_analytics.domain import LEVEL_RULES, PASS_THRESHOLD

# Okabe–Ito based, ordered best → worst within each rule; the same level has the same colour
# on every page.
LEVEL_COLORS = {
    "AA": "#0072B2", "A": "#56B4E9", "B": "#009E73", "C": "#F0E442", "D": "#E69F00",
    "E": "#D55E00", "F": "#CC79A7",
    "ผ่านดีเยี่ยม": "#0072B2", "ผ่านดี": "#56B4E9", "ผ่าน": "#009E73", "ไม่ผ่าน": "#D55E00",
    "ไม่ทราบ": "#BBBBBB",
}
LEVEL_ORDER = [level.name_th for rule in LEVEL_RULES for level in rule.levels] + ["ไม่ทราบ"]
SEQUENTIAL_SCALE = "Viridis"
FONT = dict(family="Sarabun, 'Noto Sans Thai', Tahoma, sans-serif")


def _layout(fig: go.Figure, title: str | None = None) -> go.Figure:
    fig.update_layout(title=title, font=FONT, margin=dict(l=10, r=10, t=50 if title else 20, b=10),
                      legend_title_text="", hovermode="closest")
    return fig


def line_by_year(frame: pd.DataFrame, y: str, *, color: str | None = None, title: str = "",
                 y_title: str = "", pass_line: bool = False, percent: bool = False) -> go.Figure:
    """A line per group over B.E. fiscal years (years shown as categories, no decimals)."""
    fig = px.line(frame, x="year", y=y, color=color, markers=True)
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title=y_title, tickformat=".0%" if percent else None)
    if pass_line:
        fig.add_hline(y=PASS_THRESHOLD, line_dash="dash", line_color="#555",
                      annotation_text=f"{PASS_THRESHOLD:.0f}")
    return _layout(fig, title)


def stacked_levels(dist: pd.DataFrame, *, title: str = "", x: str = "year",
                   share: bool = True, labels: dict | None = None) -> go.Figure:
    """Stacked bars of the level distribution; each year keeps its own bands and colours."""
    present = [lv for lv in LEVEL_ORDER if lv in set(dist["level"])]
    fig = px.bar(dist, x=x, y="share" if share else "count", color="level",
                 category_orders={"level": present}, color_discrete_map=LEVEL_COLORS,
                 labels=labels or {})
    fig.update_xaxes(type="category", title=None)
    if share:
        fig.update_yaxes(tickformat=".0%", title=None)
    return _layout(fig, title)


def heatmap(matrix: pd.DataFrame, *, title: str = "", zmin: float | None = None,
            zmax: float | None = None, text_format: str = ".1f") -> go.Figure:
    """A heatmap of a rows × columns matrix with values printed in the cells."""
    fig = px.imshow(matrix, text_auto=text_format, aspect="auto",
                    color_continuous_scale=SEQUENTIAL_SCALE, zmin=zmin, zmax=zmax)
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title=None)
    return _layout(fig, title)
