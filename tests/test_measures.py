"""Reading measures as documents write them: months, periods, statuses, indicators, targets."""

from datetime import date

import pytest

from ita_analytics.measures import (
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_NOT_STARTED,
    clean_cell_text,
    clean_title,
    format_period_th,
    kind_from_title,
    parse_indicators,
    parse_kind,
    parse_period,
    parse_status,
    parse_target,
    status_from_marks,
)


@pytest.mark.parametrize("text, fiscal_year, start, end", [
    ("ต.ค. ๖๗ – ก.ย. ๖๘", None, date(2024, 10, 1), date(2025, 9, 1)),
    ("วันที่ ๑ ต.ค. ๖๗ ถึง วันที่ ๓๐ ก.ย. ๖๘", None, date(2024, 10, 1), date(2025, 9, 1)),
    ("<p>วันที่ ๑ ต.ค. ๖๗</p> <p>ถึง</p> <p>วันที่ ๓๐ ก.ย. ๖๘</p>", None,
     date(2024, 10, 1), date(2025, 9, 1)),
    ("ตลอดปีงบประมาณ พ.ศ. ๒๕๖๘", None, date(2024, 10, 1), date(2025, 9, 1)),
    ("ตลอด ปีงบประมาณ พ.ศ.๒๕๖๙", None, date(2025, 10, 1), date(2026, 9, 1)),
    ("ตลอดปีงบประมาณ ๒๕๖๙", None, date(2025, 10, 1), date(2026, 9, 1)),
    ("ตลอดปี งบประมาณ", 2566, date(2022, 10, 1), date(2023, 9, 1)),
    ("ตุลาคม ๒๕๖๓ – กันยายน ๒๕๖๔ (เริ่มดำเนินการทันที)", None, date(2020, 10, 1), date(2021, 9, 1)),
    ("พฤศจิกายน ๒๕๖๓ – มีนาคม ๒๕๖๔", None, date(2020, 11, 1), date(2021, 3, 1)),
    ("ต.ค. ๖๕ - ก.ย. ๖๖", None, date(2022, 10, 1), date(2023, 9, 1)),
    ("๓๑ มี.ค. ๖๕", None, date(2022, 3, 1), date(2022, 3, 1)),
    ("มกราคม 2568", None, date(2025, 1, 1), date(2025, 1, 1)),
    ("ก.พ. 2568 - เม.ย. 2568", None, date(2025, 2, 1), date(2025, 4, 1)),
    ("พ.ค.68-มิ.ย.68", None, date(2025, 5, 1), date(2025, 6, 1)),
    ("ก.ค. – ส.ค. 2568", None, date(2025, 7, 1), date(2025, 8, 1)),
    ("พ.ย. ๖๗ – ธ.ค. ๖๗", None, date(2024, 11, 1), date(2024, 12, 1)),
    ("ต.ค. - ธ.ค.", 2568, date(2024, 10, 1), date(2024, 12, 1)),
    ("ต.ค. ๖๗ - มี.ค.", None, date(2024, 10, 1), date(2025, 3, 1)),
    ("ตค 67 - กย 68", None, date(2024, 10, 1), date(2025, 9, 1)),
    ("1/10/2567 - 30/9/2568", None, date(2024, 10, 1), date(2025, 9, 1)),
    ("October 2024", None, None, None),
    ("", None, None, None),
    (None, None, None, None),
    (date(2025, 3, 17), None, date(2025, 3, 1), date(2025, 3, 1)),
])
def test_parse_period(text, fiscal_year, start, end):
    if text == "October 2024":
        with pytest.raises(ValueError):
            parse_period(text)
        return
    period = parse_period(text, fiscal_year)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["ก.ย. ๖๘ – ต.ค. ๖๗", "ตลอดปีงบประมาณ", "เริ่มดำเนินการทันที"])
