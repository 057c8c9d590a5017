"""The analysis commands on the demo store: seed agencies' real numbers and the JSON shape."""

from __future__ import annotations

import json
import shutil

import pytest

from ita_analytics import store
from ita_analytics.analysis.levels import compute_pass_rates
from ita_analytics.cli import main


@pytest.fixture(scope="module")
def cli_db(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("analysis_cli") / "ita.duckdb"
    shutil.copy(demo_db_template, path)
    return path


def run(capsys, db, *argv) -> dict:
    code = main(["--db", str(db), *argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_weakest_of_nong_pla_mo_matches_the_seed_table(cli_db, capsys):
    payload = run(capsys, cli_db, "weakest", "--agency", "อบต.หนองปลาหมอ", "--province", "ขอนแก่น",
                  "--year", "2568")
    assert payload["agency"]["name"] == "องค์การบริหารส่วนตำบลหนองปลาหมอ"
    assert payload["ranking"][:2] == [10, 9]
    ten, nine = payload["indicators"]["10"], payload["indicators"]["9"]
    assert (ten["score"], ten["action"], ten["rank"]) == (80.0, "urgent", 1)
    assert (nine["score"], nine["action"], nine["rank"]) == (90.0, "improve", 2)
    assert set(payload["indicators"]) == {str(n) for n in range(1, 11)}
    # Gain to the peer median is the gap times the indicator's share of the total (0.2 for OIT).
    assert ten["gain_to_median"] == pytest.approx(round(ten["gap_to_median"] * 0.2, 2))


def test_weakest_of_thung_phueng_is_indicator_9(cli_db, capsys):
    payload = run(capsys, cli_db, "weakest", "--agency", "ทต.ทุ่งผึ้ง", "--province", "ลำปาง",
                  "--year", "๒๕๖๘")
    first = payload["indicators"][str(payload["ranking"][0])]
    assert payload["ranking"][0] == 9 and first["score"] == 90.0 and first["action"] == "improve"


def test_weakest_group_view_counts_agencies(cli_db, capsys, demo_results):
    payload = run(capsys, cli_db, "weakest", "--year", "2568", "--type", "ทต.")
    expected = demo_results[(demo_results["year"] == 2568)
                            & (demo_results["agency_type"] == "เทศบาลตำบล")]
    assert payload["n_agencies"] == len(expected)
    assert payload["group"]["type"] == "เทศบาลตำบล"
    counts = {n: v["count"] for n, v in payload["weakest_counts"].items()}
    assert payload["most_often_weakest"] == int(max(counts, key=lambda n: (counts[n], -int(n))))
    assert payload["distribution"]["10"]["median"] == round(float(expected["i10"].median()), 2)


def test_next_level_of_nong_pla_mo(cli_db, capsys):
    payload = run(capsys, cli_db, "next-level", "--agency", "อบต.หนองปลาหมอ", "--province",
                  "ขอนแก่น", "--year", "2568")
    assert (payload["current_level"], payload["next_level"]) == ("ผ่านดี", "ผ่านดีเยี่ยม")
    assert payload["total"] == 93.30 and payload["points_needed"] == 4.00  # OIT 85 → 95
    assert payload["plan"] == {"10": {"name_th": "การป้องกันการทุจริต", "from": 80.0, "to": 100.0,
                                      "points": 4.0}}


def test_levels_follow_each_years_rule_and_sum_up(cli_db, capsys, demo_results):
    for year in (2565, 2568):
        payload = run(capsys, cli_db, "levels", "--year", str(year), "--by", "type")
        n = int((demo_results["year"] == year).sum())
        assert sum(level["count"] for level in payload["levels"]) == n
        labels = {level["level"] for level in payload["levels"]}
        assert ("AA" in labels) == (year == 2565) and ("ผ่านดีเยี่ยม" in labels) == (year == 2568)
        rates = compute_pass_rates(demo_results[demo_results["year"] == year]).iloc[0]
        assert payload["passed"] == int(rates["passed"]) and payload["target"] == 0.8
        assert sum(g["assessed"] for g in payload["groups"].values()) == payload["assessed"]


def test_transitions_across_the_rule_break(cli_db, capsys):
    payload = run(capsys, cli_db, "transitions", "--from", "2565", "--to", "2566")
    assert payload["rules"] == {"from": "letter", "to": "rating"}
    assert sum(sum(row.values()) for row in payload["matrix"].values()) == payload["n_agencies"]
    assert set(payload["matrix"]) <= {"AA", "A", "B", "C", "D", "E", "F", "ไม่ทราบ"}


def test_deltas_for_an_agency_and_for_a_province(cli_db, capsys):
    payload = run(capsys, cli_db, "deltas", "--to", "2568", "--agency", "ทต.ทุ่งผึ้ง",
                  "--province", "ลำปาง")
    assert payload["from"] == 2567  # consecutive by default
    assert payload["indicators"]["9"]["to"] == 90.0 and payload["total"]["to"] == 96.47
    change = payload["total"]
    assert change["delta"] == round(change["to"] - change["from"], 2)
    group = run(capsys, cli_db, "deltas", "--from", "2567", "--to", "2568", "--province", "ลำปาง")
    total = group["total"]
    assert sum(total.values()) == group["n_agencies"]
    assert all(r["delta"] > 0 for r in group["risers"])
    assert [r["delta"] for r in group["risers"]] == sorted((r["delta"] for r in group["risers"]),
                                                         reverse=True)


def test_benchmark_and_check(cli_db, capsys):
    payload = run(capsys, cli_db, "benchmark", "--agency", "ทต.ทุ่งผึ้ง", "--province", "ลำปาง",
                  "--year", "2568", "--peers", "type+province")
    assert payload["total"]["score"] == 96.47
    assert 1 <= payload["rank"] <= payload["n"] and 0 <= payload["percentile"] <= 100
    conn = store.open_store(cli_db, read_only=True)
    try:
        peers = store.load_results(conn, years=[2568], agency_types=["เทศบาลตำบล"],
                                   provinces=["ลำปาง"], columns=["total"])
    finally:
        conn.close()
    assert payload["n"] == int(peers["total"].notna().sum())
    assert payload["rank"] == int((peers["total"] > 96.47).sum()) + 1
    check = run(capsys, cli_db, "check", "--year", "2564")
    errors = [f for f in check["findings"] if f["severity"] == "error"]
    assert [(f["name"], f["found"], f["expected"]) for f in errors] == \
        [("องค์การบริหารส่วนตำบลโคกสะอาด", "E", "C")]


def test_trends_for_a_province(cli_db, capsys, demo_results):
    payload = run(capsys, cli_db, "trends", "--province", "จ.ลำปาง")
    lampang = demo_results[demo_results["province"] == "ลำปาง"]
    assert sorted(payload["years"]) == [str(y) for y in sorted(lampang["year"].unique())]
    mean_2568 = lampang.loc[lampang["year"] == 2568, "total"].mean()
    assert payload["years"]["2568"]["total"]["mean"] == round(float(mean_2568), 2)


@pytest.mark.parametrize("argv, th, en", [
    (["weakest", "--year", "2569"], "ยังไม่มีข้อมูลปี 2569", "No data for 2569 yet"),
    (["levels", "--year", "2568", "--type", "ร้านค้า"], "ไม่รู้จักประเภทหน่วยงาน", "Unknown agency type"),
    (["trends", "--province", "กาปีปทุม"], "ไม่รู้จักจังหวัด", "Unknown province"),
    (["next-level", "--agency", "อบต.ไม่มีจริงเลยสักแห่ง", "--year", "2568"], "", ""),
])
def test_refusals_are_clear_in_thai_and_english(cli_db, capsys, argv, th, en):
    code = main(["--db", str(cli_db), *argv, "--json"])
    err = capsys.readouterr().err
    assert code == 1
    assert th in err and en in err
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in err) and any(ch.isascii() and ch.isalpha()
                                                                 for ch in err)
