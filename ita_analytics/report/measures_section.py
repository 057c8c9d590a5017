"""The agency's recorded measures as a report section, in the layout of seeds 001 and 003."""

from __future__ import annotations

import pandas as pd

from ita_analytics.measures import format_period_th
from ita_analytics.provenance import count_sources
from ita_analytics.report.data import ReportData
from ita_analytics.report.docx_tools import add_paragraph, add_table, start_section
from ita_analytics.report.formatting import MISSING, thai_year
from ita_analytics.report.model import Section, Sheet
from ita_analytics.store import measures as measure_store

RECORDED_HEADER = ["มาตรการ/โครงการ/กิจกรรม", "ตัวชี้วัด", "ขั้นตอน/วิธีการปฏิบัติ",
                   "ช่วงระยะเวลา", "ผู้รับผิดชอบ", "สถานะ", "ผลการดำเนินการ (Output)",
                   "ผลลัพธ์/ผลสัมฤทธิ์ (Outcome)"]


def load_recorded_measures(conn, data: ReportData) -> pd.DataFrame:
    """The agency's measures of the report's year and the next, as rows of :data:`RECORDED_HEADER`
    plus ``year`` and ``source``."""
    frame = measure_store.load_measures(conn, agency_ids=[data.agency_id],
                                        years=[data.year, data.next_year])
    rows = []
    for m in frame.itertuples(index=False):
        period = m.period_text or format_period_th(
            m.start_month.date() if pd.notna(m.start_month) else None,
            m.end_month.date() if pd.notna(m.end_month) else None)
        rows.append([m.title, ", ".join(map(str, m.indicators)) or MISSING, m.steps or MISSING,
                     period, m.responsible or MISSING, m.status or MISSING, m.output or MISSING,
                     m.outcome or MISSING, int(m.year), m.source])
    return pd.DataFrame(rows, columns=[*RECORDED_HEADER, "year", "source"])


def _recorded(data: ReportData) -> pd.DataFrame:
    return data.extras.get("recorded_measures",
                           pd.DataFrame(columns=[*RECORDED_HEADER, "year", "source"]))


def recorded_sources(data: ReportData) -> list:
    """The recorded measures per source (``provenance.SourceCount``)."""
    return count_sources(_recorded(data), "measures")


def recorded_docx(document, data: ReportData) -> None:
    """A landscape table per fiscal year (nothing when the agency recorded no measures)."""
    frame = _recorded(data)
    if frame.empty:
        return
    start_section(document, landscape=True)
    document.add_heading("มาตรการที่หน่วยงานบันทึกไว้ ประจำปีงบประมาณ พ.ศ. "
                         f"{thai_year(data.year)}–{thai_year(data.next_year)}", level=1)
    add_paragraph(document, "รายละเอียดมาตรการ โครงการ และกิจกรรมตามที่หน่วยงานบันทึกไว้ "
                            "พร้อมสถานะและผลการดำเนินการ")
    for year, part in frame.groupby("year"):
        add_paragraph(document, f"ปีงบประมาณ พ.ศ. {thai_year(year)}", bold=True)
        add_table(document, RECORDED_HEADER, part[RECORDED_HEADER].astype(str).values.tolist(),
                  widths_cm=[4.5, 1.6, 5.5, 2.8, 2.6, 2.2, 3.6, 3.6])


def recorded_sheets(data: ReportData) -> list:
    """The recorded measures as one XLSX sheet (none when the agency recorded none)."""
    frame = _recorded(data)
    if frame.empty:
        return []
    shown = frame[[*RECORDED_HEADER, "year"]].rename(columns={"year": "ปีงบประมาณ"})
    return [Sheet("มาตรการที่บันทึก", shown, formats={"ปีงบประมาณ": "year"})]


SECTION = Section("recorded_measures", "มาตรการที่หน่วยงานบันทึกไว้", recorded_docx, recorded_sheets,
                  load=load_recorded_measures, sources=recorded_sources)
"""After the measures for next year, as the library's drafts do (issue 9); left out of a report
when the agency recorded none."""
