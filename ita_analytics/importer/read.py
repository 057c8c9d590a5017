"""Reading an uploaded spreadsheet (xlsx or csv) into plain sheets of cell values, safely."""

from __future__ import annotations

import csv
import html
import io
import itertools
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from ita_analytics import settings
from ita_analytics.errors import ItaError
from ita_analytics.importer.messages import NOTHING, Text, code_of, texts

XLSX_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A real workbook's XML compresses about 5–30 times; far more is a zip bomb.
MAX_COMPRESSION_RATIO = 200
MAX_UNCOMPRESSED_MB = 500
MAX_ZIP_ENTRIES = 2000
# Cells in one sheet: a national file has about 200,000; readers hold every cell in memory.
MAX_CELLS = 3_000_000
# Errors zipfile raises for archives it cannot read: bad data, encrypted entries
# (RuntimeError), compression methods it lacks (NotImplementedError), and zlib.error.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
               RuntimeError, NotImplementedError, zlib.error)


class ImportRejected(ItaError):
    """A file that cannot be read at all; ``code`` names the reason (empty, too_large, …)."""

    def __init__(self, code: str, message_th: str, message_en: str):
        super().__init__(message_th, message_en)
        self.code = code

    @classmethod
    def of(cls, key: str, **values) -> ImportRejected:
        """The refusal worded by the catalogue's ``key`` (:mod:`ita_analytics.importer.messages`)."""
        return cls(code_of(key), *texts(key, **values))


@dataclass
class Sheet:
    """One sheet as read: ``rows`` of cell values (row 0 is spreadsheet row 1, column 0 is A).

    Values are str, float, int, bool, datetime or None; formulas are never evaluated, their
    last computed values are read. A cell merged down several rows (e.g. a province over its
    agencies) has its value repeated in each row; other merged cells are empty but the first.
    ``formula_cells`` counts cells holding a formula and
    ``formulas_without_value`` those with no computed value saved in the file.
    """

    name: str
    rows: list[list] = field(default_factory=list)
    hidden: bool = False
    formula_cells: int = 0
    formulas_without_value: int = 0
    first_formula_without_value: tuple[int, int] | None = None
    """(row, col), 0-based, of the first formula cell with no computed value."""


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → A, 27 → AB): openpyxl's."""
    # Imported on first use rather than with the importer: openpyxl takes about 0.3 s to load.
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _column_index(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number - 1


def _reject_size(data: bytes, file_name: str) -> None:
    limit = settings.get("upload_max_mb")
    size_mb = len(data) / 1_048_576
    if size_mb > limit:
        raise ImportRejected.of("too_large", file=file_name, size_mb=size_mb, limit=limit)


def _check_shape(sheet_name: str, file_name: str, n_rows: int, n_cols: int) -> None:
    max_rows = settings.get("import_max_rows")
    max_cols = settings.get("import_max_columns")
    if n_rows > max_rows:
        raise ImportRejected.of("too_many_rows", file=file_name, sheet_name=sheet_name,
                                n_rows=n_rows, max_rows=max_rows)
    if n_cols > max_cols:
        raise ImportRejected.of("too_many_columns", file=file_name, sheet_name=sheet_name,
                                n_cols=n_cols, max_cols=max_cols)


def read_tables_here(data: bytes, file_name: str) -> list[Sheet]:
    """What :func:`ita_analytics.importer.sandbox.read_tables` does, in this process and
    without its limits on memory and time: for the sandbox's child process, and for tests of
    the checks themselves."""
    refuse_at_once(data, file_name)
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, file_name)
    return [_read_csv(data, file_name)]


def refuse_at_once(data: bytes, file_name: str) -> None:
    """Refusals that need no parsing: empty, too large, old or encrypted Excel, not a zip."""
    if not data or not data.strip():
        raise ImportRejected.of("empty", file=file_name)
    _reject_size(data, file_name)
    if data.startswith(OLE_MAGIC):
        raise ImportRejected.of("unsupported_format", file=file_name)
    if not data.startswith(ZIP_MAGIC) and file_name.lower().endswith(XLSX_SUFFIXES):
        raise ImportRejected.of("not_xlsx", file=file_name)


# --- CSV --------------------------------------------------------------------------------------

