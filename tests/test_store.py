"""The store: schema and migrations, round trips, transactions, results, demo data."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from ita_analytics import store
from ita_analytics.analysis.common import METRICS, consecutive_changes
from ita_analytics.analysis.levels import compute_level_distribution, compute_pass_rates
from ita_analytics.analysis.movement import compute_ordinary_movement
from ita_analytics.analysis.trends import compute_trends
from ita_analytics.demo import generator
from ita_analytics.demo.seeds import SEED_003, seed_source
from ita_analytics.errors import StoreError
from ita_analytics.thai import normalize_agency_name


def _agency(cur, agency_id=1, name="เทศบาลตำบลทุ่งผึ้ง", province="ลำปาง"):
    store.insert_agencies(cur, pd.DataFrame([{
        "agency_id": agency_id, "name": name, "name_key": name, "agency_type": "เทศบาลตำบล",
        "province": province, "district": "แจ้ห่ม", "source": "test"}]))


def test_new_store_is_at_current_schema(empty_db):
    conn = store.open_store(empty_db)
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    assert store.count_agencies(conn) == 0 and store.load_years(conn) == []
    store.migrate(conn)  # idempotent
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    conn.close()


def test_newer_schema_is_refused_and_file_untouched(tmp_path):
    path = tmp_path / "future.duckdb"
    conn = store.open_store(path, create=True)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        store.open_store(path)
    assert "999" in info.value.message_en and "ใหม่กว่า" in info.value.message_th
    assert path.read_bytes() == before


def test_scores_round_trip_and_results_computed(empty_db):
    conn = store.open_store(empty_db)
    scores = pd.DataFrame({"agency_id": 1, "year": 2568, "indicator": range(1, 11),
                           "score": [98.29, 99.15, 100, 97.95, 100, 96.22, 96.12, 95.17, 90, 100],
                           "source": seed_source(SEED_003), "import_id": None})
    with store.transaction(conn) as cur:
        _agency(cur)
        store.upsert_scores(cur, scores)
    frame = store.load_results(conn)
    row = frame.iloc[0]
    assert (row["IIT"], row["EIT"], row["OIT"], row["total"]) == (99.08, 95.84, 95.0, 96.47)
    assert row["level"] == "ผ่านดีเยี่ยม" and bool(row["passed"])
    assert row["i4"] == 97.95 and row["source"] == "seed:" + SEED_003
    long = store.load_scores_long(conn, year=2568)
    assert list(long["score"]) == list(scores["score"].astype(float))
    conn.close()


def test_score_outside_0_100_is_refused_and_nothing_written(empty_db):
    conn = store.open_store(empty_db)
    version = store.data_version(conn)
    with pytest.raises(duckdb.ConstraintException):
        with store.transaction(conn) as cur:
            _agency(cur)
            store.upsert_scores(cur, pd.DataFrame({
                "agency_id": [1], "year": [2568], "indicator": [1], "score": [100.5],
                "source": ["test"], "import_id": [None]}))
    assert store.count_agencies(conn) == 0
    assert store.data_version(conn) == version
    conn.close()


def test_reported_only_agency_year_rests_on_its_total(empty_db):
    """Seed 004: Khok Sa-at 2564 published only a total, 74.83, and "ระดับ E". The result
    rests on the total (basis "total"): the 2564 letter rule gives C, the pass flag False;
    the contradicting "E" stays as reported (the check flags it)."""
    conn = store.open_store(empty_db)
    with store.transaction(conn) as cur:
        _agency(cur, name="องค์การบริหารส่วนตำบลโคกสะอาด", province="กาฬสินธุ์")
        store.upsert_reported(cur, pd.DataFrame([{
            "agency_id": 1, "year": 2564, "total": 74.83, "level": "E", "source": "test"}]))
    row = store.load_results(conn).iloc[0]
    assert row["total"] == 74.83 and row["reported_total"] == 74.83
    assert (row["level"], bool(row["passed"]), row["basis"]) == ("C", False, "total")
    assert pd.isna(row["IIT"]) and pd.isna(row["i1"])
    assert row["reported_level"] == "E" and row["n_indicators"] == 0
    conn.close()


def test_replacing_scores_recomputes_results(empty_db):
    conn = store.open_store(empty_db)
    base = pd.DataFrame({"agency_id": 1, "year": 2565, "indicator": range(1, 11),
                         "score": 80.0, "source": "test", "import_id": None})
    with store.transaction(conn) as cur:
        _agency(cur)
        store.upsert_scores(cur, base)
    assert store.load_results(conn).iloc[0]["level"] == "B"
    with store.transaction(conn) as cur:
        store.upsert_scores(cur, base.assign(score=96.0))
    frame = store.load_results(conn)
    assert len(frame) == 1 and frame.iloc[0]["level"] == "AA"
    conn.close()


def test_filters_are_pushed_into_sql(demo_conn):
    lampang = store.load_results(demo_conn, years=[2568], provinces=["ลำปาง"],
                                 agency_types=["เทศบาลตำบล"])
    assert set(lampang["province"]) == {"ลำปาง"} and set(lampang["year"]) == {2568}
    assert "เทศบาลตำบลทุ่งผึ้ง" in set(lampang["name"])
    no_ind = store.load_results(demo_conn, years=[2568], indicators=False)
    assert "i1" not in no_ind.columns and len(no_ind) > 8000


def test_result_agencies_are_those_the_filtered_results_hold(demo_conn):
    results = store.load_results(demo_conn, years=[2563, 2568], provinces=["ลำปาง"],
                                 columns=["agency_id", "name", "province"])
    agencies = store.load_result_agencies(demo_conn, years=[2563, 2568], provinces=["ลำปาง"])
    assert list(agencies.columns) == ["agency_id", "name", "name_key", "agency_type", "province"]
    assert agencies["agency_id"].is_unique
    assert set(agencies["agency_id"]) == set(results["agency_id"])
    row = agencies[agencies["name"] == "เทศบาลตำบลทุ่งผึ้ง"].iloc[0]
    assert row["province"] == "ลำปาง" and row["name_key"] == normalize_agency_name(row["name"])


def test_demo_store_holds_the_national_set(demo_conn):
    agencies = store.load_agencies(demo_conn)
    counts = agencies["agency_type"].value_counts()
    assert counts["องค์การบริหารส่วนตำบล"] == 5312
    assert counts["เทศบาลตำบล"] == 2242
    assert counts["เทศบาลเมือง"] == 190
    assert counts["เทศบาลนคร"] == 30
    assert counts["องค์การบริหารส่วนจังหวัด"] == 76
    central = agencies[~agencies["agency_type"].isin(generator.LOCAL_COUNTS.keys() | {
        "เทศบาลนคร", "องค์การบริหารส่วนจังหวัด", "องค์กรปกครองส่วนท้องถิ่นรูปแบบพิเศษ"})]
    assert 400 <= len(central) <= 500
    assert agencies["province"].nunique() == 77
    assert store.load_years(demo_conn) == list(range(2562, 2569))
    assert store.count_agencies(demo_conn, 2568) >= 8000


def test_demo_calibration_matches_published_national_figures(demo_results):
    by_year = demo_results.groupby("year").agg(mean=("total", "mean"),
                                               passing=("passed", "mean"))
    assert abs(by_year.loc[2563, "mean"] - 67.9) < 1.5
    assert abs(by_year.loc[2568, "mean"] - 93.82) < 1.0
    assert abs(by_year.loc[2568, "passing"] - 0.9417) < 0.03
    assert by_year["mean"].is_monotonic_increasing
    tools_2563 = demo_results[demo_results["year"] == 2563][["IIT", "EIT", "OIT"]]
    assert tools_2563.mean().idxmin() == "OIT" and tools_2563.std().idxmax() == "OIT"
    iit_2568 = demo_results[demo_results["year"] == 2568]
    assert (iit_2568[[f"i{n}" for n in range(1, 6)]] == 100).mean().mean() > 0.1


def test_demo_is_deterministic():
    a = generator.build_scores(generator.build_agencies(seed=7), seed=7)
    b = generator.build_scores(generator.build_agencies(seed=7), seed=7)
    pd.testing.assert_frame_equal(a, b)


def test_seed_rows_replace_synthetic_ones(demo_conn):
    frame = store.load_results(demo_conn, years=[2564, 2566, 2567, 2568])
    def row(name, province, year):
        hit = frame[(frame["name"] == name) & (frame["province"] == province) & (frame["year"] == year)]
        assert len(hit) == 1
        return hit.iloc[0]
    tp = row("เทศบาลตำบลทุ่งผึ้ง", "ลำปาง", 2568)
    assert tp["total"] == 96.47 and tp["source"] == "seed:003_3c876de5dfd8ddd5.txt"
    npm = row("องค์การบริหารส่วนตำบลหนองปลาหมอ", "ขอนแก่น", 2568)
    assert npm["total"] == 93.30 and npm["level"] == "ผ่านดี" and npm["i10"] == 80.0
    npm67 = row("องค์การบริหารส่วนตำบลหนองปลาหมอ", "ขอนแก่น", 2567)
    assert npm67["i1"] == 100.0 and pd.isna(npm67["i6"]) and pd.isna(npm67["total"])
    # Indicators 1–5 only: IIT is known (100), the total is not; the row rests on indicators.
    assert npm67["IIT"] == 100.0 and pd.isna(npm67["EIT"]) and npm67["basis"] == "indicators"
    kp = row("เทศบาลตำบลเกษตรพัฒนา", "สมุทรสาคร", 2566)
    assert kp["reported_total"] == 89.72 and kp["reported_level"] == "ผ่านการประเมิน"
    assert pd.isna(kp["i1"]) and pd.isna(kp["IIT"])  # no invented indicator or tool scores
    # The published total is the result's total: passed, but a 2566 level needs the tools.
    assert (kp["total"], bool(kp["passed"]), kp["basis"]) == (89.72, True, "total")
    assert pd.isna(kp["level"])
    ks = row("องค์การบริหารส่วนตำบลโคกสะอาด", "กาฬสินธุ์", 2564)
    assert ks["reported_total"] == 74.83 and ks["reported_level"] == "E"
    assert (ks["total"], ks["level"], ks["basis"]) == (74.83, "C", "total")
    other = row("องค์การบริหารส่วนตำบลหนองปลาหมอ", "ราชบุรี", 2568)
    assert other["source"] == "demo"


def test_source_counts_label_demo_data(demo_conn):
    counts = store.load_source_counts(demo_conn)
    assert counts["demo"] > 50000 and counts["seed"] == 5


@pytest.mark.parametrize("chosen", [
    {}, {"years": [2562, 2563, 2565], "provinces": ["ลำปาง"]},
    {"years": [2566, 2567, 2568], "agency_types": ["เทศบาลตำบล"]}])
def test_change_hundredths_are_the_changes_exactly(demo_conn, chosen):
    """The jump check's and the ordinary band's input, paired in DuckDB: the pairs pandas'
    consecutive_changes finds in the loaded results, each change in whole hundredths, and
    the same ordinary band from them."""
    hundredths = store.load_change_hundredths(demo_conn, metrics=METRICS, **chosen)
    changes = consecutive_changes(store.load_results(demo_conn, **chosen))
    assert hundredths.metrics == tuple(METRICS) and len(hundredths) == len(changes) > 100
    # 2565 has no 2564 within the chosen years: only 2562 → 2563 pairs there.
    assert set(hundredths.year) == ({2563} if chosen.get("provinces") else
                                    {2567, 2568} if chosen else set(range(2563, 2569)))
    assert hundredths.values.dtype == np.int16 and hundredths.values.flags["F_CONTIGUOUS"]
    got = pd.DataFrame(np.where(hundredths.known, hundredths.values / 100, np.nan),
                       columns=list(METRICS))
    got.insert(0, "year", hundredths.year)
    got.insert(0, "agency_id", hundredths.agency_id)
    order = ["agency_id", "year"]
    got = got.sort_values(order, ignore_index=True)
    changes = changes.sort_values(order, ignore_index=True)
    assert got[order].equals(changes[order].astype(got[order].dtypes))
    assert np.array_equal(np.isnan(got[list(METRICS)]), np.isnan(changes[list(METRICS)]))
    assert np.allclose(got[list(METRICS)], changes[list(METRICS)], rtol=0, atol=1e-9,
                       equal_nan=True)
    pd.testing.assert_frame_equal(compute_ordinary_movement(hundredths=hundredths),
                                  compute_ordinary_movement(changes=changes))


@pytest.mark.parametrize("chosen", [{}, {"years": [2566, 2568], "provinces": ["ลำปาง", "ขอนแก่น"]}])
def test_summaries_aggregated_in_duckdb_equal_the_analyses(demo_conn, chosen):
    """The overview's yearly statistics and level counts, aggregated in DuckDB, give what the
    pandas analyses give over every agency-year (medians and quartiles to 1e-9: an
    interpolated quartile may differ in the last binary digit, 83.045 vs 83.04499999999999)."""
    metrics = ("total", "IIT", "i1", "i10")
    results = store.load_results(demo_conn, **chosen)
    stats = store.load_trend_stats(demo_conn, metrics, **chosen)
    expected = compute_trends(results, metrics=metrics)
    assert len(stats) >= 8 and stats[["year", "metric", "n"]].equals(
        expected[["year", "metric", "n"]])
    assert np.allclose(stats[["median", "q1", "q3"]], expected[["median", "q1", "q3"]],
                       rtol=0, atol=1e-9)
    assert np.allclose(stats["mean"], expected["mean"], rtol=1e-12, atol=1e-9)
    counts = store.load_level_counts(demo_conn, **chosen)
    assert counts["agencies"].sum() == len(results)
    pd.testing.assert_frame_equal(compute_level_distribution(counts, weights="agencies"),
                                  compute_level_distribution(results))
    pd.testing.assert_frame_equal(compute_pass_rates(counts, weights="agencies"),
                                  compute_pass_rates(results))
