"""The agency's Thai analysis report (DOCX and XLSX): data assembly, sections, writers, charts.

Names are loaded on first use (PEP 562): ``from ita_analytics import report`` costs nothing, so
the command line can name the report's options without importing pandas or matplotlib.
"""

from __future__ import annotations

import importlib

from ita_analytics.report.options import FORMATS, PEER_GROUPS

_SOURCES = {
    "ReportData": "data", "build_indicator_table": "data", "build_measures": "data",
    "build_report_data": "data", "find_nearest_peers": "data", "load_report_results": "data",
    "SECTIONS": "contents", "load_report_data": "contents", "with_section": "contents",
    "Section": "model", "Sheet": "model",
    "render": "writers", "render_docx": "writers", "render_xlsx": "writers",
    "report_file_name": "writers",
}

__all__ = ["FORMATS", "PEER_GROUPS", *_SOURCES]


def __getattr__(name: str):
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
