"""The overview page's figures, built once for every session that shows the same data.

Building the overview's four Plotly figures (plotly express, layout updates) was most of the
page's run in a new session on a warm server: about 0.25 s of its 0.35 s here, with the
analyses already cached. The figures depend only on the store's data version, the filters
and the language, so they are kept per process (``st.cache_resource``: the same objects,
not copies) and every session showing the same view sends them as they are.
"""

from __future__ import annotations

import streamlit as st

from ita_analytics.dashboard import charts, data
from ita_analytics.dashboard.trends import localise_level_legend
from ita_analytics.dashboard.ui import inert_figure, lang, t
from ita_analytics.dashboard.views import indicator_matrix, localise_levels
from ita_analytics.domain import NATIONAL_PASS_TARGET


def overview_figures(filters, found: dict) -> dict:
    """The overview's figures for ``found`` (``views.overview_analyses(filters)``): ``mean``,
    ``passing``, ``levels`` and ``indicators``. They are shared between sessions: draw them,
    never change them."""
    return _overview_figures(data.version(), data.norm(filters.years),
                             data.norm(filters.agency_types), data.norm(filters.provinces),
                             lang(), _found=found)


@st.cache_resource(show_spinner=False, max_entries=32)
def _overview_figures(data_version: int, years, agency_types, provinces, language: str, *,
                      _found: dict) -> dict:
    # ``_found`` is the analyses of the same version and filters (a key of its own would
    # hash its frames on every run); the language is the session's, read by t() below.
    trend, passing = _found["trend"], _found["passing"]
    coverage = _found["coverage"]
    partial = coverage.loc[coverage["partial"], "year"].tolist()
    mean = charts.line_by_year(
        trend.rename(columns={"mean": "mean_total"}), "mean_total",
        title=t("คะแนนรวมเฉลี่ยรายปี", "Mean total by year", language),
        y_title=t("คะแนน", "Score", language), pass_line=True, partial_years=partial,
        partial_label=t("ข้อมูลบางส่วน", "partial", language))
    share = charts.line_by_year(
        passing, "pass_rate", percent=True, partial_years=partial,
        partial_label=t("ข้อมูลบางส่วน", "partial", language),
        title=t("สัดส่วนหน่วยงานที่ผ่าน (คะแนน ≥ 85)", "Share passing (total ≥ 85)", language))
    charts.add_target_line(share, NATIONAL_PASS_TARGET, t("เป้าหมาย 80%", "Target 80%", language))
    levels = localise_level_legend(charts.stacked_levels(
        localise_levels(_found["levels"]),
        title=t("การกระจายระดับผลการประเมินรายปี (เกณฑ์ของแต่ละปี)",
                "Level distribution by year (each year's own rule)", language)))
    matrix, _ = indicator_matrix(_found["indicator_trend"])
    heat = charts.heatmap(matrix, title=t("คะแนนเฉลี่ยรายตัวชี้วัด × ปี",
                                          "Mean indicator score × year", language),
                          zmin=40, zmax=100)
    # Made inert here, once: render_chart's own pass then finds nothing to change, so no
    # session writes to a figure another may be sending.
    return {"mean": inert_figure(mean), "passing": inert_figure(share),
            "levels": inert_figure(levels), "indicators": inert_figure(heat)}
