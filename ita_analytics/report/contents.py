"""The report's contents: its sections in order, listed once, and the report's data loaded with
what each section needs from the store."""

from __future__ import annotations

from datetime import date

from ita_analytics.provenance import SourceCount, load_imports
from ita_analytics.report import items_section, measures_section, sections
from ita_analytics.report.data import ReportData, build_report_data, load_report_results
from ita_analytics.report.model import Section

SECTIONS: tuple[Section, ...] = (
    sections.HEADER,
    sections.SUMMARY,
    sections.TABLE1,
    sections.ANALYSIS,
    items_section.SECTION,       # weak items and missing OIT evidence (when items are stored)
    sections.MEASURES,
    measures_section.SECTION,    # the agency's recorded measures (when it recorded any)
    sections.CHARTS,
    sections.SOURCES,
)
"""The report's sections in order. To add one, build a :class:`Section` (with a ``load`` to
fetch what it needs into ``data.extras[key]``) and list it here, or pass
:func:`with_section`'s copy to the loader and the writers."""


def with_section(section: Section, *, after: str, sections: tuple[Section, ...] = SECTIONS
                 ) -> tuple[Section, ...]:
    """A copy of ``sections`` with ``section`` inserted after the one keyed ``after``."""
    keys = [s.key for s in sections]
    index = keys.index(after) + 1
    return (*sections[:index], section, *sections[index:])


def load_report_data(conn, agency_id: int, year: int, *, peers: str = "type",
                     today: date | None = None, sections: tuple[Section, ...] = SECTIONS,
                     digits: str = "thai") -> ReportData:
    """:func:`~ita_analytics.report.data.build_report_data` from the store; sections with a
    loader add their extras, and the sources of what they show."""
    results = load_report_results(conn, [agency_id], year)
    data = build_report_data(results, agency_id, year, peers=peers, today=today, digits=digits)
    added: list[SourceCount] = []
    for section in sections:
        if section.load is not None:
            data.extras[section.key] = section.load(conn, data)
            if section.sources is not None:
                added += section.sources(data)
    if added and data.sources is not None:
        more = data.sources.with_counts(added)
        known = set(more.imports)
        data.sources = more.with_counts((), load_imports(
            conn, [i for i in more.import_ids if i not in known]))
    return data
