"""The benchmark's plumbing: measuring, budgets and ratios on fake timings, JSON on a real store."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from ita_analytics import store
from ita_analytics.bench import measurement, runner
from ita_analytics.cli import main
from ita_analytics.errors import StoreError
from ita_analytics.importer.recognise import header_role


def fake(step, scale, values, status="ok", unit="s"):
    return measurement.Measurement(step, scale, list(values), unit=unit, status=status)


# --- measuring --------------------------------------------------------------------------------

def test_measure_runs_setup_untimed_and_repeats():
    calls = []
    m = measurement.measure("x", "national", lambda state: calls.append(state), 3,
                      setup=lambda: len(calls))
    assert m.status == "ok" and len(m.values) == 3 and calls == [0, 1, 2]


def test_measure_records_returned_values():
    values = iter([5.0, 1.0, 3.0])
    m = measurement.measure("memory.x", "national", lambda _: next(values), 3, unit="MB",
                      returns_value=True)
    assert m.values == [5.0, 1.0, 3.0]
    assert m.as_dict()["median"] == 3.0 and m.as_dict()["min"] == 1.0
    assert m.as_dict()["max"] == 5.0 and m.as_dict()["unit"] == "MB"


def test_missing_code_is_skipped_and_errors_are_failed():
    def missing(_):
        measurement.require("ita_analytics.analysis.no_such_analysis", "compute_nothing")

    skipped = measurement.measure("analysis.none", "national", missing, 2)
    assert skipped.status == "skipped" and skipped.values == []
    assert skipped.note == "skipped: ita_analytics.analysis.no_such_analysis not available"

    def broken(_):
        raise ValueError("bad frame")
    failed = measurement.measure("analysis.bad", "national", broken, 2)
    assert failed.status == "failed" and failed.note == "ValueError: bad frame"


def test_require_names_a_missing_attribute():
    with pytest.raises(measurement.StepUnavailable, match="levels.compute_nothing"):
        measurement.require("ita_analytics.analysis.levels", "compute_pass_rates", "compute_nothing")
    assert callable(measurement.require("ita_analytics.analysis.levels", "compute_pass_rates"))


# --- budgets and ratios -----------------------------------------------------------------------

def test_budgets_use_the_median_per_step():
    measurements = [
        fake("analysis.trends", "national", [0.05, 0.30, 0.06]),   # median 60 ms: met
        fake("analysis.deltas", "national", [0.12, 0.11, 0.50]),   # median 120 ms: missed
        fake("analysis.deltas", "stress", [0.9, 0.8, 0.7]),        # 800 ms of 1 s: met
        fake("memory.sessions10", "national", [610.0], unit="MB"),
        fake("analysis.checks", "national", [], status="skipped"),
    ]
    checks = {(c["scale"], c["step"]): c for c in runner.check_budgets(measurements)}
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
    ratios = {r["name"]: r for r in runner.compute_ratios(measurements)}
    assert ratios["import.full/import.parse"]["value"] == pytest.approx(1.6)
    assert ratios["import.full/import.parse"]["passed"] is False
    assert ratios["page.cold.overview stress/national"]["value"] == pytest.approx(4.0)
    assert ratios["page.cold.overview stress/national"]["passed"] is False
    assert ratios["analysis.trends stress/national"]["value"] == pytest.approx(10.0)
    assert ratios["analysis.trends stress/national"]["passed"] is None  # reported, no limit


def test_report_verdict_and_exit_code():
    good = runner.build_report([fake("analysis.levels", "national", [0.05]),
                               fake("analysis.checks", "national", [], status="skipped")],
                              scale=1, repeats=1)
    assert good["passed"] and runner.exit_code(good) == 0 and good["missed"] == 0
    slow = runner.build_report([fake("analysis.levels", "national", [0.2])], scale=1, repeats=1)
    assert not slow["passed"] and runner.exit_code(slow) == 1 and slow["missed"] == 1
    failed = runner.build_report([fake("page.cold.overview", "national", [], status="failed")],
                                scale=1, repeats=1)
    assert failed["failed"] == ["page.cold.overview"] and runner.exit_code(failed) == 1
    text = runner.format_report(slow)
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
        data = runner.make_year_file(conn)
        base = store.load_results(conn, years=[runner.IMPORT_YEAR_FROM])
    finally:
        conn.close()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert "2569" in rows[0][0]
    header = rows[2]
    assert [header_role(h) for h in header] == (
        ["seq", "name", "agency_type", "district", "province"] + [f"i{n}" for n in range(1, 11)])
    body = rows[3:]
    assert len(body) == len(base) == runner.parse_only(data) - 3
    first = base.iloc[0]
    assert body[0][1] == first["name"] and body[0][4] == first["province"]
    assert abs(body[0][5] - first["i1"]) < 10  # moved slightly, not replaced


def test_import_steps_time_the_read_the_import_and_its_floor(bench_dir, tmp_path):
    """import.floor writes the year file's scores as an import would, with no checks: the
    same agency-years and scores the full import stores, so it is a true floor under it."""
    national = runner.store_path("national", bench_dir)
    steps = {m.step: m for m in runner.import_steps(national, tmp_path, repeats=1)}
    assert [steps[s].status for s in ("import.parse", "import.floor", "import.full")] == \
        ["ok"] * 3, [m.note for m in steps.values()]
    # The last full import is left in the work store: compare it with a floor run.
    conn = store.open_store(tmp_path / "import.duckdb", read_only=True)
    imported = store.load_results(conn, years=[runner.IMPORT_YEAR_TO])
    conn.close()
    conn = store.open_store(national, read_only=True)
    try:
        data = runner.make_year_file(conn)
        ids = store.load_results(conn, years=[runner.IMPORT_YEAR_FROM],
                                 columns=["agency_id"])["agency_id"].to_numpy()
    finally:
        conn.close()
    shutil.copy(national, tmp_path / "floor.duckdb")
    runner.write_only(store.open_store(tmp_path / "floor.duckdb"), data, ids, runner.IMPORT_YEAR_TO)
    conn = store.open_store(tmp_path / "floor.duckdb", read_only=True)
    floor = store.load_results(conn, years=[runner.IMPORT_YEAR_TO])
    conn.close()
    columns = ["agency_id", "i1", "i7", "i10", "total", "level"]
    assert len(floor) == len(imported) > 100
    assert floor[columns].equals(imported[columns])


def test_prepare_store_reuses_a_matching_store(bench_dir):
    path = runner.store_path("national", bench_dir)
    assert runner.prepare_store(path, 1) == 0.0


def test_prepare_store_builds_again_a_cache_it_cannot_open(tmp_path):
    """A cached store that fails to open or migrate (here: a development build's schema, a
    table of migration 8 made before it) is built again rather than stopping the benchmark."""
    path = runner.store_path("national", tmp_path)
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE agency_identities (name_key VARCHAR)")
    conn.close()
    with pytest.raises((StoreError, duckdb.Error)):
        store.open_store(path).close()
    assert runner.prepare_store(path, 1) > 0
    with contextlib.closing(store.open_store(path, read_only=True)) as conn:
        assert store.get_meta(conn, "demo") == "seed=2568;scale=1"
        assert store.count_agencies(conn) > 7000


def test_analysis_steps_on_the_demo_store_give_json(bench_dir):
    report = runner.run_benchmark(scale=1, repeats=1, groups=["analysis"], base=bench_dir)
    json.dumps(report)
    steps = {s["step"]: s for s in report["steps"]}
    assert set(steps) == {f"analysis.{name}" for name in runner.ANALYSES}
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
        ctx = runner.analysis_context(conn)
        row = store.load_results(conn, years=[ctx.year], agency_ids=[ctx.agency_id])
    finally:
        conn.close()
    assert (ctx.previous, ctx.year) == (2567, 2568)
    assert row["agency_type"].iloc[0] == "องค์การบริหารส่วนตำบล"


def test_page_steps_run_every_installed_page(bench_dir, app_env):
    from ita_analytics.bench.pages import page_steps
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
    assert code == runner.exit_code(report)
    assert report["scale"] == 1 and report["repeats"] == 1
    assert {"steps", "ratios", "budgets", "passed", "machine"} <= set(report)


def test_cli_bench_refuses_unknown_groups(bench_dir, capsys):
    assert main(["bench", "--steps", "analysis,nothing", "--dir", str(bench_dir)]) == 1
    assert "nothing" in capsys.readouterr().err


def test_agency_page_is_timed_on_the_typical_agency(bench_dir, app_env):
    from ita_analytics.bench import pages as bench_pages

    path = bench_dir / "national.duckdb"
    conn = store.open_store(path, read_only=True)
    try:
        ctx = runner.analysis_context(conn)
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


# --- the load step's plumbing ---------------------------------------------------------------------

def test_load_budgets_take_the_worst_page_run_and_any_error():
    measurements = [
        fake("load.sessions50.page_run", "national", [0.3, 0.4, 0.5, 3.2]),  # median fine
        fake("load.sessions50.rss", "national", [640.0], unit="MB"),
        fake("load.sessions50.errors", "national", [1.0], unit="errors"),
        fake("load.sessions50.open", "national", [9.0, 12.0]),  # reported only
        fake("load.sessions10.page_run", "national", [5.0]),  # a smaller run: no budget
    ]
    checks = {c["step"]: c for c in runner.check_budgets(measurements)}
    assert checks["load.sessions50.page_run"]["value"] == 3.2
    assert checks["load.sessions50.page_run"]["passed"] is False
    assert checks["load.sessions50.rss"]["passed"] is True
    assert checks["load.sessions50.errors"]["passed"] is False
    assert "load.sessions50.open" not in checks and "load.sessions10.page_run" not in checks
    text = runner.format_report(runner.build_report(measurements, scale=1, repeats=1))
    assert "max 3.00 s" in text and "max 800 MB" in text and "1 errors" in text


def test_p95_is_the_nearest_rank():
    m = fake("load.sessions50.page_run", "national", [float(v) for v in range(1, 101)])
    assert m.p95 == 95.0 and m.as_dict()["p95"] == 95.0
    assert fake("x", "national", [2.0]).p95 == 2.0 and fake("x", "national", []).p95 is None


def _load_run():
    from ita_analytics.bench import load as bench_load

    run = bench_load.LoadRun(50, 5, 120.0, 30.0, (5.0, 15.0))
    run.runs = [bench_load.PageRun(n, "browser" if n < 5 else "protocol", "levels", 10.0 + n,
                                   0.2 + n / 100, n % 7 == 0) for n in range(50)]
    run.opens = [1.0] * 50
    run.rss_peak_mb, run.rss_hwm_mb, run.rss_start_mb = 610.0, 580.0, 213.0
    run.import_status, run.import_seconds = "committed", {"analyse": 5.0, "commit": 2.0}
    run.cpu_seconds = {"wall": 150.0, "cores": 2, "server": 80.0, "browsers": 70.0,
                       "driver": 6.0, "others": 100.0, "machine": 256.0}
    return run


def test_load_run_becomes_steps_with_its_conditions_noted():
    steps = {m.step: m for m in runner.load_measurements(_load_run())}
    assert set(steps) == {f"load.sessions50.{p}" for p in (
        "page_run", "rss", "errors", "open", "import_analyse", "import_commit")}
    page = steps["load.sessions50.page_run"]
    assert len(page.values) == 50 and page.median == pytest.approx(0.445)
    assert "Chromium median 0.22 s (n 5)" in page.note and "server 80" in page.note
    assert steps["load.sessions50.rss"].values == [610.0]  # the higher of tree peak and HWM
    assert steps["load.sessions50.errors"].values == [0.0]
    assert steps["load.sessions50.import_commit"].values == [2.0]


def test_a_failed_import_is_a_failed_step():
    run = _load_run()
    run.import_status, run.import_seconds = "failed while analysing", {}
    steps = {m.step: m for m in runner.load_measurements(run)}
    assert steps["load.sessions50.import_analyse"].status == "failed"
    assert steps["load.sessions50.import_analyse"].note == "failed while analysing"


def test_forward_message_fields_read_in_the_browser_are_streamlits():
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from ita_analytics.bench import load as bench_load

    fields = ForwardMsg.DESCRIPTOR.fields_by_name
    assert fields["new_session"].number == bench_load.NEW_SESSION_FIELD
    assert fields["script_finished"].number == bench_load.SCRIPT_FINISHED_FIELD
    assert ForwardMsg.FINISHED_EARLY_FOR_RERUN == bench_load.FINISHED_EARLY_FOR_RERUN


def _message(kind: str, **fields) -> bytes:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    if kind == "new_session":
        message.new_session.page_script_hash = "h"
    elif kind == "script_finished":
        message.script_finished = fields["status"]
    elif kind == "navigation":
        for path, hidden in fields["pages"]:
            page = message.navigation.app_pages.add()
            page.url_pathname, page.page_script_hash, page.is_hidden = path, f"#{path}", hidden
    elif kind == "error":
        message.delta.new_element.alert.body = fields["text"]
        message.delta.new_element.alert.format = 1  # Alert.ERROR
    elif kind == "exception":
        message.delta.new_element.exception.type = "KeyError"
        message.delta.new_element.exception.message = fields["text"]
    elif kind == "warning":
        message.delta.new_element.alert.body = fields["text"]
        message.delta.new_element.alert.format = 2  # Alert.WARNING
    return message.SerializeToString()


def test_a_websocket_session_reads_runs_pages_and_errors_from_the_messages():
    import asyncio

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from ita_analytics.bench.protocol import ProtocolSession

    async def scenario():
        session = ProtocolSession("http://127.0.0.1:1")
        session.waiting = asyncio.get_running_loop().create_future()
        session._note(_message("script_finished", status=ForwardMsg.FINISHED_SUCCESSFULLY), 1.0)
        assert not session.waiting.done()  # a run before the request's own is not its end
        session._note(_message("new_session"), 2.0)
        session._note(_message("navigation", pages=[("", False), ("levels", False),
                                                    ("overview", True)]), 2.1)
        session._note(_message("warning", text="partial year"), 2.2)
        session._note(_message("error", text="Something went wrong"), 2.3)
        session._note(_message("exception", text="'total'"), 2.4)
        session._note(_message("script_finished", status=ForwardMsg.FINISHED_EARLY_FOR_RERUN),
                      2.5)
        assert not session.waiting.done()  # st.rerun: the page goes on
        session._note(_message("script_finished", status=ForwardMsg.FINISHED_SUCCESSFULLY), 3.0)
        assert session.waiting.result() == 3.0
        assert session.pages() == ["", "levels"]
        assert await session.errors() == ["Something went wrong", "KeyError: 'total'"]
        assert await session.errors() == []
    asyncio.run(scenario())


def test_cli_load_options_and_default_groups():
    from ita_analytics.bench import load as bench_load
    from ita_analytics.cli import bench_commands
    from ita_analytics.errors import ItaError

    assert bench_commands.STEP_GROUPS == runner.STEP_GROUPS
    assert bench_commands.DEFAULT_STEP_GROUPS == runner.DEFAULT_STEP_GROUPS
    assert "load" in runner.STEP_GROUPS and "load" not in runner.DEFAULT_STEP_GROUPS
    assert {"cli", "session"} <= set(runner.DEFAULT_STEP_GROUPS)
    budgeted = {b.group for b in runner.BUDGETS}
    assert {"cli.help", "cli.show", "session.new"} <= budgeted
    defaults = bench_load.LoadOptions()
    assert bench_commands.LOAD_DEFAULTS == {
        "sessions": defaults.sessions, "browsers": defaults.browsers,
        "seconds": defaults.seconds, "ramp_s": defaults.ramp_s, "think_s": defaults.think_s}

    import argparse
    parser = argparse.ArgumentParser()
    bench_commands.register(parser.add_subparsers())
    args = parser.parse_args(["bench", "--steps", "load", "--load-sessions", "10",
                              "--load-browsers", "20", "--load-think", "2,6"])
    options = bench_commands.load_options(args)
    assert (options.sessions, options.browsers, options.think_s) == (10, 10, (2.0, 6.0))
    for bad in ("2", "6,2", "a,b"):
        with pytest.raises(ItaError):
            bench_commands.load_options(parser.parse_args(["bench", "--load-think", bad]))
