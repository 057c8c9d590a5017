"""Item-level results (issue 20): the catalogue, item codes, indicators 9/10 reproduced from OIT
items with the published FY2564 numbers, item imports (wide, long, Thai digits), the CLI's JSON,
a group's view, the report's section, the demo's items and the page."""

from __future__ import annotations

import io
import json

import docx
import openpyxl
import pandas as pd
import pytest
from conftest import app_test
from import_corpus import csv_bytes, xlsx

from ita_analytics import report, store
from ita_analytics.agencies import find_agency
from ita_analytics.analysis.items import (
    compute_flagged_items,
    compute_item_contradictions,
    compute_item_movers,
    compute_item_pass_rates,
    compute_oit_indicators,
    compute_sub_indicator_rates,
    count_item_values,
    pair_item_values,
)
from ita_analytics.cli import main
from ita_analytics.demo.labels import DEMO_SOURCE
from ita_analytics.domain import round2
from ita_analytics.importer.items import extract_item_scores, parse_item_value
from ita_analytics.importer.sandbox import read_tables
from ita_analytics.items import (
    OIT_RULES,
    catalogue_for_year,
    catalogue_frame,
    header_item_code,
    item_info,
    parse_item_code,
)
from ita_analytics.recommendations import recommendation_for
from ita_analytics.thai import normalize_agency_name, to_arabic_digits, to_thai_digits

SUBS_2564 = OIT_RULES[2564].sub_indicators()
THUNG_PHUENG = "เทศบาลตำบลทุ่งผึ้ง"


def strict_json(text: str):
    """JSON that refuses NaN and Infinity, as a strict client would."""
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def oit_rows(agency_id: int, passes: tuple[int, ...], year: int = 2564,
             failed_first: bool = False) -> list[tuple]:
    """OIT item rows of an agency-year with ``passes`` items passed per sub-indicator
    (9.1 … 9.5, 10.1, 10.2 in order); the last items of each sub-indicator fail."""
    rows = []
    for (_, codes), k in zip(SUBS_2564.items(), passes, strict=True):
        for j, code in enumerate(codes):
            ok = (j >= len(codes) - k) if failed_first else (j < k)
            rows.append((agency_id, year, code, "OIT", 100.0 if ok else 0.0, ok))
    return rows


def items_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["agency_id", "year", "item", "tool", "score", "passed"])
    frame["passed"] = pd.array(frame["passed"], dtype="boolean")
    return frame


# --- the catalogue ------------------------------------------------------------------------------

def test_catalogue_holds_what_public_sources_give():
    assert [i.code for i in catalogue_for_year(2564, "IIT")] == [f"i{n}" for n in range(1, 31)]
    assert [i.code for i in catalogue_for_year(2564, "OIT")] == [f"o{n}" for n in range(1, 44)]
    assert catalogue_for_year(2564, "EIT") == []  # no EIT wording was found for any year
    assert {s: len(c) for s, c in SUBS_2564.items()} == {
        "9.1": 9, "9.2": 8, "9.3": 7, "9.4": 4, "9.5": 5, "10.1": 8, "10.2": 2}
    o10 = item_info(2564, "o10")
    assert (o10.tool, o10.indicator, o10.sub_indicator, o10.name_th, o10.status) == (
        "OIT", 9, "9.2", "แผนดำเนินงานประจำปี", "known")
    assert "32887095716" in o10.source
    assert item_info(2564, "i2").name_th.startswith("ปฏิบัติงาน/ให้บริการแก่ผู้มาติดต่อทั่วไป")
    assert item_info(2564, "i2").indicator == 1
    assert item_info(2565, "o38").name_th == "การเสริมสร้างวัฒนธรรมองค์กร"
    # Seed 003 gives 2568's o6 (sub-indicator 9.2) and is named as the source.
    o6 = item_info(2568, "o6")
    assert o6.sub_indicator == "9.2" and "seed 003" in o6.source
    frame = catalogue_frame()
    assert frame["source"].str.len().min() > 10  # every row says where it comes from
    assert len(frame) == 167 and set(frame["variant"]) == {"general", "school"}


def test_unknown_names_are_said_to_be_unknown():
    e4 = item_info(2568, "e4")
    assert (e4.name_th, e4.status, e4.tool, e4.indicator) == (None, "unknown", "EIT", None)
    assert e4.message_th.startswith("ชื่อข้อไม่ทราบ") and "name unknown" in e4.message_en
    assert e4.label_th() == "e4 (ชื่อข้อไม่ทราบ)"
    # 2566: only an OBEC school list is known; general agencies' names are not claimed.
    o10 = item_info(2566, "o10")
    assert o10.name_th is None and "OBEC" in o10.message_en
    assert item_info(2566, "o10", variant="school").name_th == "นโยบายคุ้มครองข้อมูลส่วนบุคคล"
    # A code outside a year's whole list is no item at all.
    assert item_info(2564, "o44").status == "not_in_catalogue"
    assert item_info(2564, "i31").message_en == "IIT 2564 has no item i31 (its items are i1–i30)"


