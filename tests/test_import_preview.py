"""The import preview row by row (issue 18.8): the stored agency each row matched, every value's
change against what is stored (with the old value), and counts that add up — on the demo
store, whose 2568 rows of ทต.ทุ่งผึ้ง and อบต.หนองปลาหมอ (and the latter's 2567 indicators 1–5)
are the seeds' published numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from import_corpus import NONG_PLA_MO_2568, THUNG_PHUENG_2568, xlsx

from ita_analytics import store
from ita_analytics.importer import analyse_file
from ita_analytics.importer import preview as pv

THUNG_PHUENG_ID, NONG_PLA_MO_ID = 5314, 1
"""The demo store's ids of เทศบาลตำบลทุ่งผึ้ง (ลำปาง) and อบต.หนองปลาหมอ (ขอนแก่น)."""
HEADER = ["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", "ปี", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)],
          "คะแนนรวม"]
I9_RAISED = [*THUNG_PHUENG_2568[:8], 95.0, THUNG_PHUENG_2568[9]]
"""Seed 003's 2568 scores with indicator 9 at 95 instead of the published 90."""


def _plan(conn, rows: list[list], *, replace: bool = True):
    return analyse_file(conn, xlsx([HEADER, *rows]), "preview.xlsx", replace=replace)


def _stored_reported(conn, plan) -> pd.DataFrame:
    ids = sorted({int(r) for r in plan.scores["agency_ref"] if r > 0})
    frame = store.load_results(conn, agency_ids=ids, years=plan.years,
                               columns=["agency_id", "year", "reported_total", "reported_level",
                                        "reported_IIT", "reported_EIT", "reported_OIT"])
    return frame.rename(columns=lambda c: c.removeprefix("reported_"))


def _preview(conn, plan):
    changes = pv.compute_value_changes(plan, _stored_reported(conn, plan))
    ids = sorted({int(r) for r in plan.scores["agency_ref"] if r > 0})
    rows = pv.compute_preview_rows(plan, changes, store.load_agency_names(conn, ids))
    return changes, rows, pv.summarise_preview(plan, rows, changes)


@pytest.fixture()
def seeded_plan(demo_conn):
    """Five agency-years: seed 003 with indicator 9 changed, seed 000's 2567 completed (1–5
    stored, 6–10 new), seed 000's 2568 as stored, ทุ่งผึ้ง's 2569 (a new year) and a new agency."""
    plan = _plan(demo_conn, [
        ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", 2568, *I9_RAISED, 96.47],
        ["อบต.หนองปลาหมอ", "โนนศิลา", "ขอนแก่น", 2567, *NONG_PLA_MO_2568, None],
        ["อบต.หนองปลาหมอ", "โนนศิลา", "ขอนแก่น", 2568, *NONG_PLA_MO_2568, None],
        ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", 2569, *THUNG_PHUENG_2568, None],
        ["อบต.บ้านใหม่ทดสอบ", "แจ้ห่ม", "ลำปาง", 2568, *NONG_PLA_MO_2568, None],
    ])
    assert plan.status == "valid", [e.message_en for e in plan.errors]
    return plan


