"""The report's own sections (header, summary, Table 1, analysis, measures, charts, sources):
each writes itself to DOCX and gives its tables for XLSX. Their order, with the item and
recorded-measure sections, is :data:`ita_analytics.report.contents.SECTIONS`."""

from __future__ import annotations

import io

import pandas as pd
from docx.shared import Cm

from ita_analytics.demo.labels import DEMO_LABEL_TH
from ita_analytics.domain import (
    ACTION_LEVELS,
    BASIS_LABELS,
    PASS_THRESHOLD,
    TOOL_BY_CODE,
    TOOL_CODES,
    agency_type_en,
)
from ita_analytics.exports import SOURCES_SHEET
from ita_analytics.provenance import PART_BY_CODE
from ita_analytics.recommendations import recommendation_for
from ita_analytics.report import charts
from ita_analytics.report.data import ReportData
from ita_analytics.report.docx_tools import (
    TABLE_SIZE,
    add_paragraph,
    add_table,
    merge_cells,
    set_footer,
    start_section,
)
from ita_analytics.report.formatting import (
    MISSING,
    fmt_change,
    fmt_percentile,
    fmt_score,
    is_missing,
    thai_date,
    thai_year,
)
from ita_analytics.report.model import Section, Sheet
from ita_analytics.thai import to_thai_digits


def _place(data: ReportData) -> str:
    parts = []
    if data.district:
        parts.append(f"อำเภอ{data.district}")
    if data.province:
        parts.append(f"จังหวัด{data.province}")
    return " ".join(parts)


def basis_sentence(data: ReportData) -> str:
    """What the numbers rest on: the agency's own basis and its peers' (Thai)."""
    own = BASIS_LABELS[data.basis][0] if data.basis in BASIS_LABELS else MISSING
    peers = " · ".join(f"{BASIS_LABELS[b][0]} {n:,} แห่ง" for b, n in data.peer_basis.items()
                       if n)
    text = f"ผลของหน่วยงานอิงจาก{own}"
    return text + (f" กลุ่มเปรียบเทียบ: {peers}" if peers else "")


def _level_text(level: str | None) -> str:
    return level or MISSING


# --- 1 header ---------------------------------------------------------------------------------

def _header_docx(document, data: ReportData) -> None:
    document.add_heading("รายงานการวิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใส"
                         "ในการดำเนินงานของหน่วยงานภาครัฐ (ITA)", level=0)
    add_paragraph(document, f"ประจำปีงบประมาณ พ.ศ. {thai_year(data.year)}", bold=True, center=True)
    add_paragraph(document, data.name, bold=True, center=True)
    add_paragraph(document, _place(data), center=True)
    add_paragraph(document, f"ประเภทหน่วยงาน {data.agency_type}", center=True)
    add_paragraph(document, f"จัดทำเมื่อวันที่ {thai_date(data.generated_on)}", center=True)
    add_paragraph(document, basis_sentence(data), center=True)
    if data.sources is not None:
        add_paragraph(document, "ที่มาของข้อมูล: " + data.sources.line("agency")
                      + " (ผลของหน่วยงาน); " + data.sources.line("peers")
                      + " (กลุ่มเปรียบเทียบ) — รายละเอียดท้ายรายงาน", size=TABLE_SIZE, center=True)
    if data.is_demo:
        add_paragraph(document, f"หมายเหตุ: {DEMO_LABEL_TH}", bold=True)
        set_footer(document, f"{DEMO_LABEL_TH}")


def _header_sheets(data: ReportData) -> list[Sheet]:
    rows = [("หน่วยงาน", data.name), ("ประเภทหน่วยงาน", data.agency_type),
            ("ประเภทหน่วยงาน (ภาษาอังกฤษ)", agency_type_en(data.agency_type)),
            ("อำเภอ", data.district or MISSING), ("จังหวัด", data.province or MISSING),
            ("ปีงบประมาณ (พ.ศ.)", str(data.year)),
            ("วันที่จัดทำ", thai_date(data.generated_on, thai_digits=False)),
            ("ที่มาของผลปีนี้", own_source_label(data)),
            ("ผลอิงจาก", basis_sentence(data))]
    if data.is_demo:
        rows.append(("หมายเหตุ", DEMO_LABEL_TH))
    return [Sheet("หน่วยงาน", pd.DataFrame(rows, columns=["รายการ", "ข้อมูล"]))]


