"""CLI edges found by hostile testing (issue 17 #10): each ends in a Thai and English message
on stderr and exit 1, never a traceback, and leaves nothing behind."""

from __future__ import annotations

import contextlib
import pathlib
import sqlite3
from pathlib import Path

import pytest

from ita_analytics import store
from ita_analytics.cli import main, write_output
from ita_analytics.errors import ItaError, StoreError

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


# --- report --out -----------------------------------------------------------------------------

def test_report_refuses_an_existing_file_unless_overwrite(demo_db, tmp_path, capsys):
    out = tmp_path / "mine.docx"
    out.write_bytes(b"my own document")
    code, _, err = run(capsys, "--db", demo_db, "report", *TP, "--out", out)
    assert code == 1
    th, en = refusal(err)
    assert "already exists" in en and "--overwrite" in en and "--overwrite" in th
    assert out.read_bytes() == b"my own document"
    assert run(capsys, "--db", demo_db, "report", *TP, "--out", out, "--overwrite")[0] == 0
    assert out.read_bytes()[:2] == b"PK"  # the report, whole
    assert not list(tmp_path.glob(".*.part"))


def test_report_for_a_province_refuses_existing_files_before_writing_any(demo_db, tmp_path,
                                                                         capsys, monkeypatch):
    from ita_analytics import report

    # The files' handling is tested here, not their contents: a stand-in keeps it quick.
    monkeypatch.setattr(report, "render", lambda data, fmt: b"PK " + data.name.encode())
    folder = tmp_path / "reports"
    args = ["--db", demo_db, "report", "--province", "ภูเก็ต", "--year", "2568", "--out", folder,
            "--format", "xlsx"]
    assert run(capsys, *args)[0] == 0
    files = sorted(folder.iterdir())
    assert len(files) > 10
    files[-1].write_bytes(b"edited by hand")
    stamps = {p: p.stat().st_mtime_ns for p in files}
    code, _, err = run(capsys, *args)
    assert code == 1 and "already exists" in refusal(err)[1]
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps  # none rewritten
    assert run(capsys, *args, "--overwrite")[0] == 0
    assert files[-1].read_bytes()[:2] == b"PK"
    assert not list(folder.glob(".*.part"))


@pytest.mark.parametrize("out,words", [
    ("a-file", "is a file"),                 # a province's folder that is a file
    ("a-file/r.docx", "is a file"),          # a report inside a file
    ("a-folder.docx", "is a folder"),        # one agency's report onto a folder
    ("/proc/ita-report.docx", "/proc/ita-report.docx"),
])
def test_report_to_an_impossible_place_is_refused_clearly(out, words, demo_db, tmp_path, capsys,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("mine")
    (tmp_path / "a-folder.docx").mkdir()
    before = listing(tmp_path)
    where = ["--province", "ลำปาง", "--year", "2568"] if out == "a-file" else TP
    code, _, err = run(capsys, "--db", demo_db, "report", *where, "--out", out)
    assert code == 1 and words in refusal(err)[1]
    assert listing(tmp_path) == before


# --- export --out -----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,year,name", [(None, "2568", "scores-2568.csv"),
                                           ("parquet", "2568", "scores-2568.parquet"),
                                           ("parquet", None, "scores.parquet")])
def test_export_to_a_folder_writes_scores_file_into_it(fmt, year, name, demo_db, tmp_path,
                                                       capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    args = ["--db", demo_db, "export", "--out", folder]
    args += ["--format", fmt] if fmt else []
    args += ["--year", year] if year else []
    code, _, err = run(capsys, *args)
    assert code == 0 and str(folder / name) in err
    assert [p.name for p in folder.iterdir()] == [name]
    assert (folder / name).stat().st_size > 100_000


def test_export_to_a_path_ending_in_a_separator_makes_the_folder(demo_db, tmp_path, capsys):
    code, _, _ = run(capsys, "--db", demo_db, "export", "--year", "2568",
                     "--out", f"{tmp_path / 'new'}/")
    assert code == 0 and (tmp_path / "new" / "scores-2568.csv").is_file()


@pytest.mark.parametrize("out", ["scores", "scores.txt"])
def test_export_to_a_name_of_unknown_type_names_it(out, demo_db, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    code, _, err = run(capsys, "--db", demo_db, "export", "--out", out)
    assert code == 1
    th, en = refusal(err)
    assert f"Unknown file type for {out}" in en and "--format" in en and out in th
    assert listing(tmp_path) == before


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "scores.csv"

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[:10])
            raise OSError(28, "No space left on device")

    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: Full(real_open(*a, **k)))
    with pytest.raises(ItaError, match="No space left") as raised:
        write_output(target, b"x" * 1000, overwrite=False)
    assert raised.value.message_th
    assert list(tmp_path.iterdir()) == []


# --- import: the size limit before the file is read ---------------------------------------------

def test_import_refuses_a_file_over_the_limit_without_reading_it(demo_db, tmp_path, capsys,
                                                                 monkeypatch):
    monkeypatch.setenv("ITA_UPLOAD_MAX_MB", "1")
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(1_048_576 + 1)  # sparse: one byte over, nothing on disk

    def whole_file_read(self, *args, **kwargs):
        raise AssertionError(f"{self} read whole")
    monkeypatch.setattr(pathlib.Path, "read_bytes", whole_file_read)
    code, out, err = run(capsys, "--db", demo_db, "import", big, "--json")
    assert code == 1 and out == ""
    th, en = refusal(err)
    assert "big.csv" in en and "over the 1 MB limit" in en and "1 MB" in th


def test_import_reads_at_most_one_byte_over_the_limit(tmp_path, monkeypatch):
    """A file that grows after its size was taken is still cut at the limit."""
    from ita_analytics.cli import import_commands

    monkeypatch.setenv("ITA_UPLOAD_MAX_MB", "1")
    grown = tmp_path / "grown.csv"
    grown.write_bytes(b"a" * (3 * 1_048_576))
    real_stat = pathlib.Path.stat

    class Small:
        st_size = 100
    monkeypatch.setattr(pathlib.Path, "stat",
                        lambda self, **k: Small() if self == grown else real_stat(self, **k))
    reads = []
    real_open = open

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, size=-1):
            data = self.handle.read(size)
            reads.append(len(data))
            return data

    def counting_open(*args, **kwargs):
        return Counting(real_open(*args, **kwargs))
    monkeypatch.setattr("builtins.open", counting_open)
    with pytest.raises(ItaError, match="over the 1 MB limit"):
        import_commands.read_import_file(grown)
    assert sum(reads) == 1_048_576 + 1


def test_any_other_file_error_is_a_message_not_a_traceback(demo_db, tmp_path, capsys,
                                                           monkeypatch):
    from ita_analytics.cli import import_commands

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(import_commands, "read_import_file", unreadable)
    (tmp_path / "locked.csv").write_text("x")
    code, _, err = run(capsys, "--db", demo_db, "import", tmp_path / "locked.csv")
    assert code == 1
    th, en = refusal(err)
    assert "locked.csv" in en and "Permission denied" in en and "locked.csv" in th