def test_each_row_names_its_agency_and_what_is_written(demo_conn, seeded_plan):
    _, rows, _ = _preview(demo_conn, seeded_plan)
    got = rows.set_index(["agency_name", "year"])
    assert list(rows["agency_name"]) == [
        "องค์การบริหารส่วนตำบลบ้านใหม่ทดสอบ", "องค์การบริหารส่วนตำบลหนองปลาหมอ",
        "องค์การบริหารส่วนตำบลหนองปลาหมอ", "เทศบาลตำบลทุ่งผึ้ง", "เทศบาลตำบลทุ่งผึ้ง"]
    new = got.loc[("องค์การบริหารส่วนตำบลบ้านใหม่ทดสอบ", 2568)]
    assert (pd.isna(new["agency_id"]), new["match"], new["outcome"], new["province"]) == \
        (True, "new", "new_agency", "ลำปาง")
    assert new["name_in_file"] == "องค์การบริหารส่วนตำบลบ้านใหม่ทดสอบ"
    tp = got.loc[("เทศบาลตำบลทุ่งผึ้ง", 2568)]
    assert (tp["agency_id"], tp["province"], tp["match"], tp["outcome"]) == \
        (THUNG_PHUENG_ID, "ลำปาง", "exact", "replaced")
    assert (tp["scores_new"], tp["scores_changed"], tp["scores_same"], tp["scores_removed"]) == \
        (0, 1, 9, 0)
    assert (tp["i9"], tp["i1"], tp["total"]) == ("90.00 → 95.00", "98.29 (=)", "96.47 (=)")
    # Seed 003's published level and tools are stored; the file gives none: replacing drops them.
    assert (tp["level"], tp["IIT"], tp["EIT"], tp["OIT"]) == \
        ("ผ่านดีเยี่ยม → –", "99.08 → –", "95.84 → –", "95.00 → –")
    npm = got.loc[("องค์การบริหารส่วนตำบลหนองปลาหมอ", 2567)]
    assert (npm["agency_id"], npm["outcome"], npm["scores_new"], npm["scores_same"]) == \
        (NONG_PLA_MO_ID, "replaced", 5, 5)
    assert (npm["i5"], npm["i6"], npm["i10"], npm["total"]) == ("100.00 (=)", "98.10", "80.00", "")
    npm68 = got.loc[("องค์การบริหารส่วนตำบลหนองปลาหมอ", 2568)]
    assert (npm68["scores_same"], npm68["reported_changed"], npm68["total"]) == (10, 2, "93.30 → –")
    later = got.loc[("เทศบาลตำบลทุ่งผึ้ง", 2569)]
    assert (later["outcome"], later["scores_new"], later["i9"]) == ("added", 10, "90.00")


def test_counts_add_up(demo_conn, seeded_plan):
    changes, rows, summary = _preview(demo_conn, seeded_plan)
    assert summary["rows"] == len(rows) == seeded_plan.rows == 5
    assert (summary["rows_new_agency"], summary["rows_added"], summary["rows_replaced"],
            summary["rows_same"], summary["rows_held_back"]) == (1, 1, 3, 0, 0)
    assert summary["rows"] == sum(summary[f"rows_{o}"] for o in pv.OUTCOMES)
    # Written: every planned score, each new, changed or the same.
    assert summary["scores_written"] == len(seeded_plan.scores) == 50
    assert (summary["scores_new"], summary["scores_changed"], summary["scores_same"]) == (25, 1, 24)
    # Replaced: every stored score of the agency-years written, changed, the same or removed.
    assert summary["stored_scores_replaced"] == seeded_plan.replaced_scores == 25
    assert summary["scores_removed"] == 0
    per_row = rows[["scores_new", "scores_changed", "scores_same"]].to_numpy().sum()
    assert per_row == summary["scores_written"]
    th, en = pv.describe_counts(summary)
    assert "จะบันทึก 5 แถว" in th and "ใหม่ 25, เปลี่ยนค่า 1, เท่าเดิม 24" in th
    assert "Writes 5 rows" in en and "25 new, 1 changed, 24 the same" in en


def test_a_file_equal_to_the_store_is_said_to_be_the_same(demo_conn):
    plan = analyse_file(demo_conn, xlsx([[*HEADER, "ระดับ"],
                                         ["อบต.หนองปลาหมอ", "โนนศิลา", "ขอนแก่น", 2568,
                                          *NONG_PLA_MO_2568, 93.30, "ผ่านดี"]]),
                        "same.xlsx", replace=True)  # seed 000's 2568 as stored
    changes, rows, summary = _preview(demo_conn, plan)
    assert rows["outcome"].tolist() == ["same"]
    assert set(changes["change"]) == {"same"}
    assert (summary["rows_same"], summary["scores_same"], summary["scores_new"]) == (1, 10, 0)


def test_stored_scores_the_file_lacks_are_counted_as_removed(demo_conn):
    """Seed 000's 2568 replaced by a file with indicators 1–5 only: 6–10 are dropped."""
    plan = analyse_file(demo_conn, xlsx([HEADER[:9], ["อบต.หนองปลาหมอ", "โนนศิลา", "ขอนแก่น", 2568,
                                                      *NONG_PLA_MO_2568[:5]]]),
                        "half.xlsx", replace=True)
    changes, rows, summary = _preview(demo_conn, plan)
    assert (summary["scores_written"], summary["scores_same"], summary["scores_removed"]) == (5, 5, 5)
    assert summary["stored_scores_replaced"] == plan.replaced_scores == 10
    assert rows.iloc[0]["i8"] == "96.83 → –"
    assert "จะถูกลบ 5" in pv.describe_counts(summary)[0]