def own_source_label(data: ReportData) -> str:
    """Where the agency-year's own result comes from, as a reader should see it."""
    labels = data.sources.label if data.sources is not None else (lambda s, lang="th": s)
    return "; ".join(labels(s) for s in (data.year_sources or (data.source,)))


# --- 2 summary --------------------------------------------------------------------------------

def summary_lines(data: ReportData) -> list[str]:
    """The summary's sentences (total, level, change, gap to next level) in Thai."""
    y, py = thai_year(data.year), thai_year(data.prev_year)
    if is_missing(data.total):
        lines = [f"{data.name} มีคะแนนไม่ครบทุกตัวชี้วัดในปี พ.ศ. {y} จึงไม่มีคะแนนรวมและระดับ"]
    else:
        lines = [f"{data.name} ได้คะแนนรวม {fmt_score(data.total, thai_digits=True)} คะแนน "
                 f"ระดับ {_level_text(data.level)} "
                 + ("ผ่านเกณฑ์" if data.passed else "ไม่ผ่านเกณฑ์")
                 + f" (คะแนนรวมไม่ต่ำกว่า {to_thai_digits(f'{PASS_THRESHOLD:.0f}')} คะแนน)"]
    if not data.has_prev:
        lines.append(f"ไม่มีผลการประเมินของปีก่อนหน้า (ปี พ.ศ. {py}) จึงไม่มีการเปรียบเทียบกับปีก่อน")
    elif data.total_prev is None:
        lines.append(f"ปี พ.ศ. {py} มีคะแนนไม่ครบทุกตัวชี้วัด จึงไม่มีคะแนนรวมให้เปรียบเทียบ")
    elif data.total_change is None:
        lines.append(f"ปี พ.ศ. {py} ได้คะแนนรวม {fmt_score(data.total_prev, thai_digits=True)} คะแนน "
                     f"ระดับ {_level_text(data.level_prev)}")
    else:
        lines.append(f"เทียบกับปี พ.ศ. {py} ({fmt_score(data.total_prev, thai_digits=True)} คะแนน "
                     f"ระดับ {_level_text(data.level_prev)}) คะแนนรวมเปลี่ยนแปลง "
                     f"{fmt_change(data.total_change, thai_digits=True)} คะแนน")
    note = data.next_level.get("note_th") if data.next_level else None
    if note:
        lines.append(f"ระดับถัดไป: {note}")
    lines.append(f"ปี พ.ศ. {y} เปรียบเทียบกับ{data.peer_group.label_th}")
    return lines


def _passed_text(passed: bool | None) -> str:
    return MISSING if passed is None else ("ผ่าน" if passed else "ไม่ผ่าน")


def _standings_frame(data: ReportData) -> pd.DataFrame:
    """The standings as the DOCX shows them: ranks and counts whole, the percentile rounded."""
    frame = pd.DataFrame([{
        "กลุ่มเปรียบเทียบ": s.group.label_th, "จำนวนหน่วยงาน": s.n,
        "อันดับ": s.rank,
        "เปอร์เซ็นไทล์": None if is_missing(s.percentile) else int(fmt_percentile(s.percentile)),
        "ค่ามัธยฐานคะแนนรวมของกลุ่ม": s.peer_median if s.peer_median is not None else float("nan"),
    } for s in data.standings])
    return frame.astype({"จำนวนหน่วยงาน": "Int64", "อันดับ": "Int64", "เปอร์เซ็นไทล์": "Int64"})


def _tools_frame(data: ReportData) -> pd.DataFrame:
    return pd.DataFrame([{
        "เครื่องมือ": code, "ชื่อ": TOOL_BY_CODE[code].name_th,
        "น้ำหนัก (%)": TOOL_BY_CODE[code].max_points, "คะแนน": data.tools[code],
    } for code in TOOL_CODES])


