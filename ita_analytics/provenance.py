"""What a report or a download rests on: its rows' sources (the synthetic demo, seed documents,
imported files) and the day it was made, in Thai and English.

A source is stored on every row as ``demo``, ``seed:FILE`` or ``import:ID``
(:func:`ita_analytics.store.imports.import_source`); an import's file name and date come from
the imports table. :func:`describe_sources` describes the results under a view's filters (for
a download); the agency report counts its own rows and its peers' (``report.data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd

from ita_analytics.demo.labels import DEMO_LABEL_EN, DEMO_LABEL_TH, DEMO_SOURCE
from ita_analytics.report.formatting import MISSING, thai_date

SEED_PREFIX = "seed:"
IMPORT_PREFIX = "import:"
SEPARATOR = "|"
"""Between an agency-year's sources in a ``sources`` column (``store.sources.SOURCE_SEPARATOR``)."""

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


@dataclass(frozen=True)
class Part:
    """A part of what a report shows, counted in its own unit."""

    code: str
    label_th: str
    label_en: str
    unit_th: str
    unit_en: str


PARTS: tuple[Part, ...] = (
    Part("results", "ผลการประเมิน", "Results", "แถว", "agency-years"),
    Part("agency", "ผลการประเมินของหน่วยงาน (ทุกปี)", "The agency's results (all years)",
         "ปี", "years"),
    Part("peers", "ผลการประเมินของกลุ่มเปรียบเทียบ", "Peers' results", "หน่วยงาน", "agencies"),
    Part("items", "ผลรายข้อ", "Item results", "ข้อ", "items"),
    Part("measures", "มาตรการที่บันทึก", "Recorded measures", "มาตรการ", "measures"),
)
PART_BY_CODE = {p.code: p for p in PARTS}


@dataclass(frozen=True)
class SourceCount:
    """``n`` rows of a part that hold something from ``source``."""

    part: str
    source: str
    n: int


@dataclass(frozen=True)
class ImportRecord:
    """An import as a source names it."""

    import_id: int
    file_name: str
    kind: str
    created_on: date | None
    undone: bool = False


class ImportRecords(dict):
    """Import records by id, shared as they are: a frame's ``attrs`` holding them is deep-copied
    by pandas on every operation on the frame, and these never change."""

    def __deepcopy__(self, memo):
        return self


def source_kind(source: str) -> str:
    """demo, seed, import or other."""
    if source == DEMO_SOURCE:
        return "demo"
    if source.startswith(SEED_PREFIX):
        return "seed"
    if source.startswith(IMPORT_PREFIX) and source[len(IMPORT_PREFIX):].isdigit():
        return "import"
    return "other"


def import_id_of(source: str) -> int | None:
    """The import id in ``import:ID``, None for any other source."""
    return int(source[len(IMPORT_PREFIX):]) if source_kind(source) == "import" else None


def date_en(day: date) -> str:
    """A date in English with its Buddhist-era year: 6 December 2569 B.E."""
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year + 543} B.E."


def _count(n: int) -> str:
    return f"{n:,}"


