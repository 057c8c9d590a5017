"""Backups: backup/restore round trip, all-or-nothing restore, old and newer schemas, and the
automatic backups before an import that replaces scores."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from import_corpus import THUNG_PHUENG_2568, xlsx

from ita_analytics import backup, store
from ita_analytics.cli import main as cli_main
from ita_analytics.errors import ItaError, StoreBusy
from ita_analytics.exports import export_bytes
from ita_analytics.importer import analyse_file, commit_plan
from ita_analytics.store.schema import migrate


def store_export(conn) -> bytes:
    """What the store exports: the long scores table, the results and the agencies (CSV)."""
    return b"".join(export_bytes(frame, "csv", bom=False) for frame in (
        store.load_scores_long(conn), store.load_results(conn), store.load_agencies(conn)))


def export_of(path: Path) -> bytes:
    conn = store.open_store(path)
    try:
        return store_export(conn)
    finally:
        conn.close()


def thung_phueng_file(scores, name: str = "tp.xlsx") -> bytes:
    return xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
                 ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *scores]])


def import_file(conn, data: bytes, name: str, year: int, replace: bool):
    plan = analyse_file(conn, data, name, year=year, replace=replace)
    assert plan.status == "valid", [e.message_en for e in plan.errors]
    return commit_plan(conn, plan, user="tester")


def test_backup_and_restore_round_trip_byte_identical(demo_db, tmp_path, capsys):
    before = export_of(demo_db)
    assert cli_main(["--db", str(demo_db), "backup", str(tmp_path / "bk"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["schema_version"] == store.SCHEMA_VERSION
    assert payload["tables"]["scores"] > 500_000 and payload["tables"]["measures"] == 49
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == sorted(
        [backup.MANIFEST] + [f"{t}.parquet" for t in payload["tables"]])
    target = tmp_path / "restored.duckdb"
    assert cli_main(["--db", str(target), "restore", str(tmp_path / "bk"), "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    assert restored["tables"] == payload["tables"] and restored["previous_backup"] is None
    assert export_of(target) == before
    assert not target.with_name(target.name + ".restoring").exists()


def test_restore_replaces_a_store_and_backs_the_old_one_up(demo_db, tmp_path):
    conn = store.open_store(demo_db)
    try:
        original = store_export(conn)
        backup.write_backup(conn, tmp_path / "bk")
        import_file(conn, thung_phueng_file(THUNG_PHUENG_2568), "tp.xlsx", 2569, replace=False)
        changed = store_export(conn)
    finally:
        conn.close()
    assert changed != original
    summary = backup.restore_backup(tmp_path / "bk", demo_db)
    assert export_of(demo_db) == original
    previous = Path(summary["previous_backup"])
    assert previous.parent == demo_db.parent / "backups" and previous.name.endswith("before-restore")
    again = tmp_path / "again.duckdb"
    backup.restore_backup(previous, again)
    assert export_of(again) == changed


def test_backup_refuses_a_folder_in_use(demo_db, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine")
    conn = store.open_store(demo_db, read_only=True)
    try:
        with pytest.raises(ItaError, match="not empty"):
            backup.write_backup(conn, tmp_path / "used")
    finally:
        conn.close()
    assert [p.name for p in (tmp_path / "used").iterdir()] == ["keep.txt"]


@pytest.fixture(scope="module")
def small_backup(tmp_path_factory) -> Path:
    """A backup of a small store (two agencies) to damage in various ways."""
    folder = tmp_path_factory.mktemp("small")
    conn = store.open_store(folder / "small.duckdb", create=True)
    try:
        import_file(conn, thung_phueng_file(THUNG_PHUENG_2568), "tp.xlsx", 2568, replace=False)
        backup.write_backup(conn, folder / "bk")
    finally:
        conn.close()
    return folder / "bk"


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for path in src.iterdir():
        (dst / path.name).write_bytes(path.read_bytes())
    return dst


def _rewrite_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    change(manifest)
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))


def _replace_table(folder: Path, name: str, table: pa.Table) -> None:
    """Write a table file and record its hash, as a consistent (but wrong) backup would."""
    pq.write_table(table, folder / f"{name}.parquet")

    def change(manifest):
        manifest["tables"][name].update(rows=table.num_rows,
                                        sha256=backup._sha256(folder / f"{name}.parquet"))
    _rewrite_manifest(folder, change)


def _bad_score(folder: Path) -> None:
    table = pq.read_table(folder / "scores.parquet")
    scores = table.column("score").to_pylist()
    scores[-1] = type(scores[-1])("150.00")  # the store's CHECK allows 0..100
    index = table.schema.get_field_index("score")
    _replace_table(folder, "scores", table.set_column(index, table.schema.field(index),
                                                      pa.array(scores, table.schema.field(index).type)))


DAMAGES = {
    "no manifest": (lambda f: (f / backup.MANIFEST).unlink(), "not a complete backup"),
    "altered file": (lambda f: (f / "agencies.parquet").write_bytes(b"PAR1 not really"),
                     "missing or altered"),
    "missing file": (lambda f: (f / "scores.parquet").unlink(), "missing or altered"),
    "newer schema": (lambda f: _rewrite_manifest(
        f, lambda m: m.update(schema_version=store.SCHEMA_VERSION + 1)), "newer version"),
    "missing table": (lambda f: _rewrite_manifest(f, lambda m: m["tables"].pop("measures")),
                      "do not match schema"),
    "manifest lies about rows": (lambda f: _rewrite_manifest(
        f, lambda m: m["tables"]["scores"].update(rows=3)), "different row count"),
    "score out of range in the last table filled": (_bad_score, "nothing was changed"),
    "file outside the folder": (lambda f: _rewrite_manifest(
        f, lambda m: m["tables"]["scores"].update(file="../../etc/passwd")), "missing or altered"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_restore_of_a_damaged_backup_changes_nothing(damage, small_backup, demo_db, tmp_path):
    folder = _copy(small_backup, tmp_path / "bk")
    make, message = DAMAGES[damage]
    make(folder)
    before = demo_db.read_bytes()
    with pytest.raises(ItaError, match=message) as raised:
        backup.restore_backup(folder, demo_db)
    assert raised.value.message_th and raised.value.message_en
    assert demo_db.read_bytes() == before
    assert not list(demo_db.parent.glob("*.restoring*"))
    assert not (demo_db.parent / "backups").exists()  # refused before the old store was touched


def test_restore_cli_refuses_newer_backup_with_both_languages(small_backup, tmp_path, capsys):
    folder = _copy(small_backup, tmp_path / "bk")
    _rewrite_manifest(folder, lambda m: m.update(schema_version=store.SCHEMA_VERSION + 1))
    assert cli_main(["--db", str(tmp_path / "x.duckdb"), "restore", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "รุ่นใหม่กว่า" in err and "newer version" in err
    assert not (tmp_path / "x.duckdb").exists()


def test_backup_from_an_older_schema_is_restored_and_migrated(tmp_path):
    """A backup written at schema 2 (before results kept the indicator columns)."""
    old = duckdb.connect(str(tmp_path / "old.duckdb"))
    assert migrate(old, target=2) == 2
    old.execute("""INSERT INTO agencies VALUES (1, 'เทศบาลตำบลทุ่งผึ้ง', 'ทุ่งผึ้ง', 'เทศบาลตำบล',
                   'ลำปาง', 'แจ้ห่ม', NULL, 'test', NULL)""")
    for n, score in enumerate(THUNG_PHUENG_2568, start=1):
        old.execute("INSERT INTO scores VALUES (1, 2568, ?, ?, 'test', NULL)", [n, score])
    old.execute("""INSERT INTO results VALUES (1, 2568, NULL, NULL, NULL, 96.47, 'AA', TRUE, 10,
                   'test')""")
    backup.write_backup(old, tmp_path / "bk")
    old.close()
    assert json.loads((tmp_path / "bk" / backup.MANIFEST).read_text())["schema_version"] == 2
    summary = backup.restore_backup(tmp_path / "bk", tmp_path / "new.duckdb")
    assert (summary["schema_version"], summary["migrated_to"]) == (2, store.SCHEMA_VERSION)
    conn = store.open_store(tmp_path / "new.duckdb")
    try:
        row = store.load_results(conn).iloc[0]
    finally:
        conn.close()
    assert [row[f"i{n}"] for n in range(1, 11)] == THUNG_PHUENG_2568
    assert row["total"] == 96.47


def test_automatic_backup_before_replacing_scores_only_and_kept_to_the_setting(
        demo_db, monkeypatch):
    monkeypatch.setenv("ITA_BACKUPS_KEEP", "2")
    folder = demo_db.parent / "backups"
    conn = store.open_store(demo_db)
    try:
        before_first = store_export(conn)
        import_file(conn, thung_phueng_file(THUNG_PHUENG_2568), "new-year.xlsx", 2569, replace=False)
        assert not folder.exists()  # a new year replaces nothing: no backup
        exports = []
        for round_ in range(3):
            exports.append(store_export(conn))
            scores = [min(100.0, s - 1 - round_) for s in THUNG_PHUENG_2568]
            result = import_file(conn, thung_phueng_file(scores, f"r{round_}.xlsx"),
                                 f"r{round_}.xlsx", 2569, replace=True)
            assert result.status == "committed"
        kept = backup.list_auto_backups(folder)
    finally:
        conn.close()
    assert before_first != exports[0]
    assert len(kept) == 2 and all("before-import-r" in p.name for p in kept)
    assert [p.name.rsplit("-", 1)[-1] for p in kept] == ["r1.xlsx", "r2.xlsx"]
    restored = demo_db.parent / "from-auto.duckdb"
    backup.restore_backup(kept[-1], restored)
    assert export_of(restored) == exports[2]  # the store just before the last import


def test_automatic_backup_goes_to_backup_dir_setting(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ITA_BACKUP_DIR", str(tmp_path / "elsewhere"))
    conn = store.open_store(demo_db)
    try:
        path = backup.auto_backup(conn, "manual test/../x")
    finally:
        conn.close()
    assert path.parent == tmp_path / "elsewhere"
    assert path.name.endswith("-manual-test-..-x") and "/" not in path.name
    assert backup.read_manifest(path)["reason"] == "manual test/../x"


def test_prune_leaves_other_folders_alone(tmp_path):
    for name in ("auto-1-a", "auto-2-b", "auto-3-c", "mine", "auto-4-incomplete"):
        (tmp_path / name).mkdir()
        if name.startswith("auto-") and "incomplete" not in name:
            (tmp_path / name / backup.MANIFEST).write_text("{}")
    removed = backup.prune_auto_backups(tmp_path, 1)
    assert [p.name for p in removed] == ["auto-1-a", "auto-2-b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auto-3-c", "auto-4-incomplete", "mine"]


# --- Undo restores exactly the previous export -------------------------------------------------

def _undo(conn, import_id: int) -> None:
    from ita_analytics.importer import undo_import

    undo_import(conn, import_id, user="tester")


def test_undo_of_an_import_adding_a_year_and_a_new_agency_is_byte_identical(demo_db):
    data = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)],
                  "คะแนนรวม", "ระดับผลการประเมิน"],
                 ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *THUNG_PHUENG_2568, 96.47, "AA"],
                 ["อบต.ทดสอบการยกเลิก", "เมืองน่าน", "น่าน", *[70.0] * 10, None, None]])
    conn = store.open_store(demo_db)
    try:
        before = store_export(conn)
        plan = analyse_file(conn, data, "new-year.xlsx", year=2570, replace=False)
        plan = analyse_file(conn, data, "new-year.xlsx", year=2570, replace=False, decisions={
            key: "new" for key in plan.suggestions.apply(
                lambda r: f"{r['name_key']}|{r['province']}", axis=1)}) if len(plan.suggestions) else plan
        assert plan.status == "valid", [e.message_en for e in plan.errors]
        assert len(plan.new_agencies) == 1 and plan.replaced_scores == 0
        result = commit_plan(conn, plan, user="tester")
        after = store_export(conn)
        assert after != before and len(store.load_results(conn, years=[2570])) == 2
        _undo(conn, result.import_id)
        assert store_export(conn) == before
    finally:
        conn.close()


def test_undo_of_an_import_replacing_scores_and_reported_values_is_byte_identical(demo_db):
    conn = store.open_store(demo_db)
    try:
        original = store_export(conn)
        added = import_file(conn, thung_phueng_file(THUNG_PHUENG_2568), "add.xlsx", 2569,
                            replace=False)
        after_add = store_export(conn)
        lower = [round(s - 3.33, 2) for s in THUNG_PHUENG_2568]
        data = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)],
                      "คะแนนรวม", "ระดับผลการประเมิน"],
                     ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *lower, 93.14, "A"]])
        replaced_2569 = import_file(conn, data, "replace-2569.xlsx", 2569, replace=True)
        # The seed year too: its stored scores and reported values are replaced.
        seed_year = xlsx([["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"ตัวชี้วัดที่ {n}" for n in range(1, 11)]],
                          ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *[round(s - 1.11, 2) for s in THUNG_PHUENG_2568]]])
        replaced_2568 = import_file(conn, seed_year, "replace-2568.xlsx", 2568, replace=True)
        assert replaced_2568.plan.replaced_scores == 10
        assert store_export(conn) not in (original, after_add)
        _undo(conn, replaced_2568.import_id)
        _undo(conn, replaced_2569.import_id)
        assert store_export(conn) == after_add
        _undo(conn, added.import_id)
        assert store_export(conn) == original
    finally:
        conn.close()


# --- Refusals leave nothing behind (issue 17 #10) --------------------------------------------

def _held(path: Path) -> subprocess.Popen:
    """Another process holding the store file, as the dashboard does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_restore_refused_while_the_store_is_held_leaves_no_restoring_file(small_backup, tmp_path):
    target = tmp_path / "ita.duckdb"
    store.open_store(target, create=True).close()
    before = target.read_bytes()
    holder = _held(target)
    try:
        with pytest.raises(StoreBusy):
            backup.restore_backup(small_backup, target, wait_seconds=0)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert _store_files(tmp_path) == ["ita.duckdb"]  # no version being built left
    assert target.read_bytes() == before


