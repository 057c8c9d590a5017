"""Thai helpers: digits, years, agency names, place names."""

import pytest

from ita_analytics import geo, thai


@pytest.mark.parametrize("text,expected", [
    ("๒๕๖๘", "2568"), ("๙๓.๓๐", "93.30"), ("ปี ๒๕๖๔", "ปี 2564"), ("abc", "abc"),
])
def test_thai_digits(text, expected):
    assert thai.to_arabic_digits(text) == expected
    assert thai.to_thai_digits(expected) == thai.to_thai_digits(text)


@pytest.mark.parametrize("value,expected", [
    (96.47, 96.47), ("๙๖.๔๗", 96.47), (" 98.10 ", 98.1), ("1,000", 1000.0), ("-", None),
    ("", None), (None, None), (float("nan"), None), ("๑๐๐", 100.0),
])
def test_parse_number(value, expected):
    assert thai.parse_number(value) == expected


@pytest.mark.parametrize("value", ["abc", "98.1.2", "๙๘ คะแนน", True])
def test_parse_number_rejects_text(value):
    with pytest.raises(ValueError):
        thai.parse_number(value)


@pytest.mark.parametrize("value,expected", [
    (2568, 2568), (2025, 2568), ("๒๕๖๘", 2568), ("ปี 2564", 2564), ("พ.ศ. ๒๕๖๙", 2569),
    ("FY2024", 2567), ("๖๗", 2567), (2024.0, 2567),
])
def test_parse_year_accepts_be_and_ce(value, expected):
    assert thai.parse_year(value) == expected


@pytest.mark.parametrize("value", [1850, "12345", "ปี", 2568.5])
def test_parse_year_rejects(value):
    with pytest.raises(ValueError):
        thai.parse_year(value)


@pytest.mark.parametrize("title,expected", [
    ("ผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ. ๒๕๖๙", 2569),
    ("ผลการประเมินประจำปีงบประมาณ 2568", 2568),
    ("ITA results fiscal year 2025", 2568),
    ("รายงานผล", None),
])
def test_find_year_in_title(title, expected):
    assert thai.find_year_in_text(title) == expected


@pytest.mark.parametrize("a,b", [
    ("ทต.ทุ่งผึ้ง", "เทศบาลตำบลทุ่งผึ้ง"),
    ("ทต. ทุ่งผึ้ง", "เทศบาลตำบล ทุ่งผึ้ง"),
    ("อบต.หนองปลาหมอ", "องค์การบริหารส่วนตำบลหนองปลาหมอ"),
    ("อ.บ.ต. หนองแสง", "องค์การบริหารส่วนตำบลหนองแสง"),
    ("องค์กรบริหารส่วนตำบลโคกสะอาด", "องค์การบริหารส่วนตำบลโคกสะอาด"),  # common misspelling
    ("ทม.แม่สอด", "เทศบาลเมืองแม่สอด"),
    ("ทน.เชียงใหม่", "เทศบาลนครเชียงใหม่"),
    ("อบจ.ลำปาง", "องค์การบริหารส่วนจังหวัดลำปาง"),
    ("เทศบาลตำบลบ้าน๑", "เทศบาลตำบลบ้าน1"),
    ("เทศบาลตำบลทุ่ง\u200bผึ้ง", "เทศบาลตำบลทุ่งผึ้ง"),  # zero-width space
    ("กรมบัญชีกลาง ", "กรมบัญชีกลาง"),
])
def test_agency_names_normalise_to_one_key(a, b):
    assert thai.normalize_agency_name(a) == thai.normalize_agency_name(b)


def test_split_and_abbreviate_agency_names():
    assert thai.split_agency_name("ทต.ทุ่งผึ้ง") == ("เทศบาลตำบล", "ทุ่งผึ้ง")
    assert thai.split_agency_name("กรมบัญชีกลาง") == (None, "กรมบัญชีกลาง")
    assert thai.abbreviate_agency_name("องค์การบริหารส่วนตำบลหนองปลาหมอ") == "อบต.หนองปลาหมอ"
    assert thai.normalize_agency_name("ทต.ทุ่งผึ้ง") != thai.normalize_agency_name("อบต.ทุ่งผึ้ง")


def test_sara_am_forms_are_one():
    assert thai.clean_text("ตําบล") == "ตำบล"


@pytest.mark.parametrize("given,province,expected", [
    ("อำเภอวาปีปทุม", "มหาสารคาม", "วาปีปทุม"), ("อ.แจ้ห่ม", "ลำปาง", "แจ้ห่ม"),
    ("อำเภอเมือง", "ลำปาง", "เมืองลำปาง"), ("ฆ้องชัย", "กาฬสินธุ์", "ฆ้องชัย"),
])
def test_real_district_names(given, province, expected):
    assert geo.check_district(given, province).name == expected


@pytest.mark.parametrize("given,province,suggestion", [
    ("อำเภอกาปีปทุม", "มหาสารคาม", "วาปีปทุม"),   # seed 001's typo
    ("อำเภอเมืองชัย", "กาฬสินธุ์", "ฆ้องชัย"),     # seed 004's typo
])
def test_seed_district_typos_get_the_real_name_suggested(given, province, suggestion):
    check = geo.check_district(given, province)
    assert not check.ok and check.suggestions[0] == suggestion


@pytest.mark.parametrize("given,expected", [
    ("จ.ลำปาง", "ลำปาง"), ("จังหวัดขอนแก่น", "ขอนแก่น"), ("กทม.", "กรุงเทพมหานคร"), ("ลำปาง", "ลำปาง"),
])
def test_provinces(given, expected):
    assert geo.check_province(given).name == expected


def test_province_typo_suggestion_and_regions():
    assert geo.check_province("กาฬสินธ").suggestions[0] == "กาฬสินธุ์"
    assert len(geo.province_names()) == 77
    assert sum(len(r.province_codes) for r in geo.REGIONS) == 77
    assert geo.region_of_province()["ลำปาง"].code == "north"
