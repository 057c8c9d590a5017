"""Shared fixtures: stores built by code (the demo generator), and helpers for AppTest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ita_analytics import store
from ita_analytics.demo.generator import load_demo

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "tests" / "seeds"
"""The seed documents' text (copied from shared/seeds/, unchanged): the tests' oracle, kept in
the repository so that a checkout anywhere can read them."""
OUTPUT_DIR = ROOT / "test-output"

SLOW_MODULES = frozenset({
    "test_load", "test_crash", "test_concurrency", "test_bench", "test_fuzz", "test_backup",
    "test_hostile", "test_import_speed_equivalence", "test_markup_safety", "test_browser",
})
"""Modules whose tests take minutes (servers under load, kill -9 loops, national round trips,
hypothesis runs, real browsers, hostile files up to the limits): marked ``slow``, left out of
the default run (``pytest``) and run by CI (``.ci/run`` runs ``pytest -m slow`` as well)."""


SLOW_TESTS = frozenset({
    "test_agency_page.py::test_opens_from_the_url_and_shows_the_seed_scores",
    "test_analysis.py::test_deltas_of_identical_years_are_zero",
    "test_analysis_benchmark.py::test_rank_and_percentile_agree_with_the_totals",
    "test_analysis_deltas.py::test_change_summary_counts_what_the_long_frame_holds",
    "test_analysis_deltas.py::test_deltas_cover_every_agency_and_measure_once",
    "test_analysis_deltas.py::test_scores_only_frames_give_the_same_deltas",
    "test_analysis_next_level.py::test_plan_reaches_the_next_level_with_the_least_points",
    "test_app.py::test_first_start_builds_the_demo_store_then_reuses_it",
    "test_cli_edges.py::test_export_to_a_folder_writes_scores_file_into_it",
    "test_cli_edges.py::test_export_to_a_path_ending_in_a_separator_makes_the_folder",
    "test_cli_edges.py::test_report_for_a_province_refuses_existing_files_before_writing_any",
    "test_cli_edges.py::test_report_to_an_impossible_place_is_refused_clearly",
    "test_cli_speed.py::test_bench_cli_steps_run",
    "test_cli_speed.py::test_show_imports_the_store_but_not_the_report",
    "test_cli_store.py::test_export_to_files",
    "test_import_broken.py::test_cli_dry_run_commit_unchanged_history_undo",
    "test_import_integrity.py::test_a_measure_for_an_agency_the_store_does_not_hold_is_refused",
    "test_import_integrity.py::test_preview_made_before_an_undo_is_refused_saying_why",
    "test_import_integrity.py::test_replacement_previewed_before_another_replacement_is_refused",
    "test_import_integrity.py::test_the_store_refuses_a_second_agency_of_the_same_identity",
    "test_import_integrity.py::test_two_cli_imports_naming_the_same_new_agency_create_it_once",
    "test_import_integrity.py::test_two_sessions_creating_the_same_agency_create_it_once",
    "test_import_integrity.py::test_undo_is_refused_while_item_scores_depend_on_its_agency",
    "test_import_integrity.py::test_undo_is_refused_while_measures_depend_on_its_agency",
    "test_import_page.py::test_import_page_renders_history_and_undoes",
    "test_import_pipeline.py::test_existing_scores_need_replace_and_show_a_diff",
    "test_import_pipeline.py::test_national_year_file_imports_and_undoes",
    "test_import_pipeline.py::test_undo_of_new_agencies_removes_them",
    "test_items.py::test_report_of_demo_items_and_of_an_agency_without_items",
    "test_measures_page.py::test_measures_page_on_demo_shows_the_seeds",
    "test_pages_trends.py::test_changes_page_movers_follow_years_sort_and_province",
    "test_report.py::test_cli_report_one_agency_and_a_province",
    "test_report_localised.py::test_docx_has_one_digit_system",
    "test_report_localised.py::test_xlsx_headers_and_values_are_thai",
    "test_report_localised.py::test_xlsx_numbers_are_rounded_and_formatted",
    "test_report_localised.py::test_xlsx_percentile_is_the_docx_one",
    "test_report_sources.py::test_cli_province_reports_state_their_sources",
    "test_report_sources.py::test_seed_agency_report_with_demo_peers_says_so",
    "test_store.py::test_demo_is_deterministic",
})
"""Single tests that took over 4 s on the 2-core machine (``pytest --durations``): national
files and stores imported, reported or undone whole, whole provinces reported."""


def pytest_collection_modifyitems(config, items):
    """Mark every test of :data:`SLOW_MODULES` and :data:`SLOW_TESTS`, and every browser
    test, as slow."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        test = f"{module}.py::{item.originalname}"
        if module in SLOW_MODULES or test in SLOW_TESTS or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def _components_scanned_once():
    """Every new AppTest scans the metadata of every installed distribution for Streamlit
    components (streamlit.components.v2.manifest_scanner: about 0.08 s of CPU each time); the
    installed set does not change during a run, so each test process scans once and hands the
    same list to every AppTest."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    found: list = []

    def scan_once(*args, **kwargs):
        if not found:
            found.append(scan(*args, **kwargs))
        return list(found[0])

    manifest_scanner.scan_component_manifests = scan_once
    yield
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """The national demo store, built once per test session (do not write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    conn = store.open_store(path, create=True)
    load_demo(conn)
    conn.close()
    return path


@pytest.fixture()
def demo_db(demo_db_template, tmp_path) -> Path:
    """A private copy of the demo store that a test may change."""
    path = tmp_path / "ita.duckdb"
    shutil.copy(demo_db_template, path)
    return path


@pytest.fixture()
def demo_conn(demo_db):
    conn = store.open_store(demo_db)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def demo_results(demo_db_template):
    """``store.load_results`` of the whole demo store (read-only use)."""
    conn = store.open_store(demo_db_template, read_only=True)
    try:
        return store.load_results(conn)
    finally:
        conn.close()


@pytest.fixture()
def empty_db(tmp_path) -> Path:
    path = tmp_path / "empty.duckdb"
    store.open_store(path, create=True).close()
    return path


@pytest.fixture()
def app_env(monkeypatch):
    """Point the dashboard at a given store and clear Streamlit caches between tests."""
    import streamlit as st

    def use(db_path: Path, demo_on_start: bool = False):
        monkeypatch.setenv("ITA_DB", str(db_path))
        monkeypatch.setenv("ITA_DEMO", "1" if demo_on_start else "0")
        st.cache_data.clear()
        st.cache_resource.clear()
    yield use
    st.cache_data.clear()
    st.cache_resource.clear()


TEST_ANALYST_PASSWORD = "analyst-test-password"


def analyst_secrets(password: str = TEST_ANALYST_PASSWORD) -> dict:
    """Secrets with a local analyst password (few hash iterations, to keep tests quick)."""
    from ita_analytics.auth import hash_password

    return {"auth": {"analyst_password_hash": hash_password(password, iterations=1000)}}


def sign_in(at, name: str = "tester", password: str = TEST_ANALYST_PASSWORD):
    """Sign in with the sidebar's local analyst password form, as a person would."""
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    at.button(key="auth_submit").click().run()
    return at


def app_test(page_url: str | None = None, timeout: float = 60, *, secrets: dict | None = None,
             analyst: bool = False):
    """An AppTest of app.py, optionally switched to a page (its url_path's script).

    ``analyst``: configure the local analyst password and sign in as "tester" first;
    ``secrets``: the secrets the app sees (``st.secrets``).
    """
    from streamlit.testing.v1 import AppTest

    from ita_analytics.auth import reset_shared_lockout

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if analyst and secrets is None:
        secrets = analyst_secrets()
    if secrets:
        at.secrets.update(secrets)
    reset_shared_lockout()
    at.run()
    if page_url:
        at.switch_page(page_url)
        at.run()
        if analyst:
            sign_in(at)
    return at


def browser_required() -> bool:
    return os.environ.get("ITA_REQUIRE_BROWSER") == "1"


def chart_specs(at) -> list[dict]:
    """The Plotly figures an AppTest run shows: ``st.plotly_chart``'s specs, then the figure of
    each ``dashboard.light_plotly`` chart (the overview's, drawn with plotly.js's cartesian
    build by a component: an element of type ``bidi_component`` here), each kind in page order
    (no page shows both)."""
    import json

    from ita_analytics.dashboard.light_plotly import COMPONENT_NAME

    return ([json.loads(c.proto.spec) for c in at.get("plotly_chart")]
            + [json.loads(json.loads(c.proto.json)["figure"]) for c in at.get("bidi_component")
               if c.proto.component_name == COMPONENT_NAME])