@pytest.mark.parametrize("written, code", [
    ("O10", "o10"), ("o10", "o10"), ("๐๑๐", "o10"), ("o๑๐", "o10"), ("ข้อ o10", "o10"),
    ("ข้อที่ ๐๖", "o6"), ("O01", "o1"), ("010", "o10"), ("i๒", "i2"), ("I2", "i2"), ("e4", "e4"),
    ("E 9", "e9"), ("ข้อ e๔", "e4"), ("IIT 3", "i3"), ("  o 23 ", "o23"),
    ("10", None), ("๑๐", None), ("o0", None), ("2564", None), ("e-service", None),
    ("indicator 1", None), ("x10", None), ("", None), (None, None), (True, None),
])
def test_item_codes_as_documents_write_them(written, code):
    assert parse_item_code(written) == code


def test_bare_numbers_need_their_tool_and_headers_may_carry_a_name():
    assert parse_item_code("๑๐", "OIT") == "o10" and parse_item_code(4, "EIT") == "e4"
    assert parse_item_code(4.5, "EIT") is None
    assert header_item_code("O10 แผนดำเนินงานประจำปี") == "o10"
    assert header_item_code("o10แผนดำเนินงาน") == "o10"
    assert header_item_code("ข้อ ๐๒๓") == "o23"
    assert header_item_code("ตัวชี้วัดที่ 1") is None and header_item_code(10) is None


# --- reproducing indicators 9 and 10 (published FY2564 numbers, ITEMS.md §5.2 [S5]) -----------

# Phichit FY2564 (ตาราง 4.26): indicator 9 of agencies, and the pass counts per sub-indicator
# 9.1–9.5 (of 9, 8, 7, 4, 5 items) that give each exactly.
PHICHIT_IND9 = [(100.00, (9, 8, 7, 4, 5)), (93.50, (9, 7, 7, 4, 4)), (97.50, (9, 7, 7, 4, 5)),
                (97.78, (8, 8, 7, 4, 5)), (97.14, (9, 8, 6, 4, 5)), (93.78, (8, 8, 7, 4, 4)),
                (96.00, (9, 8, 7, 4, 4)), (92.50, (9, 7, 7, 3, 5)), (94.64, (9, 7, 6, 4, 5))]
PHICHIT_IND10 = [(100.00, (8, 2)), (93.75, (7, 2)), (87.50, (6, 2))]


@pytest.mark.parametrize("published, passes", PHICHIT_IND9)
def test_indicator_9_is_the_mean_of_sub_indicator_pass_rates(published, passes):
    items = items_frame(oit_rows(1, (*passes, 8, 2)))
    got = compute_oit_indicators(items)
    assert got.to_dict("records") == [{"agency_id": 1, "year": 2564, "rule_status": "verified",
                                       "i9": published, "i10": 100.0}]
    # A plain mean over the 33 items of indicator 9 does not give the published score.
    plain = round2(100 * sum(passes) / 33)
    assert plain != published or published == 100.0


@pytest.mark.parametrize("published, passes", PHICHIT_IND10)
def test_indicator_10_is_the_mean_of_10_1_and_10_2(published, passes):
    got = compute_oit_indicators(items_frame(oit_rows(1, (9, 8, 7, 4, 5, *passes))))
    assert got["i10"].tolist() == [published]
    assert round2(100 * sum(passes) / 10) != published or published == 100.0


def test_published_oit_points_follow():
    # 97.78 and 93.75 are one agency's indicators: its weighted OIT was printed as 38.31.
    got = compute_oit_indicators(items_frame(oit_rows(1, (8, 8, 7, 4, 5, 7, 2))))
    i9, i10 = got["i9"].iloc[0], got["i10"].iloc[0]
    assert (i9, i10) == (97.78, 93.75)
    assert round2(0.4 * (i9 + i10) / 2) == 38.31
    rates = compute_sub_indicator_rates(items_frame(oit_rows(1, (8, 8, 7, 4, 5, 7, 2))))
    assert dict(zip(rates["sub_indicator"], rates["rate"].round(2))) == {
        "9.1": 88.89, "9.2": 100.0, "9.3": 100.0, "9.4": 100.0, "9.5": 100.0,
        "10.1": 87.5, "10.2": 100.0}


def test_missing_items_or_an_unknown_rule_give_no_indicator():
    rows = oit_rows(1, (9, 8, 7, 4, 5, 8, 2))
    incomplete = items_frame([r for r in rows if r[2] != "o5"])
    got = compute_oit_indicators(incomplete)
    assert pd.isna(got["i9"].iloc[0]) and got["i10"].iloc[0] == 100.0
    unknown = items_frame(oit_rows(1, (9, 8, 7, 4, 5, 8, 2), year=2567))
    assert compute_oit_indicators(unknown).empty  # no rule known for 2567
    presumed = compute_oit_indicators(items_frame(oit_rows(1, (9, 8, 7, 4, 5, 8, 2), year=2565)))
    assert presumed["rule_status"].tolist() == ["presumed"]


def test_contradictions_beyond_a_hundredth_are_flagged():
    items = items_frame(oit_rows(1, (8, 8, 7, 4, 5, 7, 2)) + oit_rows(2, (8, 8, 7, 4, 5, 7, 2))
                        + oit_rows(3, (8, 8, 7, 4, 5, 7, 2)))
    results = pd.DataFrame({"agency_id": [1, 2, 3], "year": 2564, "i9": [97.78, 97.77, 97.76],
                            "i10": [93.75, 93.75, 90.00]})
    found = compute_item_contradictions(compute_oit_indicators(items), results)
    assert found.to_dict("records") == [
        {"agency_id": 3, "year": 2564, "indicator": 9, "stored": 97.76, "from_items": 97.78,
         "difference": -0.02, "rule_status": "verified"},
        {"agency_id": 3, "year": 2564, "indicator": 10, "stored": 90.0, "from_items": 93.75,
         "difference": -3.75, "rule_status": "verified"}]


