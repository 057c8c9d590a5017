"""The speed benchmark (issue 7): the budgets, the steps of each group, the run and its report."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ita_analytics import store
from ita_analytics.bench import cli, session
from ita_analytics.bench.load import (
    BUDGET_PAGE_RUN_S,
    RSS_SAMPLE_S,
    LoadOptions,
    LoadRun,
    browser_missing_reason,
    run_load,
)
from ita_analytics.bench.measurement import (
    Budget,
    Measurement,
    RatioBudget,
    StepUnavailable,
    in_group,
    measure,
    require,
)
from ita_analytics.bench.server import chromium, rss_mb, streamlit_server
from ita_analytics.demo.generator import load_demo
from ita_analytics.domain import INDICATORS, TOOL_CODES
from ita_analytics.errors import StoreError
from ita_analytics.settings import DATA_DIR
from ita_analytics.store import versions

BENCH_DIR = DATA_DIR / "bench"
SCALES = {"national": 1, "stress": 10}
IMPORT_YEAR_FROM, IMPORT_YEAR_TO = 2568, 2569
# The year file's layout: a title, a blank row, the header, then agencies from this row (0-based);
# these text columns, then one column per indicator.
YEAR_FILE_FIRST_ROW = 3
YEAR_FILE_TEXT_COLUMNS = ("ลำดับ", "ชื่อหน่วยงาน", "ประเภทหน่วยงาน", "อำเภอ", "จังหวัด")


# --- budgets (data) ---------------------------------------------------------------------------

BUDGETS: tuple[Budget, ...] = (
    Budget("import.full", "national", 3.0),
    Budget("analysis", "national", 0.100),
    Budget("analysis", "stress", 1.0),
    Budget("page.warm", "national", 0.5),
    Budget("page.cold", "national", 2.0),
    Budget("start.first", "national", 15.0),
    Budget("start.later", "national", 3.0),
    Budget("memory.sessions10", "national", 600.0, "MB"),
    # Issue 17: 50 sessions through the pages for 2 minutes while a national year is imported.
    Budget("load.sessions50.page_run", "national", 3.0, stat="max"),
    Budget("load.sessions50.rss", "national", 800.0, "MB", stat="max"),
    Budget("load.sessions50.errors", "national", 0.0, "errors", stat="max"),
    # Two server processes on one store, 25 sessions each, the import through the first.
    Budget("load.servers2.sessions50.page_run", "national", 3.0, stat="max"),
    Budget("load.servers2.sessions50.rss", "national", 800.0, "MB", stat="max"),
    Budget("load.servers2.sessions50.errors", "national", 0.0, "errors", stat="max"),
    *cli.BUDGETS,
    *session.BUDGETS,
)
RATIO_BUDGETS: tuple[RatioBudget, ...] = (
    RatioBudget("import.full/import.parse", "import.full", "import.parse", "national", 1.5),
    # Reported only: the least any import can take here, against the same bare read. When it
    # is above the limit above, that limit cannot be met by any import into this store.
    RatioBudget("import.floor/import.parse", "import.floor", "import.parse", "national", None),
)
# Groups whose steps get a stress/national ratio, with its limit (None: reported only).
SCALE_RATIO_LIMITS: dict[str, float | None] = {"page.cold": 3.0, "page.warm": 3.0,
                                               "analysis": None}


def compute_ratios(measurements: list[Measurement]) -> list[dict]:
    """The ratio budgets, plus stress/national per step of :data:`SCALE_RATIO_LIMITS` groups."""
    by_key = {(m.scale, m.step): m for m in measurements if m.status == "ok" and m.values}
    rows = []

    def add(name, num, den, limit):
        value = num.median / den.median if num and den and den.median else None
        rows.append({"name": name, "value": value, "limit": limit,
                     "passed": None if value is None or limit is None else value <= limit})

    for r in RATIO_BUDGETS:
        add(r.name, by_key.get((r.scale, r.numerator)), by_key.get((r.scale, r.denominator)),
            r.limit)
    for (scale, step), m in sorted(by_key.items()):
        if scale != "stress":
            continue
        for group, limit in SCALE_RATIO_LIMITS.items():
            if in_group(step, group) and ("national", step) in by_key:
                add(f"{step} stress/national", m, by_key[("national", step)], limit)
    return rows


def check_budgets(measurements: list[Measurement]) -> list[dict]:
    """Each budget against the median (or its ``stat``) of each step it covers (passed None:
    not measured)."""
    rows = []
    for b in BUDGETS:
        covered = [m for m in measurements if m.scale == b.scale and in_group(m.step, b.group)]
        for m in covered:
            value = m.stat(b.stat) if m.status == "ok" else None
            rows.append({"step": m.step, "scale": m.scale, "value": value, "limit": b.limit,
                         "unit": b.unit, "stat": b.stat,
                         "passed": None if value is None else value <= b.limit})
    return rows


def build_report(measurements: list[Measurement], *, scale: int, repeats: int,
                 details: dict | None = None) -> dict:
    """The benchmark as a JSON-ready dict: steps, ratios, budget checks and the verdict, and
    any ``details`` a step group gives (the load run's conditions under ``load``)."""
    budgets = check_budgets(measurements)
    ratios = compute_ratios(measurements)
    missed = [b for b in budgets if b["passed"] is False] + [r for r in ratios
                                                              if r["passed"] is False]
    failed = [m.step for m in measurements if m.status == "failed"]
    return {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "scale": scale, "repeats": repeats,
        "steps": [m.as_dict() for m in measurements],
        "ratios": ratios, "budgets": budgets,
        "missed": len(missed), "failed": failed,
        "passed": not missed and not failed,
        **(details or {}),
    }


def exit_code(report: dict) -> int:
    """0 when every measured budget is met and no step failed, 1 otherwise."""
    return 0 if report["passed"] else 1


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if unit == "s" and value < 1 else (
        f"{value:.2f} s" if unit == "s" else f"{value:.0f} {unit}")


def format_report(report: dict) -> str:
    """The report as plain-text tables (steps with budgets, then ratios)."""
    limits = {(b["scale"], b["step"]): b for b in report["budgets"]}
    lines = [f"{'step':<34} {'scale':<9} {'median':>9} {'min':>9} {'max':>9} {'n':>4}  "
             f"{'budget':>12}  result"]
    for s in report["steps"]:
        b = limits.get((s["scale"], s["step"]))
        budget = ""
        if b:
            budget = _fmt(b["limit"], b["unit"])
            if b.get("stat", "median") != "median":
                budget = f"{b['stat']} {budget}"
        if s["status"] != "ok":
            verdict = s["note"]
        else:
            verdict = "" if b is None else ("ok" if b["passed"] else "MISSED")
            if s["note"]:
                verdict = f"{verdict} ({s['note']})" if verdict else s["note"]
        lines.append(f"{s['step']:<34} {s['scale']:<9} {_fmt(s['median'], s['unit']):>9} "
                     f"{_fmt(s['min'], s['unit']):>9} {_fmt(s['max'], s['unit']):>9} "
                     f"{s['n']:>4}  {budget:>12}  {verdict}")
    if report["ratios"]:
        lines += ["", f"{'ratio':<44} {'value':>7} {'limit':>6}  result"]
        for r in report["ratios"]:
            value = "—" if r["value"] is None else f"{r['value']:.2f}"
            limit = "" if r["limit"] is None else f"{r['limit']:.1f}"
            verdict = {True: "ok", False: "MISSED", None: ""}[r["passed"]]
            lines.append(f"{r['name']:<44} {value:>7} {limit:>6}  {verdict}")
    verdict = "all measured budgets met" if report["passed"] else (
        f"{report['missed']} budget(s) missed, failed steps: {', '.join(report['failed']) or '—'}")
    lines += ["", f"scale {report['scale']}, {report['repeats']} repeats, medians; {verdict}"]
    return "\n".join(lines)


# --- stores -----------------------------------------------------------------------------------

def prepare_store(path: Path, scale: int) -> float:
    """Build the demo store of ``scale`` at ``path`` unless one is there; seconds spent building.

    The store is the benchmark's cache: one of another scale, one that cannot be opened or
    migrated (a file left by a development build, a broken file) is built again."""
    marker = f"seed=2568;scale={scale}"
    if path.exists():
        try:
            with contextlib.closing(store.open_store(path)) as conn:
                if store.get_meta(conn, "demo") == marker:
                    return 0.0
        except (StoreError, duckdb.Error):
            pass
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    conn = store.open_store(path, create=True)
    try:
        load_demo(conn, scale=scale)
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return time.perf_counter() - start


def store_path(scale_name: str, base: Path = BENCH_DIR) -> Path:
    return base / f"{scale_name}.duckdb"


# --- import -----------------------------------------------------------------------------------

def make_year_file(conn, year_from: int = IMPORT_YEAR_FROM, year_to: int = IMPORT_YEAR_TO,
                   seed: int = 7) -> bytes:
    """A wide national xlsx of ``year_to``: ``year_from``'s agencies with slightly moved scores."""
    import xlsxwriter

    results = store.load_results(conn, years=[year_from])
    rng = np.random.default_rng(seed)
    ind_cols = [f"i{i.number}" for i in INDICATORS]
    scores = results[ind_cols].to_numpy()
    moved = np.clip(np.round(scores + rng.normal(0.0, 1.5, scores.shape), 2), 0, 100)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    sheet = book.add_worksheet("ITA")
    sheet.write(0, 0, f"ผลการประเมินคุณธรรมและความโปร่งใส ประจำปีงบประมาณ พ.ศ. {year_to}")
    header = list(YEAR_FILE_TEXT_COLUMNS) + [
        f"ตัวชี้วัดที่ {i.number} {i.name_th}" for i in INDICATORS]
    sheet.write_row(YEAR_FILE_FIRST_ROW - 1, 0, header)
    text = results[["name", "agency_type", "district", "province"]].astype(object)
    text = text.where(text.notna(), "")
    for r, (names, values) in enumerate(zip(text.itertuples(index=False), moved, strict=True)):
        sheet.write_row(YEAR_FILE_FIRST_ROW + r, 0, [r + 1, *names])
        for c, v in enumerate(values):
            if not np.isnan(v):
                sheet.write_number(YEAR_FILE_FIRST_ROW + r, len(YEAR_FILE_TEXT_COLUMNS) + c,
                                   float(v))
    book.close()
    return buffer.getvalue()


def parse_only(data: bytes) -> int:
    """Only read every cell of the file with the fastest reader here (python-calamine)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)


def write_only(conn, data: bytes, agency_ids: np.ndarray, year: int) -> None:
    """Only read the file (as :func:`parse_only`) and write its scores with the import's own
    store writes — :func:`store.insert_scores` and :func:`store.refresh_results` in one
    transaction, then the close that checkpoints them — with no check, matching or plan:
    the least an import of the file into this store can take (``import.floor``)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()[YEAR_FILE_FIRST_ROW:]
    first = len(YEAR_FILE_TEXT_COLUMNS)  # then the indicators
    values = np.array([[v if isinstance(v, float) else np.nan
                        for v in row[first:first + len(INDICATORS)]] for row in rows])
    ids = np.repeat(agency_ids[:len(rows)], len(INDICATORS))
    scores = pd.DataFrame({"agency_id": ids, "year": year,
                           "indicator": np.tile([i.number for i in INDICATORS], len(rows)),
                           "score": values.ravel(), "source": "bench-floor", "import_id": None})
    scores = scores[scores["score"].notna()]
    with store.transaction(conn) as cur:
        store.insert_scores(cur, scores)
        store.refresh_results(cur, scores[["agency_id", "year"]].drop_duplicates())
    conn.close()


def import_steps(national: Path, work: Path, repeats: int) -> list[Measurement]:
    """Parse-only baseline, the full import (analyse + commit) into fresh copies of the store,
    and the floor under it: the same file read and its scores written with no checks."""
    conn = store.open_store(national, read_only=True)
    try:
        data = make_year_file(conn)
        agency_ids = store.load_results(conn, years=[IMPORT_YEAR_FROM],
                                        columns=["agency_id"])["agency_id"].to_numpy()
    finally:
        conn.close()
    file_name = f"ita-{IMPORT_YEAR_TO}.xlsx"
    out = [measure("import.parse", "national", lambda _: parse_only(data), repeats)]

    def fresh_store():
        target = work / "import.duckdb"
        target.unlink(missing_ok=True)
        shutil.copy(national, target)
        return store.open_store(target)
    out.append(measure("import.floor", "national",
                       lambda conn: write_only(conn, data, agency_ids, IMPORT_YEAR_TO), repeats,
                       setup=fresh_store))

    def fresh_copy():
        analyse_file, commit_plan = require("ita_analytics.importer", "analyse_file",
                                            "commit_plan")
        return analyse_file, commit_plan, fresh_store()

    def full(state):
        analyse_file, commit_plan, conn = state
        try:
            plan = analyse_file(conn, data, file_name)
            result = commit_plan(conn, plan)
        finally:
            conn.close()
        status = getattr(result, "status", None)
        if status not in (None, "committed"):
            raise RuntimeError(f"import not committed: {status}")
    out.append(measure("import.full", "national", full, repeats, setup=fresh_copy))
    return out


# --- analyses ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnalysisContext:
    conn: object
    agency_id: int
    year: int
    previous: int
    years: list[int]


def _load(ctx: AnalysisContext, years=None, **kwargs) -> pd.DataFrame:
    return store.load_results(ctx.conn, years=years, **kwargs)


def _weakest(ctx):
    compute_weakest = require("ita_analytics.analysis.weakest", "compute_weakest")
    return compute_weakest(_load(ctx, [ctx.year]), ctx.agency_id, ctx.year)


def _weakest_group(ctx):
    counts, dist = require("ita_analytics.analysis.weakest", "compute_weakest_counts",
                           "compute_indicator_distribution")
    results = _load(ctx, [ctx.year])
    return counts(results, ctx.year), dist(results, ctx.year, by="agency_type")


def _deltas(ctx):
    compute_deltas, change_counts = require("ita_analytics.analysis.deltas", "compute_deltas",
                                            "compute_change_counts")
    return change_counts(compute_deltas(_load(ctx, [ctx.previous, ctx.year]), ctx.previous,
                                        ctx.year))


def _movers(ctx):
    agency_deltas, movers = require("ita_analytics.analysis.deltas", "compute_agency_deltas",
                                    "compute_movers")
    return movers(agency_deltas(_load(ctx, [ctx.previous, ctx.year], indicators=False),
                                ctx.previous, ctx.year))


def _levels(ctx):
    distribution, pass_rates = require("ita_analytics.analysis.levels",
                                       "compute_level_distribution", "compute_pass_rates")
    results = _load(ctx, columns=["year", "agency_type", "level", "total", "passed"])
    return distribution(results, by="agency_type"), pass_rates(results)


def _transitions(ctx):
    transitions, crossings = require("ita_analytics.analysis.levels",
                                     "compute_level_transitions", "compute_pass_crossings")
    results = _load(ctx, [ctx.previous, ctx.year], indicators=False)
    return (transitions(results, ctx.previous, ctx.year),
            crossings(results, ctx.previous, ctx.year))


def _benchmark(ctx):
    compute_benchmark = require("ita_analytics.analysis.benchmark", "compute_benchmark")
    return compute_benchmark(_load(ctx, [ctx.year]), ctx.agency_id, ctx.year, peers="type")


def _trends(ctx):
    compute_trends = require("ita_analytics.analysis.trends", "compute_trends")
    columns = ("year", "total", "IIT", "EIT", "OIT", *[f"i{i.number}" for i in INDICATORS])
    return compute_trends(_load(ctx, columns=columns), metrics=columns[1:])


def _checks(ctx):
    compute_checks = require("ita_analytics.analysis.checks", "compute_checks")
    return compute_checks(_load(ctx, [ctx.previous, ctx.year]), year=ctx.year)


def _next_level(ctx):
    gap = require("ita_analytics.analysis.next_level", "compute_gap_to_next_level")
    return gap(_load(ctx, [ctx.year], agency_ids=[ctx.agency_id]), ctx.agency_id, ctx.year)


def _movement(ctx):
    ordinary, label = require("ita_analytics.analysis.movement", "compute_ordinary_movement",
                              "label_changes")
    compute_deltas = require("ita_analytics.analysis.deltas", "compute_deltas")
    # Every agency-metric change of the latest two years labelled against the ordinary band
    # learned from every year: scores only (labels show no names), loaded once.
    scores = _load(ctx, columns=("agency_id", "year", "total", *TOOL_CODES,
                                 *[f"i{i.number}" for i in INDICATORS]))
    pair = scores[scores["year"].isin([ctx.previous, ctx.year])]
    deltas = compute_deltas(pair, ctx.previous, ctx.year)
    return label(deltas, ordinary(scores), year_to=ctx.year)


# Each analysis as its page or CLI call runs it: the load it needs from the store (the years,
# and the columns where the output shows no names or places), then the call.
ANALYSES: dict[str, Callable[[AnalysisContext], object]] = {
    "weakest": _weakest, "weakest_group": _weakest_group, "deltas": _deltas,
    "movers": _movers, "levels": _levels, "transitions": _transitions,
    "benchmark": _benchmark, "trends": _trends, "checks": _checks,
    "next_level": _next_level, "movement": _movement,
}


def analysis_context(conn) -> AnalysisContext:
    """The latest two years and a typical agency (median total of the largest type)."""
    years = store.load_years(conn)
    year = years[-1]
    latest = store.load_results(conn, years=[year], indicators=False)
    biggest = latest["agency_type"].value_counts().index[0]
    group = latest[latest["agency_type"] == biggest].sort_values(["total", "agency_id"])
    agency_id = int(group["agency_id"].iloc[len(group) // 2])
    return AnalysisContext(conn, agency_id, year, years[-2] if len(years) > 1 else year, years)


def analysis_steps(path: Path, scale_name: str, repeats: int) -> list[Measurement]:
    conn = store.open_store(path, read_only=True)
    try:
        ctx = analysis_context(conn)
        return [measure(f"analysis.{name}", scale_name, lambda _, fn=fn: fn(ctx), repeats,
                        warmup=True) for name, fn in ANALYSES.items()]
    finally:
        conn.close()


# --- a real server: first start, later start, memory ------------------------------------------

def open_first_page(browser, url: str, timeout_ms: float = 120_000):
    """A new session (own browser context) on the first page, once its script has finished."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=timeout_ms)
    return context


def start_seconds(db_path: Path, demo_on_start: bool, open_session: Callable) -> float:
    """From launching the server to the first page's script run finished in a new session."""
    start = time.perf_counter()
    with streamlit_server(db_path, demo_on_start=demo_on_start) as (url, _):
        with open_session(url):
            return time.perf_counter() - start


def browser_start_seconds(browser, db_path: Path) -> float:
    """From launching the server to the first page drawn in Chromium (its JS bundle included)."""
    start = time.perf_counter()
    with streamlit_server(db_path, demo_on_start=False) as (url, _):
        context = open_first_page(browser, url)
        elapsed = time.perf_counter() - start
        context.close()
    return elapsed


def server_steps(national: Path, work: Path, repeats: int, open_session: Callable,
                 sessions: int = 10, browser: bool = True) -> list[Measurement]:
    """First start (demo build + first page), later start, and RSS with ``sessions`` sessions.

    ``open_session(url)`` is a context manager holding one session open after its first
    page's script run (a websocket client, :func:`bench.pages.open_session`). With ``browser``, the
    later start is also measured to the page drawn in headless Chromium (no budget: it adds
    the browser's own start-up, which depends on the client machine).
    """
    fresh = work / "fresh.duckdb"

    def first(_):
        fresh.unlink(missing_ok=True)
        return start_seconds(fresh, True, open_session)

    out = [measure("start.first", "national", first, repeats, returns_value=True)]
    if not fresh.exists():
        prepare_store(fresh, 1)
    out.append(measure("start.later", "national",
                       lambda _: start_seconds(fresh, False, open_session), repeats,
                       returns_value=True))

    def memory(_):
        with streamlit_server(national, demo_on_start=False) as (url, proc):
            with contextlib.ExitStack() as stack:
                for _ in range(sessions):
                    stack.enter_context(open_session(url))
                return rss_mb(proc.pid)
    out.append(measure(f"memory.sessions{sessions}", "national", memory, max(1, repeats // 2),
                       unit="MB", returns_value=True))
    if browser:
        out += browser_steps(national, fresh, repeats, sessions)
    return out


def browser_steps(national: Path, fresh: Path, repeats: int, sessions: int
                  ) -> list[Measurement]:
    """The later start and the memory again with real Chromium pages (reported, no budget)."""
    def memory(_):
        with streamlit_server(national, demo_on_start=False) as (url, proc):
            contexts = [open_first_page(chrome, url) for _ in range(sessions)]
            value = rss_mb(proc.pid)
            for context in contexts:
                context.close()
            return value
    steps = ("start.later_browser", f"memory.sessions{sessions}_browser")
    try:
        with chromium() as chrome:
            return [measure(steps[0], "national", lambda _: browser_start_seconds(chrome, fresh),
                            repeats, returns_value=True),
                    measure(steps[1], "national", memory, max(1, repeats // 2), unit="MB",
                            returns_value=True)]
    except StepUnavailable as error:
        return [Measurement(step, "national", status="skipped", note=f"skipped: {error}",
                            unit="MB" if step.startswith("memory") else "s") for step in steps]


# --- load: many sessions while a year is imported --------------------------------------------

def load_step_name(sessions: int, servers: int = 1) -> str:
    """``load.sessions50`` for one server, ``load.servers2.sessions50`` for several."""
    return (f"load.sessions{sessions}" if servers <= 1
            else f"load.servers{servers}.sessions{sessions}")


def load_measurements(run: LoadRun) -> list[Measurement]:
    """The load run as steps: every page run, the server's peak RSS, the errors seen (the
    budgeted three), and each session's first page and the import's two halves (reported)."""
    step = load_step_name(run.sessions, run.servers)
    summary = run.summary()
    runs, browser_runs, socket_runs = (summary[k] for k in ("page_runs", "browser_page_runs",
                                                             "protocol_page_runs"))

    def seconds(value):
        return "—" if value is None else f"{value:.2f} s"
    page_note = (f"p95 {seconds(runs['p95'])}, {runs['over_budget']} of {runs['n']} over "
                 f"{BUDGET_PAGE_RUN_S:.0f} s; Chromium median "
                 f"{seconds(browser_runs['median'])} (n {browser_runs['n']}), websocket median "
                 f"{seconds(socket_runs['median'])} (n {socket_runs['n']}); while importing "
                 f"median {seconds(summary['during_import']['median'])}, max "
                 f"{seconds(summary['during_import']['max'])} (n {summary['during_import']['n']})"
                 f", else max {seconds(summary['outside_import']['max'])}")
    cpu = run.cpu_seconds
    if cpu:
        page_note += (f"; CPU s of {cpu['wall']:.0f} s × {cpu['cores']} cores: server "
                      f"{cpu['server']:.0f}, browsers {cpu['browsers']:.0f}, this process "
                      f"{cpu['driver']:.0f}, others {cpu['others']:.0f}")
    imported = [Measurement(f"{step}.import_{part}", "national",
                            [run.import_seconds[part]] if part in run.import_seconds else [],
                            status="ok" if part in run.import_seconds else "failed",
                            note="" if part in run.import_seconds else run.import_status)
                for part in ("analyse", "commit")]
    return [
        Measurement(f"{step}.page_run", "national", run.run_seconds(), note=page_note),
        Measurement(f"{step}.rss", "national", [run.rss_mb], unit="MB",
                    note=(f"server tree, sampled every {RSS_SAMPLE_S:.1f} s; "
                          f"{run.rss_start_mb:.0f} MB before the first session") if run.servers <= 1
                    else (f"the largest of {run.servers} servers' process trees ("
                          + ", ".join(f"{mb:.0f}" for mb in run.rss_by_server_mb)
                          + f" MB), sampled every {RSS_SAMPLE_S:.1f} s; "
                          f"{run.rss_start_mb:.0f} MB in all before the first session")),
        Measurement(f"{step}.errors", "national", [float(len(run.errors))], unit="errors",
                    note="; ".join(run.errors[:3])[:300]),
        Measurement(f"{step}.open", "national", list(run.opens),
                    note=f"each session's first page, opened one after another over "
                         f"{run.ramp_s:.0f} s"),
        *imported,
    ]


def load_steps(national: Path, work: Path, options: LoadOptions,
               protocol_session: Callable | None) -> tuple[list[Measurement], dict]:
    """``options.servers`` real servers on a copy of the national store, ``options.sessions``
    sessions going through their pages while an analyst imports the next year through the
    first server's import page (published as the store's next version, which every server
    reads from its sessions' next run). Returns the steps and the run's summary (its
    conditions: CPU by whom, load average)."""
    names = [f"{load_step_name(options.sessions, options.servers)}.{part}"
             for part in ("page_run", "rss", "errors", "open", "import_analyse",
                          "import_commit")]
    missing = browser_missing_reason()
    if missing:
        return [Measurement(name, "national", status="skipped", note=f"skipped: {missing}",
                            unit="MB" if name.endswith("rss") else "s") for name in names], {}
    db_path = work / "load.duckdb"
    for stale in (db_path, Path(f"{db_path}.wal")):
        stale.unlink(missing_ok=True)  # the link itself, never a version it names
    shutil.rmtree(versions.versions_dir(db_path), ignore_errors=True)
    shutil.copy(national, db_path)
    year_file = work / f"ita-{IMPORT_YEAR_TO}.xlsx"
    conn = store.open_store(national, read_only=True)
    try:
        year_file.write_bytes(make_year_file(conn))
    finally:
        conn.close()

    def server(path, args, log_path):
        return streamlit_server(path, demo_on_start=False, args=args, log_path=log_path)
    run = run_load(db_path, year_file, server=server, options=options,
                              protocol_session=protocol_session,
                              log_path=work / "load-server.log")
    conn = store.open_store(db_path, read_only=True)
    try:
        if IMPORT_YEAR_TO not in store.load_years(conn):
            run.errors.append(f"the store has no {IMPORT_YEAR_TO} after the import")
    finally:
        conn.close()
    return load_measurements(run), run.summary()


# --- the whole run ----------------------------------------------------------------------------

STEP_GROUPS = ("import", "analysis", "page", "server", cli.GROUP, session.GROUP,
               "load", "load2")
DEFAULT_STEP_GROUPS = STEP_GROUPS[:-2]
"""What ``bench`` runs unless ``--steps`` says otherwise: ``load`` and ``load2`` (the same on
two server processes sharing the store) take minutes and fill both cores, so they are asked
for by name."""


def run_benchmark(*, scale: int = 1, repeats: int = 5, groups=DEFAULT_STEP_GROUPS,
                  base: Path = BENCH_DIR, page_steps: Callable | None = None,
                  open_session: Callable | None = None, browser: bool = True,
                  scales: dict[str, int] | None = None,
                  load: LoadOptions | None = None,
                  protocol_session: Callable | None = None) -> dict:
    """Build or reuse the stores under ``base`` and time the chosen step groups.

    ``page_steps(path, scale_name, repeats)`` times the dashboard pages,
    ``open_session(url)`` opens a session on a running server and
    ``protocol_session(url)`` makes one for the load run; they live in bench.pages and
    bench.protocol, which import Streamlit, and are passed in so that the other steps run
    without it. ``scales`` maps scale names to demo scale
    factors (the default follows ``scale``); ``load`` sets the load run (sessions, browsers
    among them, seconds, think time), run once whatever ``repeats`` says.
    """
    scales = scales or ({"national": SCALES["national"]} if scale == 1 else SCALES)
    work = base / "work"
    work.mkdir(parents=True, exist_ok=True)
    measurements: list[Measurement] = []
    paths = {}
    for name, factor in scales.items():
        paths[name] = store_path(name, base)
        built = prepare_store(paths[name], factor)
        if built:
            measurements.append(Measurement("store.build", name, [built]))
    national = paths["national"]
    if "import" in groups:
        measurements += import_steps(national, work, repeats)
    for name, path in paths.items():
        if "analysis" in groups:
            measurements += analysis_steps(path, name, repeats)
    if cli.GROUP in groups:
        measurements += cli.cli_steps(national, repeats)
        if "page" in groups and page_steps is not None:
            measurements += page_steps(path, name, repeats)
    if "server" in groups and open_session is not None:
        measurements += server_steps(national, work, max(1, min(repeats, 3)), open_session,
                                     browser=browser)
    if session.GROUP in groups:
        measurements += session.session_steps(national, max(1, min(repeats, 5)))
    details = {}
    if "load" in groups:
        steps, details["load"] = load_steps(national, work, load or LoadOptions(),
                                            protocol_session)
        measurements += steps
    if "load2" in groups:
        # Two server processes on the one store, the sessions spread over them (25 each).
        options = dataclasses.replace(load or LoadOptions(), servers=2)
        steps, details["load2"] = load_steps(national, work, options, protocol_session)
        measurements += steps
    return build_report(measurements, scale=scale, repeats=repeats, details=details)
