"""The agency's Thai analysis report (DOCX and XLSX): data assembly, sections, writers, charts."""

from ita_analytics.report.data import (
    PEER_GROUPS,
    ReportData,
    build_indicator_table,
    build_measures,
    build_report_data,
    find_nearest_peers,
    load_report_data,
    load_report_results,
)
from ita_analytics.report.sections import SECTIONS, Section, Sheet, with_section
from ita_analytics.report.writers import (
    FORMATS,
    render,
    render_docx,
    render_xlsx,
    report_file_name,
)

__all__ = [
    "FORMATS", "PEER_GROUPS", "SECTIONS", "ReportData", "Section", "Sheet",
    "build_indicator_table", "build_measures", "build_report_data", "find_nearest_peers", "load_report_data",
    "load_report_results", "render", "render_docx", "render_xlsx", "report_file_name",
    "with_section",
]