def decode_text(data: bytes, file_name: str) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16/32 with BOM, else cp874 (Thai
    Windows). A file mixing UTF-8 Thai with cp874 lines is refused, not turned into mojibake."""
    for bom, encoding in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                          (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            if _looks_like_text(text):
                return text
            break
    else:
        if b"\x00" not in data:
            try:
                return data.decode("utf-8-sig")
            except UnicodeDecodeError:
                pass
            if _UTF8_THAI.search(data):
                raise ImportRejected.of("mixed_encoding", file=file_name)
            try:
                text = data.decode("cp874")
            except UnicodeDecodeError:
                text = None
            # cp874 decodes most bytes, so also require that the text is mostly Thai/ASCII.
            if text is not None and _looks_like_text(text):
                return text
    raise ImportRejected.of("unreadable", file=file_name)


# Thai letters as UTF-8 (E0 B8/B9 xx): in a file that is not valid UTF-8, the sign of a mix.
_UTF8_THAI = re.compile(rb"(?:\xe0[\xb8\xb9][\x80-\xbf]){2}")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    odd = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return odd <= len(sample) // 100


DELIMITERS = (",", ";", "\t", "|")
"""Delimiters a CSV file may use, the most usual first (it wins a tie)."""
SNIFF_CHARS = 65536
SNIFF_ROWS = 50


def guess_delimiter(text: str) -> str:
    """The delimiter that splits the first rows of ``text`` into the same number of fields
    most often (title lines of one field aside); a comma when none splits anything.

    Each candidate is tried with the csv reader on the first :data:`SNIFF_ROWS` rows of
    the first :data:`SNIFF_CHARS` characters: linear in C. csv.Sniffer's quote patterns
    scan the rest of a line from every quote (15–28 s for a 64 KB line, holding the GIL).
    """
    sample = text[:SNIFF_CHARS]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths: dict[int, int] = {}
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            for row in itertools.islice(reader, SNIFF_ROWS):
                if len(row) > 1:
                    widths[len(row)] = widths.get(len(row), 0) + 1
        except csv.Error:
            pass  # a field cut at the sample's end, or too long: judge the rows before it
        if widths:
            width, rows = max(widths.items(), key=lambda item: (item[1], item[0]))
            if (rows, width) > best_score:
                best, best_score = delimiter, (rows, width)
    return best


def _read_csv(data: bytes, file_name: str) -> Sheet:
    text = decode_text(data, file_name)
    delimiter = guess_delimiter(text)
    rows = []
    max_rows = settings.get("import_max_rows")
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([cell if cell != "" else None for cell in row])
            if len(rows) > max_rows + 50:
                break
    except csv.Error as error:
        raise ImportRejected.of("unreadable/csv", file=file_name, error=error) from error
    width = max((len(r) for r in rows), default=0)
    name = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "csv"
    _check_shape(name, file_name, len(rows), width)
    if not any(any(v is not None and str(v).strip() for v in r) for r in rows):
        raise ImportRejected.of("empty", file=file_name)
    return Sheet(name=name, rows=rows)


# --- XLSX -------------------------------------------------------------------------------------

def _damaged(file_name: str, detail: str = "") -> ImportRejected:
    return ImportRejected.of("damaged", file=file_name,
                             detail=texts("damaged.detail", detail=detail) if detail else NOTHING)


def _check_zip(data: bytes, file_name: str) -> zipfile.ZipFile:
    """Open the archive and refuse zip bombs before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _ZIP_ERRORS as error:
        raise _damaged(file_name) from error
    names = {i.filename for i in infos}
    if len({n.lower().replace("\\", "/") for n in names}) != len(infos):
        # Readers disagree on which of two same-named parts counts: what was checked could
        # differ from what is read.
        raise _damaged(file_name, "duplicate parts")
    if "xl/workbook.xml" not in names:
        raise ImportRejected.of("not_xlsx/zip", file=file_name)
    total = sum(i.file_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1_000_000),
                default=0)
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED_MB * 1_048_576 \
            or worst > MAX_COMPRESSION_RATIO:
        raise ImportRejected.of("zip_bomb", file=file_name, size_mb=total / 1_048_576)
    return archive