@dataclass(frozen=True)
class Sources:
    """Where a report's or a download's rows come from, and when it was made."""

    counts: tuple[SourceCount, ...]
    made_on: date
    imports: Mapping[int, ImportRecord] = field(default_factory=dict)

    @property
    def is_demo(self) -> bool:
        """True when any row shown is synthetic demo data."""
        return any(c.source == DEMO_SOURCE and c.n > 0 for c in self.counts)

    @property
    def import_ids(self) -> list[int]:
        return sorted({i for c in self.counts if (i := import_id_of(c.source)) is not None})

    def file_names(self) -> list[str]:
        """The seed documents and imported files named, as written."""
        names = {c.source[len(SEED_PREFIX):] for c in self.counts if source_kind(c.source) == "seed"}
        names |= {r.file_name for r in self.imports.values()}
        return sorted(names)

    def parts(self) -> list[str]:
        """The parts counted, in the order of :data:`PARTS`."""
        present = {c.part for c in self.counts}
        return [p.code for p in PARTS if p.code in present]

    def label(self, source: str, lang: str = "th") -> str:
        """A source as a reader should see it (the file name and id of an import)."""
        kind = source_kind(source)
        th = lang == "th"
        if kind == "demo":
            return "ข้อมูลสาธิต (สังเคราะห์)" if th else "demo data (synthetic)"
        if kind == "seed":
            name = source[len(SEED_PREFIX):]
            return f"เอกสารต้นฉบับ {name}" if th else f"source document {name}"
        if kind == "import":
            import_id = import_id_of(source)
            record = self.imports.get(import_id)
            if record is None:
                return f"นำเข้า หมายเลข {import_id}" if th else f"import no. {import_id}"
            when = ""
            if record.created_on is not None:
                when = f", {thai_date(record.created_on, thai_digits=False) if th else date_en(record.created_on)}"
            undone = (" ยกเลิกแล้ว" if th else ", undone") if record.undone else ""
            return (f"นำเข้า {record.file_name} (หมายเลข {import_id}{when}{undone})" if th
                    else f"import {record.file_name} (no. {import_id}{when}{undone})")
        return source

    def line(self, part: str, lang: str = "th") -> str:
        """One part's sources with their counts: "ข้อมูลสาธิต (สังเคราะห์) 8,235 หน่วยงาน; …"."""
        spec = PART_BY_CODE[part]
        unit = spec.unit_th if lang == "th" else spec.unit_en
        found = sorted((c for c in self.counts if c.part == part and c.n > 0),
                       key=lambda c: (_KIND_ORDER[source_kind(c.source)], c.source))
        if not found:
            return MISSING
        return "; ".join(f"{self.label(c.source, lang)} {_count(c.n)} {unit}" for c in found)

    def summary(self, lang: str = "th") -> str:
        """Every part on one line, then the day made."""
        parts = [f"{(PART_BY_CODE[p].label_th if lang == 'th' else PART_BY_CODE[p].label_en)}: "
                 f"{self.line(p, lang)}" for p in self.parts()]
        made = self.made_text(lang)
        if lang == "th":
            return "ที่มาของข้อมูล — " + (" · ".join(parts) or "ไม่มีข้อมูล") + f" · {made}"
        return "Sources — " + (" · ".join(parts) or "no data") + f" · {made}"

    def made_text(self, lang: str = "th") -> str:
        if lang == "th":
            return f"จัดทำเมื่อ {thai_date(self.made_on, thai_digits=False)}"
        return f"made on {date_en(self.made_on)}"

    def caveat(self, lang: str = "th") -> str | None:
        """The synthetic-data warning when any row is demo, else None."""
        if not self.is_demo:
            return None
        return DEMO_LABEL_TH if lang == "th" else DEMO_LABEL_EN

    def frame(self) -> pd.DataFrame:
        """The sources as a bilingual table (an XLSX sheet "ที่มา (Sources)"): one row per part
        and source, then the day made and the demo caveat."""
        rows = []
        for part in self.parts():
            spec = PART_BY_CODE[part]
            for c in sorted((c for c in self.counts if c.part == part and c.n > 0),
                            key=lambda c: (_KIND_ORDER[source_kind(c.source)], c.source)):
                record = self.imports.get(import_id_of(c.source) or -1)
                rows.append({
                    "ส่วนของข้อมูล / Part": f"{spec.label_th} / {spec.label_en}",
                    "ที่มา / Source": f"{self.label(c.source, 'th')} / {self.label(c.source, 'en')}",
                    "ไฟล์ / File": (record.file_name if record else
                                    c.source[len(SEED_PREFIX):] if source_kind(c.source) == "seed"
                                    else MISSING),
                    "หมายเลขนำเข้า / Import no.": import_id_of(c.source),
                    "จำนวน / Count": c.n,
                    "หน่วย / Unit": f"{spec.unit_th} / {spec.unit_en}",
                })
        columns = ["ส่วนของข้อมูล / Part", "ที่มา / Source", "ไฟล์ / File",
                   "หมายเลขนำเข้า / Import no.", "จำนวน / Count", "หน่วย / Unit"]
        notes = [{columns[0]: "จัดทำเมื่อ / Made on",
                  columns[1]: f"{thai_date(self.made_on, thai_digits=False)} / {date_en(self.made_on)}"}]
        if self.is_demo:
            notes.append({columns[0]: "หมายเหตุ / Note",
                          columns[1]: f"{DEMO_LABEL_TH} / {DEMO_LABEL_EN}"})
        frame = pd.DataFrame([*rows, *notes], columns=columns)
        return frame.astype({"หมายเลขนำเข้า / Import no.": "Int64", "จำนวน / Count": "Int64"})

    def with_counts(self, counts: Iterable[SourceCount],
                    imports: Mapping[int, ImportRecord] | None = None) -> Sources:
        """These sources with more counts (a report's sections) and import records."""
        return replace(self, counts=(*self.counts, *counts),
                       imports={**self.imports, **(imports or {})})


_KIND_ORDER = {"demo": 0, "import": 1, "seed": 2, "other": 3}


def count_sources(frame: pd.DataFrame, part: str) -> list[SourceCount]:
    """The rows of ``frame`` per source, as ``part``: its ``sources`` column (an agency-year's
    sources joined by :data:`SEPARATOR`) or else its ``source`` column. A row with two sources
    counts for each."""
    column = "sources" if "sources" in frame.columns else "source"
    if column not in frame.columns or frame.empty:
        return []
    values = frame[column].dropna().astype(str)
    counts = values.str.split(SEPARATOR, regex=False).explode().value_counts()
    return [SourceCount(part, str(source), int(n)) for source, n in counts.items()]


def import_records(frame: pd.DataFrame) -> ImportRecords:
    """``store.sources.load_import_records`` rows as :class:`ImportRecord` by id."""
    records = ImportRecords()
    for row in frame.itertuples(index=False):
        created = row.created_at
        created_on = None
        if created is not None and not pd.isna(created):
            created_on = created.date() if isinstance(created, datetime | pd.Timestamp) else created
        records[int(row.import_id)] = ImportRecord(int(row.import_id), str(row.file_name),
                                                   str(row.kind), created_on,
                                                   row.status == "undone")
    return records


def load_imports(conn, import_ids: Iterable[int]) -> ImportRecords:
    """The import records of ``import_ids`` from the store."""
    from ita_analytics.store.sources import load_import_records

    ids = sorted(set(import_ids))
    return import_records(load_import_records(conn, ids)) if ids else ImportRecords()


def describe_sources(conn, agency_ids: Iterable[int] | None = None,
                     years: Iterable[int] | None = None, *,
                     agency_types: Iterable[str] | None = None,
                     provinces: Iterable[str] | None = None,
                     made_on: date | None = None) -> Sources:
    """The sources of the results under the filters (None: all), counted in agency-years, with
    the imports they name; ``made_on`` defaults to today. For a download: put
    ``sources.summary(lang)`` beside the button and :func:`ita_analytics.exports.export_bytes_with_sources`
    into the file."""
    from ita_analytics.store.sources import load_source_totals

    totals = load_source_totals(conn, years=years, agency_types=agency_types,
                                provinces=provinces, agency_ids=agency_ids)
    counts = tuple(SourceCount("results", str(r.source), int(r.n))
                   for r in totals.itertuples(index=False))
    sources = Sources(counts, made_on or date.today())
    return replace(sources, imports=load_imports(conn, sources.import_ids))
