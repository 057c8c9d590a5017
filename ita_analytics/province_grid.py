"""A tile-grid layout of Thailand's 77 provinces (one square per province, roughly geographic)."""

from __future__ import annotations

import pandas as pd

from ita_analytics import geo

# (row, column, short label) per province: row 0 is the far north, the peninsula fills the
# bottom rows; columns run west → east. Short labels are the Royal Institute abbreviations
# used in official documents (e.g. "กส" for กาฬสินธุ์, as in seed 004's document number).
PROVINCE_TILES: dict[str, tuple[int, int, str]] = {
    # North
    "เชียงราย": (0, 3, "ชร"),
    "แม่ฮ่องสอน": (1, 1, "มส"), "เชียงใหม่": (1, 2, "ชม"), "พะเยา": (1, 3, "พย"),
    "น่าน": (1, 4, "นน"),
    "ลำพูน": (2, 2, "ลพ"), "ลำปาง": (2, 3, "ลป"), "แพร่": (2, 4, "พร"),
    "ตาก": (3, 1, "ตก"), "สุโขทัย": (3, 2, "สท"), "อุตรดิตถ์": (3, 3, "อต"),
    "พิษณุโลก": (3, 4, "พล"),
    "กำแพงเพชร": (4, 1, "กพ"), "นครสวรรค์": (4, 2, "นว"), "พิจิตร": (4, 3, "พจ"),
    "เพชรบูรณ์": (4, 4, "พช"),
    # Northeast
    "หนองคาย": (2, 7, "นค"), "บึงกาฬ": (2, 8, "บก"),
    "เลย": (3, 5, "ลย"), "หนองบัวลำภู": (3, 6, "นภ"), "อุดรธานี": (3, 7, "อด"),
    "สกลนคร": (3, 8, "สน"), "นครพนม": (3, 9, "นพ"),
    "ชัยภูมิ": (4, 5, "ชย"), "ขอนแก่น": (4, 6, "ขก"), "กาฬสินธุ์": (4, 7, "กส"),
    "มุกดาหาร": (4, 8, "มห"),
    "นครราชสีมา": (5, 5, "นม"), "มหาสารคาม": (5, 6, "มค"), "ร้อยเอ็ด": (5, 7, "รอ"),
    "ยโสธร": (5, 8, "ยส"), "อำนาจเจริญ": (5, 9, "อจ"),
    "บุรีรัมย์": (6, 6, "บร"), "สุรินทร์": (6, 7, "สร"), "ศรีสะเกษ": (6, 8, "ศก"),
    "อุบลราชธานี": (6, 9, "อบ"),
    # Central and west
    "อุทัยธานี": (5, 1, "อน"), "ชัยนาท": (5, 2, "ชน"), "สิงห์บุรี": (5, 3, "สห"),
    "ลพบุรี": (5, 4, "ลบ"),
    "กาญจนบุรี": (6, 0, "กจ"), "สุพรรณบุรี": (6, 1, "สพ"), "อ่างทอง": (6, 2, "อท"),
    "พระนครศรีอยุธยา": (6, 3, "อย"), "สระบุรี": (6, 4, "สบ"), "นครนายก": (6, 5, "นย"),
    "ราชบุรี": (7, 0, "รบ"), "นครปฐม": (7, 1, "นฐ"), "นนทบุรี": (7, 2, "นบ"),
    "ปทุมธานี": (7, 3, "ปท"),
    "สมุทรสาคร": (8, 1, "สค"), "กรุงเทพมหานคร": (8, 2, "กทม"), "สมุทรปราการ": (8, 3, "สป"),
    "เพชรบุรี": (9, 0, "พบ"), "สมุทรสงคราม": (9, 1, "สส"),
    "ประจวบคีรีขันธ์": (10, 0, "ปข"),
    # East
    "ปราจีนบุรี": (7, 4, "ปจ"), "สระแก้ว": (7, 5, "สก"), "ฉะเชิงเทรา": (8, 4, "ฉช"),
    "ชลบุรี": (9, 4, "ชบ"), "ระยอง": (10, 4, "รย"), "จันทบุรี": (10, 5, "จบ"),
    "ตราด": (10, 6, "ตร"),
    # South
    "ระนอง": (11, 0, "รน"), "ชุมพร": (11, 1, "ชพ"),
    "พังงา": (12, 0, "พง"), "สุราษฎร์ธานี": (12, 1, "สฎ"),
    "ภูเก็ต": (13, 0, "ภก"), "กระบี่": (13, 1, "กบ"), "นครศรีธรรมราช": (13, 2, "นศ"),
    "ตรัง": (14, 1, "ตง"), "พัทลุง": (14, 2, "พท"),
    "สตูล": (15, 1, "สต"), "สงขลา": (15, 2, "สข"), "ปัตตานี": (15, 3, "ปน"),
    "ยะลา": (16, 3, "ยล"), "นราธิวาส": (16, 4, "นธ"),
}

GRID_COLUMNS = ["province", "province_en", "row", "col", "label", "region", "region_th",
                "region_en"]


def province_grid() -> pd.DataFrame:
    """The tile layout: one row per province, in geothai's (DOPA code) order.

    Columns: province (Thai name as geothai spells it), province_en, row (0 = north),
    col (0 = west), label (short Thai abbreviation), region (code of ``geo.REGIONS``),
    region_th, region_en.
    """
    region_of = geo.region_of_province()
    rows = []
    for name in geo.province_names():
        row, col, label = PROVINCE_TILES[name]
        region = region_of[name]
        rows.append((name, geo.province_en(name), row, col, label, region.code, region.name_th,
                     region.name_en))
    return pd.DataFrame(rows, columns=GRID_COLUMNS)
