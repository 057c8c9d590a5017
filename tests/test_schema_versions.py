"""Schema versions: a store from any older version is migrated on start; a newer one is refused
with a Thai and English message and its file left byte for byte as it was."""

from __future__ import annotations

import duckdb
import pytest
from conftest import app_test
from import_corpus import THUNG_PHUENG_2568

from ita_analytics import store
from ita_analytics.cli import main as cli_main
from ita_analytics.errors import StoreError
from ita_analytics.store.backups import table_names
from ita_analytics.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version

VERSIONS = [version for version, _ in MIGRATIONS]


def build_store_at(path, version: int) -> None:
    """A store as a release at ``version`` left it: only the first migrations, with one agency's
    scores and result written the way that version wrote them (no indicator columns in results
    before version 4)."""
    conn = duckdb.connect(str(path))
    try:
        assert migrate(conn, target=version) == version
        conn.execute("""INSERT INTO agencies VALUES (7, 'เทศบาลตำบลทุ่งผึ้ง', 'ทุ่งผึ้ง', 'เทศบาลตำบล',
                        'ลำปาง', 'แจ้ห่ม', NULL, 'seed', NULL)""")
        for n, score in enumerate(THUNG_PHUENG_2568, start=1):
            conn.execute("INSERT INTO scores VALUES (7, 2568, ?, ?, 'seed', NULL)", [n, score])
        conn.execute("""INSERT INTO results (agency_id, year, iit, eit, oit, total, level, passed,
                        n_indicators, source)
                        VALUES (7, 2568, 98.31, 96.16, 95.40, 96.47, 'AA', TRUE, 10, 'seed')""")
        if version >= 4:  # from 4 on, results keep the indicator scores too
            conn.execute("UPDATE results SET " + ", ".join(f"i{n} = ?" for n in range(1, 11)),
                          THUNG_PHUENG_2568)
    finally:
        conn.close()


def test_migrations_are_sorted_and_unique():
    assert VERSIONS == sorted(set(VERSIONS)) and VERSIONS[0] == 1
    assert SCHEMA_VERSION == VERSIONS[-1]


@pytest.mark.parametrize("version", VERSIONS)
def test_store_from_an_older_version_is_migrated_on_start(version, tmp_path):
    path = tmp_path / "old.duckdb"
    build_store_at(path, version)
    conn = store.open_store(path)
    try:
        assert schema_version(conn) == SCHEMA_VERSION
        row = store.load_results(conn).iloc[0]
        tables = set(table_names(conn))
    finally:
        conn.close()
    # Migration 5 recomputes every result (basis added): the old "AA" of this hand-written row
    # becomes the 2568 rule's level; a store already at 5 keeps what it holds.
    level = "AA" if version >= 5 else "ผ่านดีเยี่ยม"
    assert (row["agency_id"], row["year"], row["total"], row["level"]) == (7, 2568, 96.47, level)
    assert row["basis"] == (None if version >= 5 else "indicators")
    assert [row[f"i{n}"] for n in range(1, 11)] == THUNG_PHUENG_2568
    assert {"measures", "measure_indicators", "imports", "scores"} <= tables
    reopened = store.open_store(path)  # migrating again is a no-op
    try:
        assert schema_version(reopened) == SCHEMA_VERSION
        assert len(store.load_scores_long(reopened)) == 10
    finally:
        reopened.close()


@pytest.fixture()
def newer_store(tmp_path):
    path = tmp_path / "newer.duckdb"
    conn = store.open_store(path, create=True)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    conn.execute("CHECKPOINT")
    conn.close()
    return path


def _files(path):
    return sorted(p.name for p in path.parent.iterdir())


@pytest.mark.parametrize("read_only", [False, True])
def test_store_from_a_newer_version_is_refused_and_unchanged(newer_store, read_only):
    before, files = newer_store.read_bytes(), _files(newer_store)
    with pytest.raises(StoreError) as raised:
        store.open_store(newer_store, read_only=read_only)
    assert "รุ่นใหม่กว่า" in raised.value.message_th
    assert "newer version" in raised.value.message_en
    assert f"schema {SCHEMA_VERSION + 1} > {SCHEMA_VERSION}" in raised.value.message_en
    assert newer_store.read_bytes() == before and _files(newer_store) == files


def test_cli_refuses_a_newer_store(newer_store, capsys):
    before = newer_store.read_bytes()
    assert cli_main(["--db", str(newer_store), "history"]) == 1
    err = capsys.readouterr().err
    assert "รุ่นใหม่กว่า" in err and "newer version" in err
    assert newer_store.read_bytes() == before


def test_dashboard_shows_the_refusal(newer_store, app_env):
    before = newer_store.read_bytes()
    app_env(newer_store)
    at = app_test()
    assert not at.exception
    assert any("รุ่นใหม่กว่า" in e.value for e in at.error)
    assert newer_store.read_bytes() == before
