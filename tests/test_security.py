"""Safe outputs: formula injection neutralised in exports, no string-built SQL, upload limits,
and no user-supplied path opened by the server."""

from __future__ import annotations

import ast
import builtins
import io
import shutil
import subprocess
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from import_corpus import THUNG_PHUENG_2568, csv_bytes

from ita_analytics import settings, store
from ita_analytics.exports import FORMULA_PREFIXES, export_bytes, neutralise_formulas
from ita_analytics.importer import analyse_file, commit_plan
from ita_analytics.importer.read import ImportRejected
from ita_analytics.importer.sandbox import read_tables

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ita_analytics"

HOSTILE_NAMES = ['=HYPERLINK("http://example.invalid","ก")', "+อบต.บวก", "-อบต.ลบ", "@SUM(A1)",
                 "\tอบต.แท็บ", "\rอบต.ซีอาร์", "=1+1", "อบต.ปกติ"]


# --- Formula injection ----------------------------------------------------------------------------

def test_neutralise_quotes_every_formula_start_and_leaves_numbers():
    frame = pd.DataFrame({"name": HOSTILE_NAMES, "change": [-1.5, 2.0, -0.25, 0, 1, -3, 4, 5]})
    safe = neutralise_formulas(frame)
    assert safe["name"].tolist() == ["'" + n for n in HOSTILE_NAMES[:-1]] + ["อบต.ปกติ"]
    assert safe["change"].tolist() == frame["change"].tolist()  # numbers stay numbers
    assert frame["name"].tolist() == HOSTILE_NAMES  # the input is not changed
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def _xlsx_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_exports_of_imported_hostile_names_are_inert(tmp_path):
    """Names arrive through a real import (CSV keeps them as text), then leave as CSV/XLSX."""
    conn = store.open_store(tmp_path / "ita.duckdb", create=True)
    try:
        rows = [["ชื่อหน่วยงาน", "ประเภทหน่วยงาน", "จังหวัด", *[f"i{n}" for n in range(1, 11)]]]
        rows += [[name, "องค์การบริหารส่วนตำบล", "ลำปาง", *THUNG_PHUENG_2568]
                 for name in HOSTILE_NAMES[:4] + HOSTILE_NAMES[6:7]]
        plan = analyse_file(conn, csv_bytes(rows), "hostile.csv", year=2568)
        assert plan.status == "valid", [e.message_en for e in plan.errors]
        commit_plan(conn, plan, user="tester")
        frames = [store.load_scores_long(conn), store.load_results(conn)]
    finally:
        conn.close()
    stored = set(frames[1]["name"])
    assert {'=HYPERLINK("http://example.invalid","ก")', "+อบต.บวก", "@SUM(A1)", "=1+1"} <= stored
    for frame in frames:
        text = export_bytes(frame, "csv", bom=False).decode("utf-8")
        cells = [c for line in text.splitlines()[1:] for c in line.split(",")]
        risky = [c.strip('"') for c in cells if c.strip('"').startswith(FORMULA_PREFIXES)]
        # Only numbers may start with "-" (a negative change); no text cell starts a formula.
        assert all(_is_number(c) for c in risky), risky
        assert "'=HYPERLINK(" in text and "'+อบต.บวก" in text and "'@SUM(A1)" in text
        cells = _xlsx_cells(export_bytes(frame, "xlsx"))
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [v for v in texts if v.startswith(FORMULA_PREFIXES)]
        assert "'=1+1" in texts


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_dashboard_downloads_use_the_safe_writers():
    """Downloads go through exports' writers; pandas' own writers appear only in a hash key."""
    source = (PACKAGE / "dashboard" / "ui.py").read_text()
    assert "to_csv_bytes" in source and "to_xlsx_bytes" in source
    direct = []
    for path in [*PACKAGE.joinpath("dashboard").glob("*.py"), *ROOT.joinpath("pages").glob("*.py")]:
        tree = ast.parse(path.read_text())
        in_digest = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                     and f.name == "_digest" for n in ast.walk(f)}
        direct += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                   and node.func.attr in ("to_csv", "to_excel") and id(node) not in in_digest]
    assert not direct


