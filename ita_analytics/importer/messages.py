"""Every message the imports give, in Thai and English: one catalogue for the score, items and
measures imports (and the reader beneath them).

A key is the problem's ``code`` (what the CLI's JSON and the history say), or ``code/variant``
when one code is worded for another context (``no_year/measures``); a dotted key
(``more_rows``, ``changes.by``) is a piece of a longer message. Templates use
:meth:`str.format` fields; a value given as a :class:`Text` is put in each language as its own.
This module needs nothing but the standard library: the reader's sandbox process loads it.
"""

from __future__ import annotations

from typing import NamedTuple


class Text(NamedTuple):
    """A text in Thai and in English."""

    th: str
    en: str


NOTHING = Text("", "")

MESSAGES: dict[str, Text] = {
    # --- the file, as read (importer/read.py): refusals (ImportRejected) -----------------------------
    "too_large": Text(
        "ไฟล์ {file} มีขนาด {size_mb:.1f} MB เกินขีดจำกัด {limit} MB",
        "The file {file} is {size_mb:.1f} MB, over the {limit} MB limit"),
    "too_many_rows": Text(
        "ไฟล์ {file} ชีต \"{sheet_name}\" มี {n_rows:,} แถว เกินขีดจำกัด {max_rows:,} แถว",
        "The file {file}, sheet \"{sheet_name}\", has {n_rows:,} rows, over the limit of {max_rows:,}"),
    "too_many_columns": Text(
        "ไฟล์ {file} ชีต \"{sheet_name}\" มี {n_cols:,} คอลัมน์ เกินขีดจำกัด {max_cols:,}",
        "The file {file}, sheet \"{sheet_name}\", has {n_cols:,} columns, over the limit of {max_cols:,}"),
    "empty": Text(
        "ไฟล์ {file} ว่างเปล่า ไม่มีข้อมูล",
        "The file {file} is empty"),
    "unsupported_format": Text(
        "ไฟล์ {file} เป็น Excel รุ่นเก่า (.xls) หรือไฟล์ที่ตั้งรหัสผ่าน กรุณาบันทึกเป็น .xlsx หรือ .csv",
        "The file {file} is an old Excel file (.xls) or password protected; save it as .xlsx or .csv"),
    "not_xlsx": Text(
        "ไฟล์ {file} ไม่ใช่ไฟล์ Excel (.xlsx) จริง (อาจเป็นไฟล์อื่นที่เปลี่ยนนามสกุล) กรุณาเปิดใน Excel แล้วบันทึกเป็น .xlsx",
        "The file {file} is not a real Excel workbook (perhaps another file renamed to .xlsx); open it in Excel and save it as .xlsx"),
    "mixed_encoding": Text(
        "ไฟล์ {file} มีข้อความหลายรหัสอักขระปนกัน (UTF-8 และ Windows-874/TIS-620) กรุณาบันทึกทั้งไฟล์เป็น CSV UTF-8",
        "The file {file} mixes text encodings (UTF-8 and Windows-874/TIS-620); save the whole file as CSV UTF-8"),
    "unreadable": Text(
        "อ่านไฟล์ {file} ไม่ได้: ไม่ใช่ไฟล์ CSV หรือ Excel (.xlsx) ที่รองรับ",
        "Cannot read {file}: it is not a CSV or Excel (.xlsx) file"),
    "unreadable/csv": Text(
        "อ่านไฟล์ CSV {file} ไม่ได้: {error}",
        "Cannot read the CSV file {file}: {error}"),
    "not_xlsx/zip": Text(
        "ไฟล์ {file} เป็นไฟล์บีบอัดแต่ไม่ใช่สมุดงาน Excel (.xlsx)",
        "The file {file} is a zip archive but not an Excel workbook (.xlsx)"),
    "zip_bomb": Text(
        "ไฟล์ {file} ขยายตัวผิดปกติเมื่อแตกไฟล์ ({size_mb:,.0f} MB) อาจเป็นไฟล์อันตราย จึงไม่อ่าน",
        "The file {file} expands abnormally when unpacked ({size_mb:,.0f} MB); it may be hostile and was not read"),
    "unsafe_xml": Text(
        "ไฟล์ {file} {reason} ซึ่งสมุดงาน Excel ปกติไม่มี อาจเป็นไฟล์อันตราย จึงไม่อ่าน",
        "The file {file} {reason}, which Excel workbooks never do; it may be hostile and was not read"),
    "empty/sheets": Text(
        "ไฟล์ {file} ไม่มีข้อมูลในชีตใดเลย",
        "The file {file} has no data in any sheet"),
    "too_many_cells": Text(
        "ไฟล์ {file} ชีต \"{sheet_name}\" มีเซลล์มากกว่า {limit:,} เซลล์{span} เกินขีดจำกัด",
        "The file {file}, sheet \"{sheet_name}\", has more than {limit:,} cells{span}, over the limit"),
    "bad_merges": Text(
        "ไฟล์ {file} ชีต \"{sheet_name}\" มีเซลล์ที่ผสาน (merge) ซ้อนทับกัน ({count:,} ช่วง) ซึ่ง Excel ไม่สร้าง อาจเป็นไฟล์อันตราย จึงไม่อ่าน กรุณายกเลิกการผสานเซลล์แล้วบันทึกใหม่",
        "The file {file}, sheet \"{sheet_name}\", has overlapping merged cells ({count:,} ranges), which Excel never writes; it may be hostile and was not read. Unmerge the cells and save it again"),
    "damaged": Text(
        "ไฟล์ {file} เสียหายหรือไม่สมบูรณ์ (เช่น ดาวน์โหลดไม่ครบ) อ่านไม่ได้ กรุณาบันทึกไฟล์ใหม่จาก Excel{detail}",
        "The file {file} is damaged or incomplete (e.g. a partial download) and cannot be read; save it again from Excel{detail}"),
    "damaged.detail": Text(" ({detail})", " ({detail})"),
    "unsafe_xml.dtd": Text("มีการประกาศ DTD/ENTITY ใน XML", "declares a DTD/ENTITY in its XML"),
    "unsafe_xml.count": Text(
        "ระบุจำนวนรายการ ({count:,}) เกินขนาดข้อมูลจริงใน {part}",
        "declares {count:,} items in {part}, more than it holds"),
    "too_many_cells.span": Text(" ({rows:,} แถว × {columns:,} คอลัมน์)", " ({rows:,} rows × {columns:,} columns)"),
    # The reader's child process (importer/sandbox.py) stopped: code, then the sentence.
    "read_refused": Text(
        "ไฟล์ {file} {reason} อาจเป็นไฟล์อันตราย จึงไม่อ่าน (ไฟล์ผลคะแนนปกติอ่านได้ภายในไม่กี่วินาที: กรุณาตรวจสอบไฟล์หรือบันทึกใหม่จาก Excel)",
        "The file {file} {reason}; it may be hostile and was not read (a normal score file reads in a few seconds: check the file or save it again from Excel)"),
    "read_refused.read_timeout": Text(
        "ใช้เวลาอ่านเกิน {seconds:.0f} วินาที ซึ่งเป็นขีดจำกัดสำหรับไฟล์ขนาดนี้",
        "took longer than {seconds:.0f} seconds to read, the limit for a file of its size"),
    "read_refused.read_memory": Text(
        "ต้องใช้หน่วยความจำเกิน {memory_mb:,} MB ในการอ่าน",
        "needs more than {memory_mb:,} MB of memory to read"),
    "read_refused.too_much_data": Text(
        "มีข้อมูลในเซลล์รวมกว่า {size_mb:,.0f} MB เมื่ออ่านแล้ว เกินขีดจำกัด {limit_mb:g} MB",
        "holds over {size_mb:,.0f} MB of cell data once read, over the {limit_mb:g} MB limit"),
    "read_refused.read_crashed": Text(
        "ทำให้โปรแกรมอ่านไฟล์หยุดทำงานผิดปกติ",
        "made the file reader stop abnormally"),
    # --- rows taken from a sheet (importer/normalise.py) ---------------------------------------------
    "blank_rows": Text(
        "ข้ามแถวว่าง ({count} แถว: {rows})",
        "Blank rows skipped ({count} rows: {rows})"),
    "footer_rows": Text(
        "ข้ามแถวหมายเหตุ/สรุปท้ายตาราง ไม่นำเข้าเป็นข้อมูล ({count} แถว: {rows})",
        "Footer/summary rows skipped, not imported as data ({count} rows: {rows})"),
    "rows_without_scores": Text(
        "ข้ามแถวที่ไม่มีคะแนน ({count} แถว: {rows})",
        "Rows without scores skipped ({count} rows: {rows})"),
    "missing_name/wide": Text(
        "แถว {row} มีคะแนนแต่ไม่มีชื่อหน่วยงาน (คาดว่าเป็นชื่อหน่วยงาน)",
        "Row {row} has scores but no agency name (expected an agency name)"),
    "provincial_rows": Text(
        "ไม่มีคอลัมน์ชื่อหน่วยงาน จึงอ่านคอลัมน์ {column} (จังหวัด) เป็นหน่วยงานระดับจังหวัด หนึ่งแถวต่อจังหวัด (ประเภท จังหวัด) — หากไม่ถูกต้อง ให้กำหนดคอลัมน์ชื่อหน่วยงานในการจับคู่คอลัมน์",
        "No agency name column, so column {column} (province) is read as a row per province: the provincial office (type จังหวัด) — if that is wrong, set the agency name column in the column mapping"),
    "name_from_row_above": Text(
        "แถวปีที่ไม่มีชื่อหน่วยงาน ใช้ชื่อหน่วยงานจากแถวบน (แบบรายงาน ป.ป.ช. แถวละปี) ({count} แถว: {rows})",
        "Year rows with a blank name take the agency of the row above (NACC's report layout, a row per year) ({count} rows: {rows})"),
    "bad_indicator": Text(
        "แถว {row}: ตัวชี้วัด \"{value}\" ไม่ถูกต้อง (คาดว่าเป็นตัวชี้วัดที่ 1–10)",
        "Row {row}: indicator \"{value}\" is not valid (expected indicator 1–10)"),
    "missing_name": Text(
        "แถว {row} ไม่มีชื่อหน่วยงาน (คาดว่าเป็นชื่อหน่วยงาน)",
        "Row {row} has no agency name (expected an agency name)"),
    "duplicate/indicator": Text(
        "แถว {row}: ตัวชี้วัดที่ {indicator} ของหน่วยงานเดียวกันปีเดียวกันซ้ำกับแถว {first_row}",
        "Row {row}: indicator {indicator} of the same agency and year repeats row {first_row}"),
    # --- values checked (importer/validate.py) -------------------------------------------------------
    "cell_too_long": Text(
        "ข้อความในเซลล์ยาว {length:,} ตัวอักษร (คาดว่าไม่เกิน {limit} ตัวอักษร เช่น ชื่อหน่วยงาน)",
        "The cell holds {length:,} characters (expected at most {limit}, such as an agency name)"),
    "bad_year": Text(
        "ปี \"{value}\" ไม่ถูกต้อง (คาดว่าเป็นปีงบประมาณ พ.ศ. เช่น 2568 หรือ ค.ศ. 2025)",
        "Year \"{value}\" is not valid (expected a fiscal year such as 2568 B.E. or 2025 C.E.)"),
    "year_differs": Text(
        "ชื่อตารางระบุปี {title_year} แต่ใช้ปี {year} ตามที่ระบุ",
        "The title names {title_year} but the given year {year} is used"),
    "no_year": Text(
        "หาปีงบประมาณไม่พบ: ไม่มีคอลัมน์ปี ไม่มีปีในชื่อตาราง (เช่น \"ประจำปีงบประมาณ พ.ศ. 2568\") และไม่ได้ระบุปี (--year) — คาดว่าเป็นปีงบประมาณ พ.ศ.",
        "The fiscal year cannot be found: no year column, no year in a title (such as \"ประจำปีงบประมาณ พ.ศ. 2568\") and none given (--year) — expected a B.E. fiscal year"),
    "ambiguous_decimal": Text(
        "ไฟล์ {file}: ค่า \"{value}\" มีจุลภาค (,) ซึ่งอ่านได้ทั้งเป็นจุดทศนิยม (7,5 = 7.5) และตัวคั่นหลักพัน (1,000) แต่คอลัมน์นี้ในชีตเดียวกันเขียนตัวเลขหลายแบบ จึงไม่เดาค่า — คาดว่าเป็นคะแนน 0–100 ที่เขียนทศนิยมแบบเดียวกันทั้งคอลัมน์ (จุด เช่น 98.25 หรือจุลภาค เช่น 98,25)",
        "File {file}: \"{value}\" has a comma, which may be a decimal comma (7,5 = 7.5) or a thousands separator (1,000), and this column of the sheet writes numbers more than one way, so no value is guessed — expected scores 0–100 written one way throughout the column (98.25, or 98,25)"),
    "not_numeric": Text(
        "ค่า \"{value}\" ไม่ใช่ตัวเลข (คาดว่าเป็นคะแนน 0–100)",
        "\"{value}\" is not a number (expected a score 0–100)"),
    "tools_as_points": Text(
        "คอลัมน์ IIT/EIT/OIT เป็นคะแนนถ่วงน้ำหนัก (เต็ม 30/30/40) แปลงเป็นคะแนน 0–100 แล้ว",
        "The IIT/EIT/OIT columns are weighted points (out of 30/30/40); converted to scores 0–100"),
    "out_of_range": Text(
        "คะแนน {score:g} อยู่นอกช่วง (คาดว่าเป็น 0–100)",
        "Score {score:g} is out of range (expected 0–100)"),
    "reported_differs": Text(
        "{name}: {role} ที่รายงาน {reported:.2f} ต่างจากที่คำนวณจากตัวชี้วัด {computed:.2f}",
        "{name}: reported {role} {reported:.2f} differs from {computed:.2f} computed from the indicators"),
    "reported_level_differs": Text(
        "{name}: ระดับที่รายงาน \"{reported}\" ไม่ตรงกับระดับจากคะแนน \"{expected}\"",
        "{name}: reported level \"{reported}\" does not match the level from the scores \"{expected}\""),
    # --- places and agencies matched (importer/match.py) ---------------------------------------------
    "unknown_province": Text(
        "ไม่รู้จักจังหวัด \"{value}\" (คาดว่าเป็นชื่อจังหวัด เช่น {hint}){more}",
        "Unknown province \"{value}\" (expected a province name, e.g. {hint}){more}"),
    "unknown_district": Text(
        "ไม่รู้จักอำเภอ \"{value}\" ในจังหวัด{province} (คาดว่าเป็น เช่น {hint}){more}",
        "Unknown district \"{value}\" in {province} (expected e.g. {hint}){more}"),
    "ambiguous_agency": Text(
        "ชื่อ \"{name}\" ตรงกับหลายหน่วยงาน: {places} (คาดว่ามีคอลัมน์จังหวัด)",
        "\"{name}\" matches several agencies: {places} (expected a province column)"),
    "suggested_match": Text(
        "\"{name}\" ไม่ตรงกับหน่วยงานใด แต่ใกล้เคียง \"{suggested}\" ({suggested_province}) — ยังไม่นำเข้าแถวนี้ ให้ยืนยันการจับคู่ (--accept-suggestions) หรือสร้างหน่วยงานใหม่ (--create-new)",
        "\"{name}\" matches no agency exactly but is close to \"{suggested}\" ({suggested_province}) — this row is not imported; confirm the match (--accept-suggestions) or create a new agency (--create-new)"),
    "unknown_agency_type": Text(
        "หน่วยงานใหม่ \"{name}\": ไม่ทราบประเภทหน่วยงาน (คาดว่ามีคอลัมน์ ประเภทหน่วยงาน หรือชื่อขึ้นต้นด้วย เช่น อบต./เทศบาลตำบล)",
        "New agency \"{name}\": its type is unknown (expected an agency type column, or a name starting with a type such as อบต./เทศบาลตำบล)"),
    "missing_province": Text(
        "หน่วยงานใหม่ \"{name}\" ไม่มีจังหวัด (คาดว่ามีคอลัมน์จังหวัด)",
        "New agency \"{name}\" has no province (expected a province column)"),
    "more_rows": Text(" (และอีก {count} แถว)", " (and {count} more rows)"),
    # --- the score import's plan (importer/__init__.py) ----------------------------------------------
    "continues_import": Text(
        "ไฟล์นี้นำเข้าแล้วบางส่วน (หมายเลข {import_id}) นำเข้าเฉพาะแถวที่รอการยืนยัน",
        "This file was partly imported (import {import_id}); only the rows held back for a decision are imported now"),
    "unchanged": Text(
        "ไฟล์นี้นำเข้าแล้ว (การนำเข้าหมายเลข {import_id}) จึงไม่ทำอะไร",
        "This file was already imported (import {import_id}); nothing to do"),
    "mapping_remembered": Text(
        "ใช้การจับคู่คอลัมน์ที่บันทึกไว้จากไฟล์รูปแบบเดียวกันครั้งก่อน: {shown}",
        "The column mapping remembered from an earlier file of this layout is used: {shown}"),
    "items_already_stored": Text(
        "{name} ปี {year}: มีคะแนนรายข้อเก็บไว้แล้ว ({source}) ยกเลิกการนำเข้าเดิมก่อน",
        "{name} {year}: item results are already stored ({source}); undo that import first"),
    "items_contradict_indicator": Text(
        "หน่วยงาน {agency} ปี {year}: ตัวชี้วัดที่ {indicator} ที่เก็บไว้ {stored:.2f} แต่รายข้อ OIT ให้ {from_items:.2f}",
        "Agency {agency}, {year}: indicator {indicator} is stored as {stored:.2f} but its OIT items give {from_items:.2f}"),
    "formula_without_value": Text(
        "ชีต \"{sheet}\" มีสูตร {formulas} เซลล์ที่ไม่มีค่าที่คำนวณไว้ (โปรแกรมไม่คำนวณสูตรเอง) — คาดว่าเป็นตัวเลข: เปิดไฟล์ใน Excel แล้วบันทึกใหม่ หรือวางแบบค่า (Paste Values)",
        "Sheet \"{sheet}\" has {formulas} formula cells without a computed value (formulas are never evaluated here) — expected numbers: open the file in Excel and save it, or paste as values"),
    "formulas": Text(
        "ชีต \"{sheet}\" มีสูตร {formulas} เซลล์ ใช้ค่าที่คำนวณไว้ในไฟล์",
        "Sheet \"{sheet}\" has {formulas} formula cells; the values saved in the file are used"),
    "no_scores": Text(
        "ชีต \"{sheet}\" ไม่มีตารางคะแนน (ไม่พบหัวตารางชื่อหน่วยงานและคะแนน){read_as} จึงไม่นำเข้า",
        "Sheet \"{sheet}\" holds no score table (no header with agency names and scores found){read_as}; not imported"),
    "hidden_sheet": Text(
        "ชีต \"{sheet}\" ถูกซ่อนไว้ จึงไม่นำเข้า",
        "Sheet \"{sheet}\" is hidden; not imported"),
    "duplicate_header": Text(
        "คอลัมน์ {column} ซ้ำกับคอลัมน์ {first_column} ({role}) — ไม่ทราบว่าคอลัมน์ใดเป็นคะแนนจริง (คาดว่ามีคอลัมน์ละหนึ่งตัวชี้วัด หรือเลือกคอลัมน์ที่ไม่ใช้ในการจับคู่คอลัมน์)",
        "Column {column} repeats column {first_column} ({role}) — which one holds the scores is unclear (expected one column per indicator, or mark one as ignored in the column mapping)"),
    "partial_indicators": Text(
        "ไม่มีคอลัมน์ตัวชี้วัดที่ {listed}: นำเข้าเฉพาะที่มี ผลของแต่ละปีจะอิงคะแนนรวมหรือเครื่องมือที่ระบุ (ถ้ามี)",
        "No column for indicators {listed}: the others are imported; each result rests on the total or tools given (if any)"),
    "missing_columns": Text(
        "ไม่พบคอลัมน์ชื่อหน่วยงาน (คาดว่ามี \"ชื่อหน่วยงาน\" หรือ \"จังหวัด\" แถวละจังหวัด) — อ่านคอลัมน์ได้ดังนี้: {columns} — กำหนดคอลัมน์ชื่อหน่วยงานในการจับคู่คอลัมน์ (--map \"หัวคอลัมน์=name\")",
        "No agency name column (expected \"ชื่อหน่วยงาน\", or \"จังหวัด\" for a row per province) — columns were read as: {columns} — set the agency name column in the column mapping (--map \"HEADER=name\")"),
    "no_data": Text(
        "ไม่พบข้อมูลคะแนนในไฟล์ {file} (คาดว่ามีตารางที่มีชื่อหน่วยงานและคะแนนตัวชี้วัด)",
        "No scores found in the file {file} (expected a table of agency names and indicator scores)"),
    "old_framework_skipped": Text(
        "ข้าม {count} แถวของปี {years} ซึ่งใช้กรอบการประเมินเดิม (ก่อน {first_year} ตัวชี้วัดและระดับต่างจากปัจจุบัน) ไม่นำเข้า (แถว {rows})",
        "Skipped {count} rows of {years}, assessed under the older framework (before {first_year}, other indices and levels); not imported (rows {rows})"),
    "old_framework": Text(
        "ทุกแถวเป็นปีก่อน {first_year} ซึ่งใช้กรอบการประเมินเดิม จึงไม่มีข้อมูลให้นำเข้า (คาดว่าเป็นปี {first_year} ขึ้นไป)",
        "Every row is of a year before {first_year}, under the older framework: nothing to import (expected {first_year} or later)"),
    "duplicate": Text(
        "\"{name}\" ปี {year} ซ้ำกับแถว {first_row} (ชีต {first_sheet}) — คาดว่าหน่วยงานหนึ่งมีหนึ่งแถวต่อปี",
        "\"{name}\" in {year} repeats row {first_row} (sheet {first_sheet}) — expected one row per agency and year"),
    "existing_scores": Text(
        "มีคะแนนของ {agency_years} หน่วยงาน-ปี อยู่แล้ว ({scores} คะแนน, เปลี่ยนค่า {changed}) — จะแทนที่ได้เมื่อเลือกแทนที่ (--replace) เท่านั้น ดูรายการเดิม → ใหม่ในตัวอย่าง",
        "{agency_years} agency-years already have scores ({scores} scores, {changed} different) — they are replaced only when replace is chosen (--replace); see the old → new list in the preview"),
    "no_scores.read_as": Text(
        " — อ่านคอลัมน์ได้ดังนี้: {columns} — กำหนดความหมายของคอลัมน์ได้ในการจับคู่คอลัมน์ (--map \"หัวคอลัมน์=ความหมาย\")",
        " — columns were read as: {columns} — set what a column holds in the column mapping (--map \"HEADER=ROLE\")"),
    # --- item-level results (importer/items.py) ------------------------------------------------------
    "bad_year/items": Text(
        "ปีงบประมาณ \"{value}\" ไม่ถูกต้อง",
        "\"{value}\" is not a fiscal year"),
    "no_year/items": Text(
        "ไม่ระบุปีงบประมาณ (ใส่คอลัมน์ปี ชื่อปีในหัวตาราง หรือ --year)",
        "No fiscal year given (add a year column, a year in the title, or --year)"),
    "missing_name/items": Text(
        "แถว {row} มีคะแนนรายข้อแต่ไม่มีชื่อหน่วยงาน",
        "Row {row} has item values but no agency name"),
    "bad_item": Text(
        "\"{value}\" ไม่ใช่รหัสข้อ (เช่น i2, e4, o10, ๐๑๐)",
        "\"{value}\" is not an item code (such as i2, e4, o10, ๐๑๐)"),
    "item_name_unknown": Text(
        "ปี {year}: ไม่ทราบชื่อข้อ {listed} (ไม่พบในแหล่งข้อมูลสาธารณะ) นำเข้าได้โดยไม่มีชื่อ",
        "{year}: the names of items {listed} are unknown (no public source); imported without names"),
    "duplicate_item": Text(
        "ข้อ {item} ของ {name} ปี {year} ซ้ำกับแถวก่อนหน้า",
        "Item {item} of {name}, {year}, repeats an earlier row"),
    "i_columns_as_indicators": Text(
        "คอลัมน์ {columns} อ่านเป็นคะแนนตัวชี้วัดที่ 1–10 ไม่ใช่ข้อ IIT (ถ้าเป็นรายข้อ ให้เขียนหัวคอลัมน์ว่า \"ข้อ i1\")",
        "Columns {columns} are read as indicator scores 1–10, not IIT items (head them \"ข้อ i1\" if they are items)"),
    "not_number": Text(
        "ข้อ {item}: \"{value}\" ไม่ใช่ตัวเลข (คะแนนรายข้อต้องเป็นตัวเลข 0–100)",
        "Item {item}: \"{value}\" is not a number (an item score is a number 0–100)"),
    "out_of_range/item": Text(
        "ข้อ {item}: \"{value}\" อยู่นอกช่วง 0–100",
        "Item {item}: \"{value}\" is outside 0–100"),
    "not_pass_fail": Text(
        "ข้อ {item}: \"{value}\" ข้อ OIT ต้องเป็นผ่าน/ไม่ผ่าน (100 หรือ 0, ผ่าน/ไม่ผ่าน, มี/ไม่มี)",
        "Item {item}: \"{value}\" an OIT item is pass/fail (100 or 0, ผ่าน/ไม่ผ่าน, มี/ไม่มี)"),
    # --- an items file imported on its own (importer/items_file.py) ----------------------------------
    "items_contradict_indicator/items": Text(
        "{agency} ปี {year}: ตัวชี้วัดที่ {indicator} ที่เก็บไว้ {stored:.2f} แต่รายข้อ OIT ให้ {from_items:.2f} (กฎปี {year}: {rule_status})",
        "{agency} {year}: indicator {indicator} is stored as {stored:.2f} but its OIT items give {from_items:.2f} ({year} rule {rule_status})"),
    "no_items": Text(
        "ไม่พบคอลัมน์คะแนนรายข้อ (หัวคอลัมน์เช่น i1…, e1…, o1…, ข้อ ๐๑ หรือคอลัมน์ข้อ + คะแนน) และคอลัมน์ชื่อหน่วยงาน",
        "No item columns found (headers such as i1…, e1…, o1…, ข้อ ๐๑, or an item column and a score column) with an agency column"),
    "no_item_values": Text(
        "ไม่มีคะแนนรายข้อในไฟล์",
        "The file holds no item values"),
    "items_already_stored/items": Text(
        "{name} ปี {year}: มีคะแนนรายข้อ {count} ข้อเก็บไว้แล้ว ({source}) ยกเลิกการนำเข้าเดิมก่อน",
        "{name} {year}: {count} of these items are already stored ({source}); undo that import first"),
    "rule_status.verified": Text("ยืนยันแล้ว", "verified"),
    "rule_status.presumed": Text("สันนิษฐาน", "presumed"),
    "not_committed/items": Text(
        "การนำเข้าหมายเลข {import_id} ไม่ใช่การนำเข้าคะแนนรายข้อที่ยังมีผลอยู่",
        "Import {import_id} is not a committed items import"),
    # --- a measures file (importer/measures.py) ------------------------------------------------------
    "no_agency_column": Text(
        "ไม่พบคอลัมน์ชื่อหน่วยงาน",
        "No agency column found"),
    "no_title": Text(
        "ไม่มีชื่อมาตรการ",
        "The measure has no title"),
    "no_year/measures": Text(
        "ไม่ระบุปีงบประมาณ",
        "No fiscal year given"),
    "two_marks": Text(
        "ทำเครื่องหมายสถานะมากกว่าหนึ่งช่อง",
        "More than one status marked"),
    "end_before_start": Text(
        "เดือนสิ้นสุดอยู่ก่อนเดือนเริ่ม",
        "The end month is before the start"),
    "period_as_text": Text(
        "อ่านช่วงเวลาไม่ได้ เก็บเป็นข้อความ: {period}",
        "Period not understood, kept as text: {period}"),
    "no_header": Text(
        "ไม่พบหัวตารางมาตรการ (ต้องมีคอลัมน์มาตรการ หน่วยงาน และอย่างน้อยอีกหนึ่งคอลัมน์)",
        "No measures table found (a measure column, an agency column and at least one more are needed)"),
    "bad_year/measures": Text("ปีไม่ถูกต้อง: {value}", "Not a fiscal year: {value}"),
    "bad_kind": Text("ประเภทไม่ถูกต้อง: {value}", "Unknown kind: {value}"),
    "bad_indicators": Text("ตัวชี้วัดไม่ถูกต้อง: {value}", "Bad indicators: {value}"),
    "bad_status": Text("สถานะไม่รู้จัก: {value}", "Unknown status: {value}"),
    "bad_month": Text("อ่านเดือนไม่ได้: {value}", "Cannot read the month: {value}"),
    "not_committed/measures": Text(
        "การนำเข้าหมายเลข {import_id} ไม่ใช่การนำเข้ามาตรการที่ยังมีผลอยู่",
        "Import {import_id} is not a committed measures import"),
    # --- any import: a commit refused -------------------------------------------------------
    "file_has_errors": Text("ไฟล์มีข้อผิดพลาด ไม่ได้บันทึกข้อมูลใด ๆ", "The file has errors; nothing was written"),
    # --- a preview made before the store changed (importer/plan.py: StalePlan) ----------------
    "stale_plan": Text(
        "ข้อมูลในฐานข้อมูลเปลี่ยนไปหลังจากแสดงตัวอย่างนี้ ({changes}) และไฟล์นี้จะให้ผลต่างจากตัวอย่าง: {differences} — ไม่ได้บันทึกข้อมูลใด กรุณาแสดงตัวอย่างใหม่และตรวจสอบก่อนนำเข้า",
        "The store changed since this preview ({changes}), and the file would now do something else than previewed: {differences} — nothing was written; preview again and check it before importing"),
    "changes.other": Text("มีการบันทึกข้อมูลอื่นจากที่อื่น เช่น มาตรการ", "another session saved other data, such as measures"),
    "changes.kind.measures": Text("การนำเข้ามาตรการ", "measures import"),
    "changes.kind.import": Text("การนำเข้า", "import"),
    "changes.by": Text("โดย {user}", "by {user}"),
    "changes.by_nobody": Text("โดยผู้ใช้ที่ไม่ระบุชื่อ", "by an unnamed user"),
    "changes.committed": Text("{kind} {import_id} ({file}) {by}", "{kind} {import_id} ({file}) committed {by}"),
    "changes.undone": Text("{kind} {import_id} ({file}) ถูกยกเลิก{by}", "{kind} {import_id} ({file}) undone {by}"),
    "changes.more": Text("และอีก {count} รายการ", "and {count} more"),
    "difference.already_imported": Text("ไฟล์นี้นำเข้าแล้ว (หมายเลข {import_id})", "the file is already imported (import {import_id})"),
    "difference.more_errors": Text("และข้อผิดพลาดอีก {count} รายการ", "and {count} more errors"),
    "difference.new_agencies": Text("หน่วยงานใหม่ {before} → {after}", "new agencies {before} → {after}"),
    "difference.other_agencies": Text("แถวในไฟล์จับคู่กับหน่วยงานที่ต่างไป", "rows of the file match other agencies"),
    "difference.held_back": Text("แถวที่รอการยืนยัน {before} → {after}", "rows held back for a decision {before} → {after}"),
    "difference.replaced": Text(
        "คะแนนเดิมที่จะถูกแทนที่เปลี่ยนไป ({before} → {after} คะแนน)",
        "the stored scores it would replace changed ({before} → {after} scores)"),
    "difference.continues": Text("การนำเข้าที่ไฟล์นี้ทำต่อเปลี่ยนไป", "the earlier import of this file it continues changed"),
    "difference.writes": Text("ข้อมูลที่จะบันทึกต่างจากตัวอย่าง", "what it would write differs from the preview"),
    "difference.no_file": Text("ไม่มีไฟล์ให้ตรวจสอบซ้ำ", "the file is not at hand to check again"),
}


def code_of(key: str) -> str:
    """The problem code a key reports: the key up to its ``/``."""
    return key.split("/", 1)[0]


def texts(key: str, **values) -> Text:
    """The message ``key`` with ``values`` filled in, in Thai and English."""
    template = MESSAGES[key]
    return Text(
        template.th.format(**{k: v.th if isinstance(v, Text) else v for k, v in values.items()}),
        template.en.format(**{k: v.en if isinstance(v, Text) else v for k, v in values.items()}))
