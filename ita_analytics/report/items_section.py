"""The report's item-level section: weak question items and OIT evidence not passed, as seed 003
lists them by hand ("ประเด็นข้อคำถามข้อ i๒ …", "ข้อ ๐๖ … ไม่ได้รับคะแนน"), each indicator with its
recommendations. Left out when the store holds no items for the agency-year."""

from __future__ import annotations

import pandas as pd

from ita_analytics.analysis.items import (
    WEAK_ITEM_THRESHOLD,
    agency_indicator_check,
    compute_flagged_items,
    indicator_advice,
)
from ita_analytics.demo.labels import DEMO_SOURCE
from ita_analytics.domain import INDICATOR_BY_NUMBER
from ita_analytics.items import UNKNOWN_NAME_EN, UNKNOWN_NAME_TH
from ita_analytics.provenance import count_sources
from ita_analytics.report.data import ReportData
from ita_analytics.report.docx_tools import add_paragraph, add_table
from ita_analytics.report.formatting import MISSING, fmt_score, is_missing, thai_year
from ita_analytics.report.model import Section, Sheet
from ita_analytics.store import items as item_store
from ita_analytics.thai import to_thai_digits

KEY = "items"
ITEMS_HEADER = ["ข้อ", "ชื่อข้อ", "ตัวชี้วัด", "ผลการประเมิน", "แนวทาง"]
UNKNOWN_LABEL = f"{UNKNOWN_NAME_TH} / {UNKNOWN_NAME_EN}"


def load_item_findings(conn, data: ReportData) -> dict | None:
    """The agency-year's items (None when the store holds none): flagged items, indicators 9
    and 10 from the items beside the stored ones, the number of items and their sources."""
    if not item_store.count_items(conn, data.agency_id, data.year):
        return None
    items = item_store.load_items(conn, agency_ids=[data.agency_id], years=[data.year])
    stored = {int(r["indicator"]): r["score"] for _, r in data.indicators.iterrows()
              if int(r["indicator"]) in (9, 10)}
    return {"n_items": len(items), "sources": sorted(set(items["source"])),
            "source_counts": count_sources(items, "items"),
            "flagged": compute_flagged_items(items, WEAK_ITEM_THRESHOLD),
            "check": agency_indicator_check(items, stored)}


def _findings(data: ReportData) -> dict | None:
    return data.extras.get(KEY)


def item_sources(data: ReportData) -> list:
    """The agency-year's items per source (``provenance.SourceCount``); none without items."""
    found = _findings(data)
    return list(found.get("source_counts", [])) if found else []


def item_label(row) -> str:
    """An item's name as the report prints it, or that it is unknown."""
    return row.name_th if isinstance(row.name_th, str) and row.name_th else UNKNOWN_LABEL


def _where(row) -> str:
    if is_missing(row.indicator):
        return "ไม่ทราบ"
    text = f"{int(row.indicator)}"
    return text + (f" ({row.sub_indicator})" if isinstance(row.sub_indicator, str) else "")


def _result(row) -> str:
    if row.reason == "not_passed":
        return "ไม่ผ่าน (ไม่ได้รับคะแนน)"
    return fmt_score(row.score)


def _rows(flagged: pd.DataFrame) -> list[list[str]]:
    return [[r.item, item_label(r), _where(r), _result(r), r.action_th or MISSING]
            for r in flagged.itertuples(index=False)]


def _intro(data: ReportData, found: dict) -> str:
    threshold = to_thai_digits(f"{WEAK_ITEM_THRESHOLD:g}")
    n_items = found["n_items"]
    return (f"ผลการประเมินรายข้อ ประจำปีงบประมาณ พ.ศ. {thai_year(data.year)} "
            f"({to_thai_digits(f'{n_items:,}')} ข้อ) ข้อคำถามที่ได้คะแนนต่ำกว่า {threshold} คะแนน "
            "และข้อมูลที่หน่วยงานเปิดเผยต่อสาธารณะ (OIT) ที่ยังไม่ได้รับคะแนน มีดังนี้")


