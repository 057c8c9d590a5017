"""Imports started at once: in two threads sharing the dashboard's one connection, and in two
processes (CLI and CLI, dashboard and CLI). Both commit, or one is refused with a clear Thai
and English message; the store always equals the committed imports applied one after another."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from import_corpus import national_file

from ita_analytics import store
from ita_analytics.errors import ItaError, StoreBusy
from ita_analytics.exports import export_bytes
from ita_analytics.importer import analyse_file, commit_plan, load_history

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2569


@pytest.fixture(scope="module")
def files(demo_results) -> dict[str, bytes]:
    """Year files built from the demo's 2568 results: two halves of the country, and a file
    overlapping the first half with other scores (a conflict)."""
    results = demo_results[demo_results["year"] == 2568].reset_index(drop=True)
    half = len(results) // 2
    clash = results.iloc[:400].copy()
    clash["i1"] = (clash["i1"] * 0.9).round(2)
    return {"north": national_file(results.iloc[:half]),
            "south": national_file(results.iloc[half:]),
            "clash": national_file(clash)}


def scores_state(conn) -> bytes:
    """The store's scores and computed results as bytes (equal means the same data)."""
    scores = export_bytes(store.load_scores_long(conn), "csv", bom=False)
    results = store.load_results(conn, years=[YEAR], columns=["agency_id", "year", "total", "level"])
    return scores + export_bytes(results.sort_values("agency_id"), "csv", bom=False)


def serial_state(template: Path, tmp: Path, files: dict[str, bytes], order: list[str]) -> bytes:
    """The state after importing ``order``'s files one after another into a copy of the store."""
    path = tmp / "serial.duckdb"
    shutil.copy(template, path)
    conn = store.open_store(path)
    try:
        for name in order:
            plan = analyse_file(conn, files[name], f"{name}.xlsx", year=YEAR)
            assert commit_plan(conn, plan).status == "committed"
        return scores_state(conn)
    finally:
        conn.close()


def committed_order(conn) -> list[str]:
    history = load_history(conn)
    done = history[history["status"] == "committed"].sort_values("import_id")
    return [name.removesuffix(".xlsx") for name in done["file_name"]]