def _summary_docx(document, data: ReportData) -> None:
    document.add_heading("๑. สรุปผลการประเมิน", level=1)
    for line in summary_lines(data):
        add_paragraph(document, line, indent=True)
    add_paragraph(document, "คะแนนรายเครื่องมือ", bold=True)
    tools = _tools_frame(data)
    add_table(document, ["เครื่องมือ", "ชื่อ", "น้ำหนัก", "คะแนน"],
              [[r["เครื่องมือ"], r["ชื่อ"], f"{r['น้ำหนัก (%)']:.0f}%", fmt_score(r["คะแนน"])]
               for _, r in tools.iterrows()]
              + [["รวม", "คะแนนรวม ITA", "100%", fmt_score(data.total)]],
              widths_cm=[2.2, 9.3, 2.0, 2.5], align_right={2, 3}, bold_last_row=True)
    add_paragraph(document, "")
    add_paragraph(document, "อันดับและเปอร์เซ็นไทล์ของคะแนนรวมในกลุ่มเปรียบเทียบ "
                            "(อันดับ ๑ = สูงสุด; เปอร์เซ็นไทล์ ๑๐๐ = สูงสุด)", bold=True)
    add_table(document, ["กลุ่มเปรียบเทียบ", "จำนวน", "อันดับ", "เปอร์เซ็นไทล์", "มัธยฐานกลุ่ม"],
              [[s.group.label_th, f"{s.n:,}", MISSING if s.rank is None else f"{s.rank:,}",
                fmt_percentile(s.percentile), fmt_score(s.peer_median)] for s in data.standings],
              widths_cm=[6.5, 2.0, 2.0, 2.8, 2.7], align_right={1, 2, 3, 4})


def _summary_sheets(data: ReportData) -> list[Sheet]:
    rows = [("คะแนนรวม", data.total), ("ระดับ", _level_text(data.level)),
            (f"ผ่านเกณฑ์ (คะแนนรวม ≥ {PASS_THRESHOLD:.0f})", _passed_text(data.passed)),
            *[(code, data.tools[code]) for code in TOOL_CODES],
            (f"คะแนนรวมปี {data.prev_year}",
             data.total_prev if data.total_prev is not None else float("nan")),
            ("เปลี่ยนแปลงจากปีก่อน",
             data.total_change if data.total_change is not None else float("nan"))]
    summary = pd.DataFrame(rows, columns=["รายการ", "ค่า"])
    notes = pd.DataFrame({"สรุป": summary_lines(data)})
    return [Sheet("สรุป", summary, formats={"ค่า": "score"}), Sheet("ข้อความสรุป", notes),
            Sheet("เครื่องมือ", _tools_frame(data), formats={"น้ำหนัก (%)": "count"}),
            Sheet("กลุ่มเปรียบเทียบ", _standings_frame(data))]


# --- 3 Table 1 --------------------------------------------------------------------------------

def table1_header(data: ReportData) -> list[str]:
    return ["ที่", "ตัวชี้วัด", "กลุ่ม", f"ปี {thai_year(data.prev_year)}", f"ปี {thai_year(data.year)}",
            "เปลี่ยนแปลง", "แนวทาง"]


def table1_rows(data: ReportData) -> list[list[str]]:
    """Table 1 as text cells, the overall row last (scores two decimals, "-" where missing)."""
    rows = [[to_thai_digits(str(r["indicator"])), r["name_th"], r["tool"], fmt_score(r["score_prev"]),
             fmt_score(r["score"]), fmt_change(r["change"]), r["action_th"] or MISSING]
            for _, r in data.indicators.iterrows()]
    rows.append(["ผลการประเมินภาพรวม", "", "", fmt_score(data.total_prev), fmt_score(data.total),
                 fmt_change(data.total_change), f"ระดับ : {_level_text(data.level)}"])
    return rows


