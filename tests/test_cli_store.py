"""CLI: init, show, export on a store built by code."""

import csv
import io
import json

import pytest

from ita_analytics import store
from ita_analytics.cli import main
from ita_analytics.errors import ItaError


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_is_idempotent(tmp_path, capsys):
    db = str(tmp_path / "x.duckdb")
    assert run(capsys, "--db", db, "init", "--empty")[0] == 0
    assert run(capsys, "--db", db, "init")[0] == 0
    conn = store.open_store(db)
    assert store.schema_version(conn) == store.SCHEMA_VERSION and store.count_agencies(conn) == 0
    conn.close()


def test_show_thung_phueng_2568_prints_the_seed(demo_db, capsys):
    code, out, _ = run(capsys, "--db", str(demo_db), "show", "--agency", "เทศบาลตำบลทุ่งผึ้ง",
                       "--province", "ลำปาง", "--year", "2568", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["agency"]["name"] == "เทศบาลตำบลทุ่งผึ้ง"
    assert data["agency"]["district"] == "แจ้ห่ม" and data["agency"]["type"] == "เทศบาลตำบล"
    assert data["indicators"] == {"1": 98.29, "2": 99.15, "3": 100.0, "4": 97.95, "5": 100.0,
                                  "6": 96.22, "7": 96.12, "8": 95.17, "9": 90.0, "10": 100.0}
    assert data["tools"] == {"IIT": 99.08, "EIT": 95.84, "OIT": 95.0}
    assert data["total"] == 96.47 and data["level"] == "ผ่านดีเยี่ยม"
    assert data["reported_total"] == 96.47 and data["source"].startswith("seed:003")
    assert set(data) >= {"agency", "year", "indicators", "tools", "total", "level",
                         "reported_total", "reported_level", "source"}


@pytest.mark.parametrize("name,year", [("ทต.ทุ่งผึ้ง", "2568"), ("ทต. ทุ่งผึ้ง", "๒๕๖๘"),
                                        ("เทศบาลตำบลทุ่งผึ้ง", "2025")])
def test_show_accepts_abbreviations_thai_digits_and_ce(demo_db, capsys, name, year):
    code, out, _ = run(capsys, "--db", str(demo_db), "show", "--agency", name, "--year", year,
                       "--json")
    assert code == 0 and json.loads(out)["total"] == 96.47


def test_show_nong_pla_mo_2567_keeps_missing_scores_missing(demo_db, capsys):
    code, out, _ = run(capsys, "--db", str(demo_db), "show", "--agency", "อบต.หนองปลาหมอ",
                       "--province", "ขอนแก่น", "--year", "2567", "--json")
    data = json.loads(out)
    assert code == 0 and data["indicators"]["1"] == 100.0 and data["indicators"]["6"] is None
    assert data["total"] is None and data["level"] is None


def test_show_unknown_agency_exits_1_with_suggestions(demo_db, capsys):
    code, _, err = run(capsys, "--db", str(demo_db), "show", "--agency", "ทต.ทุ่งผึง",
                       "--year", "2568")
    assert code == 1 and "เทศบาลตำบลทุ่งผึ้ง (ลำปาง)" in err and "Did you mean" in err


def test_show_finds_the_seed_spelling_as_an_alias(demo_db, capsys):
    # Seed 003 writes "เทศบาลตำบลทุ่งผิง"; it is stored as an alias of ทุ่งผึ้ง.
    code, out, _ = run(capsys, "--db", str(demo_db), "show", "--agency", "ทต.ทุ่งผิง",
                       "--year", "2568", "--json")
    assert code == 0 and json.loads(out)["agency"]["name"] == "เทศบาลตำบลทุ่งผึ้ง"


def test_show_ambiguous_name_asks_for_the_province(demo_db, capsys):
    code, _, err = run(capsys, "--db", str(demo_db), "show", "--agency", "อบต.หนองปลาหมอ",
                       "--year", "2568")
    assert code == 1 and "--province" in err and "ราชบุรี" in err


def test_usage_error_exits_2(demo_db):
    with pytest.raises(SystemExit) as info:
        main(["--db", str(demo_db), "show", "--year", "2568"])
    assert info.value.code == 2


def test_export_2568_lists_at_least_8000_agencies(demo_db, capsys):
    code, out, _ = run(capsys, "--db", str(demo_db), "export", "--year", "2568", "--out", "-")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["agency_id", "agency_name", "agency_type", "province", "district",
                             "year", "indicator", "score"]
    assert len({r["agency_id"] for r in rows}) >= 8000
    tp = [r for r in rows if r["agency_name"] == "เทศบาลตำบลทุ่งผึ้ง" and r["province"] == "ลำปาง"]
    assert [r["score"] for r in tp] == ["98.29", "99.15", "100.00", "97.95", "100.00",
                                        "96.22", "96.12", "95.17", "90.00", "100.00"]


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "csv"])
def test_export_to_files(demo_db, tmp_path, capsys, fmt):
    import pandas as pd
    out = tmp_path / f"scores.{fmt}"
    code, _, _ = run(capsys, "--db", str(demo_db), "export", "--year", "2568", "--out", str(out))
    assert code == 0
    frame = {"xlsx": pd.read_excel, "parquet": pd.read_parquet,
             "csv": lambda p: pd.read_csv(p, encoding="utf-8-sig")}[fmt](out)
    assert frame["agency_id"].nunique() >= 8000 and set(frame["year"]) == {2568}


@pytest.mark.parametrize("name, province", [
    ("อบต.หนองปลาหมอ", "ขอนแก่น"), ("องค์การบริหารส่วนตำบลหนองปลาหมอ", None),
    ("ทต. ทุ่งผึ้ง", "ลำปาง"), ("ทต.ทุ่งผึง", "ลำปาง"), ("อบต.หนองปลาหมอ", "ลำปาง")])
def test_show_reads_one_name_as_the_whole_key_table_does(demo_conn, name, province):
    """show looks an agency up by its key alone (issue 18 #10): the same match, the same
    refusal and near names."""
    from ita_analytics.agencies import find_agency
    from ita_analytics.cli.store_commands import find_one_agency

    def outcome(find):
        try:
            return find()
        except ItaError as error:
            return type(error).__name__, error.message_en
    assert outcome(lambda: find_one_agency(demo_conn, name, province)) == outcome(
        lambda: find_agency(store.load_agency_keys(demo_conn), name, province))