# --- String-built SQL ---------------------------------------------------------------------------

SQL_ARGUMENT = {"execute": 0, "executemany": 0, "sql": 0, "_fetch_df": 1, "_fetch_arrow_df": 1,
                "_with_frame": 3}
"""Calls that run SQL, and which positional argument is the SQL text."""

REVIEWED = {
    # (file, function): why the interpolated text cannot carry a value
    ("store/backups.py", "read_snapshot"): "table names from the store's own catalogue, quoted",
    ("store/backups.py", "fill_tables"): "table names from the store's own catalogue, quoted",
    ("store/imports.py", "load_history"): "column names from the constant HISTORY_COLUMNS",
    ("store/measures.py", "update_measure"): "column names checked against EDITABLE_FIELDS; "
                                             "values bound",
    ("store/measures.py", "load_measures"): "fixed column names and ? placeholders; values bound",
    ("store/scores.py", "load_agencies"): "a fixed WHERE fragment with a ? placeholder",
    ("store/scores.py", "load_scores_long"): "fixed clauses with ? placeholders; values bound",
    ("store/scores.py", "load_results"): "column expressions from the constant _RESULT_COLUMNS "
                                         "(names checked); filters from _filters with ?",
    ("store/checks.py", "_pairs_sql"): "columns from the constant _MEASURE_COLUMNS (names "
                                        "checked) in fixed templates; filters with ?",
    ("store/checks.py", "load_same_name_agencies"): "filters from _filters with ?",
    ("store/summaries.py", "load_trend_stats"): "columns from the constant _MEASURE_COLUMNS "
                                                "(names checked); filters from _filters with ?",
    ("store/summaries.py", "load_level_counts"): "filters from _filters with ?",
    ("store/summaries.py", "load_year_agency_counts"): "filters from _filters with ?",
    ("store/scores.py", "load_result_agencies"): "filters from _filters with ? placeholders",
    ("store/scores.py", "refresh_results"): "the constants _WIDE_SCORES_SQL and _REPORTED_SQL "
                                            "plus fixed joins",
}


