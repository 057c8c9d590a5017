"""Real rows transcribed from the seed documents (shared/seeds/), each with its source file named.

These are the only non-synthetic scores in the demo store. A "-" in a seed is a missing
score, not zero; where a seed gives only a total and a level they are kept as reported values.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeedAgency:
    key: str
    name: str
    agency_type: str
    district: str
    province: str
    source_file: str
    written_as: tuple[str, ...] = ()
    """Other spellings the document uses (abbreviations and typos), stored as aliases."""


@dataclass(frozen=True)
class SeedResult:
    agency: str
    year: int
    source_file: str
    indicators: dict[int, float] = field(default_factory=dict)
    reported_total: float | None = None
    reported_level: str | None = None
    reported_tools: dict[str, float] = field(default_factory=dict)
    note: str = ""


SEED_000 = "000_0f72d71bcfbfa337.txt"
SEED_001 = "001_781d21551acfec5b.txt"
SEED_002 = "002_4ff0ec51e527ab40.txt"
SEED_003 = "003_3c876de5dfd8ddd5.txt"
SEED_004 = "004_b87fc640ec153720.txt"

SEED_AGENCIES: tuple[SeedAgency, ...] = (
    SeedAgency("nong_pla_mo", "องค์การบริหารส่วนตำบลหนองปลาหมอ", "องค์การบริหารส่วนตำบล",
               "โนนศิลา", "ขอนแก่น", SEED_000, ("อบต.หนองปลาหมอ",)),
    SeedAgency("nong_saeng", "องค์การบริหารส่วนตำบลหนองแสง", "องค์การบริหารส่วนตำบล",
               "วาปีปทุม", "มหาสารคาม", SEED_001),
    SeedAgency("kaset_phatthana", "เทศบาลตำบลเกษตรพัฒนา", "เทศบาลตำบล",
               "บ้านแพ้ว", "สมุทรสาคร", SEED_002),
    SeedAgency("thung_phueng", "เทศบาลตำบลทุ่งผึ้ง", "เทศบาลตำบล",
               "แจ้ห่ม", "ลำปาง", SEED_003, ("เทศบาลตำบลทุ่งผิง",)),
    SeedAgency("khok_sa_at", "องค์การบริหารส่วนตำบลโคกสะอาด", "องค์การบริหารส่วนตำบล",
               "ฆ้องชัย", "กาฬสินธุ์", SEED_004),
)

SEED_RESULTS: tuple[SeedResult, ...] = (
    SeedResult(
        "thung_phueng", 2568, SEED_003,
        {1: 98.29, 2: 99.15, 3: 100.00, 4: 97.95, 5: 100.00,
         6: 96.22, 7: 96.12, 8: 95.17, 9: 90.00, 10: 100.00},
        reported_total=96.47, reported_level="ผ่านดีเยี่ยม",
        # The seed prints EIT as two parts (95.37 and 96.30); their mean 95.835 is the tool score.
        reported_tools={"IIT": 99.08, "EIT": 95.835, "OIT": 95.00},
    ),
    SeedResult(
        "nong_pla_mo", 2568, SEED_000,
        {1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 98.10, 7: 98.10, 8: 96.83, 9: 90.00, 10: 80.00},
        reported_total=93.30, reported_level="ผ่านดี",
    ),
    SeedResult(
        "nong_pla_mo", 2567, SEED_000,
        {1: 100, 2: 100, 3: 100, 4: 100, 5: 100},
        note="Table 1 gives '-' for indicators 6–10 in 2567: missing, not zero.",
    ),
    SeedResult("kaset_phatthana", 2566, SEED_002, reported_total=89.72,
               reported_level="ผ่านการประเมิน"),
    SeedResult("khok_sa_at", 2564, SEED_004, reported_total=74.83, reported_level="E",
               note="Reported as level E although 74.83 is level C by the 2564 bands."),
)


def seed_source(source_file: str) -> str:
    """The source marker of rows transcribed from a seed document."""
    return f"seed:{source_file}"
