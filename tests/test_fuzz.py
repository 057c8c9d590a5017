"""Property-based fuzzing of the import: random and mutated files and cells never crash it,
every rejection is in Thai and English, and a valid file commits whole (then undoes exactly)."""

from __future__ import annotations

import io
import math
import time
import zipfile

import pandas as pd
import pytest
from hostile_corpus import package, seed_rows, seed_workbook, sheet_xml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_corpus import csv_bytes, good_files

from ita_analytics import store
from ita_analytics.errors import ItaError
from ita_analytics.exports import export_bytes
from ita_analytics.importer import analyse_file, commit_plan, undo_import
from ita_analytics.importer.read import DELIMITERS, guess_delimiter
from ita_analytics.importer.recognise import header_role, indicator_number
from ita_analytics.importer.validate import normalise_level, parse_numbers
from ita_analytics.thai import (
    clean_text,
    find_year_in_text,
    normalize_agency_name,
    parse_number,
    parse_year,
    to_arabic_digits,
    to_be_year,
)

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
# Text that real sheets hold and breaks naive code: Thai letters and digits, combining marks,
# bidi and zero-width marks, controls, separators, quotes, formula starts.
CHARACTERS = st.sampled_from(
    list("กขฃคงจฉชซญฎฏฐดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุูเแโใไ่้๊๋์ๆฯ")
    + list("๐๑๒๓๔๕๖๗๘๙0123456789.,;-+=@ \t\r\n\"'|/()%#eE")
    + ["\u200b", "\u200f", "\u202e", "\u2066", "\ufeff", "\x00", "\x07", "\x1b", "\u00a0",
       "\u0e4d"])
WORDS = st.sampled_from(["ตัวชี้วัดที่", "ปี", "พ.ศ.", "อบต.", "ทต.", "ลำปาง", "2568", "๒๕๖๘",
                         "ผ่านดี", "ระดับ", "i1", "IIT", "คะแนนรวม"])
THAI_TEXT = st.lists(st.one_of(CHARACTERS, WORDS), max_size=25).map("".join)
CELL = st.one_of(st.none(), THAI_TEXT, st.integers(-10**20, 10**20),
                 st.floats(allow_nan=False, allow_infinity=False), st.booleans())


def scores_export(conn) -> bytes:
    return export_bytes(store.load_scores_long(conn), "csv", bom=False)


@pytest.fixture(scope="module")
def fuzz_conn(tmp_path_factory):
    """A small store with the two seed agencies; every example leaves it as it was."""
    conn = store.open_store(tmp_path_factory.mktemp("fuzz") / "ita.duckdb", create=True)
    data, kwargs, _ = good_files()["seeds_wide_title_merged.xlsx"]
    assert commit_plan(conn, analyse_file(conn, data, "seeds.xlsx", **kwargs)).status == \
        "committed"
    yield conn
    conn.close()


def analyse_safely(conn, data: bytes, name: str, **kwargs):
    """analyse_file, allowing only ItaError (with both messages) to escape; a valid plan is
    committed, checked whole, and undone so the store is as before."""
    before = scores_export(conn)
    version = store.data_version(conn)
    try:
        plan = analyse_file(conn, data, name, **kwargs)
    except ItaError as error:
        assert error.message_th and error.message_en
        return None
    for issue in plan.errors + plan.warnings:
        assert issue.message_th and issue.message_en and issue.code
    assert plan.status in ("valid", "rejected", "unchanged")
    if plan.status == "rejected":
        assert plan.errors
        assert commit_plan(conn, plan).status == "rejected"
        assert store.data_version(conn) == version and scores_export(conn) == before
    elif plan.status == "valid":
        keys = ["agency_id", "year", "indicator", "score"]
        stored_before = set(store.load_scores_long(conn)[keys].itertuples(index=False))
        result = commit_plan(conn, plan)
        assert result.status == "committed"
        written = set(store.load_scores_long(conn)[keys].itertuples(index=False)) - stored_before
        assert len(written) == len(plan.scores)  # all of it, never part
        known = plan.scores[plan.scores["agency_ref"] > 0]
        assert set(known.itertuples(index=False)) <= written
        undo_import(conn, result.import_id)
        assert scores_export(conn) == before
    return plan


