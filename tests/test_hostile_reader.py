"""The reader under hostile files (issue 17): the size scan reads every spelling, no upload
takes the process down (the child process and its limits), merged cells, the delimiter guess
and header recognition are linear, and decimal commas are read for a whole column or refused."""

from __future__ import annotations

import datetime
import os
import pickle
import signal
import time

import pandas as pd
import pytest
from hostile_corpus import hostile_files, package, rewrite, seed_rows, sheet_xml
from import_corpus import THUNG_PHUENG_2568, csv_bytes, good_files

from ita_analytics import store
from ita_analytics.importer import analyse_file, commit_plan, read, sandbox
from ita_analytics.importer.read import ImportRejected, Sheet, guess_delimiter, read_tables_here
from ita_analytics.importer.recognise import HEADER_MAX_CHARS, recognise_sheet
from ita_analytics.importer.sandbox import read_tables
from ita_analytics.importer.validate import parse_numbers
from ita_analytics.thai import parse_number

SIZE_CODES = {"too_many_rows", "too_many_columns", "too_many_cells"}


def _far_cell(row_xml: str) -> bytes:
    sheet = sheet_xml(seed_rows()).replace(b"</sheetData>", row_xml.encode() + b"</sheetData>")
    return package([("ผลการประเมิน", sheet, "visible")])


def _refused(data: bytes, name: str) -> tuple[ImportRejected, float]:
    started = time.monotonic()
    with pytest.raises(ImportRejected) as raised:
        read_tables_here(data, name)
    return raised.value, time.monotonic() - started


# --- item 1: the size scan reads every spelling the readers take ------------------------------