def _is_built(node: ast.AST) -> bool:
    """Text made at run time: an f-string with fields, % or + not of two literals, .format()."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant))
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "join"))


def string_built_sql(source: str) -> list[tuple[str, int]]:
    """(function, line) of each SQL call whose SQL is built at run time, directly or through a
    variable assigned (or += extended) with built text in the same function, and of each
    ``*_sql`` helper returning built text (its callers run what it built)."""
    found = []
    tree = ast.parse(source)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]
    for scope in scopes:
        nested = {id(n) for f in ast.walk(scope) if f is not scope
                  and isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(f)}
        nodes = [n for n in ast.walk(scope) if id(n) not in nested]
        assigned: dict[str, list[ast.AST]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                assigned.setdefault(node.target.id, []).append(
                    ast.BinOp(ast.Name(node.target.id), ast.Add(), node.value))
        if getattr(scope, "name", "").endswith("_sql"):  # a helper that builds SQL for others
            for node in nodes:
                if isinstance(node, ast.Return) and node.value is not None:
                    value = node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value
                    if _is_built(value):
                        found.append((scope.name, node.lineno))
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            index = SQL_ARGUMENT.get(name)
            if index is None or len(node.args) <= index:
                continue
            sql = node.args[index]
            values = [sql] if not isinstance(sql, ast.Name) else assigned.get(sql.id, [])
            if any(_is_built(v) for v in values):
                found.append((getattr(scope, "name", "<module>"), node.lineno))
    return found


def test_the_sql_scan_catches_string_built_sql():
    planted = '''
def find(conn, name):
    conn.execute(f"SELECT * FROM agencies WHERE name = '{name}'")
def find2(cur, name):
    sql = "SELECT * FROM agencies WHERE name = '%s'" % name
    cur.execute(sql)
def find3(conn, name):
    sql = "SELECT * FROM agencies"
    sql += " WHERE name = '" + name + "'"
    return _fetch_df(conn, sql)
def fine(conn, name):
    conn.execute("SELECT * FROM agencies WHERE name = ?", [name])
def _where_sql(name):
    return f"SELECT * FROM agencies WHERE name = '{name}'", []
'''
    assert sorted(f for f, _ in string_built_sql(planted)) == ["_where_sql", "find", "find2",
                                                               "find3"]


def test_no_string_built_sql_outside_reviewed_places():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for function, line in string_built_sql(path.read_text()):
            found.setdefault((path.relative_to(PACKAGE).as_posix(), function), []).append(line)
    unreviewed = {key: lines for key, lines in found.items() if key not in REVIEWED}
    assert not unreviewed, f"SQL built from strings; bind values with ? instead: {unreviewed}"
    assert not set(REVIEWED) - set(found), "a reviewed place no longer builds SQL: drop it"
    assert all(path.startswith("store/") for path, _ in found)  # and only in the store


# --- Upload size limits ---------------------------------------------------------------------------

def test_upload_limits_are_configured_and_enforced(monkeypatch):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    outer = config["server"]["maxUploadSize"]
    assert settings.get("upload_max_mb") == 20 and 20 <= outer <= 200
    assert config["server"]["enableXsrfProtection"] is True
    page = (ROOT / "pages" / "import.py").read_text()
    assert "max_upload_size=view.upload_limit_mb()" in page
    monkeypatch.setenv("ITA_UPLOAD_MAX_MB", "1")
    big = csv_bytes([["ชื่อหน่วยงาน", "จังหวัด"]] + [["อบต.ใหญ่มาก" * 10, "ลำปาง"]] * 8000)
    assert len(big) > 1_048_576
    with pytest.raises(ImportRejected) as raised:
        read_tables(big, "big.csv")
    assert raised.value.code == "too_large"
    assert "เกินขีดจำกัด 1 MB" in raised.value.message_th and "over the 1 MB limit" in raised.value.message_en



@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("path", [".streamlit/secrets.toml", "deploy/.streamlit/secrets.toml"])
def test_streamlit_secrets_are_never_committed(path):
    """The secrets file holds the analyst password hash and the OIDC client secret."""
    found = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT,
                           capture_output=True, check=False)
    assert found.returncode == 0, f"{path} is not in .gitignore"
    kept = subprocess.run(["git", "check-ignore", "--no-index", "-q", ".streamlit/config.toml"],
                          cwd=ROOT, capture_output=True, check=False)
    assert kept.returncode == 1  # the server settings stay in the repository

# --- No user-supplied path ------------------------------------------------------------------------

FILE_CALLS = {"open", "read_bytes", "read_text", "write_bytes", "write_text", "read_csv",
              "read_excel", "read_parquet", "read_table", "remove", "unlink", "rmtree", "Path"}


def test_dashboard_code_opens_no_files():
    """Pages and dashboard modules take uploads as bytes; nothing they run opens a path."""
    offenders = []
    for path in [*PACKAGE.joinpath("dashboard").glob("*.py"), *ROOT.joinpath("pages").glob("*.py"),
                 ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                    node.func, "id", None)
                if name in FILE_CALLS:
                    offenders.append(f"{path.name}:{node.lineno} {name}")
    assert not offenders


def test_an_uploaded_file_name_is_never_opened(tmp_path, monkeypatch):
    """A path-like name from the browser is only a label: the bytes are what is read."""
    conn = store.open_store(tmp_path / "ita.duckdb", create=True)
    rows = [["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"i{n}" for n in range(1, 11)]],
            ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568]]
    analyse_file(conn, csv_bytes(rows), "warm-up.csv", year=2568)  # loads bundled data files
    (tmp_path / "secret.csv").write_text("not to be read", encoding="utf-8")
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    names = ["../../../../etc/passwd.csv", "/etc/shadow.csv", str(tmp_path / "secret.csv")]
    try:
        for name in names:
            plan = analyse_file(conn, csv_bytes(rows), name, year=2568)
            assert plan.status == "valid" and plan.file_name == name
    finally:
        monkeypatch.undo()
        conn.close()
    assert not [p for p in opened if "passwd" in p or "shadow" in p or "secret" in p]