# --- an agency-year and a group ---------------------------------------------------------------

def test_flagged_items_carry_their_indicators_recommendation():
    rows = oit_rows(1, (9, 7, 7, 4, 5, 8, 2)) + [
        (1, 2564, "i2", "IIT", 85.5, None), (1, 2564, "i3", "IIT", 95.0, None),
        (1, 2564, "i14", "IIT", 70.0, None), (1, 2564, "e4", "EIT", 90.0, None),
        (1, 2564, "e5", "EIT", None, None)]
    flagged = compute_flagged_items(items_frame(rows))
    assert flagged["item"].tolist() == ["i2", "i14", "o17", "e4"]  # by indicator, unknown last
    by_item = flagged.set_index("item")
    assert by_item.loc["o17", "reason"] == "not_passed"
    assert by_item.loc["o17", "name_th"] == "E-Service" and by_item.loc["o17", "sub_indicator"] == "9.2"
    assert by_item.loc["i2", "action"] == "improve" and by_item.loc["i14", "action"] == "urgent"
    assert by_item.loc["i14", "indicator"] == 3
    assert by_item.loc["o17", "recommendation_th"] == recommendation_for(9).focus_th
    assert by_item.loc["o17", "actions_th"] == recommendation_for(9).actions_th
    assert pd.isna(by_item.loc["e4", "name_th"]) and by_item.loc["e4", "name_status"] == "unknown"
    assert pd.isna(by_item.loc["e4", "recommendation_th"])  # its indicator (6, 7 or 8) is unknown


def test_group_pass_rates_and_movers():
    rows = (oit_rows(1, (9, 8, 7, 4, 5, 8, 2)) + oit_rows(2, (9, 8, 7, 4, 5, 7, 1))
            + oit_rows(3, (9, 8, 7, 4, 5, 6, 2)) + oit_rows(4, (9, 8, 7, 4, 5, 8, 2), year=2565)
            + oit_rows(2, (9, 8, 7, 4, 5, 8, 2), year=2565)
            + [(1, 2564, "i2", "IIT", 80.0, None), (2, 2564, "i2", "IIT", 96.0, None)])
    values = items_frame(rows)
    rates = compute_item_pass_rates(count_item_values(values), 2564).set_index("item")
    assert rates.index[:3].tolist() == ["o41", "o40", "o43"]  # most often not passed, then in order
    assert rates.loc["o41", "n_not_passed"] == 2 and rates.loc["o41", "share_not_passed"] == 2 / 3
    assert rates.loc["o1", "share_not_passed"] == 0 and rates.loc["o1", "n"] == 3
    assert rates.loc["i2", "mean_score"] == 88.0 and rates.loc["i2", "share_below"] == 0.5
    assert pd.isna(rates.loc["o1", "mean_score"]) and pd.isna(rates.loc["i2", "share_not_passed"])
    movers = compute_item_movers(pair_item_values(values, 2564, 2565), 2564, 2565).set_index("item")
    # Only agency 2 has items in both years: its o41 and o43 went from not passed to passed.
    assert movers.index[:2].tolist() == ["o41", "o43"]
    assert movers.loc["o41", ["n", "value_from", "value_to", "delta"]].tolist() == [1, 0.0, 100.0, 100.0]
    assert movers.loc["o41", "comparable"] is True  # the same o1–o43 list in 2564 and 2565
    both = items_frame(oit_rows(1, (9, 8, 7, 4, 5, 8, 2), year=2565)
                       + oit_rows(1, (9, 8, 7, 4, 5, 8, 2), year=2568))
    renumbered = compute_item_movers(pair_item_values(both, 2565, 2568), 2565, 2568).set_index("item")
    assert renumbered.loc["o10", "comparable"] is False  # 2565 แผนดำเนินงานประจำปี, 2568 E-Service
    assert renumbered.loc["o2", "comparable"] is None  # 2568's o2 is not known


# --- import -----------------------------------------------------------------------------------

@pytest.fixture()
def small_db(tmp_path):
    """Two agencies with their 2564 indicators (Thung Phueng's 9/10: 97.78 and 93.75)."""
    path = tmp_path / "items.duckdb"
    conn = store.open_store(path, create=True)
    agencies = pd.DataFrame(
        [(1, THUNG_PHUENG, normalize_agency_name(THUNG_PHUENG), "เทศบาลตำบล", "ลำปาง", "แจ้ห่ม",
          None, "test", None),
         (2, "องค์การบริหารส่วนตำบลหนองปลาหมอ", normalize_agency_name("องค์การบริหารส่วนตำบลหนองปลาหมอ"),
          "องค์การบริหารส่วนตำบล", "ขอนแก่น", "โนนศิลา", None, "test", None)],
        columns=store.scores.AGENCY_COLUMNS)
    scores = [(1, 2564, n, {9: 97.78, 10: 93.75}.get(n, 96.0), "test", None) for n in range(1, 11)]
    scores += [(2, 2564, n, {9: 100.0, 10: 80.0}.get(n, 90.0), "test", None) for n in range(1, 11)]
    with store.transaction(conn) as cur:
        store.insert_agencies(cur, agencies)
        store.upsert_scores(cur, pd.DataFrame(scores, columns=store.scores.SCORE_COLUMNS))
    conn.close()
    return path


