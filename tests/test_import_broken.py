"""Broken files: each is refused with its error, located and in Thai and English, and the store's
export is byte-identical before and after; the CLI's exit codes and JSON keys."""

from __future__ import annotations

import json

import pytest
from import_corpus import broken_files, good_files, seed_wide_rows, xlsx

from ita_analytics import store
from ita_analytics.cli import main
from ita_analytics.exports import export_bytes
from ita_analytics.importer import ImportRejected, analyse_file, commit_plan, read_tables

BROKEN = broken_files()
JSON_KEYS = {"status", "import_id", "year", "rows", "agencies", "new_agencies", "replaced_scores",
             "coverage", "item_scores", "warnings", "errors"}
"""The keys of issue 3, coverage (issue 16: null when nothing was planned) and item_scores
(issue 20)."""
ERROR_KEYS = {"sheet", "row", "column", "code", "message_th", "message_en"}


def export_csv(conn) -> bytes:
    return export_bytes(store.load_scores_long(conn), "csv", bom=False)


@pytest.fixture(scope="module")
def shared_conn(tmp_path_factory):
    """One small store for every broken file (none may change it): the seeds' rows imported.

    Small so that its full export, compared before and after each file, stays quick.
    """
    path = tmp_path_factory.mktemp("broken") / "ita.duckdb"
    conn = store.open_store(path, create=True)
    for name in ("seeds_wide_title_merged.xlsx", "nacc_rows_per_year.xlsx"):
        data, kwargs, _ = good_files()[name]
        plan = analyse_file(conn, data, name, replace=True, **kwargs)
        assert commit_plan(conn, plan).status == "committed"
    assert len(store.load_scores_long(conn)) == 25
    yield conn
    conn.close()


def test_the_corpus_has_at_least_fifteen_broken_files():
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_refused_and_nothing_changes(shared_conn, name):
    demo_conn = shared_conn
    data, kwargs, code = BROKEN[name]
    before = export_csv(demo_conn)
    version = store.data_version(demo_conn)
    plan = analyse_file(demo_conn, data, name, **kwargs)
    assert plan.status == "rejected"
    assert code in [e.code for e in plan.errors]
    for error in plan.errors:
        assert error.message_th and error.message_en and error.message_th != error.message_en
    result = commit_plan(demo_conn, plan)
    assert result.status == "rejected" and result.import_id is None
    assert export_csv(demo_conn) == before
    assert store.data_version(demo_conn) == version


def test_errors_name_sheet_row_column_found_and_expected(shared_conn):
    demo_conn = shared_conn
    data, kwargs, _ = BROKEN["score_over_100.xlsx"]
    error = analyse_file(demo_conn, data, "x.xlsx", **kwargs).errors[0]
    assert (error.sheet, error.row, error.column) == ("ผลการประเมิน", 2, "G (ตัวชี้วัดที่ 3)")
    assert "105" in error.message_th and "0–100" in error.message_th
    assert "105" in error.message_en and "expected 0–100" in error.message_en


def test_thai_digit_errors_are_found_per_cell(shared_conn):
    demo_conn = shared_conn
    rows = seed_wide_rows(thai_digits=True)
    rows[2][9] = "๙๘.๑๐ก"
    error = analyse_file(demo_conn, xlsx(rows), "x.xlsx", year=2569).errors[0]
    assert (error.code, error.row, error.column) == ("not_numeric", 3, "J (ตัวชี้วัดที่ 6)")


def test_read_tables_limits(monkeypatch):
    data = xlsx(seed_wide_rows())
    monkeypatch.setenv("ITA_IMPORT_MAX_COLUMNS", "10")
    with pytest.raises(ImportRejected) as info:
        read_tables(data, "wide.xlsx")
    assert info.value.code == "too_many_columns"
    monkeypatch.setenv("ITA_IMPORT_MAX_COLUMNS", "300")
    monkeypatch.setenv("ITA_IMPORT_MAX_ROWS", "2")
    with pytest.raises(ImportRejected) as info:
        read_tables(data, "long.xlsx")
    assert info.value.code == "too_many_rows"
    monkeypatch.setenv("ITA_IMPORT_MAX_ROWS", "200000")
    monkeypatch.setenv("ITA_UPLOAD_MAX_MB", "0")
    with pytest.raises(ImportRejected) as info:
        read_tables(data, "big.xlsx")
    assert info.value.code == "too_large"


def test_sheet_far_beyond_the_limits_is_refused_before_it_is_loaded():
    data = xlsx(seed_wide_rows())
    import io
    import zipfile
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                # One cell at the sheet's far corner would make a reader allocate 17 billion cells.
                content = content.replace(
                    b"</sheetData>",
                    b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')
            out.writestr(info.filename, content)
    with pytest.raises(ImportRejected) as info:
        read_tables(buffer.getvalue(), "corner.xlsx")
    assert info.value.code in ("too_many_rows", "too_many_columns")


# --- CLI ----------------------------------------------------------------------------------------

def run_cli(capsys, *args) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_cli_rejected_file_exit_1_with_json(demo_db, tmp_path, capsys):
    data, _, _ = BROKEN["score_over_100.xlsx"]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    code, out = run_cli(capsys, "--db", str(demo_db), "import", str(path), "--year", "2569",
                        "--json")
    payload = json.loads(out)
    assert code == 1 and set(payload) == JSON_KEYS and payload["status"] == "rejected"
    assert set(payload["errors"][0]) == ERROR_KEYS
    assert payload["errors"][0]["code"] == "out_of_range"


def test_cli_dry_run_commit_unchanged_history_undo(demo_db, tmp_path, capsys):
    data, _, _ = good_files()["seeds_wide_title_merged.xlsx"]
    path = tmp_path / "seeds.xlsx"
    path.write_bytes(data)
    db = ["--db", str(demo_db)]
    code, out = run_cli(capsys, *db, "export")
    before = out

    code, out = run_cli(capsys, *db, "import", str(path), "--json")
    assert code == 1 and json.loads(out)["errors"][0]["code"] == "existing_scores"
    code, out = run_cli(capsys, *db, "import", str(path), "--replace", "--dry-run", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["status"] == "valid" and payload["replaced_scores"] == 20
    code, out = run_cli(capsys, *db, "import", str(path), "--replace", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["status"] == "committed" and payload["year"] == 2568
    assert (payload["rows"], payload["agencies"], payload["new_agencies"]) == (2, 2, 0)
    import_id = payload["import_id"]
    code, out = run_cli(capsys, *db, "import", str(path), "--replace", "--json")
    assert code == 0 and json.loads(out) | {"warnings": []} == json.loads(out) | {
        "status": "unchanged", "import_id": import_id, "warnings": []}
    code, out = run_cli(capsys, *db, "history", "--json")
    history = json.loads(out)
    assert history[0]["import_id"] == import_id and history[0]["replaced_scores"] == 20
    code, out = run_cli(capsys, *db, "undo", str(import_id))
    assert code == 0
    code, out = run_cli(capsys, *db, "export")
    assert out == before


def test_cli_usage_errors_exit_2(demo_db, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(SystemExit) as info:
        main(["--db", str(demo_db), "import", str(path), "--accept-suggestions", "--create-new"])
    assert info.value.code == 2
    assert main(["--db", str(demo_db), "import", str(tmp_path / "missing.xlsx")]) == 2