# Cells and rows in every spelling XML allows and the readers take: a namespace prefix
# (<x:c>), either quote, spaces around "=", column letters of either case and any number.
_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_REF_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF_VALUE = re.compile(rb"\s*\$?([A-Za-z]+)\$?(\d+)\s*")
_ROW_REF_VALUE = re.compile(rb"\s*\$?(\d+)\s*")
_ERROR_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*(?:"e"|'e')""")
_CELL_START = re.compile(rb"<c(?=[\s/>])")
_ROW_START = re.compile(rb"<row(?=[\s/>])")
# The spelling every writer seen here uses, counted in C (see _scan_plain).
_PLAIN_CELL_REF = re.compile(rb'<c(?=[\s/>])[^>]*?\sr="([A-Z]{1,3})(\d{1,9})"')
_PLAIN_ROW_REF = re.compile(rb'<row(?=[\s/>])[^>]*?\sr="(\d{1,9})"')
_ANY_REF = re.compile(rb"r\s*=")
# Literals that send a buffer to the token loop: namespace prefixes on sheet elements, and
# single quotes (attributes in them, or an r= hidden inside another attribute's value).
_NOT_PLAIN = (b":c", b":row", b":f", b":v", b"'")
# One pass over a sheet's XML: row and cell starts, formulas (and those whose cell saves no
# computed value: no <v> with content after the formula), and values (for error cells).
_SHEET_TOKEN = re.compile(
    rb"<" + _PREFIX + rb"row(?=[\s/>])(?P<row>[^>]*)>"
    rb"|<" + _PREFIX + rb"c(?=[\s/>])(?P<cell>[^>]*)>"
    rb"|(?P<nov>(?:<" + _PREFIX + rb"f\b[^>]*/>|</" + _PREFIX + rb"f>)(?!\s*<" + _PREFIX
    + rb"v>[^<]))"
    rb"|(?P<f><" + _PREFIX + rb"f\b)|<" + _PREFIX + rb"v>(?P<v>[^<]*)")
_FAR = 1 << 40
"""A row or column number written with too many digits or letters to convert: beyond
every limit (a reader takes it as given)."""
# Shared strings declare how many distinct strings follow; calamine reserves memory for that
# many at once (2e9 aborts the process), and each needs bytes in the part: more is a lie.
_DECLARED_COUNT = re.compile(rb'\buniqueCount="(\d{1,30})"')
_DTD_MARKS = tuple(mark.encode(enc) for mark in ("<!DOCTYPE", "<!ENTITY")
                   for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_CHUNK = 1 << 20
_BINARY_PARTS = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".tiff", ".bmp")
MAX_ERROR_CELLS = 200


@dataclass
class _SheetXmlFacts:
    max_row: int = 0
    max_col: int = 0
    cells: int = 0
    formula_cells: int = 0
    formulas_without_value: int = 0
    first_formula_without_value: tuple[int, int] | None = None
    error_cells: list[tuple[int, int, str]] = field(default_factory=list)
    """(row, col, text) of cells holding an error value such as #DIV/0! (0-based)."""


def _xml_unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"),
                         ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def _attribute_value(match: re.Match) -> bytes:
    """The value of an attribute matched with its two quotes as two groups, with character
    references (&#65;) resolved as an XML parser would."""
    value = match.group(1) if match.group(1) is not None else match.group(2)
    if b"&" in value:
        value = html.unescape(value.decode("utf-8", errors="replace")).encode()
    return value


def _cell_position(attrs: bytes) -> tuple[int, int] | None:
    """(row, col), 0-based, that a cell's attributes place it at, or None (no reference: the
    cell follows the previous one). Of several r= the farthest counts."""
    position = None
    for match in _REF_ATTRIBUTE.finditer(attrs):
        ref = _CELL_REF_VALUE.fullmatch(_attribute_value(match))
        if ref is None:
            continue  # not a reference: the readers refuse the file
        letters, digits = ref.groups()
        col = _column_index(letters.decode().upper()) if len(letters) <= 4 else _FAR
        row = int(digits) - 1 if len(digits) <= 12 else _FAR
        position = (row, col) if position is None else \
            (max(position[0], row), max(position[1], col))
    return position


def _row_position(attrs: bytes) -> int | None:
    """The 0-based row that a row's attributes name, or None (it follows the previous one)."""
    rows = [int(ref.group(1)) - 1 if len(ref.group(1)) <= 12 else _FAR
            for match in _REF_ATTRIBUTE.finditer(attrs)
            if (ref := _ROW_REF_VALUE.fullmatch(_attribute_value(match)))]
    return max(rows) if rows else None


