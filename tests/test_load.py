"""Load: 20 dashboard sessions (Streamlit AppTests in threads, sharing the process's one cached
connection as a server's sessions do) go through every page again and again while a national
year file is committed. No run fails, and every page shows what it shows before the import or
what it shows after it, never a mixture of the two."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import streamlit as st
from import_corpus import national_file

from ita_analytics import store
from ita_analytics.dashboard import data
from ita_analytics.dashboard.navigation import installed_pages
from ita_analytics.importer import analyse_file, commit_plan

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2569
SESSIONS = 20
MAX_PASSES = 6  # a bound in case the commit never ends; a session normally makes 2–3
FAILED_PAGE = "เกิดข้อผิดพลาดในการแสดงหน้านี้"  # navigation.run's message for any page error
# The import page writes; the sessions read. Its own concurrency is in test_concurrency.py.
PAGES = [p.path for p in installed_pages() if p.url_path != "import"]


@dataclass
class Run:
    session: int
    pass_no: int
    page: str
    start: float
    end: float
    seen: str  # digest of what the page showed
    summary: tuple
    versions: tuple[int, ...]  # data versions the run's loads were keyed on
    problems: list[str] = field(default_factory=list)


def observe(at) -> tuple[str, tuple]:
    """(digest of everything a page shows that comes from the data, a short readable part).

    Sliders (the year range and its bounds), metric tiles, select boxes and their options,
    every table's content and the messages.
    """
    summary = (tuple((s.key, s.value, s.max) for s in at.slider),
               tuple((m.label, m.value, m.delta) for m in at.metric))
    parts = [repr(summary),
             repr([(s.key, s.value, list(s.options)) for s in at.selectbox]),
             repr([(s.key, list(s.value), list(s.options)) for s in at.multiselect]),
             repr([e.value for e in (*at.error, *at.warning, *at.info, *at.success)])]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), summary


@pytest.fixture()
def threaded_apptest(monkeypatch):
    """Let AppTests run in several threads at once.

    Each ``AppTest.run`` installs a process-wide mock Runtime and sets it back to None when it
    ends, and patches the ``global.appTest`` option for its run only: with runs overlapping,
    one session's run would find no Runtime, or the option undone, half-way through. Each run
    also compiles the scripts anew in its own ScriptCache, and Python 3.11's compiler is not
    safe in several threads at once ("AST constructor recursion depth mismatch"). A real
    server has one Runtime and one ScriptCache for all sessions: so here too (the first mock
    Runtime is kept for any moment none is installed; the option is set for the whole test).
    """
    from streamlit.runtime.runtime import Runtime
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test as app_test_module
    from streamlit.testing.v1.util import patch_config_options

    kept: list = []

    def instance(cls):
        current = cls._instance
        if current is not None:
            if not kept:
                kept.append(current)
            return current
        if kept:
            return kept[0]
        raise RuntimeError("Runtime hasn't been created!")
    monkeypatch.setattr(Runtime, "instance", classmethod(instance))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: cls._instance is not None
                                                       or bool(kept)))
    scripts = ScriptCache()
    monkeypatch.setattr(app_test_module, "ScriptCache", lambda: scripts)
    with patch_config_options({"global.appTest": True}):
        yield


def new_session(timeout: float):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)


def run_page(at, session: int, pass_no: int, index: int) -> Run:
    """Run the pass's ``index``-th page (a new session's first run opens app.py, which shows
    the overview)."""
    page = PAGES[index]
    opened = "_load_versions" in at.session_state
    at.session_state["_load_versions"] = []
    start = time.monotonic()
    if index or opened:
        at.switch_page(page)
    at.run()
    end = time.monotonic()
    seen, summary = observe(at)
    run = Run(session, pass_no, page, start, end, seen, summary,
              tuple(at.session_state["_load_versions"]))
    if at.exception:
        run.problems.append(f"exception: {[e.value for e in at.exception]}")
    if any(FAILED_PAGE in e.value for e in at.error):
        run.problems.append(f"page failed: {[e.value for e in at.error]}")
    return run


def run_pass(session: int, pass_no: int, timeout: float = 300) -> list[Run]:
    """One visit to every page, in a new session (a browser tab opened on the dashboard)."""
    at = new_session(timeout)
    return [run_page(at, session, pass_no, i) for i in range(len(PAGES))]


def test_twenty_sessions_see_old_or_new_data_while_an_import_commits(demo_db, demo_results,
                                                                    app_env, monkeypatch,
                                                                    threaded_apptest):
    assert PAGES[0] == "pages/overview.py" and len(PAGES) >= 4
    app_env(demo_db)
    real_version = data.version

    def recording_version() -> int:
        # Which data version each load of a run was keyed on (kept in the session).
        value = real_version()
        if "_load_versions" in st.session_state:
            st.session_state["_load_versions"].append(value)
        return value
    monkeypatch.setattr(data, "version", recording_version)

    conn = data.connection()  # the dashboard's connection (its process reads the store so)
    old_version = store.data_version(conn)
    # The year after the demo's last, every agency, other scores: new KPIs, map and findings.
    latest = demo_results[demo_results["year"] == 2568].reset_index(drop=True)
    latest["i1"] = (latest["i1"] * 0.9).round(2)
    plan = analyse_file(conn, national_file(latest), "national-2569.xlsx", year=YEAR)
    assert plan.status == "valid" and plan.rows == len(latest)

    # What each page shows before the import (fresh session) — also what a server that has
    # been up for a while has in its caches.
    before_session = new_session(300)
    old = [run_page(before_session, -1, 0, i) for i in range(len(PAGES))]

    runs: list[Run] = []
    lock = threading.Lock()
    warm = threading.Semaphore(0)
    committed = threading.Event()
    failures: list[BaseException] = []

    def session(number: int) -> None:
        try:
            for pass_no in range(MAX_PASSES):
                after_commit = committed.is_set()
                done = run_pass(number, pass_no)
                with lock:
                    runs.extend(done)
                if pass_no == 0:
                    warm.release()
                if after_commit:
                    return
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            failures.append(error)
            warm.release()

    threads = [threading.Thread(target=session, args=(n,), name=f"session-{n}")
               for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    # Commit once every session has been through the pages once: they are now busy with
    # their second pass. Loads are dropped from the cache first (as many users' filters
    # would push them out), so the runs during the commit read the store, not the cache.
    for _ in threads:
        warm.acquire(timeout=600)
    st.cache_data.clear()
    commit_start = time.monotonic()
    with data.writing() as written:  # as the import page commits: the store's next version
        result = commit_plan(written, plan)
    commit_end = time.monotonic()
    committed.set()
    for thread in threads:
        thread.join(timeout=900)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)
    assert result.status == "committed"
    new_version = store.data_version(data.connection())
    assert new_version > old_version

    # After the import: the session from before (its year range was chosen before 2569
    # existed, so it keeps it) and a fresh one (all years, 2569 included). From an empty
    # cache, so that what the sessions were shown is checked against the store itself.
    st.cache_data.clear()
    kept = [run_page(before_session, -1, 1, i) for i in range(len(PAGES))]
    fresh = run_pass(-2, 0)
    for reference in (*old, *kept, *fresh):
        assert not reference.problems, reference
    assert old[0].summary[1][0][0].endswith("2568") and fresh[0].summary[1][0][0].endswith("2569")
    assert fresh[0].summary[0][0][1] == (2562, YEAR)
    assert kept[0].summary[0][0][1:] == ((2562, 2568), YEAR)
    assert kept[0].summary[1][0][0].endswith("2568")

    allowed = {page: {"old": o.seen} for page, o in zip(PAGES, old)}
    for page, k, f in zip(PAGES, kept, fresh):
        allowed[page]["new"] = {k.seen, f.seen}
    assert all(allowed[p]["old"] not in allowed[p]["new"] for p in PAGES if "overview" in p)

    problems = [r for r in runs if r.problems]
    assert not problems, problems[:5]
    mixed = [r for r in runs
             if r.seen != allowed[r.page]["old"] and r.seen not in allowed[r.page]["new"]]
    assert not mixed, [(r.session, r.pass_no, r.page, r.summary, r.versions) for r in mixed[:5]]

    # Once a session has seen the new data, it never sees the old again.
    for number in range(SESSIONS):
        mine = sorted((r for r in runs if r.session == number), key=lambda r: r.start)
        states = [r.seen == allowed[r.page]["old"] for r in mine
                  if allowed[r.page]["old"] not in allowed[r.page]["new"]]
        assert states == sorted(states, reverse=True), number
        assert {v for r in mine for v in r.versions} <= {old_version, new_version}

    during = [r for r in runs if r.start < commit_end and r.end > commit_start]
    saw_old = sum(r.seen == allowed[r.page]["old"] for r in runs)
    saw_new = sum(r.seen in allowed[r.page]["new"] for r in runs)
    print(f"\n{len(runs)} page runs in {SESSIONS} sessions; commit {commit_end - commit_start:.2f} s; "
          f"{len(during)} runs overlapped it; {saw_old} showed the old data, {saw_new} the new; "
          f"runs restarted on the new data: {sum(len(set(r.versions)) > 1 for r in runs)}")
    assert len(during) >= SESSIONS // 2
    assert saw_old > 0 and saw_new > 0


# --- one run crossing a commit, made to happen deterministically --------------------------------

def _commit(plan):
    """Commit as the import page does: into the store's next version."""
    with data.writing() as written:
        return commit_plan(written, plan)


