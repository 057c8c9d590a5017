"""CLI edges found by hostile testing (issue 17 #10): each ends in a Thai and English message
on stderr and exit 1, never a traceback, and leaves nothing behind."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from ita_analytics import store
from ita_analytics.cli import main
from ita_analytics.errors import StoreError

TP = ["--agency", "ทต.ทุ่งผึ้ง", "--province", "ลำปาง", "--year", "2568"]


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def refusal(err: str) -> list[str]:
    """The refusal's lines (Thai, then English), checked to be a message, not a traceback."""
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 2, err
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in lines[0]), lines  # Thai first
    return lines


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- --db naming something that is not a store -----------------------------------------------

def _sqlite(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as other:
        other.execute("CREATE TABLE t (x)")
        other.commit()


NOT_STORES = {
    "sqlite": (_sqlite, "SQLite"),
    "text": (lambda p: p.write_text("agency,score\nก,1\n", encoding="utf-8"), "other kind"),
    "empty": (lambda p: p.write_bytes(b""), "empty file"),
    "folder": (lambda p: p.mkdir(), "is a folder"),
}


@pytest.mark.parametrize("kind", list(NOT_STORES))
@pytest.mark.parametrize("command", [["history"], ["show", *TP], ["init"]])
def test_db_naming_a_file_that_is_not_a_store_is_refused_untouched(kind, command, tmp_path,
                                                                   capsys):
    make, words = NOT_STORES[kind]
    path = tmp_path / "scores.db"
    make(path)
    before = listing(tmp_path), None if path.is_dir() else path.read_bytes()
    code, _, err = run(capsys, "--db", path, *command)
    assert code == 1
    th, en = refusal(err)
    assert words in en and str(path) in en and str(path) in th
    assert "extension" not in err.lower()  # DuckDB never tried to load sqlite_scanner
    assert (listing(tmp_path), None if path.is_dir() else path.read_bytes()) == before


def test_store_connections_never_install_or_autoload_extensions(tmp_path):
    conn = store.open_store(tmp_path / "ita.duckdb", create=True)
    try:
        settings = dict(conn.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    finally:
        conn.close()
    assert settings == {"autoinstall_known_extensions": "false",
                        "autoload_known_extensions": "false"}


# --- a missing store: only init (and restore) create one --------------------------------------

COMMANDS_ON_A_STORE = [
    ["show", *TP], ["export", "--out", "-"], ["history"], ["undo", "1"], ["backup", "BK"],
    ["report", *TP, "--out", "r.docx"], ["weakest", *TP], ["levels", "--year", "2568"],
    ["measures", "list", *TP], ["import", "FILE"],
]


@pytest.mark.parametrize("command", COMMANDS_ON_A_STORE, ids=lambda c: c[0])
def test_a_missing_store_is_refused_and_nothing_is_created(command, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE.csv").write_text("ชื่อหน่วยงาน,จังหวัด\n", encoding="utf-8")
    command = [str(tmp_path / "FILE.csv") if c == "FILE" else c for c in command]
    db = tmp_path / "mistyped" / "ita.duckdb"
    before = listing(tmp_path)
    code, _, err = run(capsys, "--db", db, *command)
    assert code == 1
    th, en = refusal(err)
    assert f"No store at {db}" in en and "ita_analytics --db" in en and "init" in en
    assert str(db) in th and "init" in th
    assert listing(tmp_path) == before  # no store, no folder, no output


def test_the_configured_store_missing_is_refused_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ITA_DB", str(tmp_path / "nowhere" / "ita.duckdb"))
    code, _, err = run(capsys, "history")
    assert code == 1 and "No store at" in refusal(err)[1]
    assert not (tmp_path / "nowhere").exists()


def test_open_store_creates_only_when_asked(tmp_path):
    path = tmp_path / "new" / "ita.duckdb"
    with pytest.raises(StoreError, match="No store at"):
        store.open_store(path)
    with pytest.raises(StoreError, match="No store at"):
        store.open_store(path, read_only=True)
    assert not (tmp_path / "new").exists()
    store.open_store(path, create=True).close()
    store.open_store(path).close()  # and opens as usual once it exists


def test_init_creates_the_store_in_a_new_folder_then_others_use_it(tmp_path, capsys):
    db = tmp_path / "new" / "folder" / "ita.duckdb"
    assert run(capsys, "--db", db, "init")[0] == 0
    code, out, _ = run(capsys, "--db", db, "history")
    assert code == 0 and "no imports yet" in out
