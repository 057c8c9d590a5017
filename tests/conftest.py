"""Shared fixtures: stores built by code (the demo generator), and helpers for AppTest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ita_analytics import demo, store

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


def pytest_collection_modifyitems(config, items):
    """Mark every test of :data:`SLOW_MODULES`, and every browser test, as slow."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in SLOW_MODULES or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """The national demo store, built once per test session (do not write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    conn = store.open_store(path, create=True)
    demo.load_demo(conn)
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