def _store_files(folder) -> list[str]:
    """The files in ``folder`` but the store's write lock (kept: see store.versions), with
    what its versions folder holds."""
    names = sorted(p.name for p in folder.iterdir() if p.name != "ita.duckdb.lock")
    versions = folder / "ita.duckdb.versions"
    if versions.is_dir():
        names.remove(versions.name)
        names += [f"{versions.name}/{p.name}" for p in sorted(versions.iterdir())]
    return names


def test_restore_whose_automatic_backup_fails_leaves_no_restoring_file(small_backup, tmp_path,
                                                                      monkeypatch, capsys):
    monkeypatch.setenv("ITA_BACKUP_DIR", "/proc/ita-backups")
    target = tmp_path / "ita.duckdb"
    store.open_store(target, create=True).close()
    before = target.read_bytes()
    assert cli_main(["--db", str(target), "restore", str(small_backup)]) == 1
    err = capsys.readouterr().err
    assert "สำรองข้อมูลอัตโนมัติ" in err and "automatic backup" in err
    assert _store_files(tmp_path) == ["ita.duckdb"]
    assert target.read_bytes() == before


def test_restore_refuses_a_file_that_is_not_a_store(small_backup, tmp_path, capsys):
    target = tmp_path / "scores.db"
    with contextlib.closing(sqlite3.connect(target)) as other:
        other.execute("CREATE TABLE t (x)")
        other.commit()
    before = target.read_bytes()
    assert cli_main(["--db", str(target), "restore", str(small_backup)]) == 1
    err = capsys.readouterr().err
    assert "SQLite" in err and "not an ITA Analytics store" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.db"]
    assert target.read_bytes() == before


@pytest.mark.parametrize("where", ["/proc/ita-backup", "/sys/ita-backup", "a-file/inside",
                                   "a-file"])
def test_backup_to_a_system_folder_or_through_a_file_is_refused_clearly(where, demo_db, tmp_path,
                                                                      capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("mine")
    listing = sorted(p.name for p in tmp_path.iterdir())
    assert cli_main(["--db", str(demo_db), "backup", where]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and where in err[0] and where in err[1]  # Thai, then English
    assert "Traceback" not in "".join(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no *.partial left
    assert (tmp_path / "a-file").read_text() == "mine"


def test_backup_that_fails_midway_leaves_no_folder(demo_db, tmp_path, monkeypatch):
    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(backup.pq, "write_table", fail)
    conn = store.open_store(demo_db, read_only=True)
    try:
        with pytest.raises(ItaError, match="No space left") as raised:
            backup.write_backup(conn, tmp_path / "new" / "deeper" / "bk")
    finally:
        conn.close()
    assert "ไม่มีไฟล์ใดถูกสร้าง" in raised.value.message_th
    assert not (tmp_path / "new").exists()  # the folders it made are gone too
