"""Import pipeline on the real-looking corpus: layouts, values, matching, commit, replace, undo."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import xlsxwriter
from import_corpus import (
    NONG_PLA_MO_2568,
    THUNG_PHUENG_2568,
    good_files,
    seed_wide_rows,
    xlsx,
)

from ita_analytics import store
from ita_analytics.exports import export_bytes
from ita_analytics.importer import (
    NEW,
    analyse_file,
    commit_plan,
    decision_key,
    load_history,
    read_tables,
    undo_import,
)
from ita_analytics.importer.recognise import header_role, indicator_number
from ita_analytics.thai import normalize_agency_name

GOOD = good_files()


def export_csv(conn) -> bytes:
    """What ``python -m ita_analytics export`` writes for the store."""
    return export_bytes(store.load_scores_long(conn), "csv", bom=False)


def snapshot(conn) -> dict:
    """Everything an import may touch, as frames, to compare states exactly."""
    out = {}
    for table in ("agencies", "agency_aliases", "scores", "reported", "results"):
        cur = conn.cursor()
        try:
            out[table] = cur.execute(f"SELECT * FROM {table} ORDER BY ALL").df()
        finally:
            cur.close()
    return out


def assert_same(before: dict, after: dict) -> None:
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[table], obj=table)


@pytest.fixture()
def empty_conn(empty_db):
    conn = store.open_store(empty_db)
    yield conn
    conn.close()


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_file_imports_into_empty_store(empty_conn, name):
    data, kwargs, facts = GOOD[name]
    plan = analyse_file(empty_conn, data, name, **kwargs)
    assert plan.status == "valid", [e.message_en for e in plan.errors]
    assert plan.rows == facts["rows"]
    assert plan.year == facts["year"]
    assert facts.get("warnings", set()) <= {w.code for w in plan.warnings}
    result = commit_plan(empty_conn, plan, user="tester")
    assert result.status == "committed"
    frame = store.load_results(empty_conn, years=[2568])
    by_name = frame.set_index("name")
    # The seeds' totals come out of the imported indicators (DOMAIN.md).
    if "เทศบาลตำบลทุ่งผึ้ง" in by_name.index:
        assert by_name.loc["เทศบาลตำบลทุ่งผึ้ง", "total"] == 96.47
        assert by_name.loc["เทศบาลตำบลทุ่งผึ้ง", "level"] == "ผ่านดีเยี่ยม"
        assert by_name.loc["เทศบาลตำบลทุ่งผึ้ง", "i1"] == 98.29
    if "องค์การบริหารส่วนตำบลหนองปลาหมอ" in by_name.index:
        assert by_name.loc["องค์การบริหารส่วนตำบลหนองปลาหมอ", "total"] == 93.30
        assert by_name.loc["องค์การบริหารส่วนตำบลหนองปลาหมอ", "level"] == "ผ่านดี"


def test_weighted_tool_points_are_recognised_and_stored_as_scores(empty_conn):
    data, kwargs, _ = GOOD["seeds_wide_title_merged.xlsx"]
    plan = analyse_file(empty_conn, data, "seeds.xlsx", **kwargs)
    commit_plan(empty_conn, plan)
    row = store.load_results(empty_conn).set_index("name").loc["เทศบาลตำบลทุ่งผึ้ง"]
    # 29.72 of 30 points is 99.07 on 0–100; the computed IIT from the indicators is 99.08.
    assert row["reported_IIT"] == 99.07
    assert row["reported_OIT"] == 95.00
    assert row["reported_total"] == 96.47
    assert row["reported_level"] == "ผ่านดีเยี่ยม"
    assert row["IIT"] == 99.08


def test_new_agencies_carry_import_source_and_place(empty_conn):
    data, kwargs, _ = GOOD["seeds_wide_title_merged.xlsx"]
    plan = analyse_file(empty_conn, data, "seeds.xlsx", **kwargs)
    assert sorted(plan.new_agencies["name"]) == ["องค์การบริหารส่วนตำบลหนองปลาหมอ", "เทศบาลตำบลทุ่งผึ้ง"]
    result = commit_plan(empty_conn, plan)
    agencies = store.load_agencies(empty_conn).set_index("name")
    assert agencies.loc["เทศบาลตำบลทุ่งผึ้ง", "source"] == f"import:{result.import_id}"
    assert agencies.loc["เทศบาลตำบลทุ่งผึ้ง", "district"] == "แจ้ห่ม"
    assert agencies.loc["องค์การบริหารส่วนตำบลหนองปลาหมอ", "agency_type"] == "องค์การบริหารส่วนตำบล"
    scores = store.load_scores_long(empty_conn)
    assert len(scores) == 20


def test_nacc_layout_keeps_missing_indicators_missing(empty_conn):
    data, kwargs, _ = GOOD["nacc_rows_per_year.xlsx"]
    plan = analyse_file(empty_conn, data, "nacc.xlsx", **kwargs)
    assert plan.years == [2567, 2568]
    commit_plan(empty_conn, plan)
    frame = store.load_results(empty_conn).set_index(["name", "year"])
    row = frame.loc[("องค์การบริหารส่วนตำบลหนองปลาหมอ", 2567)]
    assert row["i1"] == 100 and pd.isna(row["i6"]) and pd.isna(row["total"])
    assert frame.loc[("องค์การบริหารส่วนตำบลหนองปลาหมอ", 2568), "total"] == 93.30


def test_header_and_indicator_recognition():
    assert indicator_number("ตัวชี้วัดที่ ๑") == 1
    assert indicator_number("i10") == 10
    assert indicator_number("การใช้ทรัพย์สินของทางราชการ") == 4
    assert indicator_number("การปรับทัศนคติ") == 1
    assert indicator_number("Corruption prevention") == 10
    assert indicator_number("ตัวชี้วัดที่ 11") is None
    assert header_role("คะแนน ITA") == "total"
    assert header_role("ระดับผลการประเมิน") == "level"
    assert header_role("IIT (30)") == "IIT"
    assert header_role("ชื่อหน่วยงาน") == "name"


def test_formulas_with_saved_values_are_read_not_evaluated(empty_conn):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("ITA")
    for r, row in enumerate(seed_wide_rows(points=False)[:2]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    # A formula whose saved value differs from what it computes: the saved value is used.
    sheet.write_formula(1, 4, "=90+1", None, 98.29)
    book.close()
    plan = analyse_file(empty_conn, buffer.getvalue(), "f.xlsx", year=2568)
    assert plan.status == "valid"
    assert "formulas" in {w.code for w in plan.warnings}
    assert plan.scores.query("indicator == 1")["score"].tolist() == [98.29]


def test_read_tables_cp874_and_sheets():
    data, _, _ = GOOD["seeds_thai_digits_cp874.csv"]
    sheets = read_tables(data, "x.csv")
    assert sheets[0].rows[0][1] == "ชื่อหน่วยงาน"
    assert sheets[0].rows[1][4] == "๙๘.๒๙"
    data, _, _ = GOOD["english_headers_multi_sheet.xlsx"]
    assert [s.name for s in read_tables(data, "x.xlsx")] == ["cover", "data", "empty"]


# --- against the demo store ---------------------------------------------------------------------

def test_existing_scores_need_replace_and_show_a_diff(demo_conn):
    rows = seed_wide_rows(points=False)
    rows[1][4] = 90.00  # indicator 1 of Thung Phueng: 98.29 → 90.00
    data = xlsx(rows)
    plan = analyse_file(demo_conn, data, "fix.xlsx", year=2568)
    assert plan.status == "rejected"
    assert [e.code for e in plan.errors] == ["existing_scores"]
    diff = plan.replaced.set_index(["name", "indicator"])
    assert diff.loc[("เทศบาลตำบลทุ่งผึ้ง", 1), "old_score"] == 98.29
    assert diff.loc[("เทศบาลตำบลทุ่งผึ้ง", 1), "new_score"] == 90.00
    before, csv_before = snapshot(demo_conn), export_csv(demo_conn)
    assert commit_plan(demo_conn, plan).status == "rejected"
    assert export_csv(demo_conn) == csv_before

    plan = analyse_file(demo_conn, data, "fix.xlsx", year=2568, replace=True)
    assert plan.status == "valid" and plan.replaced_scores == 20
    result = commit_plan(demo_conn, plan)
    assert result.status == "committed"
    row = store.load_results(demo_conn, years=[2568]).set_index("name").loc["เทศบาลตำบลทุ่งผึ้ง"]
    assert row["i1"] == 90.00 and row["total"] != 96.47
    assert export_csv(demo_conn) != csv_before

    undo_import(demo_conn, result.import_id, user="tester")
    assert export_csv(demo_conn) == csv_before
    assert_same(before, snapshot(demo_conn))
    history = load_history(demo_conn)
    assert history.loc[0, "status"] == "undone" and history.loc[0, "undone_by"] == "tester"


def test_same_file_twice_is_unchanged(demo_conn):
    data = xlsx([["ชื่อหน่วยงาน", "จังหวัด", *[f"i{n}" for n in range(1, 11)]],
                 ["ทต.ทุ่งผึ้ง", "ลำปาง", *THUNG_PHUENG_2568]])
    first = commit_plan(demo_conn, analyse_file(demo_conn, data, "a.xlsx", year=2569))
    assert first.status == "committed"
    again = analyse_file(demo_conn, data, "renamed.xlsx", year=2569)
    assert again.status == "unchanged" and again.to_json()["import_id"] == first.import_id
    assert commit_plan(demo_conn, again).status == "unchanged"
    assert len(load_history(demo_conn)) == 1


def test_near_names_are_suggested_never_merged(demo_conn):
    rows = [["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
            ["อบต.หนองปลาหมา", "โนนศิลา", "ขอนแก่น", *NONG_PLA_MO_2568],
            ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568]]
    data = xlsx(rows)
    plan = analyse_file(demo_conn, data, "typo.xlsx", year=2569)
    assert plan.status == "valid"
    assert plan.rows == 1 and len(plan.new_agencies) == 0
    suggestion = plan.suggestions.iloc[0]
    assert suggestion["suggested_name"] == "องค์การบริหารส่วนตำบลหนองปลาหมอ"
    assert "suggested_match" in {w.code for w in plan.warnings}

    accepted = analyse_file(demo_conn, data, "typo.xlsx", year=2569, accept_suggestions=True)
    assert accepted.rows == 2 and len(accepted.new_agencies) == 0
    created = analyse_file(demo_conn, data, "typo.xlsx", year=2569, create_new=True)
    assert created.new_agencies["name"].tolist() == ["องค์การบริหารส่วนตำบลหนองปลาหมา"]
    key = decision_key(normalize_agency_name("อบต.หนองปลาหมา"), "ขอนแก่น")
    decided = analyse_file(demo_conn, data, "typo.xlsx", year=2569, decisions={key: NEW})
    assert len(decided.new_agencies) == 1

    before = snapshot(demo_conn)
    result = commit_plan(demo_conn, accepted)
    keys = store.load_agency_keys(demo_conn)
    alias = keys[keys["key"] == normalize_agency_name("อบต.หนองปลาหมา")]
    assert alias["name"].tolist() == ["องค์การบริหารส่วนตำบลหนองปลาหมอ"]
    undo_import(demo_conn, result.import_id)
    assert_same(before, snapshot(demo_conn))


def test_held_back_rows_can_be_settled_by_importing_the_file_again(demo_conn):
    rows = [["ชื่อหน่วยงาน", "จังหวัด", *[f"i{n}" for n in range(1, 11)]],
            ["อบต.หนองปลาหมา", "ขอนแก่น", *NONG_PLA_MO_2568],
            ["ทต.ทุ่งผึ้ง", "ลำปาง", *THUNG_PHUENG_2568]]
    data = xlsx(rows)
    first = commit_plan(demo_conn, analyse_file(demo_conn, data, "t.xlsx", year=2569))
    assert first.plan.rows == 1
    second = analyse_file(demo_conn, data, "t.xlsx", year=2569, create_new=True)
    assert second.status == "valid" and second.rows == 1 and len(second.new_agencies) == 1
    assert commit_plan(demo_conn, second).status == "committed"
    third = analyse_file(demo_conn, data, "t.xlsx", year=2569, create_new=True)
    assert third.status == "unchanged"


def test_undo_of_new_agencies_removes_them(demo_conn):
    rows = [["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"i{n}" for n in range(1, 11)]],
            ["อบต.ทดสอบนำเข้าใหม่", "โนนศิลา", "ขอนแก่น", *NONG_PLA_MO_2568]]
    before, csv_before = snapshot(demo_conn), export_csv(demo_conn)
    n_agencies = store.count_agencies(demo_conn)
    result = commit_plan(demo_conn, analyse_file(demo_conn, xlsx(rows), "n.xlsx", year=2569,
                                                 create_new=True))
    assert result.status == "committed" and result.to_json()["new_agencies"] == 1
    assert store.count_agencies(demo_conn) == n_agencies + 1
    counts = undo_import(demo_conn, result.import_id)
    assert counts == {"import_id": result.import_id, "scores_removed": 10, "scores_restored": 0,
                      "agencies_removed": 1}
    assert export_csv(demo_conn) == csv_before
    assert_same(before, snapshot(demo_conn))
    with pytest.raises(Exception, match="already been undone"):
        undo_import(demo_conn, result.import_id)


def test_undo_refused_when_a_later_import_replaced_the_same_scores(demo_conn):
    header = ["ชื่อหน่วยงาน", "จังหวัด", *[f"i{n}" for n in range(1, 11)]]
    one = xlsx([header, ["ทต.ทุ่งผึ้ง", "ลำปาง", *THUNG_PHUENG_2568]])
    two = xlsx([header, ["ทต.ทุ่งผึ้ง", "ลำปาง", *NONG_PLA_MO_2568]])
    first = commit_plan(demo_conn, analyse_file(demo_conn, one, "1.xlsx", year=2569))
    second = commit_plan(demo_conn, analyse_file(demo_conn, two, "2.xlsx", year=2569, replace=True))
    assert second.plan.replaced_scores == 10
    with pytest.raises(Exception, match="undo that one first"):
        undo_import(demo_conn, first.import_id)
    undo_import(demo_conn, second.import_id)
    row = store.load_results(demo_conn, years=[2569]).set_index("name").loc["เทศบาลตำบลทุ่งผึ้ง"]
    assert row["total"] == 96.47
    undo_import(demo_conn, first.import_id)
    assert store.load_results(demo_conn, years=[2569]).empty


def test_reported_values_that_contradict_scores_are_warnings(demo_conn):
    rows = seed_wide_rows(points=False)
    rows[1][-2] = 90.00   # total 96.47 computed
    rows[2][-1] = "ผ่าน"  # level ผ่านดี computed
    plan = analyse_file(demo_conn, xlsx(rows), "r.xlsx", year=2569)
    assert plan.status == "valid"
    codes = [w.code for w in plan.warnings]
    assert "reported_differs" in codes and "reported_level_differs" in codes


def test_national_year_file_imports_and_undoes(demo_conn):
    from import_corpus import national_file

    results = store.load_results(demo_conn, years=[2568])
    data = national_file(results)
    csv_before = export_csv(demo_conn)
    plan = analyse_file(demo_conn, data, "national.xlsx", year=2569)
    assert plan.status == "valid", [e.message_en for e in plan.errors[:3]]
    assert plan.rows == len(results) == plan.agencies
    assert len(plan.new_agencies) == 0 and plan.suggestions.empty
    result = commit_plan(demo_conn, plan)
    imported = store.load_results(demo_conn, years=[2569]).set_index("agency_id")
    expected = results.set_index("agency_id")
    assert len(imported) == len(expected)
    pd.testing.assert_series_equal(imported["total"], expected["total"], check_names=False)
    undo_import(demo_conn, result.import_id)
    assert export_csv(demo_conn) == csv_before


def test_official_code_matches_a_renamed_agency(empty_conn):
    header = ["รหัสหน่วยงาน", "ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"i{n}" for n in range(1, 11)]]
    first = xlsx([header, ["6520105", "ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568]])
    commit_plan(empty_conn, analyse_file(empty_conn, first, "a.xlsx", year=2568))
    # The next year's file spells the name differently (the seed's own typo); the code matches.
    second = xlsx([header, [6520105, "เทศบาลตำบลทุ่งผิง", "แจ้ห่ม", "ลำปาง", *NONG_PLA_MO_2568]])
    plan = analyse_file(empty_conn, second, "b.xlsx", year=2569)
    assert plan.status == "valid" and len(plan.new_agencies) == 0 and plan.suggestions.empty
    commit_plan(empty_conn, plan)
    assert store.load_results(empty_conn)["agency_id"].nunique() == 1


def test_hidden_sheet_is_reported_not_imported(empty_conn):
    workbook_rows = seed_wide_rows(points=False)
    book = io.BytesIO()
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "ผล"
    for row in workbook_rows[:2]:
        wb.active.append(row)
    hidden = wb.create_sheet("old")
    for row in workbook_rows:
        hidden.append(row)
    hidden.sheet_state = "hidden"
    wb.save(book)
    plan = analyse_file(empty_conn, book.getvalue(), "h.xlsx", year=2568)
    assert plan.status == "valid" and plan.rows == 1
    assert "hidden_sheet" in {w.code for w in plan.warnings}


def test_semicolon_csv_and_utf16(empty_conn):
    rows = seed_wide_rows(points=False)
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    for data in (frame.to_csv(index=False, sep=";").encode("utf-8"),
                 frame.to_csv(index=False, sep="\t").encode("utf-16")):
        plan = analyse_file(empty_conn, data, "x.csv", year=2568)
        assert plan.status == "valid" and plan.rows == 2
        assert plan.scores.query("indicator == 1")["score"].tolist() == [100.0, 98.29]


def test_seed_004_reported_level_contradicting_its_total_is_flagged(empty_conn):
    # Seed 004: อบต.โคกสะอาด 2564 reported 74.83 as "ระดับ E"; the 2564 bands make 74.83 a C.
    rows = [["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", "ปีงบประมาณ", *[f"i{n}" for n in range(1, 11)],
             "คะแนนรวม", "ระดับ"],
            ["อบต.โคกสะอาด", "ฆ้องชัย", "กาฬสินธุ์", "๒๕๖๔", *["-"] * 10, 74.83, "ระดับ E"]]
    plan = analyse_file(empty_conn, xlsx(rows), "004.xlsx")
    assert plan.status == "valid" and plan.scores.empty
    flagged = [w for w in plan.warnings if w.code == "reported_level_differs"]
    assert len(flagged) == 1 and '"E"' in flagged[0].message_en and '"C"' in flagged[0].message_en
    commit_plan(empty_conn, plan)
    row = store.load_results(empty_conn).iloc[0]
    assert (row["year"], row["reported_total"], row["reported_level"]) == (2564, 74.83, "E")


def test_province_merged_down_its_agencies_applies_to_each(empty_conn):
    rows = [["จังหวัด", "ชื่อหน่วยงาน", "อำเภอ", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
            ["ขอนแก่น", "อบต.หนองปลาหมอ", "โนนศิลา", *NONG_PLA_MO_2568],
            [None, "เทศบาลตำบลโนนศิลา", "โนนศิลา", *NONG_PLA_MO_2568],
            ["ลำปาง", "ทต.ทุ่งผึ้ง", "แจ้ห่ม", *THUNG_PHUENG_2568]]
    plan = analyse_file(empty_conn, xlsx(rows, merges=("A2:A3",)), "m.xlsx", year=2568)
    assert plan.status == "valid", [e.message_en for e in plan.errors]
    assert plan.new_agencies.set_index("name")["province"].to_dict() == {
        "องค์การบริหารส่วนตำบลหนองปลาหมอ": "ขอนแก่น", "เทศบาลตำบลโนนศิลา": "ขอนแก่น",
        "เทศบาลตำบลทุ่งผึ้ง": "ลำปาง"}


@pytest.mark.parametrize("name", [n for n in sorted(GOOD) if n.endswith(".xlsx")])
def test_calamine_reads_the_same_values_as_openpyxl(name):
    from ita_analytics.importer.read import _read_with_calamine, _read_with_openpyxl

    data = GOOD[name][0]
    fast, slow = _read_with_calamine(data), _read_with_openpyxl(data)
    assert [s.name for s in fast] == [s.name for s in slow]

    def trimmed(rows):
        out = [list(row) for row in rows]
        for row in out:
            while row and row[-1] is None:
                row.pop()
        while out and not out[-1]:
            out.pop()
        return out

    for a, b in zip(fast, slow):
        assert trimmed(a.rows) == trimmed(b.rows)
