"""Plotly figure builders with consistent, colour-blind-safe level colours."""

from __future__ import annotations

import unicodedata

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
    # A legend laid over the plot's top (yanchor bottom at y = 1) needs its own line under
    # the title.
    legend_on_top = fig.layout.legend.yanchor == "bottom" and (fig.layout.legend.y or 0) >= 1
    top = (50 if title else 20) + (28 if legend_on_top else 0)
    fig.update_layout(title=title, font=FONT, margin=dict(l=10, r=10, t=top, b=10),
                      legend_title_text="", hovermode="closest")
    # Room for the axes' labels and titles: long Thai names were cut at the figure's edge.
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


CHAR_PX = 7.5
"""A generous width of one character of Plotly's 12 px tick and legend text, in pixels
(measured in Chromium with Streamlit's fonts: 5.3–6.7 in Thai and English)."""
NUMBER_AXIS_PX = 80
"""Room for a number axis's tick labels and title ("100%", "95" beside "คะแนน"): 67–77 px."""
TICKS_BELOW_PX = 46
"""Room for one line of tick labels under the plot (years): 36–43 px."""
LEGEND_PX = 60
"""A legend's symbols, padding and border beside its longest name."""
COLORBAR_PX = 125
"""A colour bar with its tick labels (40–100): 116 px."""


def text_px(text) -> float:
    """A generous width of ``text`` in pixels (:data:`CHAR_PX` a character; Thai vowel and
    tone marks above or below a consonant take no room of their own)."""
    return CHAR_PX * sum(1 for ch in str(text) if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def _legend_names(fig: go.Figure) -> list[str]:
    """The names a legend on the right lists: traces shown in it (Plotly's rule: those not
    hidden, once two are or the layout asks for a legend)."""
    if fig.layout.showlegend is False:
        return []
    shown = [trace for trace in fig.data if trace.showlegend is not False and trace.name]
    if fig.layout.showlegend is not True and sum(trace.showlegend is not False for trace in fig.data) < 2:
        shown = [trace for trace in shown if trace.showlegend is True]
    return [trace.name for trace in shown]


def settle_margins(fig: go.Figure) -> go.Figure:
    """Margins that already hold what the axes' automargin, the legend and the colour bar push
    them to, so Plotly draws the figure once: a margin pushed wider makes it draw the whole
    figure again (each of the overview's charts was drawn twice in a new session, about a
    third of the browser's drawing). Automargin stays on: a label wider than estimated here
    (another font) costs one more draw, never a cut label.

    For figures whose y axis is numbers or category names and whose x labels are one line
    (the overview's); the legend on the right, not over the plot."""
    margin = fig.layout.margin
    y_labels = [v for trace in fig.data for v in (trace.y if trace.y is not None else ())
                if isinstance(v, str)]
    left = (text_px(max(y_labels, key=text_px)) + 20) if y_labels else NUMBER_AXIS_PX
    right = margin.r or 0
    legend = fig.layout.legend
    if not (legend.yanchor == "bottom" and (legend.y or 0) >= 1):  # a legend on top pushes the top
        names = _legend_names(fig)
        if names:
            right = max(right, LEGEND_PX + max(map(text_px, names)) + 10)
    if fig.layout.coloraxis.colorscale and fig.layout.coloraxis.showscale is not False:
        right = max(right, COLORBAR_PX)
    fig.update_layout(margin=dict(l=max(margin.l or 0, round(left)), r=round(right),
                                  b=max(margin.b or 0, TICKS_BELOW_PX)))
    return fig


def add_target_line(fig: go.Figure, value: float, label: str, *, vertical: bool = False,
                    color: str = "#009E73") -> go.Figure:
    """A dotted target line named in the legend: a label written on the plot overlapped the
    bars and lines (the 80 % target over the bar ending near it)."""
    line = dict(dash="dot", color=color, width=2)
    if vertical:
        fig.add_vline(x=value, line=line, layer="above")
    else:
        fig.add_hline(y=value, line=line, layer="above")
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=label,
                             hoverinfo="skip", showlegend=True))
    return fig