def wide_rows(*, thai: bool = False) -> list[list]:
    """Thung Phueng's 2564 items, one column each: o1–o43 (o9 and o41 not passed), i2, e4."""
    digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    header = ["ชื่อหน่วยงาน", "จังหวัด", "ปีงบประมาณ"]
    header += [(f"ข้อ ๐{str(k).translate(digits)}" if thai else f"O{k}") for k in range(1, 44)]
    header += ["ข้อ i๒" if thai else "ข้อ i2", "e๔" if thai else "e4"]
    values = [("ไม่ผ่าน" if thai else 0) if k in (9, 41) else ("ผ่าน" if thai else 100)
              for k in range(1, 44)]
    row = ["ทต.ทุ่งผึ้ง", "ลำปาง", "๒๕๖๔" if thai else 2564, *values,
           "๘๕.๕๐" if thai else 85.5, "-"]
    return [header, row]


@pytest.mark.parametrize("thai", [False, True])
def test_wide_items_are_read_and_validated(thai):
    extract = extract_item_scores(read_tables(csv_bytes(wide_rows(thai=thai)), "items.csv"))
    assert extract.errors == [] and extract.layouts == {"items": "wide"}
    rows = extract.rows.set_index("item")
    assert len(rows) == 45 and not rows.loc["o9", "passed"] and rows.loc["o1", "passed"]
    assert rows.loc["o9", "score"] == 0.0 and rows.loc["o9", "column"].startswith("L (")
    assert rows.loc["i2", "score"] == 85.5 and pd.isna(rows.loc["i2", "passed"])
    assert pd.isna(rows.loc["e4", "score"])  # "-": listed, no value
    assert (rows.loc["o9", "row"], rows.loc["o9", "year"], rows.loc["o9", "name"]) == (2, 2564, "ทต.ทุ่งผึ้ง")
    assert [w.code for w in extract.warnings] == ["item_name_unknown"]  # e4: no EIT names
    assert "e4" in extract.warnings[0].message_en


def test_long_items_with_thai_digits_and_a_year_in_the_title():
    rows = [["ผลการประเมินรายข้อ ประจำปีงบประมาณ พ.ศ. ๒๕๖๔", None, None, None],
            ["ชื่อหน่วยงาน", "จังหวัด", "ข้อ", "คะแนน"],
            ["ทต.ทุ่งผึ้ง", "ลำปาง", "ข้อ ๐๑๐", "ไม่มี"],
            ["ทต.ทุ่งผึ้ง", "ลำปาง", "O11", "๑๐๐"],
            ["ทต.ทุ่งผึ้ง", "ลำปาง", "i๒", "๘๗.๕"],
            ["อบต.หนองปลาหมอ", "ขอนแก่น", "e4", 91.256]]
    extract = extract_item_scores(read_tables(xlsx(rows), "long.xlsx"))
    assert extract.errors == [] and extract.layouts == {"ผลการประเมิน": "long"}
    got = extract.rows[["row", "item", "tool", "score", "passed", "year"]].astype(object)
    assert got.values.tolist() == [[3, "o10", "OIT", 0.0, False, 2564], [4, "o11", "OIT", 100.0, True, 2564],
                                   [5, "i2", "IIT", 87.5, pd.NA, 2564], [6, "e4", "EIT", 91.26, pd.NA, 2564]]


def test_a_long_file_of_indicators_is_not_taken_for_items():
    rows = [["ชื่อหน่วยงาน", "ปี", "ตัวชี้วัด", "คะแนน"]] + [
        ["ทต.ทุ่งผึ้ง", 2568, f"i{n}", 95.0] for n in range(1, 11)]
    assert not extract_item_scores(read_tables(csv_bytes(rows), "scores.csv")).found


def test_items_beside_indicator_scores():
    # i1–i10 head indicator scores in score files: read as items only past ten or when marked.
    header = ["ชื่อหน่วยงาน", "ปีงบประมาณ", *[f"i{n}" for n in range(1, 11)], "o1", "o2"]
    rows = [header, ["ทต.ทุ่งผึ้ง", 2564, *[96.0] * 10, "ผ่าน", "ไม่ผ่าน"]]
    extract = extract_item_scores(read_tables(csv_bytes(rows), "both.csv"))
    assert sorted(extract.rows["item"]) == ["o1", "o2"]
    assert extract.item_columns == {"both": {12: "o1", 13: "o2"}}
    assert [w.code for w in extract.warnings] == ["i_columns_as_indicators"]
    iit = [["ชื่อหน่วยงาน", "ปีงบประมาณ", *[f"i{n}" for n in range(1, 31)]],
           ["ทต.ทุ่งผึ้ง", 2564, *[90.0] * 30]]
    extract = extract_item_scores(read_tables(csv_bytes(iit), "iit.csv"))
    assert extract.rows["item"].tolist() == [f"i{n}" for n in range(1, 31)] and not extract.warnings
    named = [["ชื่อหน่วยงาน", "ปี", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)], "i1", "i2"],
             ["ทต.ทุ่งผึ้ง", 2564, *[96.0] * 10, 80, 90]]
    assert extract_item_scores(read_tables(csv_bytes(named), "n.csv")).rows["item"].tolist() == ["i1", "i2"]


