"""The benchmark's plumbing: measuring, budgets and ratios on fake timings, JSON on a real store."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from python_calamine import CalamineWorkbook

from ita_analytics import bench, store
from ita_analytics.cli import main
from ita_analytics.importer.recognise import header_role


def fake(step, scale, values, status="ok", unit="s"):
    return bench.Measurement(step, scale, list(values), unit=unit, status=status)


# --- measuring --------------------------------------------------------------------------------

def test_measure_runs_setup_untimed_and_repeats():
    calls = []
    m = bench.measure("x", "national", lambda state: calls.append(state), 3,
                      setup=lambda: len(calls))
    assert m.status == "ok" and len(m.values) == 3 and calls == [0, 1, 2]


def test_measure_records_returned_values():
    values = iter([5.0, 1.0, 3.0])
    m = bench.measure("memory.x", "national", lambda _: next(values), 3, unit="MB",
                      returns_value=True)
    assert m.values == [5.0, 1.0, 3.0]
    assert m.as_dict()["median"] == 3.0 and m.as_dict()["min"] == 1.0
    assert m.as_dict()["max"] == 5.0 and m.as_dict()["unit"] == "MB"


def test_missing_code_is_skipped_and_errors_are_failed():
    def missing(_):
        bench.require("ita_analytics.analysis.no_such_analysis", "compute_nothing")

    skipped = bench.measure("analysis.none", "national", missing, 2)
    assert skipped.status == "skipped" and skipped.values == []
    assert skipped.note == "skipped: ita_analytics.analysis.no_such_analysis not available"

    def broken(_):
        raise ValueError("bad frame")
    failed = bench.measure("analysis.bad", "national", broken, 2)
    assert failed.status == "failed" and failed.note == "ValueError: bad frame"


def test_require_names_a_missing_attribute():
    with pytest.raises(bench.StepUnavailable, match="levels.compute_nothing"):
        bench.require("ita_analytics.analysis.levels", "compute_pass_rates", "compute_nothing")
    assert callable(bench.require("ita_analytics.analysis.levels", "compute_pass_rates"))


# --- budgets and ratios -----------------------------------------------------------------------

def test_budgets_use_the_median_per_step():
    measurements = [
        fake("analysis.trends", "national", [0.05, 0.30, 0.06]),   # median 60 ms: met
        fake("analysis.deltas", "national", [0.12, 0.11, 0.50]),   # median 120 ms: missed
        fake("analysis.deltas", "stress", [0.9, 0.8, 0.7]),        # 800 ms of 1 s: met
        fake("memory.sessions10", "national", [610.0], unit="MB"),
        fake("analysis.checks", "national", [], status="skipped"),
    ]
    checks = {(c["scale"], c["step"]): c for c in bench.check_budgets(measurements)}
    assert checks[("national", "analysis.trends")]["passed"] is True
    assert checks[("national", "analysis.trends")]["value"] == 0.06
    assert checks[("national", "analysis.deltas")]["passed"] is False
    assert checks[("stress", "analysis.deltas")]["passed"] is True
    assert checks[("stress", "analysis.deltas")]["limit"] == 1.0
    assert checks[("national", "memory.sessions10")]["passed"] is False
    assert checks[("national", "analysis.checks")]["passed"] is None


def test_ratios_import_and_stress_over_national():
    measurements = [
        fake("import.parse", "national", [0.40, 0.50, 0.60]),
        fake("import.full", "national", [0.70, 0.80, 0.90]),
        fake("page.cold.overview", "national", [0.2, 0.2, 0.2]),
        fake("page.cold.overview", "stress", [0.8, 0.7, 0.9]),
        fake("analysis.trends", "national", [0.05]),
        fake("analysis.trends", "stress", [0.5]),
    ]
    ratios = {r["name"]: r for r in bench.compute_ratios(measurements)}
    assert ratios["import.full/import.parse"]["value"] == pytest.approx(1.6)
    assert ratios["import.full/import.parse"]["passed"] is False
    assert ratios["page.cold.overview stress/national"]["value"] == pytest.approx(4.0)
    assert ratios["page.cold.overview stress/national"]["passed"] is False
    assert ratios["analysis.trends stress/national"]["value"] == pytest.approx(10.0)
    assert ratios["analysis.trends stress/national"]["passed"] is None  # reported, no limit


def test_report_verdict_and_exit_code():
    good = bench.build_report([fake("analysis.levels", "national", [0.05]),
                               fake("analysis.checks", "national", [], status="skipped")],
                              scale=1, repeats=1)
    assert good["passed"] and bench.exit_code(good) == 0 and good["missed"] == 0
    slow = bench.build_report([fake("analysis.levels", "national", [0.2])], scale=1, repeats=1)
    assert not slow["passed"] and bench.exit_code(slow) == 1 and slow["missed"] == 1
    failed = bench.build_report([fake("page.cold.overview", "national", [], status="failed")],
                                scale=1, repeats=1)
    assert failed["failed"] == ["page.cold.overview"] and bench.exit_code(failed) == 1
    text = bench.format_report(slow)
    assert "analysis.levels" in text and "200 ms" in text and "MISSED" in text


# --- on a real store --------------------------------------------------------------------------

@pytest.fixture()
def bench_dir(demo_db_template, tmp_path):
    """A benchmark folder whose national store is the test session's demo store (reused)."""
    shutil.copy(demo_db_template, tmp_path / "national.duckdb")
    return tmp_path


