"""The command line starts light (issue 18 #10): what ``--help`` and ``show`` import, and the
benchmark's ``cli`` steps. Seconds are measured by ``bench --steps cli``; the tests assert on
the modules a process imported, which does not depend on the machine's load."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys

import pytest

from ita_analytics.bench import cli as bench_cli
from ita_analytics.bench import runner
from ita_analytics.bench.measurement import Measurement
from ita_analytics.cli import bench_commands, build_parser, main
from ita_analytics.settings import BASE_DIR

HEAVY = ("pandas", "numpy", "pyarrow", "duckdb", "matplotlib", "docx", "xlsxwriter", "openpyxl",
         "rapidfuzz", "geothai", "plotly", "streamlit", "ita_analytics.store",
         "ita_analytics.domain", "ita_analytics.report.data", "ita_analytics.analysis")
"""What no parser needs."""
NOT_FOR_SHOW = ("matplotlib", "docx", "xlsxwriter", "openpyxl", "plotly", "streamlit",
                "python_calamine", "ita_analytics.report.data", "ita_analytics.report.charts",
                "ita_analytics.analysis", "ita_analytics.importer", "ita_analytics.demo",
                "ita_analytics.exports", "ita_analytics.bench")
"""What ``show`` does not need: the report, the analyses, the importer, the demo generator."""

RUN = """
import json, runpy, sys
sys.argv = ["ita_analytics", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("ita_analytics", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*argv: str) -> tuple[int, set[str], str]:
    """Exit code, modules imported and output of ``python -m ita_analytics ARGV`` in a new
    process."""
    done = subprocess.run([sys.executable, "-c", RUN, json.dumps([str(a) for a in argv])],
                          cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    head, _, tail = done.stderr.rpartition("\nMODULES ")
    found = json.loads(tail)
    return found["code"], set(found["modules"]), done.stdout + head


def loaded(modules: set[str], names) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize("argv", [["--help"], ["report", "--help"], ["show", "--help"],
                                  ["items", "--help"], ["bench", "--help"]])
def test_help_imports_no_heavy_library(argv):
    code, modules, out = imported_by(*argv)
    assert code == 0 and "usage:" in out
    assert loaded(modules, HEAVY) == []


def test_show_imports_the_store_but_not_the_report(demo_db):
    code, modules, out = imported_by("--db", demo_db, "show", "--agency", "อบต.หนองปลาหมอ",
                                     "--province", "ขอนแก่น", "--year", "2568")
    assert code == 0 and "93.30" in out
    assert {"duckdb", "ita_analytics.store"} <= modules
    assert loaded(modules, NOT_FOR_SHOW) == []
    # One agency-year is read as plain rows: pandas (most of show's time) is not imported.
    assert loaded(modules, ("pandas", "numpy", "pyarrow", "ita_analytics.store.scores",
                            "geothai", "rapidfuzz")) == []


def test_show_of_a_name_it_does_not_know_still_suggests_near_names(demo_db):
    """Near names, shared names and missing years go the full way (pandas, every key)."""
    code, modules, out = imported_by("--db", demo_db, "show", "--agency", "อบต.หนองปลาหมx",
                                     "--province", "ขอนแก่น", "--year", "2568")
    assert code == 1 and "หนองปลาหมอ" in out and "pandas" in modules


def test_show_reads_the_same_payload_both_ways(demo_db, monkeypatch):
    """The quick read (plain rows) gives what the full read (frames) gives."""
    from ita_analytics import store
    from ita_analytics.cli import store_commands

    conn = store.open_store(demo_db, read_only=True)
    try:
        cases = (("อบต.หนองปลาหมอ", "ขอนแก่น", 2568), ("อบต.หนองปลาหมอ", "ขอนแก่น", 2567),
                 ("กรุงเทพมหานคร", None, 2563))
        quick = [store_commands.quick_show_payload(conn, *case) for case in cases]
        assert None not in quick
        monkeypatch.setattr(store_commands, "quick_show_payload", lambda *_: None)
        assert quick == [store_commands.show_payload(conn, *case) for case in cases]
    finally:
        conn.close()


def test_the_store_package_finds_every_name_it_lists():
    from ita_analytics import store

    assert set(store.__all__) == set(store._MODULE_OF)
    assert all(callable(getattr(store, name)) or name == "SCHEMA_VERSION"
               for name in store.__all__)
    assert store.scores.INDICATOR_COLUMNS == [f"i{n}" for n in range(1, 11)]


def test_every_command_runs_its_handler_module():
    """Each lazy handler names a module and a function that exist."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    handlers = []
    for name, command in sub.choices.items():
        handlers.append((name, command.get_default("handler")))
        for action in command._actions:
            if action.choices and isinstance(action.choices, dict):  # nested commands
                handlers += [(f"{name} {k}", p.get_default("handler"))
                             for k, p in action.choices.items()]
    assert len(handlers) > 20
    for name, handler in handlers:
        if handler is None:  # a command made of subcommands only
            assert name == "measures"
            continue
        assert callable(handler), name
        if hasattr(handler, "target"):  # a lazy handler: (module, function)
            module, function = handler.target
            target = importlib.import_module(f"ita_analytics.cli.{module}")
            assert callable(getattr(target, function)), name


def test_light_copies_of_names_equal_the_originals():
    from ita_analytics.analysis.benchmark import PEER_GROUPS
    from ita_analytics.cli.analysis_commands import PEER_CODES

    assert PEER_CODES == sorted(PEER_GROUPS)
    assert set(bench_commands.STEP_GROUPS) == {*runner.STEP_GROUPS, bench_cli.GROUP}
    assert bench_commands.DEFAULT_DIR == runner.BENCH_DIR


def test_cli_steps_are_held_to_their_budgets():
    measurements = [Measurement("cli.help", "national", [0.1, 0.2, 0.9]),
                    Measurement("cli.show", "national", [0.9, 1.0, 1.1]),
                    Measurement("cli.python", "national", [0.02])]
    report = runner.build_report(measurements, scale=1, repeats=3)
    verdicts = {b["step"]: b["passed"] for b in report["budgets"]}
    assert verdicts == {"cli.help": True, "cli.show": False}  # medians 0.2 and 1.0
    assert report["missed"] == 1 and report["passed"] is False
    assert [s["step"] for s in report["steps"]] == ["cli.help", "cli.show", "cli.python"]
    assert set(bench_cli.BUDGETS) <= set(runner.BUDGETS)


def test_bench_cli_steps_run(demo_db_template, tmp_path, capsys):
    shutil.copy(demo_db_template, tmp_path / "national.duckdb")
    code = main(["bench", "--steps", "cli", "--repeats", "1", "--dir", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    steps = {s["step"]: s for s in report["steps"]}
    assert {"cli.help", "cli.show", "cli.python"} <= set(steps)
    assert all(steps[k]["status"] == "ok" and steps[k]["n"] == 1 for k in steps), steps
    assert "load" in steps["cli.show"]["note"]
    assert {b["step"] for b in report["budgets"]} == {"cli.help", "cli.show"}
    assert code == runner.exit_code(report)