def test_parse_period_refuses(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_period_formats_in_buddhist_era():
    period = parse_period("ต.ค. ๖๗ – ก.ย. ๖๘")
    assert format_period_th(period.start, period.end) == "ต.ค. 2567 – ก.ย. 2568"
    assert format_period_th(None, None) == "-"


CHECKBOXES = ('<input type="checkbox"/> ยังไม่ได้ดำเนินการ <input {a}type="checkbox"/> '
              'อยู่ระหว่างดำเนินการ <input {b}type="checkbox"/> ดำเนินการ - มีการจัดทำคู่มือ')


@pytest.mark.parametrize("value, status", [
    ("ยังไม่ดำเนินการ", STATUS_NOT_STARTED),
    ("ยังไม่ได้ดำเนินการ", STATUS_NOT_STARTED),
    ("ยังไม่ดำเนินงาน", STATUS_NOT_STARTED),
    ("อยู่ระหว่างดำเนินการ", STATUS_IN_PROGRESS),
    ("อยู่ระหว่างดำเนินงาน", STATUS_IN_PROGRESS),
    ("กำลังดำเนินการ", STATUS_IN_PROGRESS),
    ("ดำเนินการแล้ว", STATUS_DONE),
    ("ดำเนินการ", STATUS_DONE),
    ("ดำเนินงานเสร็จแล้ว", STATUS_DONE),
    ("done", STATUS_DONE),
    ("In progress", STATUS_IN_PROGRESS),
    (CHECKBOXES.format(a="", b='checked="" '), STATUS_DONE),
    (CHECKBOXES.format(a='checked="" ', b=""), STATUS_IN_PROGRESS),
    (CHECKBOXES.format(a="", b=""), None),
    ("☐ ยังไม่ดำเนินการ ☑ อยู่ระหว่างดำเนินการ ☐ ดำเนินการแล้ว", STATUS_IN_PROGRESS),
    ("", None),
    (None, None),
    (float("nan"), None),
])
def test_parse_status(value, status):
    assert parse_status(value) == status


@pytest.mark.parametrize("value", ["ยกเลิก", CHECKBOXES.format(a='checked="" ', b='checked="" ')])
def test_parse_status_refuses(value):
    with pytest.raises(ValueError):
        parse_status(value)


@pytest.mark.parametrize("cells, status", [
    (("", "", "/"), STATUS_DONE),
    (("/", "", ""), STATUS_NOT_STARTED),
    (("", "✓", ""), STATUS_IN_PROGRESS),
    (("", "", ""), None),
])
def test_status_from_marks_by_position(cells, status):
    assert status_from_marks(cells) == status


def test_status_from_marks_refuses_two_marks():
    with pytest.raises(ValueError):
        status_from_marks(("/", "", "/"))


@pytest.mark.parametrize("text, indicators", [
    ("ตัวชี้วัดที่ ๑๐", (10,)),
    ("ตัวชี้วัดที่ ๑-๕ (IIT) ได้คะแนนเต็ม ๑๐๐ คะแนน", (1, 2, 3, 4, 5)),
    ("วิเคราะห์ตัวชี้วัดที่ ๒,๓,๕,๑๐ สะท้อนถึงระบบการควบคุมภายในที่เข้มแข็ง", (2, 3, 5, 10)),
    ("ตัวชี้วัดที่ ๑ การ ปฏิบัติหน้าที่ ได้คะแนน ๙๘.๒๙ คะแนน", (1,)),
    ("วิเคราะห์ตัวชี้วัดที่ ๖,๗,๘ ได้คะแนน ๙๖.๒๒, ๙๖.๑๒, ๙๕.๑๗", (6, 7, 8)),
    ("อ้างอิงจากตัวชี้วัด ๙.๑, ๙.๒, ๙.๓", (9,)),
    ("ตัวชี้วัดที่ 9 และตัวชี้วัดที่ 10", (9, 10)),
    ("ผลคะแนนรายตัวชี้วัดทั้ง ๑๐ ตัวชี้วัด", ()),
    ("", ()),
])
def test_parse_indicators_in_text(text, indicators):
    assert parse_indicators(text) == indicators


@pytest.mark.parametrize("text, indicators", [
    ("1, 2, 5", (1, 2, 5)), ("1-5", (1, 2, 3, 4, 5)), ("๑๐", (10,)), ("i9", (9,)),
    ("9", (9,)), ("ตัวชี้วัดที่ ๒,๓", (2, 3)),
])
def test_parse_indicators_bare(text, indicators):
    assert parse_indicators(text, bare=True) == indicators


@pytest.mark.parametrize("text", ["11", "0", "การเปิดเผยข้อมูล"])
def test_parse_indicators_bare_refuses(text):
    with pytest.raises(ValueError):
        parse_indicators(text, bare=True)


@pytest.mark.parametrize("text, indicators, score_from, score_to, item", [
    ("• คะแนนตัวชี้วัดที่ ๑๐ (การป้องกันการทุจริต) เพิ่มขึ้นจาก ๘๐ คะแนน เป็น ๑๐๐ คะแนน",
     (10,), 80.0, 100.0, None),
    ("ตัวชี้วัดที่ ๙ (การเปิดเผยข้อมูลสาธารณะ) เพิ่มขึ้นจาก ๙๐ คะแนน เป็น ๑๐๐ คะแนน", (9,), 90.0, 100.0, None),
    ("ตัวชี้วัดที่ ๘ (การปรับปรุงการทำงาน) e7 เพิ่มขึ้นจาก ๙๔.๒๙ คะแนน สู่ ๑๐๐ คะแนน", (8,), 94.29, 100.0, "e7"),
    ("ตัวชี้วัดที่ ๑-๕ (IIT) ได้คะแนนเต็ม ๑๐๐ คะแนน ต่อเนื่องเป็นปีที่ ๒", (1, 2, 3, 4, 5), None, 100.0, None),
    ("ตัวชี้วัดที่ 7 ไม่ต่ำกว่า 90 คะแนน", (7,), None, 90.0, None),
])
def test_parse_target(text, indicators, score_from, score_to, item):
    target = parse_target(text)
    assert (target.indicators, target.score_from, target.score_to, target.item) == (
        indicators, score_from, score_to, item)


def test_parse_target_none_without_a_score():
    assert parse_target("บุคลากรมีความรู้และตระหนักรู้ด้านคุณธรรมเพิ่มขึ้น") is None


@pytest.mark.parametrize("title, kind", [
    ("โครงการจัดทำมาตรการส่งเสริมคุณธรรม", "โครงการ"),
    ("กิจกรรม “วิเคราะห์ผลการจัดซื้อจัดจ้างประจำปี”", "กิจกรรม"),
    ("๑.มาตรการปรับปรุง และพัฒนา", "มาตรการ"),
    ("E – Service", "มาตรการ"),
])
def test_kind_from_title(title, kind):
    assert kind_from_title(title) == kind


def test_parse_kind_accepts_english_and_refuses_others():
    assert parse_kind("project") == "โครงการ" and parse_kind(None) == "มาตรการ"
    with pytest.raises(ValueError):
        parse_kind("แผนงาน")


def test_cell_text_and_titles_lose_word_markup():
    assert clean_cell_text('<ul style="list-style-type: none"> • ก ๑ ฉบับ • ข ๔ ครั้ง/ปี ') == \
        "• ก ๑ ฉบับ\n• ข ๔ ครั้ง/ปี"
    assert clean_title("<p>๒.มาตรการการกำกับดูแลการใช้ ทรัพย์สินของราชการ</p>") == \
        "มาตรการการกำกับดูแลการใช้ ทรัพย์สินของราชการ"
    assert clean_title("-มีแนวทางปฏิบัติ") == "มีแนวทางปฏิบัติ"
