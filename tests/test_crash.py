"""A process killed (SIGKILL) in the middle of committing a national-size import leaves the
store with all of the import or none of it, and the next process opens the store cleanly."""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from import_corpus import national_file

from ita_analytics import store
from ita_analytics.exports import export_bytes
from ita_analytics.importer import analyse_file, commit_plan, load_history
from ita_analytics.store.connection import CRASH_ENV

ROOT = Path(__file__).resolve().parent.parent
NEW_AGENCIES = 3
# The child commits a plan analysed by the parent (pickled), on its own copy of the store.
CHILD = r"""
import pickle, sys, time
from ita_analytics import store
from ita_analytics.importer import commit_plan
with open(sys.argv[2], "rb") as handle:
    plan = pickle.load(handle)
conn = store.open_store(sys.argv[1])
print("committing", flush=True)
started = time.monotonic()
result = commit_plan(conn, plan, user="crash-test")
conn.close()
print("done", result.status, round(time.monotonic() - started, 2), flush=True)
"""


def record(name: str, facts: dict) -> None:
    """Keep what a run saw in test-output/ (for the reliability report)."""
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / f"crash_{name}.json").write_text(json.dumps(facts))


def national_file_with_new_agencies(results: pd.DataFrame) -> bytes:
    """A year's file of every demo agency plus a few agencies the store does not know."""
    extra = results.head(NEW_AGENCIES).copy()
    extra["name"] = [f"องค์การบริหารส่วนตำบลทดสอบล้มเหลว{n}" for n in "กขค"]
    extra["agency_type"] = "องค์การบริหารส่วนตำบล"
    extra["total"] = float("nan")
    extra["level"] = None
    return national_file(pd.concat([results, extra], ignore_index=True))


def state(path: Path) -> dict:
    """What a crash may not damage, read by opening the store afresh (WAL replayed)."""
    conn = store.open_store(path, wait_seconds=0)
    try:
        scores = store.load_scores_long(conn)
        history = load_history(conn)
        return {
            "other_years": export_bytes(scores[scores["year"] != 2569], "csv", bom=False),
            "scores_2569": int((scores["year"] == 2569).sum()),
            "results_2569": len(store.load_results(conn, years=[2569])),
            "agencies": store.count_agencies(conn),
            "imports": history[["import_id", "status"]].to_dict("records"),
            "version": store.data_version(conn),
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crash_setup(demo_db_template, tmp_path_factory):
    """The demo store's state before, the pickled plan of a 2569 national file, and the
    state expected once it is committed."""
    folder = tmp_path_factory.mktemp("crash")
    base = folder / "base.duckdb"
    shutil.copy(demo_db_template, base)
    conn = store.open_store(base)
    try:
        results = store.load_results(conn, years=[2568])
        plan = analyse_file(conn, national_file_with_new_agencies(results), "national.xlsx",
                            year=2569, create_new=True)
    finally:
        conn.close()
    assert plan.status == "valid", [e.message_en for e in plan.errors[:3]]
    assert len(plan.new_agencies) == NEW_AGENCIES and len(plan.scores) > 50_000
    plan_path = folder / "plan.pickle"
    plan_path.write_bytes(pickle.dumps(plan))
    before = state(base)
    whole = {**before, "scores_2569": len(plan.scores), "results_2569": plan.rows,
             "agencies": before["agencies"] + NEW_AGENCIES,
             "imports": [{"import_id": max([i["import_id"] for i in before["imports"]],
                                           default=0) + 1, "status": "committed"},
                         *before["imports"]],
             "version": before["version"] + 1}
    return base, plan_path, before, whole


def start_child(crash_setup, tmp_path, crash_at: str | None = None):
    base, plan_path, _, _ = crash_setup
    path = tmp_path / "ita.duckdb"
    shutil.copy(base, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(plan_path)], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return path, child


def outcome(crash_setup, path: Path) -> str:
    """"none" or "whole": which valid state the store is in (fails on anything else)."""
    _, _, before, whole = crash_setup
    after = state(path)
    if after == before:
        return "none"
    assert after == whole, {k: (after[k], whole[k]) for k in after if after[k] != whole[k]
                            and k != "other_years"}
    return "whole"


@pytest.mark.parametrize("step, expected", [
    ("after_begin", "none"), ("after_agencies", "none"), ("after_scores", "none"),
    ("before_commit", "none"), ("after_commit", "whole"),
])
def test_kill_during_commit(crash_setup, tmp_path, step, expected):
    path, child = start_child(crash_setup, tmp_path, crash_at=step)
    _, err = child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL, err[-2000:]
    assert outcome(crash_setup, path) == expected
    record(step, {"outcome": expected})


def test_commit_without_a_crash_is_whole(crash_setup, tmp_path):
    path, child = start_child(crash_setup, tmp_path)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err[-2000:]
    assert "done committed" in out
    assert outcome(crash_setup, path) == "whole"
    record("no_crash", {"commit_seconds": float(out.split()[-1])})


@pytest.mark.parametrize("seed", range(6))
def test_kill_at_a_random_moment_of_the_commit(crash_setup, tmp_path, seed):
    """Killed after a random delay once the commit has begun: all or nothing, whichever."""
    path, child = start_child(crash_setup, tmp_path)
    assert child.stdout.readline().strip() == "committing"
    # A national commit takes about 0.3 s here: kill somewhere in it (or just after).
    delay = random.Random(seed).uniform(0.0, 0.35)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=300)
    found = outcome(crash_setup, path)
    assert found in ("none", "whole")
    record(f"random_{seed}", {"delay": round(delay, 2), "killed": child.returncode == -signal.SIGKILL,
                              "outcome": found})
    if outcome(crash_setup, path) == "none":
        # The recovered store takes the same import afterwards, whole.
        conn = store.open_store(path)
        try:
            plan = pickle.loads(crash_setup[1].read_bytes())
            assert commit_plan(conn, plan).status == "committed"
        finally:
            conn.close()
        assert outcome(crash_setup, path) == "whole"