def line_by_year(frame: pd.DataFrame, y: str, *, color: str | None = None, title: str = "",
                 y_title: str = "", pass_line: bool = False, percent: bool = False,
                 partial_years=(), partial_label: str = "partial") -> go.Figure:
    """A line per group over B.E. fiscal years (years shown as categories, no decimals).

    ``partial_years`` (a year holding only part of its agencies) are drawn apart: a dotted
    line with open markers from the last complete year, named ``partial_label`` in the
    legend, so a province's file does not bend the line as if it were a national year."""
    frame = frame.assign(year=frame["year"].astype(int))
    partial = frame["year"].isin([int(y_) for y_ in partial_years])
    fig = px.line(frame[~partial], x="year", y=y, color=color, markers=True)
    if partial.any():
        groups = frame.groupby(color, sort=False) if color else [(None, frame)]
        colours = {trace.name: trace.line.color for trace in fig.data}
        for name, group in groups:
            group = group.sort_values("year")
            part = group["year"].isin(frame.loc[partial, "year"])
            if not part.any():
                continue
            before = group[~part & (group["year"] < group.loc[part, "year"].min())].tail(1)
            shown = pd.concat([before, group[part]])
            fig.add_scatter(
                x=shown["year"], y=shown[y], mode="lines+markers",
                line=dict(dash="dot", color=colours.get(str(name) if name is not None
                                                        else fig.data[0].name if fig.data else "")),
                marker=dict(symbol="circle-open", size=9),
                name=f"{name} ({partial_label})" if name is not None else partial_label,
                showlegend=True)
    years = sorted(frame["year"].unique())
    fig.update_xaxes(type="category", title=None, categoryorder="array",
                     categoryarray=years)
    fig.update_yaxes(title=y_title, tickformat=".0%" if percent else None)
    if pass_line:
        fig.add_hline(y=PASS_THRESHOLD, line_dash="dash", line_color="#555",
                      annotation_text=f"{PASS_THRESHOLD:.0f}")
    return _layout(fig, title)


def stacked_levels(dist: pd.DataFrame, *, title: str = "", x: str = "year",
                   share: bool = True, labels: dict | None = None) -> go.Figure:
    """Stacked bars of the level distribution; each year keeps its own bands and colours."""
    present = [lv for lv in LEVEL_ORDER if lv in set(dist["level"])]
    # Plotly orders categories as the traces first meet them: a year without the first level
    # came after the others (2563, 2564, 2565, 2562, 2566…). Years ascend; groups keep the
    # frame's order.
    shown = dist[x].drop_duplicates()
    order = sorted(shown) if x == "year" else list(shown)
    # Many groups (77 provinces) or long names (agency types) lie as rows: standing up, their
    # names were cut and slanted.
    across = x != "year" and (len(order) > MAX_UPRIGHT or _long_names(order))
    value = "share" if share else "count"
    fig = px.bar(dist, x=value if across else x, y=x if across else value, color="level",
                 orientation="h" if across else "v",
                 category_orders={"level": present}, color_discrete_map=LEVEL_COLORS,
                 labels=labels or {})
    groups, values = (fig.update_yaxes, fig.update_xaxes) if across else (fig.update_xaxes,
                                                                          fig.update_yaxes)
    groups(type="category", title=None, categoryorder="array",
           categoryarray=order[::-1] if across else order)
    if share:
        values(tickformat=".0%", title=None)
    if across:
        fig.update_layout(height=140 + 22 * len(order),
                          legend=dict(orientation="h", yanchor="bottom", y=1.0))
    return _layout(fig, title)


MAX_UPRIGHT = 15
"""The most categories a bar chart stands upright; more are drawn as rows."""
LONG_NAME = 14
"""Category names longer than this are read on the left of rows, not slanted under bars."""


def _long_names(categories) -> bool:
    return max((len(str(c)) for c in categories), default=0) > LONG_NAME


def heatmap(matrix: pd.DataFrame, *, title: str = "", zmin: float | None = None,
            zmax: float | None = None, text_format: str = ".2f") -> go.Figure:
    """A heatmap of a rows × columns matrix with values printed in the cells."""
    fig = px.imshow(matrix, text_auto=text_format, aspect="auto",
                    color_continuous_scale=SEQUENTIAL_SCALE, zmin=zmin, zmax=zmax)
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title=None)
    return _layout(fig, title)


TILE_PX = 42
"""Grid spacing of the province tile map in pixels (the figure has a fixed size so tiles stay square)."""