def test_items_with_the_score_imports_layouts():
    """The score import's recognised layout (header row, agency and year columns) is reused;
    the item columns it could not place are the ones the extract claims."""
    from ita_analytics.importer.recognise import recognise_sheet

    rows = [["ชื่อหน่วยงาน", "จังหวัด", "ปีงบประมาณ", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)],
             "o6", "ข้อ i2"],
            ["ทต.ทุ่งผึ้ง", "ลำปาง", 2568, *[95.0] * 10, "ไม่ผ่าน", 88]]
    sheets = read_tables(csv_bytes(rows), "scores.csv")
    layouts = {sheet.name: recognise_sheet(sheet) for sheet in sheets}
    assert set(layouts["scores"].mapping.values()) == {"name", "province", "year",
                                                       *[f"i{n}" for n in range(1, 11)]}
    extract = extract_item_scores(sheets, layouts=layouts)
    assert extract.item_columns == {"scores": {13: "o6", 14: "i2"}}
    got = extract.rows[["row", "name", "province", "year", "item", "score"]].values.tolist()
    assert got == [[2, "ทต.ทุ่งผึ้ง", "ลำปาง", 2568, "o6", 0.0], [2, "ทต.ทุ่งผึ้ง", "ลำปาง", 2568, "i2", 88.0]]


@pytest.mark.parametrize("value, tool, expected", [
    (100, "OIT", (100.0, True)), ("๐", "OIT", (0.0, False)), ("ผ่าน", "OIT", (100.0, True)),
    ("มี", "OIT", (100.0, True)), ("ไม่มี", "OIT", (0.0, False)), ("✓", "OIT", (100.0, True)),
    (True, "OIT", (100.0, True)), ("-", "OIT", (None, None)), (None, "OIT", None),
    ("๙๕.๕", "IIT", (95.5, None)), (66.666, "EIT", (66.67, None)), ("", "IIT", None),
    (50, "OIT", "not_pass_fail"), ("บางส่วน", "OIT", "not_pass_fail"), (100.5, "IIT", "out_of_range"),
    (-1, "EIT", "out_of_range"), ("ดี", "IIT", "not_number"), ("ผ่าน", "IIT", "not_number"),
])
def test_item_values_are_validated_like_scores(value, tool, expected):
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            parse_item_value(value, tool)
    else:
        assert parse_item_value(value, tool) == expected


def test_bad_cells_are_named_by_sheet_row_and_column():
    header = ["ชื่อหน่วยงาน", "ปีงบประมาณ", "o9", "o44", "ข้อ i2", "e4"]
    rows = [header, ["ทต.ทุ่งผึ้ง", 2564, 50, "ผ่าน", 120, "ดี"],
            ["ทต.ทุ่งผึ้ง", 2564, "ผ่าน", None, None, None],
            [None, 2564, "ผ่าน", None, None, None]]
    extract = extract_item_scores(read_tables(xlsx(rows, title="OIT"), "bad.xlsx"))
    got = [(e.code, e.sheet, e.row, e.column) for e in extract.errors]
    assert got == [("not_pass_fail", "OIT", 2, "C (o9)"), ("out_of_range", "OIT", 2, "E (ข้อ i2)"),
                   ("not_number", "OIT", 2, "F (e4)"), ("missing_name", "OIT", 4, None),
                   ("unknown_item", "OIT", 2, "D (o44)")]
    messages = {e.code: (e.message_th, e.message_en) for e in extract.errors}
    assert messages["not_pass_fail"][1].startswith('Item o9: "50" an OIT item is pass/fail')
    assert messages["unknown_item"] == ("ไม่มีข้อ o44 ในแบบวัด OIT ปี 2564 (มีข้อ o1–o43)",
                                        "OIT 2564 has no item o44 (its items are o1–o43)")
    no_year = [["ชื่อหน่วยงาน", "o1"], ["ทต.ทุ่งผึ้ง", "ผ่าน"]]
    assert [e.code for e in extract_item_scores(read_tables(csv_bytes(no_year), "y.csv")).errors] == ["no_year"]
    assert extract_item_scores(read_tables(csv_bytes(no_year), "y.csv"), year=2564).rows["year"].tolist() == [2564]


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def test_cli_import_check_commit_and_undo(small_db, tmp_path, capsys):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes(wide_rows(thai=True)))
    code, out = run(capsys, "--db", small_db, "items", "import", path, "--dry-run", "--json")
    dry = strict_json(out)
    assert code == 0 and (dry["status"], dry["rows"], dry["agencies"], dry["years"]) == ("valid", 45, 1, [2564])
    conn = store.open_store(small_db)
    assert store.load_items(conn).empty  # a dry run writes nothing
    conn.close()
    code, out = run(capsys, "--db", small_db, "items", "import", path, "--json")
    done = strict_json(out)
    assert code == 0 and done["status"] == "committed"
    # o9 and o41 not passed: 9 = (8/9 + 1 + 1 + 1 + 1)/5 = 97.78 and 10 = (7/8 + 1)/2 = 93.75,
    # the stored scores: no contradiction.
    assert [w["code"] for w in done["warnings"]] == ["item_name_unknown"]
    conn = store.open_store(small_db)
    stored = store.load_items(conn)
    history = conn.execute("SELECT kind, rows, status FROM imports").fetchall()
    conn.close()
    assert len(stored) == 45 and set(stored["source"]) == {f"import:{done['import_id']}"}
    assert history == [("items", 45, "committed")]
    code, out = run(capsys, "--db", small_db, "items", "import", path, "--json")
    assert strict_json(out)["status"] == "unchanged"
    code, out = run(capsys, "--db", small_db, "items", "undo", done["import_id"])
    assert code == 0 and "45" in out
    conn = store.open_store(small_db)
    assert store.load_items(conn).empty
    assert conn.execute("SELECT status FROM imports").fetchall() == [("undone",)]
    conn.close()