@FUZZ
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".xlsx", ".csv", ".xlsm", ".txt"]))
def test_random_bytes_never_crash(fuzz_conn, data, suffix):
    analyse_safely(fuzz_conn, data, "fuzz" + suffix, year=2569)


@FUZZ
@given(prefix=st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
                               b"\xff\xfe", b"\xfe\xff", b"%PDF-1.7"]),
       data=st.binary(max_size=2000))
def test_random_bytes_behind_magic_numbers_never_crash(fuzz_conn, prefix, data):
    analyse_safely(fuzz_conn, prefix + data, "fuzz.xlsx", year=2569)


GOOD_XLSX = seed_workbook()
GOOD_PARTS = {i.filename: zipfile.ZipFile(io.BytesIO(GOOD_XLSX)).read(i.filename)
              for i in zipfile.ZipFile(io.BytesIO(GOOD_XLSX)).infolist()}


@st.composite
def mutated_xml(draw) -> bytes:
    """The seed workbook with one XML part damaged: bytes replaced, cut or repeated."""
    part = draw(st.sampled_from(sorted(GOOD_PARTS)))
    content = bytearray(GOOD_PARTS[part])
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, max(len(content) - 1, 0)))
        end = draw(st.integers(start, min(len(content), start + 200)))
        action = draw(st.sampled_from(["replace", "delete", "repeat", "insert"]))
        if action == "replace":
            content[start:end] = draw(st.binary(min_size=end - start, max_size=end - start))
        elif action == "delete":
            del content[start:end]
        elif action == "repeat":
            content[start:start] = bytes(content[start:end]) * draw(st.integers(1, 5))
        else:
            content[start:start] = draw(st.sampled_from(
                [b"<", b">", b"&", b"&amp;", b"<c>", b"</row>", b'<row r="99999999">',
                 b't="e"', b'r="XFD1"', b"<f>1/0</f>", b"]]>", b"<![CDATA[", b"\x00",
                 "๑๒".encode(), b'uniqueCount="99"']))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, original in GOOD_PARTS.items():
            out.writestr(name, bytes(content) if name == part else original)
    return buffer.getvalue()


@FUZZ
@given(data=mutated_xml())
def test_mutated_xlsx_never_crashes(fuzz_conn, data):
    analyse_safely(fuzz_conn, data, "mutated.xlsx", year=2569)


@FUZZ
@given(data=st.binary(min_size=1, max_size=200), at=st.floats(0, 1))
def test_corrupted_zip_bytes_never_crash(fuzz_conn, data, at):
    position = int(at * (len(GOOD_XLSX) - 1))
    damaged = GOOD_XLSX[:position] + data + GOOD_XLSX[position + len(data):]
    analyse_safely(fuzz_conn, damaged, "damaged.xlsx", year=2569)


@st.composite
def seed_table_with_odd_cells(draw) -> list[list]:
    """The seed table with some cells (header or data) replaced by odd values."""
    rows = [list(r) for r in seed_rows()]
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, len(rows) - 1))
        col = draw(st.integers(0, len(rows[0]) - 1))
        rows[row][col] = draw(CELL)
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), draw(st.lists(CELL, max_size=25)))
    return rows


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=seed_table_with_odd_cells(), as_csv=st.booleans(), year=st.sampled_from([2569, 2026, None]))
def test_odd_cells_are_read_or_refused_and_commit_whole(fuzz_conn, rows, as_csv, year):
    if as_csv:
        width = max(len(r) for r in rows)
        header = [f"c{i}" if i >= len(rows[0]) or rows[0][i] is None else str(rows[0][i])
                  for i in range(width)]
        body = [list(r) + [None] * (width - len(r)) for r in rows[1:]]
        data = csv_bytes([header, *body])
    else:
        data = package([("ผลการประเมิน", sheet_xml(rows), "visible")])
    analyse_safely(fuzz_conn, data, "odd.csv" if as_csv else "odd.xlsx",
                   **({"year": year} if year else {}))