def test_without_replace_the_preview_still_shows_what_it_would_do(demo_conn):
    plan = _plan(demo_conn, [["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", 2568, *I9_RAISED, None]],
                 replace=False)
    assert plan.status == "rejected" and {e.code for e in plan.errors} == {"existing_scores"}
    _, rows, summary = _preview(demo_conn, plan)
    assert rows.iloc[0]["i9"] == "90.00 → 95.00" and summary["scores_changed"] == 1


def test_file_rows_give_sheet_row_and_the_name_as_written(demo_conn, seeded_plan):
    changes = pv.compute_value_changes(seeded_plan)
    file_rows = pd.DataFrame({
        "sheet": ["ผลการประเมิน"] * 2, "row": [2, 5], "name": ["ทต.ทุ่งผึ้ง", "ทต.ทุ่งผึ้ง"],
        "agency_ref": [THUNG_PHUENG_ID, THUNG_PHUENG_ID], "year": [2568, 2569]})
    rows = pv.compute_preview_rows(seeded_plan, changes,
                                   store.load_agency_names(demo_conn, [THUNG_PHUENG_ID, 1]),
                                   file_rows=file_rows)
    first = rows.iloc[0]
    assert (first["sheet"], first["row"], first["name_in_file"], first["agency_name"]) == \
        ("ผลการประเมิน", 2, "ทต.ทุ่งผึ้ง", "เทศบาลตำบลทุ่งผึ้ง")


def test_a_confirmed_near_match_shows_the_name_as_written(demo_conn):
    plan = analyse_file(demo_conn, xlsx([HEADER, ["อบต.หนองปลาหมา", "โนนศิลา", "ขอนแก่น", 2569,
                                                  *NONG_PLA_MO_2568, None]]),
                        "typo.xlsx", accept_suggestions=True)
    _, rows, _ = _preview(demo_conn, plan)
    row = rows.iloc[0]
    assert (row["name_in_file"], row["agency_id"], row["match"], row["outcome"]) == \
        ("อบต.หนองปลาหมา", NONG_PLA_MO_ID, "confirmed", "added")


def test_headers_and_words_in_both_languages(demo_conn, seeded_plan):
    _, rows, _ = _preview(demo_conn, seeded_plan)
    th, en = pv.localise(rows, "th"), pv.localise(rows, "en")
    assert list(th.columns) == [pv.HEADERS[c][0] for c in pv.ROW_COLUMNS]
    assert list(en.columns) == [pv.HEADERS[c][1] for c in pv.ROW_COLUMNS]
    assert set(th["ผลที่จะบันทึก"]) == {"สร้างหน่วยงานใหม่", "เพิ่มปีใหม่", "แทนที่ผลเดิม"}
    assert set(en["Match"]) == {"new agency", "stored agency"}
    assert all(c.isascii() for c in en.columns)


@pytest.mark.parametrize(("agencies", "expected", "th", "en"), [
    (7, 8317, "ไฟล์นี้ครอบคลุม 7 จาก 8,317 หน่วยงานของปี 2569 (0.08%)",
     "This file covers 7 of 8,317 agencies of 2569 (0.08%)"),
    (1, 8237, "(0.01%)", "(0.01%)"),
    (1, 20000, "(< 0.01%)", "(< 0.01%)"),
    (8000, 8317, "(96.2%)", "8,000 of 8,317"),
])
def test_coverage_in_words(agencies, expected, th, en):
    words = pv.describe_coverage({"year": 2569, "agencies": agencies, "expected": expected,
                                  "share": round(agencies / expected, 4)})
    assert th in words[0] and en in words[1]


def test_no_coverage_no_words():
    assert pv.describe_coverage(None) is None


def test_the_plan_keeps_each_file_row_so_exact_matches_show_the_name_as_written(demo_conn,
                                                                                 seeded_plan):
    matched = seeded_plan.matched
    assert list(matched.columns) == ["sheet", "row", "name", "agency_ref", "year"]
    changes = pv.compute_value_changes(seeded_plan)
    rows = pv.compute_preview_rows(seeded_plan, changes,
                                   store.load_agency_names(demo_conn, [THUNG_PHUENG_ID, 1]),
                                   file_rows=matched)
    exact = rows[(rows["agency_name"] == "เทศบาลตำบลทุ่งผึ้ง") & (rows["year"] == 2569)].iloc[0]
    assert (exact["row"], exact["name_in_file"]) == (5, "ทต.ทุ่งผึ้ง")