def test_cli_import_refuses_bad_files_whole(small_db, tmp_path, capsys):
    rows = wide_rows()
    rows[1][3 + 8] = 50  # o9 = 50: OIT items are pass/fail
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    code, out = run(capsys, "--db", small_db, "items", "import", path, "--json")
    payload = strict_json(out)
    assert code == 1 and payload["status"] == "rejected"
    assert [(e["code"], e["row"], e["column"]) for e in payload["errors"]] == [
        ("not_pass_fail", 2, "L (O9)")]
    unknown = [["ชื่อหน่วยงาน", "ปีงบประมาณ", "o1"], ["ทต.ทุ่งผึ้งงง", 2564, "ผ่าน"]]
    path.write_bytes(csv_bytes(unknown))
    code, out = run(capsys, "--db", small_db, "items", "import", path, "--json")
    payload = strict_json(out)
    assert code == 1 and payload["errors"][0]["code"] == "unknown_agency"
    assert THUNG_PHUENG in payload["errors"][0]["message_th"]  # the nearest name is offered
    conn = store.open_store(small_db)
    assert store.load_items(conn).empty
    conn.close()


def test_contradicting_items_are_flagged_and_stored_ones_refused(small_db, tmp_path, capsys):
    rows = wide_rows()
    rows[1][3 + 40] = 100  # o41 passed: indicator 10 would be 100, stored 93.75
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes(rows))
    code, out = run(capsys, "--db", small_db, "items", "import", path, "--json")
    payload = strict_json(out)
    assert code == 0
    warning = next(w for w in payload["warnings"] if w["code"] == "items_contradict_indicator")
    assert "indicator 10 is stored as 93.75 but its OIT items give 100.00" in warning["message_en"]
    other = tmp_path / "again.csv"
    other.write_bytes(csv_bytes(wide_rows()))
    code, out = run(capsys, "--db", small_db, "items", "import", other, "--json")
    payload = strict_json(out)
    assert code == 1 and [e["code"] for e in payload["errors"]] == ["items_already_stored"]


def test_cli_json_of_an_agency_year(small_db, tmp_path, capsys):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes(wide_rows()))
    assert main(["--db", str(small_db), "items", "import", str(path)]) == 0
    capsys.readouterr()
    code, out = run(capsys, "--db", small_db, "items", "--agency", "ทต.ทุ่งผึ้ง", "--province", "ลำปาง",
                    "--year", "2564", "--json")
    payload = strict_json(out)
    assert code == 0 and payload["agency"]["name"] == THUNG_PHUENG and payload["n_items"] == 45
    assert list(payload["items"]) == ["i2", "o9", "o41"]
    o9 = payload["items"]["o9"]
    assert {k: o9[k] for k in ("indicator", "sub_indicator", "name_th", "score", "passed")} == {
        "indicator": 9, "sub_indicator": "9.1", "name_th": "Social Network", "score": 0.0,
        "passed": False}
    assert o9["recommendation_th"] == recommendation_for(9).focus_th
    i2 = payload["items"]["i2"]
    assert (i2["score"], i2["passed"], i2["action"], i2["indicator"]) == (85.5, None, "improve", 1)
    assert payload["not_passed"] == ["o9", "o41"] and payload["below_threshold"] == ["i2"]
    assert payload["recommendations"]["10"]["actions_th"] == list(recommendation_for(10).actions_th)
    assert payload["indicators"]["9"] == {
        "stored": 97.78, "from_items": 97.78, "rule_status": "verified", "contradiction": False,
        "sub_indicators": {"9.1": 88.89, "9.2": 100.0, "9.3": 100.0, "9.4": 100.0, "9.5": 100.0}}
    assert payload["indicators"]["10"]["from_items"] == 93.75
    # The same with --threshold 80: i2 (85.5) is no longer weak.
    code, out = run(capsys, "--db", small_db, "items", "--agency", "ทต.ทุ่งผึ้ง", "--year", "2564",
                    "--threshold", "80", "--json")
    assert list(strict_json(out)["items"]) == ["o9", "o41"]
    code, out = run(capsys, "--db", small_db, "items", "--agency", "อบต.หนองปลาหมอ", "--year", "2564")
    assert code == 1