def tile_map(tiles: pd.DataFrame, *, title: str = "", colorbar_title: str = "",
             percent: bool = False, hover_n: str = "n") -> go.Figure:
    """Provinces as coloured squares on a grid (col → x, row → −y), labelled and clickable.

    Input columns: province, province_en, row, col, label, value (NaN = no data, drawn grey),
    value_text, n, selected (drawn with a thick outline). Each point's customdata starts
    with the province's Thai name, which a click event returns.
    """
    custom = ["province", "province_en", "value_text", "n"]
    hover = ("<b>%{customdata[0]}</b> (%{customdata[1]})<br>%{customdata[2]}<br>"
             + hover_n + ": %{customdata[3]}<extra></extra>")
    size = TILE_PX - 6
    fig = go.Figure()
    for has_value, part in tiles.groupby(tiles["value"].notna()):
        outline = dict(width=[4 if s else 1 for s in part["selected"]],
                       color=["#D55E00" if s else "white" for s in part["selected"]])
        marker = dict(symbol="square", size=size, line=outline)
        text = part["label"]
        text_color = "#333"
        if has_value:
            lo, hi = part["value"].min(), part["value"].max()
            share = (part["value"] - lo) / (hi - lo) if hi > lo else part["value"] * 0
            # Viridis is dark at the low end and yellow at the top: white text on dark tiles.
            text_color = ["#000" if s > 0.6 else "#fff" for s in share]
            text = part["label"] + "<br>" + part["value_text"]
            marker.update(color=part["value"], colorscale=SEQUENTIAL_SCALE, cmin=lo, cmax=hi,
                          colorbar=dict(title=colorbar_title, tickformat=".0%" if percent else ".2f",
                                        len=0.5, y=0.75))
        else:
            marker.update(color="#DDDDDD")
        fig.add_trace(go.Scatter(
            x=part["col"], y=-part["row"], mode="markers+text", text=text, marker=marker,
            textfont=dict(size=9, color=text_color), customdata=part[custom].to_numpy(),
            hovertemplate=hover, showlegend=False))
    cols, rows = int(tiles["col"].max()) + 1, int(tiles["row"].max()) + 1
    fig.update_xaxes(visible=False, range=[-0.6, cols - 0.4], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-rows + 0.4, 0.6], fixedrange=True)
    _layout(fig, title)
    fig.update_layout(width=cols * TILE_PX + 160, height=rows * TILE_PX + 80, dragmode=False,
                      plot_bgcolor="rgba(0,0,0,0)", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def grouped_bars(frame: pd.DataFrame, x: str, y: str, color: str, *, title: str = "",
                 y_title: str = "") -> go.Figure:
    """Bars side by side per ``color`` group for each ``x`` category (e.g. indicator × agency).

    Categories with long names (indicators, agency types) lie as rows, names on the left:
    below upright bars they were slanted and cut."""
    categories = list(dict.fromkeys(frame[x]))
    across = len(categories) > 6 or _long_names(categories)
    fig = px.bar(frame, x=y if across else x, y=x if across else y, color=color,
                 barmode="group", orientation="h" if across else "v",
                 color_discrete_sequence=px.colors.qualitative.Safe)
    names, values = (fig.update_yaxes, fig.update_xaxes) if across else (fig.update_xaxes,
                                                                         fig.update_yaxes)
    names(title=None, type="category", categoryorder="array",
          categoryarray=categories[::-1] if across else categories)
    values(title=y_title)
    fig.update_traces(hovertemplate="%{fullData.name} · " + ("%{y}<br>%{x:,.2f}" if across
                                                             else "%{x}<br>%{y:,.2f}")
                      + "<extra></extra>")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0))
    if across:
        groups = frame[color].nunique()
        # Plotly puts a group's first bar lowest: reversed, IIT (say) is on top as in the
        # legend, which is reversed back to read in the frame's order.
        fig.data = fig.data[::-1]
        fig.update_layout(height=160 + len(categories) * (10 * groups + 14),
                          legend_traceorder="reversed")
    return _layout(fig, title)


def count_bars(frame: pd.DataFrame, category: str, count: str, *, color: str | None = None,
               color_map: dict | None = None, title: str = "") -> go.Figure:
    """Horizontal bars of counts per category, largest at the top."""
    fig = px.bar(frame, x=count, y=category, color=color, orientation="h", text=count,
                 color_discrete_map=color_map or {})
    fig.update_traces(texttemplate="%{x:,}")
    fig.update_yaxes(title=None, categoryorder="total ascending")
    fig.update_xaxes(title=None)
    fig.update_layout(height=140 + 45 * frame[category].nunique())  # bars, not slabs
    return _layout(fig, title)