def _meta_then_results():
    """A page in miniature: the filters' years (``data.meta``), then the results they load."""
    import streamlit as st

    from ita_analytics.dashboard import data

    st.session_state["attempts"] = st.session_state.get("attempts", 0) + 1
    years = data.meta()["years"]
    if st.session_state.get("write_here"):
        st.session_state["write_here"]()
    loaded = sorted(int(y) for y in set(data.load_results(columns=["year"])["year"]))
    st.session_state["seen"] = (years, loaded)


@pytest.fixture()
def small_plan(demo_db, demo_results, app_env):
    """The dashboard's connection to a demo copy and a valid plan for 2569 (60 agencies)."""
    app_env(demo_db)
    conn = data.connection()
    latest = demo_results[demo_results["year"] == 2568].head(60).reset_index(drop=True)
    plan = analyse_file(conn, national_file(latest), "part-2569.xlsx", year=YEAR)
    assert plan.status == "valid"
    return conn, plan


def test_a_run_crossing_another_sessions_commit_is_drawn_from_one_version(small_plan,
                                                                          monkeypatch):
    """Another session commits while a run loads: the run is drawn wholly from the version it
    started on (its filters and its data agree), and the next run wholly from the new one."""
    from streamlit.testing.v1 import AppTest

    conn, plan = small_plan
    real_load = store.load_results
    commits = []

    def load_after_another_session_commits(*args, **kwargs):
        # The first load of the run waits while another session (thread) commits 2569.
        if not commits:
            other = threading.Thread(target=lambda: commits.append(_commit(plan)))
            other.start()
            other.join(timeout=300)
        return real_load(*args, **kwargs)
    monkeypatch.setattr(store, "load_results", load_after_another_session_commits)

    at = AppTest.from_function(_meta_then_results, default_timeout=300).run()
    assert not at.exception
    assert commits[0].status == "committed"
    years, loaded = at.session_state["seen"]
    assert years[-1] == loaded[-1] == 2568  # the version the run began on, whole
    assert at.session_state["attempts"] == 1
    at.run()
    years, loaded = at.session_state["seen"]
    assert years[-1] == loaded[-1] == YEAR  # the next run: the new version, whole