def test_cli_group_json(small_db, tmp_path, capsys):
    rows = wide_rows()
    rows.append(["อบต.หนองปลาหมอ", "ขอนแก่น", 2564, *[100] * 41, 0, 0, 90.0, 80.0])
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes(rows))
    assert main(["--db", str(small_db), "items", "import", str(path)]) == 0
    capsys.readouterr()
    code, out = run(capsys, "--db", small_db, "items", "--year", "2564", "--json")
    payload = strict_json(out)
    assert code == 0 and payload["n_agencies"] == 2 and payload["moved"] is None
    # Four items not passed by one of the two agencies each: in item order.
    assert payload["most_often_not_passed"][:4] == ["o9", "o41", "o42", "o43"]
    o41 = payload["items"]["o41"]
    assert {k: o41[k] for k in ("indicator", "sub_indicator", "name_th", "n", "not_passed",
                                "share_not_passed", "passed", "score")} == {
        "indicator": 10, "sub_indicator": "10.1", "name_th": "รายงานผลการดำเนินการป้องกันการทุจริตประจำปี",
        "n": 2, "not_passed": 1, "share_not_passed": 0.5, "passed": 0.5, "score": None}
    assert payload["items"]["i2"]["score"] == 87.75 and payload["items"]["i2"]["passed"] is None
    code, out = run(capsys, "--db", small_db, "items", "--year", "2564", "--type", "อบต.", "--json")
    group = strict_json(out)
    assert group["group"] == {"type": "องค์การบริหารส่วนตำบล", "province": None}
    assert group["n_agencies"] == 1 and group["most_often_not_passed"][:2] == ["o42", "o43"]
    code, out = run(capsys, "--db", small_db, "items", "--year", "2567")
    assert code == 1


# --- the demo's items, the report, the page ---------------------------------------------------

def test_demo_items_reproduce_the_demo_indicators(demo_conn):
    values = store.load_item_values(demo_conn, years=[2564])
    results = store.load_results(demo_conn, years=[2564], columns=["agency_id", "year", "i9", "i10",
                                                                  "source"])
    reproduced = compute_oit_indicators(values)
    demo_rows = results[results["source"] == DEMO_SOURCE]
    assert len(reproduced) == len(demo_rows) > 8000
    assert compute_item_contradictions(reproduced, results).empty
    assert reproduced["i9"].notna().all() and reproduced["i10"].notna().all()
    assert (demo_rows["i10"] % 6.25 == 0).all()  # 10.1 and 10.2 have 8 and 2 items
    sources = store.items.load_item_source_counts(demo_conn)
    assert sources == {DEMO_SOURCE: len(values), "seed:003_3c876de5dfd8ddd5.txt": 1}
    assert store.load_item_years(demo_conn) == [2564, 2568]


def test_group_counts_in_the_store_equal_pandas_counts(demo_conn):
    values = store.load_item_values(demo_conn, years=[2564])
    for threshold in (95.0, 50.0):
        sql = store.items.load_item_counts(demo_conn, threshold=threshold, years=[2564])
        pandas = count_item_values(values, threshold)
        pd.testing.assert_frame_equal(
            sql.sort_values("item").reset_index(drop=True),
            pandas.sort_values("item").reset_index(drop=True), check_dtype=False)
    local = store.items.load_item_counts(demo_conn, threshold=95.0, years=[2564],
                                         agency_types=["เทศบาลตำบล"], provinces=["ลำปาง"])
    ids = store.load_results(demo_conn, years=[2564], agency_types=["เทศบาลตำบล"],
                             provinces=["ลำปาง"], columns=["agency_id"])["agency_id"]
    subset = values[values["agency_id"].isin(ids)]
    assert local["n_pass_known"].max() == subset["agency_id"].nunique() == \
        store.items.count_item_agencies(demo_conn, 2564, agency_types=["เทศบาลตำบล"],
                                        provinces=["ลำปาง"]) > 10
    assert local.set_index("item")["n_passed"].to_dict() == \
        subset.groupby("item")["passed"].sum().astype(int).to_dict()


def test_pairs_in_the_store_equal_pandas_pairs(small_db):
    conn = store.open_store(small_db)
    rows = (oit_rows(1, (9, 8, 7, 4, 5, 7, 1)) + oit_rows(1, (9, 8, 7, 4, 5, 8, 2), year=2565)
            + oit_rows(2, (9, 8, 6, 4, 5, 8, 2)) + [(1, 2564, "i2", "IIT", 70.0, None),
                                                    (1, 2565, "i2", "IIT", 90.0, None)])
    frame = items_frame(rows).assign(source="test", import_id=None)
    with store.transaction(conn) as cur:
        store.insert_items(cur, frame)
    sql = store.items.load_item_pairs(conn, 2564, 2565)
    conn.close()
    pandas = pair_item_values(items_frame(rows), 2564, 2565)
    pd.testing.assert_frame_equal(sql.sort_values("item").reset_index(drop=True),
                                  pandas.sort_values("item").reset_index(drop=True),
                                  check_dtype=False)
    movers = compute_item_movers(sql, 2564, 2565)
    assert movers["item"].tolist()[:3] == ["o41", "o43", "i2"]
    assert movers.set_index("item").loc["i2", ["n", "value_from", "value_to", "delta"]].tolist() == [
        1, 70.0, 90.0, 20.0]