def test_year_file_is_a_wide_national_sheet_of_the_next_year(demo_db_template):
    conn = store.open_store(demo_db_template, read_only=True)
    try:
        data = bench.make_year_file(conn)
        base = store.load_results(conn, years=[bench.IMPORT_YEAR_FROM])
    finally:
        conn.close()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert "2569" in rows[0][0]
    header = rows[2]
    assert [header_role(h) for h in header] == (
        ["seq", "name", "agency_type", "district", "province"] + [f"i{n}" for n in range(1, 11)])
    body = rows[3:]
    assert len(body) == len(base) == bench.parse_only(data) - 3
    first = base.iloc[0]
    assert body[0][1] == first["name"] and body[0][4] == first["province"]
    assert abs(body[0][5] - first["i1"]) < 10  # moved slightly, not replaced


def test_import_steps_time_the_read_the_import_and_its_floor(bench_dir, tmp_path):
    """import.floor writes the year file's scores as an import would, with no checks: the
    same agency-years and scores the full import stores, so it is a true floor under it."""
    national = bench.store_path("national", bench_dir)
    steps = {m.step: m for m in bench.import_steps(national, tmp_path, repeats=1)}
    assert [steps[s].status for s in ("import.parse", "import.floor", "import.full")] == \
        ["ok"] * 3, [m.note for m in steps.values()]
    # The last full import is left in the work store: compare it with a floor run.
    conn = store.open_store(tmp_path / "import.duckdb", read_only=True)
    imported = store.load_results(conn, years=[bench.IMPORT_YEAR_TO])
    conn.close()
    conn = store.open_store(national, read_only=True)
    try:
        data = bench.make_year_file(conn)
        ids = store.load_results(conn, years=[bench.IMPORT_YEAR_FROM],
                                 columns=["agency_id"])["agency_id"].to_numpy()
    finally:
        conn.close()
    shutil.copy(national, tmp_path / "floor.duckdb")
    bench.write_only(store.open_store(tmp_path / "floor.duckdb"), data, ids, bench.IMPORT_YEAR_TO)
    conn = store.open_store(tmp_path / "floor.duckdb", read_only=True)
    floor = store.load_results(conn, years=[bench.IMPORT_YEAR_TO])
    conn.close()
    columns = ["agency_id", "i1", "i7", "i10", "total", "level"]
    assert len(floor) == len(imported) > 100
    assert floor[columns].equals(imported[columns])


def test_prepare_store_reuses_a_matching_store(bench_dir):
    path = bench.store_path("national", bench_dir)
    assert bench.prepare_store(path, 1) == 0.0