def test_a_runs_own_write_does_not_restart_it(small_plan):
    from streamlit.testing.v1 import AppTest

    conn, plan = small_plan
    at = AppTest.from_function(_meta_then_results, default_timeout=300)
    at.session_state["write_here"] = lambda: _commit(plan)
    at.run()
    assert not at.exception
    years, loaded = at.session_state["seen"]
    # One run (a restart would drop what the page said about its own import), new data loaded.
    assert at.session_state["attempts"] == 1
    assert years[-1] == 2568 and loaded[-1] == YEAR


# --- memory per session ---------------------------------------------------------------------------

def _page_with_a_choice():
    """A page in miniature: something it computed, and a choice labelled by a page lambda."""
    import weakref

    import streamlit as st

    from ita_analytics.dashboard.url_state import url_widget

    class Computed:  # stands for the frames, tables and figures a page computes
        pass

    computed = Computed()
    url_widget("radio", "Sort by", ["delta", "rel_delta"], key="sort",
               format_func=lambda v: f"{v} ({type(computed).__name__})")
    st.session_state["computed"] = weakref.ref(computed)


def test_a_page_choice_keeps_nothing_of_the_page_after_its_run():
    """Streamlit keeps each widget's format_func for the whole session; a lambda written in a
    page script holds the run's page globals, so every session kept its last run of each such
    page: 7 MB a session on the national store (50 sessions: 731 MB, now 361 MB)."""
    import gc

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page_with_a_choice).run()
    assert not at.exception
    assert at.radio(key="sort").options == ["delta (Computed)", "rel_delta (Computed)"]
    gc.collect()
    assert at.session_state["computed"]() is None


# --- sessions through a real server while a year is imported (bench --steps load, smaller) --------

@pytest.mark.browser
def test_ten_sessions_go_through_the_pages_while_an_analyst_imports_a_year(demo_db_template,
                                                                           tmp_path):
    """bench's load step in small: a real ``streamlit run`` on a copy of the national demo
    store; 10 sessions (2 in Chromium, 8 over the websocket protocol) go from page to page for
    30 s while an analyst signs in on the import page and commits the next year. No page shows
    an error, the server stays within the load budget's memory, and the year is stored."""
    from conftest import browser_required

    from ita_analytics.bench import load as bench_load
    from ita_analytics.bench import runner
    from ita_analytics.bench.protocol import protocol_session

    reason = bench_load.browser_missing_reason()
    if reason:
        if browser_required():
            pytest.fail(f"browser tests are required (ITA_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    options = bench_load.LoadOptions(sessions=10, browsers=2, seconds=30, ramp_s=10,
                                     think_s=(2.0, 6.0))
    steps, summary = runner.load_steps(demo_db_template, tmp_path, options, protocol_session)
    by_name = {m.step.rsplit(".", 1)[-1]: m for m in steps}
    assert all(m.status == "ok" for m in steps), [(m.step, m.note) for m in steps]
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["import_status"] == "committed"
    budget = next(b for b in runner.BUDGETS if b.group == "load.sessions50.rss")
    assert by_name["rss"].values[0] <= budget.limit
    assert len(by_name["open"].values) == options.sessions
    assert summary["browser_page_runs"]["n"] > 0 and summary["protocol_page_runs"]["n"] > 0
    print(f"\n{summary['page_runs']}; RSS {summary['rss_mb']:.0f} MB; "
          f"import {summary['import_seconds']}; CPU {summary['cpu_seconds']}")