def _agency_id(conn, name, province):
    return find_agency(store.load_agency_keys(conn), name, province).agency_id


def test_report_lists_weak_items_as_seed_003_does(demo_conn):
    agency_id = _agency_id(demo_conn, "ทต.ทุ่งผึ้ง", "ลำปาง")
    data = report.load_report_data(demo_conn, agency_id, 2568)
    document = docx.Document(io.BytesIO(report.render_docx(data)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ข้อคำถามและข้อมูล OIT ที่ควรพัฒนา ประจำปีงบประมาณ พ.ศ. ๒๕๖๘" in text
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ข้อ")
    # The DOCX is set in Thai digits throughout (one digit system per report).
    assert [to_arabic_digits(c.text) for c in table.rows[1].cells] == [
        "o6", "แผนความก้าวหน้าในการดำเนินงาน และการใช้งบประมาณประจำปี", "9 (9.2)",
        "ไม่ผ่าน (ไม่ได้รับคะแนน)", "พัฒนาเร่งด่วน"]
    assert to_thai_digits(recommendation_for(9).focus_th) in text
    # The section follows the per-indicator analysis.
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings.index("ข้อคำถามและข้อมูล OIT ที่ควรพัฒนา ประจำปีงบประมาณ พ.ศ. ๒๕๖๘") == \
        headings.index("๓. การวิเคราะห์รายตัวชี้วัดและข้อเสนอแนะ") + 1
    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(data)))
    rows = list(book["รายข้อที่ควรพัฒนา"].iter_rows(values_only=True))
    assert rows[1][:7] == ("o6", "OIT", 9, "9.2", "แผนความก้าวหน้าในการดำเนินงาน และการใช้งบประมาณประจำปี",
                           0.0, "ไม่ผ่าน")


def test_report_of_demo_items_and_of_an_agency_without_items(demo_conn):
    values = store.load_item_values(demo_conn, years=[2564])
    failed = values[values["passed"] == False]  # noqa: E712
    agency_id = int(failed["agency_id"].iloc[0])
    missing = sorted(failed.loc[failed["agency_id"] == agency_id, "item"],
                     key=lambda c: int(c[1:]))
    data = report.load_report_data(demo_conn, agency_id, 2564)
    document = docx.Document(io.BytesIO(report.render_docx(data)))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ข้อ")
    assert [to_arabic_digits(r.cells[0].text) for r in table.rows[1:]] == missing
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ผลรายข้อเป็นข้อมูลสาธิต (สังเคราะห์)" in text
    assert "คำนวณจากผลรายข้อ OIT ได้" in text and "ตรงกับคะแนนที่บันทึกไว้" in text
    none = report.load_report_data(demo_conn, _agency_id(demo_conn, "อบต.หนองปลาหมอ", "ขอนแก่น"), 2568)
    assert none.extras["items"] is None
    document = docx.Document(io.BytesIO(report.render_docx(none)))
    assert not any("ข้อมูล OIT ที่ควรพัฒนา" in p.text for p in document.paragraphs)
    assert "รายข้อที่ควรพัฒนา" not in openpyxl.load_workbook(
        io.BytesIO(report.render_xlsx(none))).sheetnames


def _table(at, column: str) -> pd.DataFrame:
    """The page's table with ``column`` (AppTest does not expose a table's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_page_shows_an_agency_and_a_group(demo_db, app_env):
    conn = store.open_store(demo_db, read_only=True)
    values = store.load_item_values(conn, years=[2564])
    conn.close()
    expected = compute_item_pass_rates(count_item_values(values), 2564)
    app_env(demo_db)
    at = app_test("pages/items.py", timeout=120)  # registered in the menu (navigation.PAGES)
    assert not at.exception
    assert at.title[0].value == "ผลรายข้อ"
    assert any("ข้อมูลสาธิต (สังเคราะห์)" in c.value for c in at.caption)
    # The group tab (newest year with items first: 2568 holds seed 003's one item).
    assert at.selectbox(key="it_group_year").value == 2568
    at.selectbox(key="it_group_year").set_value(2564).run()
    assert not at.exception
    assert at.metric[0].value == f"{values['agency_id'].nunique():,}"
    table = _table(at, "สัดส่วนที่ไม่ผ่าน (%)")
    assert table["ข้อ"].tolist() == expected["item"].tolist()
    assert table["สัดส่วนที่ไม่ผ่าน (%)"].tolist()[:5] == \
        (100 * expected["share_not_passed"].astype("float64")).round(2).tolist()[:5]
    # The agency tab: seed 003's agency and the evidence it did not pass in 2568.
    at.text_input(key="it_search").input("ทต.ทุ่งผึ้ง").run()
    assert not at.exception
    flagged = _table(at, "ผล")
    assert flagged["ข้อ"].tolist() == ["o6"]
    assert flagged["ชื่อข้อ"].tolist() == ["แผนความก้าวหน้าในการดำเนินงาน และการใช้งบประมาณประจำปี"]
    assert flagged["ผล"].tolist() == ["ไม่ผ่าน"] and flagged["ตัวชี้วัด"].tolist() == ["9 (9.2)"]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception and at.title[0].value == "Item-level results"
    assert _table(at, "Result")["Result"].tolist() == ["not passed"]