def _chunks(archive: zipfile.ZipFile, path: str):
    """The part's bytes, one megabyte at a time (never the whole part in memory)."""
    with archive.open(path) as part:
        while True:
            chunk = part.read(_CHUNK)
            if not chunk:
                return
            yield chunk


def _last_start(buffer: bytes) -> int:
    """Where the buffer's last cell or row element starts (any prefix), or -1."""
    cut = max(buffer.rfind(b"<c "), buffer.rfind(b"<c>"), buffer.rfind(b"<row"))
    for tail in (b":c ", b":c>", b":row"):
        at = buffer.rfind(tail)
        if at > cut:
            cut = buffer.rfind(b"<", 0, at)
    return cut


def _too_big(fact: _SheetXmlFacts, limits: tuple[int, int]) -> bool:
    return fact.max_row > limits[0] or fact.max_col > limits[1] or fact.cells > MAX_CELLS \
        or fact.max_row * fact.max_col > MAX_CELLS


def _scan_sheet(archive: zipfile.ZipFile, path: str, limits: tuple[int, int]) -> _SheetXmlFacts:
    """Extent, cells, formulas and error cells of a sheet, streamed; stops once past ``limits``
    (rows, columns) or :data:`MAX_CELLS`, so a sheet of a million rows is never held in
    memory. Any spelling of cells and rows is read (see _SHEET_TOKEN)."""
    scan = _TokenScan(_SheetXmlFacts())
    for buffer in _whole_pieces(archive, path):
        plain = _scan_plain(buffer, scan.fact, (scan.row, scan.col))
        if plain is None:
            scan.read(buffer)
        else:
            scan.row, scan.col = plain
            scan.pending_error = None
        if _too_big(scan.fact, limits):
            break
    return scan.fact


def _whole_pieces(archive: zipfile.ZipFile, path: str):
    """The part's bytes in pieces of about a megabyte, each cut before the last row or cell
    start in it (the rest goes on with the next), so that every token of a piece is whole."""
    carry = b""
    for chunk in _chunks(archive, path):
        buffer = carry + chunk
        cut = _last_start(buffer)
        if cut <= 0:
            cut = buffer.rfind(b"<") if len(buffer) > 16 * _CHUNK else 0
        yield buffer[:cut]
        carry = buffer[cut:]
    yield carry


@dataclass
class _TokenScan:
    """The token loop over a sheet's XML: the facts so far, the row and column reached
    (0-based), and the cell typed as an error whose value is still to come."""

    fact: _SheetXmlFacts
    row: int = -1
    col: int = -1
    pending_error: tuple[int, int] | None = None

    def read(self, buffer: bytes) -> None:
        """Count the tokens of a piece one by one: the way for what _scan_plain leaves."""
        fact = self.fact
        for match in _SHEET_TOKEN.finditer(buffer):
            kind = match.lastgroup
            if kind == "row":
                attrs = match.group("row")
                named = _row_position(attrs) if b"r" in attrs else None
                self.row = named if named is not None else self.row + 1
                self.col = -1
                fact.max_row = max(fact.max_row, self.row + 1)
            elif kind == "cell":
                attrs = match.group("cell")
                position = _cell_position(attrs) if b"r" in attrs else None
                if position:
                    self.row = max(self.row, position[0])
                    self.col = position[1]
                    fact.max_row = max(fact.max_row, self.row + 1)
                else:
                    self.col += 1
                fact.max_col = max(fact.max_col, self.col + 1)
                fact.cells += 1
                self.pending_error = (self.row, self.col) \
                    if b"t" in attrs and _ERROR_TYPE.search(attrs) else None
            elif kind == "f":
                fact.formula_cells += 1
            elif kind == "nov":
                fact.formulas_without_value += 1
                if fact.first_formula_without_value is None:
                    fact.first_formula_without_value = (self.row, self.col)
            elif kind == "v" and self.pending_error is not None:
                if len(fact.error_cells) < MAX_ERROR_CELLS:
                    fact.error_cells.append((*self.pending_error, _xml_unescape(match.group("v"))))
                self.pending_error = None