def _table1_docx(document, data: ReportData) -> None:
    document.add_heading("๒. ผลการประเมินรายตัวชี้วัด", level=1)
    add_paragraph(document, f"ตาราง ๑ ผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ. {thai_year(data.year)} "
                            "รายตัวชี้วัด", bold=True)
    table = add_table(document, table1_header(data), table1_rows(data),
                      widths_cm=[1.1, 4.3, 1.3, 2.3, 2.3, 2.2, 2.5], align_right={3, 4, 5},
                      bold_last_row=True)
    merge_cells(table.rows[-1].cells[0], table.rows[-1].cells[2])  # the overall row's label
    if not data.has_prev:
        add_paragraph(document, f"ไม่มีผลการประเมินของปีก่อนหน้า (ปี พ.ศ. {thai_year(data.prev_year)}) "
                                f"ช่องปีก่อนหน้าและการเปลี่ยนแปลงจึงแสดงเป็น \"{MISSING}\"")
    bands = " ".join(f"{a.name_th} = คะแนน ≥ {a.min_score:.0f}" if a.min_score else
                     f"{a.name_th} = ต่ำกว่า {ACTION_LEVELS[-2].min_score:.0f}"
                     for a in ACTION_LEVELS)
    add_paragraph(document, f"แนวทาง: {bands}; \"{MISSING}\" = ไม่มีข้อมูล (ไม่ใช่ศูนย์)",
                  size=TABLE_SIZE)


def _table1_sheets(data: ReportData) -> list[Sheet]:
    t = data.indicators
    frame = pd.DataFrame({
        "ที่": t["indicator"], "ตัวชี้วัด": t["name_th"], "กลุ่ม": t["tool"],
        f"ปี {data.prev_year}": t["score_prev"], f"ปี {data.year}": t["score"],
        "เปลี่ยนแปลง": t["change"], "แนวทาง": t["action_th"],
    })
    total = {"ที่": "ผลการประเมินภาพรวม", "ตัวชี้วัด": "", "กลุ่ม": "",
             f"ปี {data.prev_year}": data.total_prev if data.total_prev is not None else float("nan"),
             f"ปี {data.year}": data.total,
             "เปลี่ยนแปลง": data.total_change if data.total_change is not None else float("nan"),
             "แนวทาง": f"ระดับ : {_level_text(data.level)}"}
    frame = pd.concat([frame.astype({"ที่": object}), pd.DataFrame([total])], ignore_index=True)
    scores = {c: "score" for c in (f"ปี {data.prev_year}", f"ปี {data.year}", "เปลี่ยนแปลง")}
    return [Sheet("ตาราง 1", frame, formats=scores)]


# --- 4 per-indicator analysis -----------------------------------------------------------------

def _analysis_docx(document, data: ReportData) -> None:
    document.add_heading("๓. การวิเคราะห์รายตัวชี้วัดและข้อเสนอแนะ", level=1)
    if not data.analyses:
        add_paragraph(document, "ทุกตัวชี้วัดอยู่ในระดับรักษาระดับ (คะแนนไม่ต่ำกว่า ๙๕) "
                                "ควรรักษามาตรฐานการดำเนินงานไว้", indent=True)
    for item in data.analyses:
        document.add_heading(f"ตัวชี้วัดที่ {to_thai_digits(str(item.indicator))} {item.name_th} "
                             f"({item.action_th})", level=2)
        for text in item.paragraphs:
            add_paragraph(document, text, indent=True)
        for k, action in enumerate(item.actions, 1):
            add_paragraph(document, f"{to_thai_digits(str(k))}. {action}", indent=True)
    kept = data.indicators[data.indicators["action"] == "maintain"]
    if not kept.empty and data.analyses:
        add_paragraph(document, "ตัวชี้วัดที่อยู่ในระดับรักษาระดับ", bold=True)
        for _, r in kept.iterrows():
            add_paragraph(document, f"ตัวชี้วัดที่ {to_thai_digits(str(r['indicator']))} {r['name_th']} "
                                    f"{fmt_score(r['score'], thai_digits=True)} คะแนน: "
                                    f"{recommendation_for(int(r['indicator'])).maintain_th}",
                          indent=True)


