"""Spreadsheets for the import tests, built by code: real-looking files and broken ones.

The real-looking files carry the seeds' own numbers (seeds 000 and 003), laid out the ways
agencies and NACC publish them. Each broken file comes with the error code it must raise.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd

from ita_analytics.thai import to_thai_digits

# Seed 003: เทศบาลตำบลทุ่งผึ้ง (อ.แจ้ห่ม จ.ลำปาง) 2568; seed 000: อบต.หนองปลาหมอ 2568 and 2567.
THUNG_PHUENG_2568 = [98.29, 99.15, 100, 97.95, 100, 96.22, 96.12, 95.17, 90.00, 100]
NONG_PLA_MO_2568 = [100, 100, 100, 100, 100, 98.10, 98.10, 96.83, 90.00, 80.00]
NONG_PLA_MO_2567 = [100, 100, 100, 100, 100, "-", "-", "-", "-", "-"]
THUNG_PHUENG_TOTAL, NONG_PLA_MO_TOTAL = 96.47, 93.30

TH_INDICATORS = ["ตัวชี้วัดที่ 1", "ตัวชี้วัดที่ 2", "ตัวชี้วัดที่ 3", "ตัวชี้วัดที่ 4", "ตัวชี้วัดที่ 5",
                 "ตัวชี้วัดที่ 6", "ตัวชี้วัดที่ 7", "ตัวชี้วัดที่ 8", "ตัวชี้วัดที่ 9", "ตัวชี้วัดที่ 10"]
EN_INDICATORS = ["Duty performance", "Budget use", "Use of authority", "Use of government assets",
                 "Anti-corruption problem solving", "Quality of operation",
                 "Communication efficiency", "Work improvement", "Information disclosure",
                 "Corruption prevention"]
NAME_INDICATORS = ["การปฏิบัติหน้าที่", "การใช้งบประมาณ", "การใช้อำนาจ", "การใช้ทรัพย์สินของทางราชการ",
                   "การแก้ไขปัญหาการทุจริต", "คุณภาพการดำเนินงาน", "ประสิทธิภาพการสื่อสาร",
                   "การปรับปรุงระบบการทำงาน", "การเปิดเผยข้อมูลสาธารณะ", "การป้องกันการทุจริต"]


def xlsx(rows: list[list], *, title: str = "ผลการประเมิน", merges: tuple[str, ...] = (),
         extra_sheets: dict[str, list[list]] | None = None) -> bytes:
    """An xlsx with ``rows`` in its first sheet (None = empty cell), written by openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    for name, other in (extra_sheets or {}).items():
        ws = workbook.create_sheet(name)
        for row in other:
            ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig", sep: str = ",") -> bytes:
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    return frame.to_csv(index=False, sep=sep).encode(encoding)


def seed_wide_rows(*, thai_digits: bool = False, points: bool = True) -> list[list]:
    """Header and the two seed agencies of 2568 as a wide table with tools, total and level."""
    header = ["ลำดับ", "ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *TH_INDICATORS,
              "IIT", "EIT", "OIT", "คะแนนรวม", "ระดับ"]
    # NACC prints tools as weighted points: 29.72/30, 28.75/30, 38.00/40 for Thung Phueng.
    tools_tp = [29.72, 28.75, 38.00] if points else [99.08, 95.84, 95.00]
    tools_np = [30.00, 29.30, 34.00] if points else [100.00, 97.68, 85.00]
    rows = [
        header,
        [1, "ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568, *tools_tp, THUNG_PHUENG_TOTAL,
         "ผ่านดีเยี่ยม"],
        [2, "อบต. หนองปลาหมอ", "โนนศิลา", "ขอนแก่น", *NONG_PLA_MO_2568, *tools_np,
         NONG_PLA_MO_TOTAL, "ผ่านดี"],
    ]
    if thai_digits:
        rows[1:] = [[to_thai_digits(f"{v:.2f}") if isinstance(v, float) else v for v in r]
                    for r in rows[1:]]
    return rows


