"""The import template and the validation report, as xlsx bytes with Thai headers."""

from __future__ import annotations

import pandas as pd

from ita_analytics.domain import INDICATORS, TOOLS
from ita_analytics.exports import to_xlsx_bytes
from ita_analytics.importer.issues import issues_frame
from ita_analytics.importer.plan import ImportPlan

TEMPLATE_COLUMNS = [
    "ลำดับ", "ชื่อหน่วยงาน", "ประเภทหน่วยงาน", "อำเภอ", "จังหวัด", "ปีงบประมาณ",
    *[f"ตัวชี้วัดที่ {i.number} {i.name_th}" for i in INDICATORS],
    *[t.code for t in TOOLS], "คะแนนรวม", "ระดับ",
]
"""Columns of the template, Thai headers as the importer recognises them."""


def template_frames() -> dict[str, pd.DataFrame]:
    """The template's sheets: an empty data sheet and a sheet of instructions.

    The example is written as one line of text, so that a filled-in template never imports it.
    """
    data = pd.DataFrame(columns=TEMPLATE_COLUMNS)
    example = " | ".join(str(v) for v in (
        1, "เทศบาลตำบลทุ่งผึ้ง", "เทศบาลตำบล", "แจ้ห่ม", "ลำปาง", 2568,
        98.29, 99.15, 100, 97.95, 100, 96.22, 96.12, 95.17, 90.00, 100,
        99.08, 95.84, 95.00, 96.47, "ผ่านดีเยี่ยม"))
    notes = pd.DataFrame({
        "คำอธิบาย": [
            "กรอกหนึ่งแถวต่อหนึ่งหน่วยงานต่อหนึ่งปีในชีต \"ผลการประเมิน\"",
            "คะแนนตัวชี้วัดเป็น 0–100 ทศนิยมสองตำแหน่ง; ไม่มีคะแนนให้เว้นว่างหรือใส่ - (ไม่ใช่ 0)",
            "ชื่อหน่วยงานเขียนย่อได้ (อบต./ทต.) ต้องมีจังหวัด และอำเภอสำหรับหน่วยงานส่วนท้องถิ่น",
            "ปีงบประมาณเป็น พ.ศ. (เช่น 2568) หรือ ค.ศ.; ถ้าไม่มีคอลัมน์ปี ให้ระบุปีตอนนำเข้า",
            "IIT/EIT/OIT คะแนนรวม และระดับ ไม่บังคับ: ถ้ากรอกจะเก็บไว้เทียบกับค่าที่คำนวณ "
            "(IIT/EIT/OIT กรอกได้ทั้งแบบ 0–100 หรือคะแนนถ่วงน้ำหนักเต็ม 30/30/40)",
            "ตัวอย่าง: " + example,
        ],
        "Notes": [
            "One row per agency per year in the sheet \"ผลการประเมิน\"",
            "Indicator scores 0–100 with two decimals; leave missing scores blank or '-' (not 0)",
            "Agency names may be abbreviated (อบต./ทต.); give the province, and the district for "
            "local agencies",
            "Fiscal year in B.E. (e.g. 2568) or C.E.; without a year column give the year when "
            "importing",
            "IIT/EIT/OIT, total and level are optional: kept beside the computed values "
            "(tools as 0–100 or as weighted points out of 30/30/40)",
            "Example: " + example,
        ],
    })
    return {"ผลการประเมิน": data, "คำอธิบาย": notes}


def template_xlsx_bytes() -> bytes:
    """The downloadable import template (xlsx)."""
    return to_xlsx_bytes(template_frames())


def report_frames(plan: ImportPlan) -> dict[str, pd.DataFrame]:
    """The validation report's sheets: summary, errors, warnings, columns, preview tables."""
    summary = pd.DataFrame([
        ("ไฟล์ / file", plan.file_name), ("SHA-256", plan.sha256),
        ("สถานะ / status", plan.status), ("ปี / years", ", ".join(str(y) for y in plan.years)),
        ("แถว / rows", plan.rows), ("หน่วยงาน / agencies", plan.agencies),
        ("หน่วยงานใหม่ / new agencies", len(plan.new_agencies)),
        ("คะแนนที่แทนที่ / replaced scores", plan.replaced_scores),
        ("ข้อผิดพลาด / errors", len(plan.errors)), ("คำเตือน / warnings", len(plan.warnings)),
    ], columns=["รายการ / item", "ค่า / value"])
    return {
        "สรุป": summary,
        "ข้อผิดพลาด": issues_frame(plan.errors),
        "คำเตือน": issues_frame(plan.warnings),
        "คอลัมน์": plan.mapping_frame(),
        "หน่วยงานใหม่": plan.new_agencies.drop(columns=["ref", "name_key"]),
        "ข้อเสนอจับคู่": plan.suggestions.drop(columns=["name_key", "decision"]),
        "คะแนนที่แทนที่": plan.replaced,
    }


def report_xlsx_bytes(plan: ImportPlan) -> bytes:
    """The validation report of a plan (xlsx), for download from the import page."""
    return to_xlsx_bytes(report_frames(plan))