def _scan_plain(buffer: bytes, fact: _SheetXmlFacts, position: tuple[int, int]
                ) -> tuple[int, int] | None:
    """The facts of a buffer of plain cells, counted in C instead of token by token.

    Plain: every row and cell states its reference as r="A1" (as Excel, LibreOffice and
    every writer seen here do), or none does; no namespace prefix, no single quote, no
    formula and no error value. Counts and extents are then what the token loop would find,
    about ten times faster on the national file. Takes and returns the (row, col) reached, 0-based;
    returns None, leaving anything else (formulas, error cells, references on some cells
    only, other spellings) to the token loop.
    """
    # The literal tests first: the patterns' leading \s or \b keep the regex engine from
    # searching for them fast (on the national file a literal is about ten times faster).
    if b"<f" in buffer or any(literal in buffer for literal in _NOT_PLAIN) \
            or (b't="e"' in buffer and _ERROR_TYPE.search(buffer)):
        return None
    cells = _PLAIN_CELL_REF.findall(buffer)
    rows = _PLAIN_ROW_REF.findall(buffer)
    if not cells and not rows and not _ANY_REF.search(buffer):
        return _scan_unreferenced(buffer, fact, position)
    if not _all_starts(buffer, len(cells), _CELL_START, b"<c", b"<col") or \
            not _all_starts(buffer, len(rows), _ROW_START, b"<row"):
        return None
    if not cells and not rows:
        return position
    fact.cells += len(cells)
    numbers = {int(n) for n in rows} | {int(n) for n in {number for _, number in cells}}
    fact.max_row = max(fact.max_row, max(numbers))
    if cells:
        fact.max_col = max(fact.max_col,
                           max(_column_index(letters.decode()) + 1
                               for letters in {letters for letters, _ in cells}))
        letters, number = cells[-1]
        last_cell = (int(number) - 1, _column_index(letters.decode()))
    else:
        last_cell = (-1, -1)
    last_row = int(rows[-1]) - 1 if rows else -1
    if last_cell[0] >= last_row:
        return last_cell
    return last_row, -1


def _scan_unreferenced(buffer: bytes, fact: _SheetXmlFacts, position: tuple[int, int]
                       ) -> tuple[int, int]:
    """The facts of a buffer whose rows and cells state no reference (each follows the one
    before it), counted row by row with the pattern in C: over ten times faster than the token
    loop on a sheet of 220,000 rows."""
    row, col = position
    segments = _ROW_START.split(buffer)
    before = len(_CELL_START.findall(segments[0]))  # cells continuing the previous row
    if before:
        col += before
        fact.cells += before
        fact.max_col = max(fact.max_col, col + 1)
    for segment in segments[1:]:
        row += 1
        col = len(_CELL_START.findall(segment)) - 1
        fact.cells += col + 1
        fact.max_col = max(fact.max_col, col + 1)
    if len(segments) > 1:
        fact.max_row = max(fact.max_row, row + 1)
    return row, col


def _all_starts(buffer: bytes, found: int, start: re.Pattern, literal: bytes,
                other: bytes | None = None) -> bool:
    """Whether ``found`` (matches that begin with ``start``) is every match of ``start``.

    ``found`` ≤ matches of ``start`` ≤ count of ``literal`` − count of ``other`` (a longer tag
    that never matches, such as <col for <c): when the bound is ``found``, counting the
    literal in C settles it without the pattern (10 ms on the national sheet)."""
    bound = buffer.count(literal) - (buffer.count(other) if other else 0)
    return bound == found or len(start.findall(buffer)) == found