def good_files() -> dict[str, tuple[bytes, dict, dict]]:
    """name → (bytes, analyse_file kwargs, expected facts) of files that must import."""
    files: dict[str, tuple[bytes, dict, dict]] = {}
    title = ["ผลการประเมินคุณธรรมและความโปร่งใส (ITA) ประจำปีงบประมาณ พ.ศ. ๒๕๖๘"]
    files["seeds_wide_title_merged.xlsx"] = (
        xlsx([title, [None], ["ข้อมูล ณ วันที่ 30 กันยายน 2568"], *seed_wide_rows(), [None],
              ["หมายเหตุ: คะแนน IIT/EIT/OIT เป็นคะแนนถ่วงน้ำหนัก"]], merges=("A1:R1",)),
        {}, {"rows": 2, "year": 2568, "warnings": {"tools_as_points", "footer_rows", "blank_rows"}})
    files["seeds_thai_digits_cp874.csv"] = (
        csv_bytes(seed_wide_rows(thai_digits=True), "cp874"),
        {"year": 2568}, {"rows": 2, "year": 2568})
    files["seeds_wide_utf8_bom.csv"] = (
        csv_bytes(seed_wide_rows(points=False)), {"year": 2025}, {"rows": 2, "year": 2568})
    long_rows = [["agency", "province", "fiscal year", "indicator", "score"]]
    for n, value in enumerate(THUNG_PHUENG_2568, 1):
        long_rows.append(["เทศบาลตำบลทุ่งผึ้ง", "ลำปาง", 2025, f"i{n}", value])
    for n, value in enumerate(NONG_PLA_MO_2568, 1):
        long_rows.append(["อบต.หนองปลาหมอ", "จ.ขอนแก่น", 2025, f"ตัวชี้วัดที่ {to_thai_digits(str(n))}",
                          value])
    files["seeds_long_english.xlsx"] = (xlsx(long_rows, title="long"), {},
                                        {"rows": 2, "year": 2568})
    nacc = [["ผลคะแนน ITA รายหน่วยงาน"],
            ["หน่วยงาน", "จังหวัด", *NAME_INDICATORS, "คะแนน ITA", "ระดับ"],
            ["องค์การบริหารส่วนตำบลหนองปลาหมอ", "ขอนแก่น", *[None] * 12],
            ["ปี 2568", None, *NONG_PLA_MO_2568, NONG_PLA_MO_TOTAL, "ผ่านดี"],
            ["ปี ๒๕๖๗", None, *NONG_PLA_MO_2567, None, None],
            ["เทศบาลตำบลทุ่งผึ้ง", "ลำปาง", *[None] * 12],
            ["ปี 2568", None, *THUNG_PHUENG_2568, THUNG_PHUENG_TOTAL, "ผ่านดีเยี่ยม"]]
    files["nacc_rows_per_year.xlsx"] = (xlsx(nacc), {}, {"rows": 3, "year": 2568})
    english = [["Agency name", "Province", "Year", *EN_INDICATORS, "Total", "Level"],
               ["เทศบาลตำบลทุ่งผึ้ง", "ลำปาง", 2568, *THUNG_PHUENG_2568, THUNG_PHUENG_TOTAL, "ผ่านดีเยี่ยม"]]
    files["english_headers_multi_sheet.xlsx"] = (
        xlsx([["Cover page: ITA results"], ["Prepared by the province office"]], title="cover",
             extra_sheets={"data": english, "empty": []}),
        {}, {"rows": 1, "year": 2568, "warnings": {"no_scores"}})
    return files


def _zip_bomb() -> bytes:
    """A workbook whose sheet expands from ~20 KB to 20 MB of blanks (ratio ~1000)."""
    good = xlsx(seed_wide_rows())
    source = zipfile.ZipFile(io.BytesIO(good))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * 20_000_000, 1)
            out.writestr(info.filename, data)
    return buffer.getvalue()


def _xml_bomb() -> bytes:
    """A workbook whose shared strings expand one cell into 10^9 'lol's (billion laughs)."""
    from ita_analytics.exports import to_xlsx_bytes

    rows = seed_wide_rows()
    source = zipfile.ZipFile(io.BytesIO(to_xlsx_bytes(pd.DataFrame(rows[1:], columns=rows[0]))))
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10)
                        for i in range(1, 10))
    dtd = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY lol0 "lol">' + entities + b"]>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                body = data[data.index(b"?>") + 2:]
                data = dtd + body.replace("ลำดับ".encode(), b"&lol9;", 1)
            out.writestr(info.filename, data)
    return buffer.getvalue()


def _formulas() -> bytes:
    rows = seed_wide_rows(points=False)
    rows[1][-2] = "=0.3*AVERAGE(E2:I2)+0.3*AVERAGE(J2:L2)+0.4*AVERAGE(M2:N2)"
    rows[1][4] = "=98+0.29"
    return xlsx(rows)