def box_from_stats(stats: pd.DataFrame, x: str, *, color: str | None = None, title: str = "",
                   y_title: str = "") -> go.Figure:
    """Box plots drawn from precomputed statistics (no raw points sent to the browser).

    Input columns: ``x``, [``color``], q1, median, q3, min, max, mean; whiskers run to the
    minimum and maximum.
    """
    fig = go.Figure()
    groups = stats.groupby(color, sort=False) if color else [(None, stats)]
    palette = px.colors.qualitative.Safe
    for i, (name, part) in enumerate(groups):
        # Lying boxes, the names on the left: ten indicator names (or a dozen agency types)
        # below upright boxes were slanted and cut.
        fig.add_trace(go.Box(
            y=part[x], q1=part["q1"], median=part["median"], q3=part["q3"],
            lowerfence=part["min"], upperfence=part["max"], mean=part["mean"], orientation="h",
            name=str(name) if name is not None else "", marker_color=palette[i % len(palette)],
            showlegend=name is not None))
    fig.update_layout(boxmode="group" if color else "overlay",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0),
                      height=140 + 38 * stats[x].nunique())
    fig.update_yaxes(title=None, type="category", categoryorder="array",
                     categoryarray=list(dict.fromkeys(stats[x]))[::-1])
    fig.update_xaxes(title=y_title)
    return _layout(fig, title)


def diverging_bars(frame: pd.DataFrame, category: str, value: str, *, title: str = "",
                   x_title: str = "", percent: bool = False) -> go.Figure:
    """Horizontal bars of signed changes: rises blue, falls vermillion (Okabe–Ito), largest on top."""
    colors = ["#0072B2" if v >= 0 else "#D55E00" for v in frame[value]]
    fig = go.Figure(go.Bar(x=frame[value], y=frame[category], orientation="h",
                           marker_color=colors,
                           texttemplate="%{x:+.1%}" if percent else "%{x:+.2f}"))
    fig.update_yaxes(title=None, categoryorder="array",
                     categoryarray=list(frame.sort_values(value)[category]))
    fig.update_xaxes(title=x_title, tickformat=".0%" if percent else None)
    fig.update_layout(height=140 + 26 * len(frame))
    return _layout(fig, title)


def level_sankey(flows: pd.DataFrame, *, title: str = "", from_label: str = "",
                 to_label: str = "", label=None) -> go.Figure:
    """Sankey of agencies flowing from each level of one year to each level of another.

    Input columns: level_from, level_to, count (Thai level names; ``label`` maps a name to
    its shown text). Node colours are the level colours used on every page.
    """
    label = label or (lambda v: v)

    def ordered(values):
        return sorted(set(values), key=lambda v: LEVEL_ORDER.index(v) if v in LEVEL_ORDER else 99)
    left, right = ordered(flows["level_from"]), ordered(flows["level_to"])
    index = {("from", v): i for i, v in enumerate(left)}
    index.update({("to", v): len(left) + i for i, v in enumerate(right)})
    nodes = [f"{from_label} {label(v)}".strip() for v in left] + \
        [f"{to_label} {label(v)}".strip() for v in right]
    colors = [LEVEL_COLORS.get(v, "#BBBBBB") for v in left + right]

    def centres(column, levels):
        # Fixed positions, best level on top: Plotly would otherwise reorder the nodes.
        sizes = flows.groupby(column)["count"].sum().reindex(levels).to_numpy(dtype=float)
        ends = sizes.cumsum() / sizes.sum()
        return [min(max(e - s / sizes.sum() / 2, 0.01), 0.99) for e, s in zip(ends, sizes)]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=nodes, color=colors, pad=14, thickness=16,
                  x=[0.01] * len(left) + [0.99] * len(right),
                  y=centres("level_from", left) + centres("level_to", right)),
        link=dict(source=[index[("from", v)] for v in flows["level_from"]],
                  target=[index[("to", v)] for v in flows["level_to"]],
                  value=flows["count"], color="rgba(120,120,120,0.3)")))
    fig.update_layout(height=520)
    return _layout(fig, title)


def rate_bars(frame: pd.DataFrame, category: str, rate: str, *, target: float | None = None,
              target_label: str = "", title: str = "") -> go.Figure:
    """Horizontal bars of a share (0–1) per category with an optional dotted target line."""
    fig = px.bar(frame, x=rate, y=category, orientation="h", text=rate,
                 color_discrete_sequence=["#0072B2"])
    fig.update_traces(texttemplate="%{x:.1%}")
    fig.update_yaxes(title=None, categoryorder="total ascending")
    fig.update_xaxes(title=None, tickformat=".0%", range=[0, 1.05])
    if target is not None:
        add_target_line(fig, target, target_label, vertical=True)
        fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1,
                                      xanchor="right"))
    fig.update_layout(height=160 + 26 * frame[category].nunique())
    return _layout(fig, title)
