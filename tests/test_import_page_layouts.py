"""Every real layout imports through the import page (issue 16): each file of tests/layouts is
uploaded, previewed (rows, counts, coverage in words) and committed with the results the CLI
gives (tests/test_import_layouts.py); the layout nobody foresaw is set in the mapping editor,
and that choice is remembered and offered for the next file of its layout."""

from __future__ import annotations

import json

import pytest
from conftest import app_test
from test_import_layouts import CASES, LAYOUTS

from ita_analytics import store
from ita_analytics.importer import analyse_file
from ita_analytics.importer.recognise import ROLE_LABELS, header_signature
from ita_analytics.importer.sandbox import read_tables
from ita_analytics.store import mappings as store_mappings

UNFORESEEN = (LAYOUTS / "unforeseen.csv").read_bytes()
UNFORESEEN_CHOICES = {"B": "province", "E": "i9", "F": "i10", "G": "total"}
"""The columns tests/layouts/unforeseen.mapping.json sets, by letter (ประเภท อปท. is read as
the agency type without help)."""


def results(db) -> dict[tuple[str, int], dict]:
    """Stored results by (name, year); opened as the app opens it (one configuration per
    process: the app reads the published version read-only)."""
    conn = store.open_store(db, read_only=True)
    try:
        frame = store.load_results(conn)
    finally:
        conn.close()
    return {(r["name"], int(r["year"])): r for r in frame.to_dict("records")}