def broken_files() -> dict[str, tuple[bytes, dict, str]]:
    """name → (bytes, analyse_file kwargs, expected error code) of files that must be refused."""
    wide = seed_wide_rows(points=False)
    files: dict[str, tuple[bytes, dict, str]] = {}

    def variant(change) -> bytes:
        rows = [list(r) for r in wide]
        change(rows)
        return xlsx(rows)

    files["score_over_100.xlsx"] = (variant(lambda r: r[1].__setitem__(6, 105)), {"year": 2569},
                                    "out_of_range")
    files["negative_score.xlsx"] = (variant(lambda r: r[2].__setitem__(13, -5)), {"year": 2569},
                                    "out_of_range")
    files["score_as_word.xlsx"] = (variant(lambda r: r[1].__setitem__(7, "ดีมาก")), {"year": 2569},
                                   "not_numeric")
    files["same_agency_twice.xlsx"] = (variant(lambda r: r.append(list(r[1]))), {"year": 2569},
                                       "duplicate")
    files["no_year.xlsx"] = (xlsx(wide), {}, "no_year")
    files["bad_year_column.xlsx"] = (
        xlsx([["ปีงบประมาณ", *wide[0]], ["ปีหน้า", *wide[1]], ["2569", *wide[2]]]), {}, "bad_year")
    files["unknown_province.xlsx"] = (variant(lambda r: r[1].__setitem__(3, "ลำปาว")),
                                      {"year": 2569}, "unknown_province")
    files["unknown_district.xlsx"] = (variant(lambda r: r[1].__setitem__(2, "แจ้หุ่ม")),
                                      {"year": 2569}, "unknown_district")
    files["score_without_name.xlsx"] = (variant(lambda r: r[2].__setitem__(1, None)),
                                        {"year": 2569}, "missing_name")
    files["renamed_text.xlsx"] = ("นี่คือบันทึกการประชุม ไม่ใช่ตาราง\nmeeting notes\n".encode(),
                                  {}, "not_xlsx")
    files["empty.csv"] = (b"", {}, "empty")
    files["blank_lines.csv"] = (b"\r\n\r\n  \r\n", {}, "empty")
    good = xlsx(wide)
    files["truncated.xlsx"] = (good[: len(good) // 2], {"year": 2569}, "damaged")
    files["zip_bomb.xlsx"] = (_zip_bomb(), {"year": 2569}, "zip_bomb")
    files["xml_entity_bomb.xlsx"] = (_xml_bomb(), {"year": 2569}, "unsafe_xml")
    files["formulas_without_values.xlsx"] = (_formulas(), {"year": 2569}, "formula_without_value")
    files["old_excel.xls"] = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, {},
                              "unsupported_format")
    files["binary.csv"] = (bytes(range(256)) * 8, {}, "unreadable")
    files["cover_only.xlsx"] = (xlsx([["รายงานผล ITA"], ["ไม่มีตาราง"]]), {"year": 2569}, "no_data")
    long_bad = [["ชื่อหน่วยงาน", "จังหวัด", "ตัวชี้วัด", "คะแนน"],
                ["ทต.ทุ่งผึ้ง", "ลำปาง", "ตัวชี้วัดที่ 11", 90]]
    files["long_bad_indicator.xlsx"] = (xlsx(long_bad), {"year": 2569}, "bad_indicator")
    files["old_framework_year.xlsx"] = (xlsx(wide), {"year": 2560}, "old_framework")
    return files


def national_file(results: pd.DataFrame) -> bytes:
    """A national year file like NACC's: one row per agency of ``store.load_results`` (one year),
    Thai headers under a title row, written by xlsxwriter as real exports are."""
    from ita_analytics.exports import to_xlsx_bytes

    frame = pd.DataFrame({"ลำดับ": range(1, len(results) + 1), "ชื่อหน่วยงาน": results["name"],
                          "ประเภทหน่วยงาน": results["agency_type"], "อำเภอ": results["district"],
                          "จังหวัด": results["province"]})
    for n in range(1, 11):
        frame[f"ตัวชี้วัดที่ {n}"] = results[f"i{n}"].to_numpy()
    frame["คะแนนรวม"] = results["total"].to_numpy()
    frame["ระดับ"] = results["level"].to_numpy()
    return to_xlsx_bytes(frame, "ITA")
