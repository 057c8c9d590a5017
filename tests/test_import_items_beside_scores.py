"""Item results in the score file itself (issue 20): `import` takes OIT item columns beside the
ten indicators, or alone, writes both in one import, and undo removes both."""

from __future__ import annotations

import json

import pytest

from ita_analytics import store
from ita_analytics.analysis.items import OIT_RULES
from ita_analytics.cli import main

SUBS_2564 = OIT_RULES[2564].sub_indicators()
# One agency of Phichit's FY2564 table (ITEMS.md §5.2): 8, 8, 7, 4, 5 of sub-indicators
# 9.1–9.5 and 7, 2 of 10.1–10.2 passed give its published 97.78 and 93.75.
PASSES = (8, 8, 7, 4, 5, 7, 2)
INDICATORS = [98.29, 99.15, 100, 97.95, 100, 96.22, 96.12, 95.17, 97.78, 93.75]


def item_cells(passes=PASSES) -> dict[str, str]:
    cells = {}
    for codes, k in zip(SUBS_2564.values(), passes, strict=True):
        for j, code in enumerate(codes):
            cells[code] = "ผ่าน" if j < k else "ไม่ผ่าน"
    return cells


def run_json(capsys, db, *argv) -> dict:
    capsys.readouterr()
    code = main(["--db", str(db), *argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "ita.duckdb"
    assert main(["--db", str(path), "init", "--empty"]) == 0
    return path


def test_items_beside_indicators_import_together_and_undo_together(capsys, db, tmp_path):
    items = item_cells()
    header = ["หน่วยงาน", "อำเภอ", "จังหวัด", "ปี", *(f"ตัวชี้วัดที่ {n}" for n in range(1, 11)),
              *(code.upper() for code in items)]
    row = ["เทศบาลตำบลทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", "2564", *map(str, INDICATORS), *items.values()]
    path = tmp_path / "scores-and-items.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    payload = run_json(capsys, db, "import", str(path))
    assert payload["status"] == "committed", payload["errors"]
    assert payload["item_scores"] == len(items) == 43 and payload["new_agencies"] == 1
    shown = run_json(capsys, db, "items", "--agency", "ทต.ทุ่งผึ้ง", "--year", "2564")
    got = shown["items"] if "items" in shown else shown
    not_passed = {code for code, v in got.items() if isinstance(v, dict) and v.get("passed") is False}
    assert not_passed == {code for code, v in items.items() if v == "ไม่ผ่าน"}
    conn = store.open_store(db, read_only=True)
    try:
        row = store.load_results(conn).iloc[0]
        assert store.count_items(conn, int(row["agency_id"]), 2564) == 43
    finally:
        conn.close()
    assert (row["i9"], row["i10"]) == (97.78, 93.75)
    capsys.readouterr()
    assert main(["--db", str(db), "undo", str(payload["import_id"])]) == 0
    conn = store.open_store(db, read_only=True)
    try:
        assert store.count_agencies(conn) == 0
        assert store.count_items(conn, int(row["agency_id"]), 2564) == 0
    finally:
        conn.close()


def test_items_alone_for_a_stored_agency(capsys, db, tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("หน่วยงาน,อำเภอ,จังหวัด,ปี," + ",".join(f"ตัวชี้วัดที่ {n}" for n in range(1, 11))
                      + "\nเทศบาลตำบลทุ่งผึ้ง,แจ้ห่ม,ลำปาง,2564,"
                      + ",".join(map(str, [*INDICATORS[:9], 100]))
                      + "\n", encoding="utf-8")
    run_json(capsys, db, "import", str(scores))
    # Indicator 10 published as 100 but the items give 93.75: said, not refused.
    items = item_cells()
    only = tmp_path / "items-only.csv"
    only.write_text("หน่วยงาน,จังหวัด,ปี," + ",".join(f"ข้อ {c}" for c in items) + "\n"
                    + "ทต.ทุ่งผึ้ง,ลำปาง,2564," + ",".join(items.values()) + "\n", encoding="utf-8")
    payload = run_json(capsys, db, "import", str(only))
    assert payload["status"] == "committed", payload["errors"]
    assert payload["item_scores"] == 43 and payload["new_agencies"] == 0
    said = [w for w in payload["warnings"] if w["code"] == "items_contradict_indicator"]
    assert len(said) == 1 and "indicator 10 is stored as 100.00 but its OIT items give 93.75" \
        in said[0]["message_en"]
    again = tmp_path / "items-again.csv"
    again.write_text(only.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(again), "--json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert "items_already_stored" in {e["code"] for e in refused["errors"]}