def _workbook_spelt_oddly() -> bytes:
    """The far cell in a sheet the workbook names with single quotes, r:id first."""
    def change(name: str, content: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return content.replace('<sheet name="ผลการประเมิน" sheetId="1" r:id="rId1"/>'.encode(),
                                   "<sheet r:id = 'rId1' sheetId='1' name='ผลการประเมิน'/>".encode())
        return content
    return rewrite(_far_cell('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), change)


def _sheet_outside_worksheets() -> bytes:
    """The sheet stored as /xl/data/s.xml, named by an absolute target."""
    def change(name: str, content: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(b'Target="worksheets/sheet1.xml"', b'Target="/xl/data/s.xml"')
        if name == "[Content_Types].xml":
            return content.replace(b"/xl/worksheets/sheet1.xml", b"/xl/data/s.xml")
        return content
    data = rewrite(_far_cell('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), change)
    return _moved(data, "xl/worksheets/sheet1.xml", "xl/data/s.xml")


def _same_name_twice() -> bytes:
    """Two sheets of one name, the first (holding the far cell) stored as xl/far.xml."""
    far = sheet_xml(seed_rows()).replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    data = package([("ผลการประเมิน", far, "visible"), ("อื่น", sheet_xml(seed_rows()), "visible")])

    def change(name: str, content: bytes) -> bytes | None:
        if name == "xl/workbook.xml":
            return content.replace("อื่น".encode(), "ผลการประเมิน".encode())
        if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            return content.replace(b"worksheets/sheet1.xml", b"far.xml")
        return content
    return _moved(rewrite(data, change), "xl/worksheets/sheet1.xml", "xl/far.xml")


def _moved(data: bytes, source: str, target: str) -> bytes:
    import io
    import zipfile
    archive = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            out.writestr(target if info.filename == source else info.filename,
                         archive.read(info.filename))
    return buffer.getvalue()


SPELLINGS = {
    "single_quotes": lambda: _far_cell("<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"),
    "four_letters": lambda: _far_cell('<row r="100000"><c r="AAAA100000"><v>1</v></c></row>'),
    "lower_case_and_spaces": lambda: _far_cell('<row r = "1048576"><c r =\n"xfd1048576"><v>1</v></c></row>'),
    "dollars": lambda: _far_cell('<row r="1048576"><c r="$XFD$1048576"><v>1</v></c></row>'),
    "character_references": lambda: _far_cell(
        '<row r="1048576"><c r="&#88;FD1048576"><v>1</v></c></row>'),
    "row_only": lambda: _far_cell("<row r='1048576'><c><v>1</v></c></row>"),
    "sparse_span": lambda: _far_cell('<row r="200000"><c r="KN200000"><v>1</v></c></row>'),
    "prefixed": hostile_files()["refs_prefixed_xlsx"].build,
    "prefixed_sparse": hostile_files()["sparse_300x200000_prefixed_xlsx"].build,
    "workbook_spelt_oddly": _workbook_spelt_oddly,
    "sheet_outside_worksheets": _sheet_outside_worksheets,
    "same_name_twice": _same_name_twice,
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_the_size_scan_reads_every_spelling(name):
    """Before: single quotes, prefixes, 4 letters, lower case, $ and &#88; went unseen, and a
    sheet the workbook named oddly was not scanned at all; calamine then aborted the process
    on a 58 GB allocation (or took 35 s and 3 GB for a sparse 300 × 200,000 sheet)."""
    error, seconds = _refused(SPELLINGS[name](), f"{name}.xlsx")
    assert error.code in SIZE_CODES
    assert f"{name}.xlsx" in error.message_th and f"{name}.xlsx" in error.message_en
    assert seconds < 2


def test_a_declared_dimension_is_never_trusted_by_either_reader():
    """<dimension ref="A1:XFD1048576"> over three rows: openpyxl (the fallback) padded each
    row to the declared 16,384 columns."""
    data = hostile_files()["dimension_lie_xlsx"].build()
    (sheet,) = read._read_with_openpyxl(data)
    assert len(sheet.rows) == 3 and max(len(r) for r in sheet.rows) == len(seed_rows()[0])


# --- item 1: the child process --------------------------------------------------------------

def test_reading_in_the_child_gives_what_reading_here_gives():
    for name, (data, *_) in good_files().items():
        here, there = read_tables_here(data, name), read_tables(data, name)
        assert [vars(s) for s in there] == [vars(s) for s in here], name


def test_the_server_warms_up_with_files_it_can_read():
    """What the server reads before any upload (so that each child starts warm) is read
    whole: a failure there would only make every read slower, unseen."""
    assert [s.rows for data, name in sandbox.warm_up_files()
            for s in read_tables_here(data, name)] == [[["ชื่อ", 1.5]], [["ชื่อ", "i1"], ["ก", "1.5"]]]
    assert read._read_with_openpyxl(sandbox.warm_up_files()[0][0])[0].rows == [["ชื่อ", 1.5]]


def test_a_file_over_the_memory_limit_is_refused_and_this_process_lives_on(monkeypatch):
    """A sheet of 2.7 million cells (within every count) read with 40 MB allowed: the child
    runs out (a Rust abort or a MemoryError) and the file is refused, naming it."""
    monkeypatch.setattr(sandbox, "READ_MEMORY_MB", 40)
    data = _far_cell('<row r="9000"><c r="KN9000"><v>1</v></c></row>')
    started = time.monotonic()
    with pytest.raises(ImportRejected) as raised:
        read_tables(data, "memory.xlsx")
    assert raised.value.code == "read_memory"
    assert "memory.xlsx" in raised.value.message_th and "memory.xlsx" in raised.value.message_en
    assert time.monotonic() - started < 5
    monkeypatch.undo()
    assert len(read_tables(data, "memory.xlsx")[0].rows) == 9000


def test_a_file_over_the_time_limit_is_killed(monkeypatch):
    monkeypatch.setattr(sandbox, "READ_SECONDS", 0.2)
    monkeypatch.setattr(sandbox, "READ_SECONDS_PER_MB", 0.0)
    data = hostile_files()["rows_million_without_refs_xlsx"].build()
    started = time.monotonic()
    with pytest.raises(ImportRejected) as raised:
        read_tables(data, "slow.xlsx")
    assert raised.value.code == "read_timeout"
    assert "slow.xlsx" in raised.value.message_th and "slow.xlsx" in raised.value.message_en
    assert time.monotonic() - started < 2


def test_a_new_servers_start_is_not_the_files_time(monkeypatch):
    """The first file read in a process waits for a server to load the reader (0.2–1 s):
    the file's own time counts from its child's start."""
    sandbox._stop_servers()
    monkeypatch.setattr(sandbox, "READ_SECONDS", 0.5)
    monkeypatch.setattr(sandbox, "READ_SECONDS_PER_MB", 0.0)
    assert read_tables(csv_bytes(seed_rows()), "first.csv")[0].rows[1][1] == "ทต.ทุ่งผึ้ง"


def test_a_result_too_large_to_hand_back_is_refused(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_RESULT_MB", 0.001)
    data = csv_bytes(seed_rows())
    with pytest.raises(ImportRejected) as raised:
        read_tables(data, "big.csv")
    assert raised.value.code == "too_much_data" and "big.csv" in raised.value.message_en


@pytest.mark.parametrize("returncode,err,code", [
    (-signal.SIGKILL, b"", "read_timeout"), (-signal.SIGXCPU, b"", "read_timeout"),
    (-signal.SIGABRT, b"memory allocation of 58492800000 bytes failed", "read_memory"),
    (1, b"Traceback ...\nMemoryError", "read_memory"), (-signal.SIGSEGV, b"", "read_crashed"),
])
def test_how_a_child_ends_is_a_refusal(returncode, err, code):
    with pytest.raises(ImportRejected) as raised:
        sandbox._answer(b"", err, returncode, "x.xlsx", 5.0)
    assert raised.value.code == code
    assert "x.xlsx" in raised.value.message_th and "x.xlsx" in raised.value.message_en


def test_a_child_that_fails_to_start_is_a_bug_not_a_refusal():
    with pytest.raises(RuntimeError, match="ModuleNotFoundError"):
        sandbox._answer(b"", b"ModuleNotFoundError: No module named 'x'", 1, "x.xlsx", 5.0)


def test_the_child_answer_may_hold_only_read_results():
    """A child taken over by a file could send a pickle that calls anything on loading."""
    sheet = Sheet("s", [[1.5, "ก", datetime.datetime(2025, 9, 30), datetime.time(1, 2), None]])
    payload = pickle.dumps(("sheets", [sheet]))
    assert vars(sandbox._answer(payload, b"", 0, "x.xlsx", 5.0)[0]) == vars(sheet)
    for hostile in (("sheets", os.system), ("sheets", [eval])):
        with pytest.raises(ImportRejected) as raised:
            sandbox._answer(pickle.dumps(hostile), b"", 0, "x.xlsx", 5.0)
        assert raised.value.code == "read_crashed"


# --- item 5: merged cells, the delimiter, long header cells ------------------------------------

def test_overlapping_merges_are_refused_before_any_is_filled():
    """Before: each merge filled row by row (3,000 over 100,000 rows: 18 s; 30,000: > 300 s)."""
    rows = [[None] * 5 for _ in range(100_000)]
    started = time.monotonic()
    with pytest.raises(ImportRejected) as raised:
        read._fill_vertical_merges(rows, [((2, 2), (99_999, 2))] * 30_000, "s", "m.xlsx")
    assert time.monotonic() - started < 0.5
    assert raised.value.code == "bad_merges" and "m.xlsx" in raised.value.message_th


def test_disjoint_merges_are_filled():
    rows = [["ลำปาง", 1], [None, 2], [None, 3], ["ขอนแก่น", 4], [None, 5]]
    read._fill_vertical_merges(rows, [((0, 0), (2, 0)), ((3, 0), (4, 0)), ((0, 1), (0, 1))])
    assert [r[0] for r in rows] == ["ลำปาง"] * 3 + ["ขอนแก่น"] * 2


@pytest.mark.parametrize("text,expected", [
    ("ชื่อ,จังหวัด,i1\nก,ลำปาง,98.25\n", ","),
    ("ชื่อ;จังหวัด;i1;i2\nก;ลำปาง;98,25;7,5\nข;ขอนแก่น;100;0,5\n", ";"),
    ("ชื่อ\tจังหวัด\ti1\nก, ข\tลำปาง\t98.25\n", "\t"),
    ("ชื่อ|จังหวัด|i1\nก|ลำปาง|98.25\n", "|"),
    ('ชื่อ,i1,i2\n"ก; ข",98.25,"7,5"\n"ค",1,2\n', ","),
    ("ผลการประเมิน ITA ปี 2568\nชื่อ;i1;i2\nก;98,25;1\n", ";"),
    ("one column only\nno delimiter\n", ","),
    (';"x' * 21_000 + "\nชื่อ,i1,i2\nก,98.25,1\nข,1,2\n", ","),
])
def test_the_delimiter_is_the_one_splitting_rows_alike(text, expected):
    started = time.monotonic()
    assert guess_delimiter(text) == expected
    assert time.monotonic() - started < 0.5  # csv.Sniffer: 15 s for the last one


def test_header_cells_of_a_million_characters_are_not_compared():
    """Before: 120 cells of one 1 MB text above the header took 103 s in recognition."""
    text = "ตัวชี้วัดที่ 1 ชื่อหน่วยงาน " * 40_000
    rows = [[text] * 4 for _ in range(30)] + [list(r) for r in seed_rows()]
    rows[30].append(text)
    started = time.monotonic()
    layout = recognise_sheet(Sheet("s", rows))
    assert time.monotonic() - started < 1
    assert layout.layout == "wide" and layout.header_row == 30
    assert layout.mapping[1] == "name" and layout.mapping[4] == "i1"
    assert len(layout.headers[len(rows[30]) - 1]) <= HEADER_MAX_CHARS + 1


def test_a_million_character_header_cell_costs_no_more_by_other_paths():
    """A mapping by header text, the layout's signature and a long file's indicator cells:
    none normalises a cell of a million characters more than once."""
    from ita_analytics.importer.recognise import header_signature, indicator_cell_number

    text = "ตัวชี้วัดที่ 1 ชื่อหน่วยงาน " * 40_000
    rows = [[text] * 4 for _ in range(30)] + [list(r) for r in seed_rows()]
    rows[30].append(text)
    sheet = Sheet("s", rows)
    started = time.monotonic()
    layout = recognise_sheet(sheet, named={"ชื่อหน่วยงาน": "name", text: "i2"})
    header_signature(sheet)
    assert [indicator_cell_number(text) for _ in range(50)] == [None] * 50
    assert time.monotonic() - started < 1
    assert layout.header_row == 30 and layout.mapping[1] == "name"


# --- item 9: decimal commas --------------------------------------------------------------------

def test_a_comma_is_a_decimal_comma_only_when_asked():
    with pytest.raises(ValueError):
        parse_number("7,5")  # was 75.0
    assert parse_number("7,5", decimal_comma=True) == 7.5
    assert parse_number("๙๘,๒๕", decimal_comma=True) == 98.25
    assert parse_number("1,000") == 1000.0
    with pytest.raises(ValueError):
        parse_number("1,000.5", decimal_comma=True)


@pytest.mark.parametrize("cells,numbers,bad", [
    (["7,5", "0,5", "98,25", 100.0, None, "-"], [7.5, 0.5, 98.25, 100.0, None, None], []),
    (["7,5", "1,000", 5.0], [None, None, 5.0], [0, 1]),
    (["7,5", "96.22"], [None, 96.22], [0]),
    (["1,000", "2,500"], [None, None], [0, 1]),
    (["98,255", "1,5"], [None, None], [0, 1]),
    (["98.25", " ๙๘.๒๕ ", 1], [98.25, 98.25, 1.0], []),
])
def test_decimal_commas_are_decided_for_the_whole_column(cells, numbers, bad):
    values, marked = parse_numbers(pd.Series(cells, dtype="object"))
    assert [None if pd.isna(v) else v for v in values] == numbers
    assert list(marked[marked].index) == bad


def test_decimal_commas_are_decided_per_sheet():
    cells = pd.Series(["7,5", "96.22", "0,5"], dtype="object")
    values, bad = parse_numbers(cells, pd.Series(["a", "b", "a"]))
    assert values.tolist() == [7.5, 96.22, 0.5] and not bad.any()


@pytest.fixture(scope="module")
def seeded_conn(tmp_path_factory):
    conn = store.open_store(tmp_path_factory.mktemp("comma") / "ita.duckdb", create=True)
    data, kwargs, _ = good_files()["seeds_wide_title_merged.xlsx"]
    assert commit_plan(conn, analyse_file(conn, data, "seeds.xlsx", **kwargs)).status == \
        "committed"
    yield conn
    conn.close()


def test_seven_comma_five_is_imported_as_seven_and_a_half(seeded_conn):
    rows = [list(r) for r in seed_rows()]
    rows[1][4:14] = ["7,5", "0,5", *[f"{v:.2f}".replace(".", ",") for v in THUNG_PHUENG_2568[2:]]]
    rows[2][4:14] = [f"{v:.2f}".replace(".", ",") for v in rows[2][4:14]]
    plan = analyse_file(seeded_conn, csv_bytes(rows, "utf-8", sep=";"), "comma.csv", year=2569)
    assert plan.status == "valid", [e.message_en for e in plan.errors]
    first_two = plan.scores.loc[plan.scores["indicator"] <= 2, "score"]
    assert sorted(first_two) == [0.5, 7.5, 100, 100]  # was 5 and 75


def test_a_mixed_column_is_refused_naming_file_sheet_row_and_column(seeded_conn):
    data = hostile_files()["comma_decimals_mixed_csv"].build()
    plan = analyse_file(seeded_conn, data, "mixed.csv", year=2569)
    assert plan.status == "rejected"
    errors = [e for e in plan.errors if e.code == "ambiguous_decimal"]
    assert {(e.row, e.column.split(" ")[0]) for e in errors} >= {(2, "E"), (3, "E"), (3, "J")}
    for error in errors:
        assert "mixed.csv" in error.message_th and "mixed.csv" in error.message_en
        assert error.sheet and error.row and error.column
