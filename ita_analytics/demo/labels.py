"""How demo rows are marked in the store and what every view says when it shows them."""

from __future__ import annotations

DEMO_SOURCE = "demo"
"""The ``source`` of every synthetic row."""
DEMO_LABEL_TH = "ข้อมูลสาธิต (สังเคราะห์) — ไม่ใช่ผลการประเมินจริง ยกเว้นแถวที่ระบุแหล่งที่มาจากเอกสารต้นฉบับ"
DEMO_LABEL_EN = ("Demo data (synthetic) — not real assessment results, except rows marked with "
                 "their source document")