_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(sheet|Relationship)(?=[\s/>])([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w.\-:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _elements(archive: zipfile.ZipFile, path: str) -> list[tuple[str, dict[str, str]]]:
    """(local name, {attribute local name: value}) of each sheet and Relationship element of
    a workbook part, in order: any prefix, quote, spacing or attribute order, and as lenient
    as the readers about the rest (a control character in a sheet name is no XML, yet read)."""
    found: list[tuple[str, dict[str, str]]] = []
    carry = b""
    for chunk in itertools.chain(_chunks(archive, path), [b""]):
        buffer = carry + chunk
        cut = buffer.rfind(b"<") if chunk else len(buffer)
        buffer, carry = buffer[:max(cut, 0)], buffer[max(cut, 0):]
        for tag in _TAG.finditer(buffer):
            attrs = {}
            for attr in _ATTRIBUTE.finditer(tag.group(2)):
                value = attr.group(2) if attr.group(2) is not None else attr.group(3)
                attrs[attr.group(1).decode("utf-8", errors="replace").rsplit(":", 1)[-1]] = \
                    html.unescape(value.decode("utf-8", errors="replace"))
            found.append((tag.group(1).decode(), attrs))
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part) of every sheet the workbook names, in its order, then (path, path)
    of every other part under xl/worksheets/: all are scanned, whatever a reader picks."""
    names = {info.filename.lower(): info.filename for info in archive.infolist()}
    try:
        workbook = _elements(archive, "xl/workbook.xml")
        rels = _elements(archive, "xl/_rels/workbook.xml.rels")
    except KeyError:
        workbook, rels = [], []
    targets = {attrs.get("Id"): attrs.get("Target", "") for tag, attrs in rels
               if tag == "Relationship"}
    parts: list[tuple[str, str]] = []
    for tag, attrs in workbook:
        target = targets.get(attrs.get("id")) if tag == "sheet" else None
        if target:
            target = target.replace("\\", "/")
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            found = names.get(posixpath.normpath(path).lower())
            if found:
                parts.append((attrs.get("name", ""), found))
    named = {path for _, path in parts}
    parts += [(path, path) for path in names.values()
              if path.lower().startswith("xl/worksheets/") and path.lower().endswith(".xml")
              and path not in named]
    return parts


def _sheet_facts(archive: zipfile.ZipFile) -> dict[str, _SheetXmlFacts]:
    """Per sheet name: its extent, formula counts and error cells, read from the raw XML.
    A second sheet of the same name, or a part no name leads to, is listed by its path."""
    limits = (settings.get("import_max_rows"), settings.get("import_max_columns"))
    scanned: dict[str, _SheetXmlFacts] = {}
    facts: dict[str, _SheetXmlFacts] = {}
    for name, path in _sheet_parts(archive):
        if path not in scanned:
            scanned[path] = _scan_sheet(archive, path, limits)
        facts[name if name not in facts else f"{name} [{path}]"] = scanned[path]
    return facts


def _unsafe(file_name: str, reason: Text) -> ImportRejected:
    return ImportRejected.of("unsafe_xml", file=file_name, reason=reason)


def _refuse_dtd(archive: zipfile.ZipFile, file_name: str) -> None:
    """Refuse XML parts that declare a DTD (workbooks never need one, entity bombs do), in
    any encoding and anywhere in the part, and parts declaring more distinct strings
    (uniqueCount=) than they have bytes, which a reader would reserve memory for up front."""
    for info in archive.infolist():
        if info.filename.lower().endswith(_BINARY_PARTS) or info.is_dir():
            continue
        tail = b""
        for chunk in _chunks(archive, info.filename):
            window = tail + chunk
            # Every mark holds "<!" (UTF-8) or "<\0!" (UTF-16): two searches before six.
            if (b"<!" in window or b"<\x00!" in window) and \
                    any(mark in window for mark in _DTD_MARKS):
                raise _unsafe(file_name, texts("unsafe_xml.dtd"))
            # The literal test first, as in _scan_plain: the regex alone is about ten times slower.
            counts = _DECLARED_COUNT.findall(window) if b'uniqueCount="' in window else ()
            for count in counts:
                if int(count) > max(info.file_size, 1_000):
                    raise _unsafe(file_name, texts("unsafe_xml.count", count=int(count),
                                                   part=info.filename))
            tail = window[-64:]


def _read_xlsx(data: bytes, file_name: str) -> list[Sheet]:
    archive = _check_zip(data, file_name)
    try:
        _refuse_dtd(archive, file_name)
        facts = _sheet_facts(archive)
    except _ZIP_ERRORS as error:
        raise _damaged(file_name, type(error).__name__) from error
    for name, fact in facts.items():
        _check_shape(name, file_name, fact.max_row, fact.max_col)
        _check_cells(name, file_name, fact.cells, fact.max_row, fact.max_col)
    try:
        sheets = _read_with_calamine(data, file_name)
    except ImportRejected:
        raise
    except Exception:
        # calamine refuses some valid-but-unusual files: try openpyxl before giving up.
        try:
            sheets = _read_with_openpyxl(data)
        except Exception as error:
            raise _damaged(file_name, type(error).__name__) from error
    for sheet in sheets:
        fact = facts.get(sheet.name)
        if fact:
            sheet.formula_cells = fact.formula_cells
            sheet.formulas_without_value = fact.formulas_without_value
            sheet.first_formula_without_value = fact.first_formula_without_value
            _restore_error_cells(sheet, fact.error_cells)
        _check_shape(sheet.name, file_name, len(sheet.rows),
                     max((len(r) for r in sheet.rows), default=0))
    if not any(any(v is not None and str(v).strip() for v in r) for s in sheets for r in s.rows):
        raise ImportRejected.of("empty/sheets", file=file_name)
    return sheets


def _check_cells(sheet_name: str, file_name: str, n_cells: int, n_rows: int = 0,
                 n_cols: int = 0) -> None:
    """Refuse a sheet of more than :data:`MAX_CELLS` cells, or whose rows × columns span
    more: the readers fill the whole rectangle, so two cells far apart weigh as much."""
    span = n_rows * n_cols
    if n_cells > MAX_CELLS or span > MAX_CELLS:
        spans = texts("too_many_cells.span", rows=n_rows, columns=n_cols) \
            if span > MAX_CELLS else NOTHING
        raise ImportRejected.of("too_many_cells", file=file_name, sheet_name=sheet_name,
                                limit=MAX_CELLS, span=spans)


def _restore_error_cells(sheet: Sheet, cells: list[tuple[int, int, str]]) -> None:
    """Put error values (#DIV/0!, #REF!…) back as text: a reader gives them as blanks, which
    would pass for missing scores instead of being reported."""
    for row, col, text in cells:
        if 0 <= row < len(sheet.rows) and 0 <= col < len(sheet.rows[row]) \
                and sheet.rows[row][col] is None:
            sheet.rows[row][col] = text or "#ERROR"


def _clean_cell(value):
    if value == "":
        return None
    return value


def _read_with_calamine(data: bytes, file_name: str = "") -> list[Sheet]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = []
    for meta in workbook.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        if sheet.end is not None:
            # The extent calamine found, checked again before its cells become Python objects.
            n_rows, n_cols = sheet.end[0] + 1, sheet.end[1] + 1
            _check_shape(meta.name, file_name, n_rows, n_cols)
            _check_cells(meta.name, file_name, 0, n_rows, n_cols)
        raw = sheet.to_python(skip_empty_area=False)
        # Only rows holding an empty cell are copied (most rows of a score table hold none).
        rows = [row if "" not in row else [_clean_cell(v) for v in row] for row in raw]
        _fill_vertical_merges(rows, sheet.merged_cell_ranges or [], meta.name, file_name)
        sheets.append(Sheet(meta.name, rows, hidden=meta.visible != SheetVisibleEnum.Visible))
    return sheets


def _fill_vertical_merges(rows: list[list], ranges, sheet_name: str = "",
                          file_name: str = "") -> None:
    """Copy the value of a cell merged down several rows (a province over its agencies) into
    each row it covers; merges across columns (titles) keep their value in the first cell.

    Merged ranges never overlap in a sheet Excel writes, so together they cover at most the
    sheet's cells; ranges covering more are refused before any is filled, which keeps the
    work linear in the sheet's size (3,000 copies of one merge over 100,000 rows would take 18 s).
    """
    width = max((len(r) for r in rows), default=0)
    covered = 0
    for (top, left), (bottom, right) in ranges:
        covered += max(0, min(bottom, len(rows) - 1) - top + 1) * \
            max(0, min(right, width - 1) - left + 1)
        if covered > len(rows) * width:
            raise ImportRejected.of("bad_merges", file=file_name, sheet_name=sheet_name,
                                    count=len(ranges))
    for (top, left), (bottom, right) in ranges:
        if bottom <= top or top >= len(rows) or left >= len(rows[top]):
            continue
        del right  # a block merged across columns too keeps its value in the first column only
        value = rows[top][left]
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            if left < len(rows[r]) and rows[r][left] is None:
                rows[r][left] = value


def _read_with_openpyxl(data: bytes) -> list[Sheet]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = []
        for ws in workbook.worksheets:
            # Rows as long as their cells, not padded to the <dimension> the sheet declares
            # (A1:XFD1048576 would make each row 16,384 cells).
            ws.reset_dimensions()
            rows = [[_clean_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheets.append(Sheet(ws.title, rows, hidden=ws.sheet_state != "visible"))
        return sheets
    finally:
        workbook.close()