def items_docx(document, data: ReportData) -> None:
    """The weak items and missing evidence, by indicator, with each indicator's advice."""
    found = _findings(data)
    if found is None:
        return
    document.add_heading("ข้อคำถามและข้อมูล OIT ที่ควรพัฒนา ประจำปีงบประมาณ พ.ศ. "
                         f"{thai_year(data.year)}", level=1)
    if DEMO_SOURCE in found["sources"]:
        add_paragraph(document, "ผลรายข้อเป็นข้อมูลสาธิต (สังเคราะห์) ไม่ใช่ผลการประเมินจริง", bold=True)
    flagged: pd.DataFrame = found["flagged"]
    if flagged.empty:
        add_paragraph(document, "ทุกข้อคำถามได้คะแนนไม่ต่ำกว่า "
                                f"{to_thai_digits(f'{WEAK_ITEM_THRESHOLD:g}')} คะแนน และข้อมูล OIT "
                                "ได้รับคะแนนครบทุกข้อที่บันทึกไว้", indent=True)
    else:
        add_paragraph(document, _intro(data, found), indent=True)
        add_table(document, ITEMS_HEADER, _rows(flagged), widths_cm=[1.4, 8.0, 2.2, 3.0, 2.4])
        for number, part in flagged.groupby("indicator", dropna=False, sort=True):
            if is_missing(number):
                add_paragraph(document, "ข้อที่ไม่ทราบว่าอยู่ในตัวชี้วัดใด: "
                                        + ", ".join(part["item"]), indent=True)
                continue
            number = int(number)
            focus, actions = indicator_advice(number)
            add_paragraph(document, f"ตัวชี้วัดที่ {to_thai_digits(str(number))} "
                                    f"{INDICATOR_BY_NUMBER[number].name_th}: ข้อ "
                                    + ", ".join(part["item"]), bold=True)
            if focus:
                add_paragraph(document, focus, indent=True)
            for k, action in enumerate(actions, 1):
                add_paragraph(document, f"{to_thai_digits(str(k))}. {action}", indent=True)
    for number, result in found["check"]["indicators"].items():
        if result["from_items"] is None:
            continue
        line = (f"ตัวชี้วัดที่ {to_thai_digits(str(number))} คำนวณจากผลรายข้อ OIT ได้ "
                f"{fmt_score(result['from_items'], thai_digits=True)} คะแนน")
        if result["stored"] is None:
            line += " (ไม่มีคะแนนตัวชี้วัดที่บันทึกไว้ให้เทียบ)"
        elif result["contradiction"]:
            line += (f" ไม่ตรงกับคะแนนที่บันทึกไว้ {fmt_score(result['stored'], thai_digits=True)} "
                     "คะแนน ควรตรวจสอบข้อมูล")
        else:
            line += " ตรงกับคะแนนที่บันทึกไว้"
        add_paragraph(document, line, indent=True)


def items_sheets(data: ReportData) -> list:
    """The flagged items as one XLSX sheet (none when the store holds no items)."""
    found = _findings(data)
    if found is None:
        return []
    flagged: pd.DataFrame = found["flagged"]
    frame = pd.DataFrame({
        "ข้อ": flagged["item"], "เครื่องมือ": flagged["tool"],
        "ตัวชี้วัด": flagged["indicator"].astype("Int64"), "ตัวชี้วัดย่อย": flagged["sub_indicator"],
        "ชื่อข้อ": [item_label(r) for r in flagged.itertuples(index=False)],
        "คะแนน": flagged["score"].astype("float64"),
        "ผล": ["ไม่ผ่าน" if r == "not_passed" else "ต่ำกว่าเกณฑ์" for r in flagged["reason"]],
        "แนวทาง": flagged["action_th"], "ข้อเสนอแนะ": flagged["recommendation_th"],
    })
    return [Sheet("รายข้อที่ควรพัฒนา", frame)]


SECTION = Section(KEY, "ข้อคำถามและข้อมูล OIT ที่ควรพัฒนา", items_docx, items_sheets,
                  load=load_item_findings, sources=item_sources)
"""After the per-indicator analysis (issue 20); left out when the store holds no items for the
agency-year."""
