"""What a report can be asked for: its file formats, peer groups and digits (standard library
only: the command line's parser reads them without loading the report)."""

from __future__ import annotations

from dataclasses import dataclass

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"docx": DOCX_MIME, "xlsx": XLSX_MIME}


@dataclass(frozen=True)
class PeerGroup:
    """A way of choosing an agency's peers (the ``peers`` argument of the benchmark analyses)."""

    code: str
    label_th: str
    label_en: str


PEER_GROUPS: tuple[PeerGroup, ...] = (
    PeerGroup("type", "หน่วยงานประเภทเดียวกันทั่วประเทศ", "Same type, nationwide"),
    PeerGroup("province", "หน่วยงานทุกประเภทในจังหวัดเดียวกัน", "All types, same province"),
    PeerGroup("type+province", "หน่วยงานประเภทเดียวกันในจังหวัดเดียวกัน", "Same type, same province"),
)
PEER_GROUP_BY_CODE = {g.code: g for g in PEER_GROUPS}

DIGIT_SYSTEMS = ("thai", "arabic")
"""The digits a DOCX report is written in, every number alike: Thai (๑๒๓, the default of Thai
official documents) or Arabic (123). The XLSX keeps Arabic digits: its numbers stay numbers."""