def _analysis_sheets(data: ReportData) -> list[Sheet]:
    frame = pd.DataFrame([{
        "ตัวชี้วัด": a.indicator, "ชื่อ": a.name_th, "คะแนน": a.score, "แนวทาง": a.action_th,
        "การวิเคราะห์": "\n".join(a.paragraphs),
        "ข้อเสนอแนะ": "\n".join(f"{k}. {x}" for k, x in enumerate(a.actions, 1)),
    } for a in data.analyses], columns=["ตัวชี้วัด", "ชื่อ", "คะแนน", "แนวทาง", "การวิเคราะห์",
                                        "ข้อเสนอแนะ"])
    return [Sheet("วิเคราะห์", frame, formats={"คะแนน": "score"}),
            Sheet("ตัวชี้วัดที่อ่อน", weakest_frame(data))]


WEAKEST_HEADER = {
    "indicator": "ตัวชี้วัด", "name_th": "ชื่อ", "tool": "เครื่องมือ", "score": "คะแนน",
    "action_th": "แนวทาง", "gap_to_100": "ห่างจากคะแนนเต็ม", "peer_median": "มัธยฐานกลุ่ม",
    "peer_q3": "ควอร์ไทล์บนกลุ่ม", "gap_to_median": "ต่ำกว่ามัธยฐานกลุ่ม",
    "gap_to_q3": "ต่ำกว่าควอร์ไทล์บนกลุ่ม",
    "gain_to_median": "คะแนนรวมที่เพิ่มได้เมื่อถึงมัธยฐาน",
}
"""The weakest-first table's columns in Thai (gaps are positive when the agency is below)."""


def weakest_frame(data: ReportData) -> pd.DataFrame:
    """The indicators weakest first, with Thai headers and values (no codes)."""
    return data.weakest[list(WEAKEST_HEADER)].rename(columns=WEAKEST_HEADER)


# --- 5 measures for next year ------------------------------------------------------------------

MEASURE_HEADER = ["มาตรการ/โครงการ/กิจกรรม", "ตัวชี้วัดที่เกี่ยวข้อง", "ขั้นตอน/วิธีการปฏิบัติ",
                  "ช่วงระยะเวลาในการดำเนินการ", "ผู้รับผิดชอบ"]


def _measures_docx(document, data: ReportData) -> None:
    start_section(document, landscape=True)
    document.add_heading("๔. มาตรการเพื่อการปรับปรุงหรือพัฒนา ประจำปีงบประมาณ พ.ศ. "
                         f"{thai_year(data.next_year)}", level=1)
    add_paragraph(document, "ร่างจากคลังข้อเสนอแนะตามแนวทางของสำนักงาน ป.ป.ช. "
                            "หน่วยงานปรับแก้มาตรการ ขั้นตอน ระยะเวลา และผู้รับผิดชอบได้ตามบริบท")
    m = data.measures
    add_table(document, MEASURE_HEADER,
              [[r["measure"], r["indicators"], r["steps"], r["period"], r["responsible"]]
               for _, r in m.iterrows()],
              widths_cm=[5.5, 4.0, 9.5, 3.5, 3.2])


def _measures_sheets(data: ReportData) -> list[Sheet]:
    return [Sheet("มาตรการ", data.measures.set_axis(MEASURE_HEADER, axis=1))]


# --- 6 charts ---------------------------------------------------------------------------------

def chart_titles(data: ReportData) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each chart's title, line by line (a line never wider than the chart)."""
    return ((f"คะแนนรวมรายปี ปีงบประมาณ พ.ศ. {data.history['year'].min()}–"
             f"{data.history['year'].max()}", data.name),
            (f"คะแนนรายตัวชี้วัด ปีงบประมาณ พ.ศ. {data.year}",
             f"เทียบกับ{data.peer_group.label_th}"))


