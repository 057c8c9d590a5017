"""The benchmark's ``cli`` steps: the command line timed end to end, one process per run.

``cli.help`` is ``python -m ita_analytics --help``; ``cli.show`` is ``show`` of one agency-year
on the national store; ``cli.python`` is a bare interpreter start on the same machine at the
same time (no budget: what no command can go below). Each step notes the machine's load and
the median CPU time of its processes: on a busy machine the wall time waits for a core, the
CPU time does not.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ita_analytics.bench.measurement import Budget, Measurement, measure
from ita_analytics.settings import BASE_DIR

GROUP = "cli"
SHOW_AGENCY = ("อบต.หนองปลาหมอ", "ขอนแก่น", "2568")
"""A seed agency-year every demo store holds (seed 000)."""
BUDGETS = (Budget("cli.help", "national", 0.3), Budget("cli.show", "national", 0.7))


def cli_commands(db_path: Path) -> dict[str, list[str]]:
    """The timed command lines, by step."""
    agency, province, year = SHOW_AGENCY
    module = [sys.executable, "-m", "ita_analytics"]
    return {
        "cli.python": [sys.executable, "-c", "pass"],
        "cli.help": [*module, "--help"],
        "cli.show": [*module, "--db", str(db_path), "show", "--agency", agency,
                     "--province", province, "--year", year],
    }


def run_seconds(command: list[str], cpu: list[float] | None = None) -> float:
    """Wall seconds from starting ``command`` to its exit (its CPU seconds, user and system,
    appended to ``cpu``); a failure raises."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=BASE_DIR, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])} exited {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-200:]}")
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return elapsed


def load_note() -> str:
    """The machine's load, for reading the medians: 1-minute load average per CPU."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load {one:.1f}/{five:.1f} (1/5 min) on {os.cpu_count()} CPUs"


def cli_steps(db_path: Path, repeats: int) -> list:
    """The ``cli`` steps on the store at ``db_path``, each run ``repeats`` times after one
    untimed run (which compiles the bytecode and warms the file cache)."""
    out = []
    for step, command in cli_commands(db_path).items():
        before = load_note()
        cpu: list[float] = []
        m: Measurement = measure(step, "national",
                                 lambda _, c=command, t=cpu: run_seconds(c, t), repeats,
                                 warmup=True)
        timed = cpu[1:]  # the untimed first run left out
        notes = [m.note, f"{before} → {load_note()}"]
        if timed:
            notes.append(f"CPU median {statistics.median(timed) * 1000:.0f} ms")
        m.note = "; ".join(filter(None, notes))
        out.append(m)
    return out