def upload(at, name: str, data: bytes):
    at.file_uploader(key="imp_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def tables(at) -> dict:
    """The page's editors by key without its digest (read-only tables carry no key here)."""
    return {str(d.key).rsplit("_", 1)[0]: d for d in at.dataframe if d.key}


def table_with(at, column: str):
    """The (last) table that has ``column``: the preview's rows have "ผลที่จะบันทึก"."""
    return [d.value for d in at.dataframe if column in d.value.columns][-1]


def warning_codes(at) -> set[str]:
    return {code for d in at.dataframe if "รหัส" in d.value.columns for code in d.value["รหัส"]}


def set_mapping(at, letters: dict[str, str]) -> None:
    """Choose roles in the mapping editor, as an analyst picks them in its Meaning column."""
    editor = tables(at)["imp_mapping"]
    frame = editor.value
    labels = {role: f"{role} — {th}" for role, (th, _) in ROLE_LABELS.items()}
    rows = {int(i): {"role": labels[letters[col]]}
            for i, col in zip(frame.index, frame["column"]) if col in letters}
    assert len(rows) == len(letters), frame
    at.session_state[editor.key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def commit(at) -> None:
    assert not at.button(key="imp_commit").disabled, [e.value for e in at.error]
    at.button(key="imp_commit").click().run()
    assert not at.exception, at.exception
    assert any("นำเข้าแล้ว" in s.value for s in at.success), [e.value for e in at.error]


@pytest.mark.parametrize(("name", "expected", "warnings"), CASES, ids=[c[0] for c in CASES])
def test_layout_uploads_previews_and_commits(empty_db, app_env, name, expected, warnings):
    app_env(empty_db)
    at = upload(app_test("pages/import.py", analyst=True), name, (LAYOUTS / name).read_bytes())
    assert any("ไฟล์ถูกต้อง" in s.value for s in at.success), [e.value for e in at.error]
    assert warnings <= warning_codes(at)
    rows = table_with(at, "ผลที่จะบันทึก")
    assert len(rows) == len(expected)
    assert set(rows["การจับคู่"]) == {"หน่วยงานใหม่"} and set(rows["ปี"]) == {str(y) for _, y in expected}
    # The counts say what is written, and add up.
    counts = next(i.value for i in at.info if i.value.startswith("จะบันทึก"))
    assert f"จะบันทึก {len(expected)} แถว" in counts
    assert f"สร้างหน่วยงานใหม่ {len(expected)}, เพิ่มปีให้หน่วยงานเดิม 0" in counts
    latest = max(year for _, year in expected)
    agencies = len({n for n, y in expected if y == latest})
    coverage = [w.value for w in at.warning if "ไฟล์นี้ครอบคลุม" in w.value]
    assert len(coverage) == 1 and f"ไฟล์นี้ครอบคลุม {agencies} จาก " in coverage[0]
    assert f"หน่วยงานของปี {latest}" in coverage[0] and "ข้อมูลไม่ครบ" in coverage[0]
    commit(at)
    got = results(empty_db)
    assert set(got) == set(expected)
    for key, (total, level, basis) in expected.items():
        assert got[key]["total"] == pytest.approx(total, abs=1e-9), key
        assert (got[key]["level"] if isinstance(got[key]["level"], str) else None) == level, key
        assert got[key]["basis"] == basis, key


def test_unforeseen_layout_set_in_the_mapping_editor_and_remembered(empty_db, app_env):
    app_env(empty_db)
    at = upload(app_test("pages/import.py", analyst=True), "unforeseen.csv", UNFORESEEN)
    assert any("ไม่นำเข้า" in e.value for e in at.error)
    editor = tables(at)["imp_mapping"]
    mapping = editor.value.set_index("column")
    # A sheet with no recognised table lists its every titled column, each role offered.
    assert list(mapping.index) == list("ABCDEFG")
    assert mapping.loc["A", "role"].startswith("name ") and mapping.loc["B", "role"].startswith("ignore ")
    assert any("ไม่พบตารางคะแนน" in c.value for c in at.caption)
    offered = json.loads(editor.proto.columns)["role"]["type_config"]["options"]
    assert [label.split(" — ")[0] for label in offered] == list(ROLE_LABELS)  # every role
    set_mapping(at, UNFORESEEN_CHOICES)
    assert any("ไฟล์ถูกต้อง" in s.value for s in at.success), [e.value for e in at.error]
    roles = tables(at)["imp_mapping"].value.set_index("column")["role"]
    assert [roles[c].split(" ")[0] for c in "ABCDEFG"] == \
        ["name", "province", "year", "agency_type", "i9", "i10", "total"]
    row = table_with(at, "ผลที่จะบันทึก").iloc[0]
    assert (row["ชื่อในไฟล์"], row["จังหวัด"], row["ตัวชี้วัดที่ 9"], row["คะแนนรวม"]) == \
        ("เทศบาลตำบลท่าเดื่อ-มืดกา", "เชียงใหม่", "85.00", "88.37")
    commit(at)
    got = results(empty_db)[("เทศบาลตำบลท่าเดื่อ-มืดกา", 2564)]
    assert (got["i9"], got["i10"], got["total"], got["basis"], got["level"]) == \
        (85.0, 80.0, 88.37, "total", "A")
    # The choice made on the page is remembered by the file's header signature …
    conn = store.open_store(empty_db, read_only=True)
    try:
        signature = header_signature(read_tables(UNFORESEEN, "unforeseen.csv")[0])
        remembered = store_mappings.load_mapping(conn, signature)
    finally:
        conn.close()
    assert remembered == {"ชื่อ อปท.": "name", "จว.": "province", "ปีงบ": "year",
                          "ประเภท อปท.": "agency_type", "คะแนน ตัวชี้วัด ก": "i9",
                          "คะแนน ตัวชี้วัด ข": "i10", "รวมทั้งหมด": "total"}
    # … and offered for the next file of that layout, where it can be changed again.
    second = ("ชื่อ อปท.,จว.,ปีงบ,ประเภท อปท.,คะแนน ตัวชี้วัด ก,คะแนน ตัวชี้วัด ข,รวมทั้งหมด\n"
              "เทศบาลตำบลลาดยาว,นครสวรรค์,2564,เทศบาลตำบล,100,95,98.47\n").encode()
    app_env(empty_db)
    at = upload(app_test("pages/import.py", analyst=True), "next-year.csv", second)
    assert any("ไฟล์ถูกต้อง" in s.value for s in at.success), [e.value for e in at.error]
    said = [i.value for i in at.info if "ใช้การจับคู่คอลัมน์ที่บันทึกไว้" in i.value]
    assert len(said) == 1 and "แก้ไขได้" in said[0]
    set_mapping(at, {"F": "ignore"})  # indicator 10 of this file is not to be taken
    assert any("ไฟล์ถูกต้อง" in s.value for s in at.success), [e.value for e in at.error]
    roles = tables(at)["imp_mapping"].value.set_index("column")["role"]
    assert [roles[c].split(" ")[0] for c in "ABCDEFG"] == \
        ["name", "province", "year", "agency_type", "i9", "ignore", "total"]
    commit(at)
    got = results(empty_db)[("เทศบาลตำบลลาดยาว", 2564)]
    assert (got["i9"], got["total"]) == (100.0, 98.47) and got["i10"] != got["i10"]  # NaN
    conn = store.open_store(empty_db, read_only=True)
    try:
        assert store_mappings.load_mapping(conn, signature)["คะแนน ตัวชี้วัด ข"] == "ignore"
        again = analyse_file(conn, second.replace(b"2564", b"2565"), "third.csv")
    finally:
        conn.close()
    assert "mapping_remembered" in {w.code for w in again.warnings}
    assert again.status == "valid" and set(again.scores["indicator"]) == {9}


def test_mapping_choices_by_column_and_by_header(empty_db):
    """The page's choices as analyse_file takes them: by column index always; by header text
    too on a sheet with no table (analyse_file applies column overrides only where a table
    was recognised) or with a remembered mapping, which is kept whole when one column changes."""
    from ita_analytics.dashboard.imports import MappingChoices, apply_mapping_edits

    conn = store.open_store(empty_db)
    try:
        none = analyse_file(conn, UNFORESEEN, "unforeseen.csv")
        choices = apply_mapping_edits(MappingChoices(), none, {"unforeseen": {1: "province"}})
        assert choices == MappingChoices({"unforeseen": {1: "province"}}, {"จว.": "province"})
        # A later choice of a column is the last one made (a role goes to the latest column).
        again = apply_mapping_edits(choices, none, {"unforeseen": {4: "i9", 1: "i9"}})
        assert list(again.overrides["unforeseen"].items()) == [(4, "i9"), (1, "i9")]
        wide = analyse_file(conn, (LAYOUTS / "totals_only.csv").read_bytes(), "totals.csv")
        sheet = wide.sheets[0].sheet
        assert apply_mapping_edits(MappingChoices(), wide, {sheet: {0: "ignore"}}) == \
            MappingChoices({sheet: {0: "ignore"}}, {})
        signature = header_signature(read_tables(UNFORESEEN, "unforeseen.csv")[0])
        store_mappings.remember_mapping(conn, signature, {
            "จว.": "province", "คะแนน ตัวชี้วัด ก": "i9", "รวมทั้งหมด": "total"})
        remembered = analyse_file(conn, UNFORESEEN, "unforeseen.csv")
    finally:
        conn.close()
    assert remembered.status == "valid"
    kept = apply_mapping_edits(MappingChoices(), remembered, {"unforeseen": {6: "ignore"}})
    assert kept.named == {"ชื่อ อปท.": "name", "จว.": "province", "ปีงบ": "year",
                          "ประเภท อปท.": "agency_type", "คะแนน ตัวชี้วัด ก": "i9",
                          "คะแนน ตัวชี้วัด ข": "ignore", "รวมทั้งหมด": "ignore"}
    assert kept.analyse_args() == {"overrides": {"unforeseen": {6: "ignore"}}, "mapping": kept.named}