# --- the normalisers and validators ----------------------------------------------------------

@FUZZ
@given(value=st.one_of(THAI_TEXT, st.text(max_size=30), CELL))
def test_parse_number_returns_a_number_none_or_raises_value_error(value):
    try:
        number = parse_number(value)
    except ValueError:
        return
    assert number is None or isinstance(number, float)
    if isinstance(value, str) and number is not None and math.isfinite(number):
        digits = [c for c in to_arabic_digits(clean_text(value)) if c.isdigit()]
        assert digits, value


@FUZZ
@given(value=st.one_of(THAI_TEXT, st.text(max_size=30), st.integers(-10**6, 10**6),
                       st.floats(allow_nan=True, allow_infinity=True)))
def test_parse_year_gives_a_fiscal_year_or_raises_value_error(value):
    try:
        year = parse_year(value)
    except ValueError:
        return
    assert 2400 <= year < 2800 or 2500 <= year <= 2599


@FUZZ
@given(year=st.integers(1800, 3000))
def test_years_given_in_be_or_ce_agree(year):
    try:
        be = to_be_year(year)
    except ValueError:
        assert year not in range(1900, 2200) and year not in range(2400, 2800)
        return
    assert be - 543 == year or be == year
    assert parse_year(str(year)) == be
    assert find_year_in_text(f"ประจำปีงบประมาณ พ.ศ. {year}") in (be, None)


@FUZZ
@given(text=st.one_of(THAI_TEXT, st.text(max_size=60)))
def test_text_normalisers_are_total_and_idempotent(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not any(c in cleaned for c in "\x00\x07\u200b\u200f\u202e\u2066\ufeff")
    key = normalize_agency_name(text)
    assert isinstance(key, str) and " " not in key
    header_role(text)
    number = indicator_number(text)
    assert number is None or 1 <= number <= 10
    level = normalise_level(text)
    assert level is None or isinstance(level, str)


@FUZZ
@given(values=st.lists(CELL, max_size=30))
def test_parse_numbers_marks_every_cell_number_missing_or_bad(values):
    series = pd.Series(values, dtype="object")
    numbers, bad = parse_numbers(series)
    assert len(numbers) == len(bad) == len(values)
    for value, number, is_bad in zip(values, numbers, bad):
        if is_bad:
            assert pd.isna(number)
        elif value is None or (isinstance(value, str) and clean_text(value) in ("", "-")):
            assert pd.isna(number)


# --- decimal commas and the delimiter (issue 17) ---------------------------------------------

SCORES = st.decimals(min_value=0, max_value=100, allow_nan=False, allow_infinity=False,
                     places=3)


@FUZZ
@given(cells=st.lists(st.tuples(SCORES, st.integers(0, 3), st.sampled_from([".", ","])),
                      min_size=1, max_size=12))
def test_a_score_is_read_as_its_value_or_marked_bad_never_scaled(cells):
    """Scores written with a decimal point or comma, in any mix: each is read as its own
    value, or marked bad; "7,5" is never 75 and "0,5" never 5."""
    texts = [f"{value:.{places}f}".replace(".", separator) for value, places, separator in cells]
    numbers, bad = parse_numbers(pd.Series(texts, dtype="object"))
    for text, number, is_bad in zip(texts, numbers, bad):
        if not is_bad:
            assert number == pytest.approx(float(text.replace(",", "."))), texts


@FUZZ
@given(cells=st.lists(st.tuples(SCORES, st.integers(1, 2)), min_size=1, max_size=12))
def test_a_column_of_decimal_commas_is_read_whole(cells):
    texts = [f"{value:.{places}f}".replace(".", ",") for value, places in cells]
    numbers, bad = parse_numbers(pd.Series(texts, dtype="object"))
    assert not bad.any()
    assert numbers.tolist() == pytest.approx([float(t.replace(",", ".")) for t in texts])


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list(',;\t|"\'\n\r x') + ["ก"]), max_size=70_000))
def test_the_delimiter_guess_is_quick_on_any_text(text):
    started = time.monotonic()
    assert guess_delimiter(text) in DELIMITERS
    assert time.monotonic() - started < 0.5