def commit_in_threads(conn, plans: dict) -> dict[str, object]:
    """Commit each plan in its own thread, all released at once; name → result or ItaError."""
    outcomes: dict[str, object] = {}
    barrier = threading.Barrier(len(plans))

    def run(name, plan):
        barrier.wait()
        try:
            outcomes[name] = commit_plan(conn, plan)
        except ItaError as error:
            outcomes[name] = error
    threads = [threading.Thread(target=run, args=item) for item in plans.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


# --- threads sharing one connection (the dashboard's sessions) ----------------------------------

def test_two_sessions_import_different_agencies_at_once(demo_db_template, demo_db, tmp_path, files):
    conn = store.open_store(demo_db)
    try:
        plans = {name: analyse_file(conn, files[name], f"{name}.xlsx", year=YEAR)
                 for name in ("north", "south")}
        assert all(p.status == "valid" for p in plans.values())
        outcomes = commit_in_threads(conn, plans)
        assert {name: o.status for name, o in outcomes.items()} == {"north": "committed",
                                                                   "south": "committed"}
        order = committed_order(conn)
        assert sorted(order) == ["north", "south"]
        assert scores_state(conn) == serial_state(demo_db_template, tmp_path, files, order)
        assert len(store.load_results(conn, years=[YEAR])) == \
            sum(p.rows for p in plans.values()) == len(store.load_results(conn, years=[2568]))
    finally:
        conn.close()


def test_two_sessions_importing_the_same_agencies_one_is_refused(demo_db_template, demo_db,
                                                                 tmp_path, files):
    conn = store.open_store(demo_db)
    try:
        # Both analysed before either commits: each plan is valid on its own.
        plans = {name: analyse_file(conn, files[name], f"{name}.xlsx", year=YEAR)
                 for name in ("north", "clash")}
        assert all(p.status == "valid" for p in plans.values())
        outcomes = commit_in_threads(conn, plans)
        refused = [name for name, o in outcomes.items() if isinstance(o, ItaError)]
        committed = [name for name, o in outcomes.items()
                     if not isinstance(o, ItaError) and o.status == "committed"]
        assert len(refused) == 1 and len(committed) == 1, outcomes
        # The refused session's preview predates the other's commit: analysed again, the file
        # now meets stored scores, and the refusal says so (issue 17 #2).
        error = outcomes[refused[0]]
        assert "--replace" in error.message_th and "already have scores" in error.message_en
        assert f"{committed[0]}.xlsx" in error.message_en and "preview again" in error.message_en
        assert committed_order(conn) == committed
        assert scores_state(conn) == serial_state(demo_db_template, tmp_path, files, committed)
    finally:
        conn.close()


def test_two_sessions_committing_the_same_file_import_it_once(demo_db, files):
    conn = store.open_store(demo_db)
    try:
        plans = {f"session{i}": analyse_file(conn, files["south"], "south.xlsx", year=YEAR)
                 for i in (1, 2)}
        outcomes = commit_in_threads(conn, plans)
        assert sorted(o.status for o in outcomes.values()) == ["committed", "unchanged"]
        ids = {o.import_id for o in outcomes.values()}
        assert len(ids) == 1  # the second names the first's import
        assert committed_order(conn) == ["south"]
    finally:
        conn.close()


# --- processes: CLI and CLI, dashboard and CLI -----------------------------------------------------

def cli_import(db: Path, file: Path, *, wait: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ITA_LOCK_WAIT": str(wait)}
    return subprocess.Popen([sys.executable, "-m", "ita_analytics", "--db", str(db), "import",
                             str(file), "--year", str(YEAR), "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def write_files(tmp_path: Path, files: dict[str, bytes]) -> dict[str, Path]:
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.xlsx"
        paths[name].write_bytes(data)
    return paths


def test_two_cli_imports_at_once_are_serialised(demo_db_template, demo_db, tmp_path, files):
    paths = write_files(tmp_path, files)
    children = [cli_import(demo_db, paths[name], wait=300) for name in ("north", "south")]
    for child in children:
        _, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-2000:]
    conn = store.open_store(demo_db)
    try:
        order = committed_order(conn)
        assert sorted(order) == ["north", "south"]
        assert scores_state(conn) == serial_state(demo_db_template, tmp_path, files, order)
    finally:
        conn.close()


def test_two_cli_imports_of_the_same_agencies_one_is_refused(demo_db_template, demo_db, tmp_path,
                                                             files):
    paths = write_files(tmp_path, files)
    children = {name: cli_import(demo_db, paths[name], wait=300) for name in ("north", "clash")}
    # communicate() drains the pipes: the refused import's JSON lists every clashing score
    # and would fill the pipe and block a child that is only waited for.
    outputs = {name: child.communicate(timeout=600)[0] for name, child in children.items()}
    codes = {name: child.returncode for name, child in children.items()}
    assert sorted(codes.values()) == [0, 1], codes
    refused = next(name for name, code in codes.items() if code == 1)
    out = outputs[refused]
    assert '"existing_scores"' in out and "--replace" in out
    conn = store.open_store(demo_db)
    try:
        order = committed_order(conn)
        assert order == [next(name for name, code in codes.items() if code == 0)]
        assert scores_state(conn) == serial_state(demo_db_template, tmp_path, files, order)
    finally:
        conn.close()


def test_cli_import_while_the_dashboard_reads_the_store_goes_through(demo_db, tmp_path, files):
    """The dashboard holds the store's published version read-only (issue 21): a CLI import
    does not wait for it, and the dashboard's connection goes on seeing the version it opened
    until it opens the new one."""
    paths = write_files(tmp_path, files)
    dashboard = store.open_store(demo_db, read_only=True)  # as the dashboard holds it
    try:
        before = scores_state(dashboard)
        child = cli_import(demo_db, paths["north"], wait=0)
        _, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-2000:]
        assert scores_state(dashboard) == before and load_history(dashboard).empty
    finally:
        dashboard.close()
    conn = store.open_store(demo_db, read_only=True)
    try:
        assert committed_order(conn) == ["north"]
    finally:
        conn.close()


def test_open_store_waits_then_raises_store_busy(demo_db):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(demo_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy) as info:
            store.open_store(demo_db, wait_seconds=0.4)
        assert "กำลังถูกเขียนโดยโปรแกรมอื่น" in info.value.message_th
        assert "held for writing by another process" in info.value.message_en
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    # Released: it opens again, intact.
    conn = store.open_store(demo_db, wait_seconds=5)
    try:
        assert store.count_agencies(conn) > 8000
    finally:
        conn.close()


def test_results_frame_is_not_mixed_during_a_commit(demo_db, files):
    """A reader in another thread sees 2569 for every agency of the import or for none."""
    conn = store.open_store(demo_db)
    try:
        plan = analyse_file(conn, files["north"], "north.xlsx", year=YEAR)
        seen: list[int] = []
        stop = threading.Event()

        def read():
            while not stop.is_set():
                seen.append(len(store.load_results(conn, years=[YEAR], columns=["agency_id"])))
        reader = threading.Thread(target=read)
        reader.start()
        try:
            assert commit_plan(conn, plan).status == "committed"
        finally:
            stop.set()
            reader.join(timeout=120)
        seen.append(len(store.load_results(conn, years=[YEAR], columns=["agency_id"])))
        assert set(seen) <= {0, plan.rows} and seen[-1] == plan.rows
    finally:
        conn.close()