def _charts_docx(document, data: ReportData) -> None:
    start_section(document, landscape=False)
    document.add_heading("๕. แผนภูมิ", level=1)
    total_title, peer_title = chart_titles(data)
    document.add_picture(_as_stream(charts.render_total_chart(data.history, total_title,
                                                              digits=data.digits)),
                         width=Cm(15.5))
    add_paragraph(document, f"แผนภูมิ ๑ คะแนนรวมรายปี (เส้นประ = เกณฑ์ผ่าน {PASS_THRESHOLD:.0f} "
                            "คะแนน; ปีที่ไม่มีคะแนนรวมไม่แสดง)", center=True)
    document.add_picture(_as_stream(charts.render_peer_chart(data.profile, peer_title,
                                                             digits=data.digits)),
                         width=Cm(15.5))
    add_paragraph(document, f"แผนภูมิ ๒ คะแนนรายตัวชี้วัดเทียบกับค่ามัธยฐานและควอร์ไทล์บนของ"
                            f"{data.peer_group.label_th}", center=True)


def _charts_sheets(data: ReportData) -> list[Sheet]:
    total_title, peer_title = chart_titles(data)
    history = data.history.rename(columns={"year": "ปี", "total": "คะแนนรวม", "level": "ระดับ",
                                           "passed": "ผ่าน"})
    history["ผ่าน"] = history["ผ่าน"].map(lambda v: _passed_text(None if is_missing(v) else v))
    profile = data.profile.rename(columns={"indicator": "ตัวชี้วัด", "label": "ชื่อ",
                                           "score": "คะแนน", "peer_median": "มัธยฐานกลุ่ม",
                                           "peer_q3": "ควอร์ไทล์บนกลุ่ม"})
    return [Sheet("คะแนนรายปี", history,
                  (charts.render_total_chart(data.history, total_title, digits="arabic"),),
                  formats={"ปี": "year"}),
            Sheet("เทียบกลุ่ม", profile,
                  (charts.render_peer_chart(data.profile, peer_title, digits="arabic"),))]


def _as_stream(png: bytes) -> io.BytesIO:
    return io.BytesIO(png)


# --- 7 sources ----------------------------------------------------------------------------------

def _sources_docx(document, data: ReportData) -> None:
    if data.sources is None:
        return
    document.add_heading("๖. ที่มาของข้อมูล", level=1)
    for part in data.sources.parts():
        spec = PART_BY_CODE[part]
        add_paragraph(document, f"{spec.label_th}: {data.sources.line(part)}", indent=True)
    add_paragraph(document, "แถวที่มีข้อมูลจากหลายแหล่งนับในทุกแหล่งที่มี; กลุ่มเปรียบเทียบคือหน่วยงาน"
                            f"ประเภทเดียวกันหรือในจังหวัดเดียวกัน ปี พ.ศ. {thai_year(data.year)}",
                  size=TABLE_SIZE)
    add_paragraph(document, f"{data.sources.made_text()} ด้วย ITA Analytics", indent=True)
    if data.is_demo:
        add_paragraph(document, f"หมายเหตุ: {DEMO_LABEL_TH}", bold=True)


def _sources_sheets(data: ReportData) -> list[Sheet]:
    if data.sources is None:
        return []
    return [Sheet(SOURCES_SHEET, data.sources.frame())]


HEADER = Section("header", "ส่วนหัว", _header_docx, _header_sheets)
SUMMARY = Section("summary", "สรุปผลการประเมิน", _summary_docx, _summary_sheets)
TABLE1 = Section("table1", "ตาราง ๑ รายตัวชี้วัด", _table1_docx, _table1_sheets)
ANALYSIS = Section("analysis", "การวิเคราะห์รายตัวชี้วัด", _analysis_docx, _analysis_sheets)
MEASURES = Section("measures", "มาตรการปีถัดไป", _measures_docx, _measures_sheets)
CHARTS = Section("charts", "แผนภูมิ", _charts_docx, _charts_sheets)
SOURCES = Section("sources", "ที่มาของข้อมูล", _sources_docx, _sources_sheets)