def test_analysis_steps_on_the_demo_store_give_json(bench_dir):
    report = bench.run_benchmark(scale=1, repeats=1, groups=["analysis"], base=bench_dir)
    json.dumps(report)
    steps = {s["step"]: s for s in report["steps"]}
    assert set(steps) == {f"analysis.{name}" for name in bench.ANALYSES}
    levels = steps["analysis.levels"]
    assert levels["status"] == "ok" and levels["n"] == 1 and levels["scale"] == "national"
    assert levels["median"] == levels["min"] == levels["max"] > 0
    for s in steps.values():
        assert s["status"] in ("ok", "skipped")
        assert (s["status"] == "skipped") == s["note"].startswith("skipped:")
    assert {b["step"] for b in report["budgets"]} == set(steps)


def test_context_picks_the_latest_years_and_a_real_agency(demo_db_template):
    conn = store.open_store(demo_db_template, read_only=True)
    try:
        ctx = bench.analysis_context(conn)
        row = store.load_results(conn, years=[ctx.year], agency_ids=[ctx.agency_id])
    finally:
        conn.close()
    assert (ctx.previous, ctx.year) == (2567, 2568)
    assert row["agency_type"].iloc[0] == "องค์การบริหารส่วนตำบล"


def test_page_steps_run_every_installed_page(bench_dir, app_env):
    from ita_analytics.dashboard.bench_pages import page_steps
    from ita_analytics.dashboard.navigation import installed_pages

    app_env(bench_dir / "national.duckdb")
    measurements = page_steps(bench_dir / "national.duckdb", "national", 1)
    names = {m.step for m in measurements}
    for page in installed_pages():
        assert {f"page.cold.{page.url_path}", f"page.warm.{page.url_path}"} <= names
    overview = [m for m in measurements if m.step.endswith(".overview")]
    assert [m.status for m in overview] == ["ok", "ok"], [m.note for m in overview]
    assert all(len(m.values) == 1 for m in overview)


def test_cli_bench_json(bench_dir, capsys):
    code = main(["bench", "--steps", "analysis", "--repeats", "1", "--dir", str(bench_dir),
                 "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == bench.exit_code(report)
    assert report["scale"] == 1 and report["repeats"] == 1
    assert {"steps", "ratios", "budgets", "passed", "machine"} <= set(report)


def test_cli_bench_refuses_unknown_groups(bench_dir, capsys):
    assert main(["bench", "--steps", "analysis,nothing", "--dir", str(bench_dir)]) == 1
    assert "nothing" in capsys.readouterr().err


def test_agency_page_is_timed_on_the_typical_agency(bench_dir, app_env):
    from ita_analytics.dashboard import bench_pages

    path = bench_dir / "national.duckdb"
    conn = store.open_store(path, read_only=True)
    try:
        ctx = bench.analysis_context(conn)
        name = store.load_results(conn, agency_ids=[ctx.agency_id], years=[ctx.year])["name"][0]
    finally:
        conn.close()
    app_env(path)
    at = bench_pages._page_app("pages/agency.py", bench_pages.PAGE_QUERY["agency"](ctx))
    assert not at.exception and at.header[0].value == name


def test_load_results_keeps_only_the_columns_asked_for(demo_db_template, demo_results):
    conn = store.open_store(demo_db_template, read_only=True)
    try:
        some = store.load_results(conn, years=[2568], agency_types=["เทศบาลตำบล"],
                                  columns=["total", "year", "i10", "passed"])
        with pytest.raises(ValueError, match="nothing"):
            store.load_results(conn, columns=["year", "nothing"])
    finally:
        conn.close()
    full = demo_results[(demo_results["year"] == 2568)
                        & (demo_results["agency_type"] == "เทศบาลตำบล")]
    assert list(some.columns) == ["year", "i10", "total", "passed"]
    assert len(some) == len(full) > 2000
    assert some["total"].sum() == pytest.approx(full["total"].sum())
    assert str(some["passed"].dtype) == "boolean"
