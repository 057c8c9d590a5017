"""Backups of the store as a folder of Parquet files, restore (all or nothing), automatic backups.

A backup folder holds one ``<table>.parquet`` per table and ``manifest.json`` (written last:
a folder without it is incomplete) with the schema version, and each file's rows and SHA-256.
Restoring builds the store's next version (``store.versions``) at the backup's schema version
under the write lock, fills it in one transaction, migrates it to the current schema, and only
then publishes it with an atomic rename — an error or a crash at any point leaves the old
store as it was, and readers (the dashboard, other commands) go on reading it meanwhile. A backup
from a newer schema is refused. The store replaced by a restore is itself backed up first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from ita_analytics import settings, store
from ita_analytics.errors import ItaError
from ita_analytics.store import backups as store_backups
from ita_analytics.store import versions
from ita_analytics.store.connection import check_store_file

MANIFEST = "manifest.json"
FORMAT = "ita-analytics-backup"
AUTO_PREFIX = "auto-"
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
"""The kernel's own file systems: never a place for a backup."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_backup(conn: duckdb.DuckDBPyConnection, directory: str | Path, *,
                 reason: str = "manual") -> dict:
    """Write every table of the open store to ``directory`` (new or empty); returns the
    manifest: format, schema_version, created_at, reason, tables {name: {file, rows, sha256}}.

    Files are written into a temporary folder renamed into place at the end, so a cut-short
    backup never looks complete.
    """
    directory = Path(directory)
    _refuse_target(directory)
    version, tables = store_backups.read_snapshot(conn)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    created = _missing_folders(partial.parent)
    try:
        partial.mkdir(parents=True)
        entries = {}
        for name, table in tables.items():
            path = partial / f"{name}.parquet"
            pq.write_table(table, path)
            entries[name] = {"file": path.name, "rows": table.num_rows, "sha256": _sha256(path)}
        manifest = {"format": FORMAT, "schema_version": version,
                    "created_at": datetime.now().isoformat(timespec="seconds"),
                    "reason": reason, "tables": entries}
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
        if directory.exists():
            directory.rmdir()
        partial.rename(directory)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        for folder in created:  # innermost first; only the folders this call made
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(error, OSError):
            raise ItaError(f"เขียนข้อมูลสำรองลงโฟลเดอร์ {directory} ไม่ได้ ({error.strerror}) "
                           "ไม่มีไฟล์ใดถูกสร้าง เลือกโฟลเดอร์ที่เขียนได้",
                           f"Cannot write the backup to {directory} ({error.strerror}); nothing "
                           "was written. Choose a folder you can write to.") from None
        raise
    return manifest


def _refuse_target(directory: Path) -> None:
    """Refuse a backup folder that is a file, is not empty, or lies in a system folder."""
    absolute = Path(os.path.abspath(directory))
    if any(absolute == folder or folder in absolute.parents for folder in SYSTEM_FOLDERS):
        raise ItaError(f"{directory} อยู่ในโฟลเดอร์ของระบบ เลือกโฟลเดอร์ของท่านเองสำหรับข้อมูลสำรอง",
                       f"{directory} is in a system folder; choose a folder of your own for "
                       "the backup")
    if directory.exists() and not directory.is_dir():
        raise ItaError(f"{directory} เป็นไฟล์ ไม่ใช่โฟลเดอร์ เลือกโฟลเดอร์ใหม่",
                       f"{directory} is a file, not a folder; choose a new folder")
    if directory.is_dir() and any(directory.iterdir()):
        raise ItaError(f"โฟลเดอร์ {directory} มีอยู่แล้วและไม่ว่าง เลือกโฟลเดอร์ใหม่",
                       f"{directory} exists and is not empty; choose a new folder")


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, innermost first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a backup folder, checked: format, version, and every file present with
    the recorded SHA-256. Raises :class:`ItaError` for anything missing, altered or too new."""
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise ItaError(f"{directory} ไม่ใช่ข้อมูลสำรองที่สมบูรณ์ (ไม่มี {MANIFEST})",
                       f"{directory} is not a complete backup (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = int(manifest["schema_version"])
        entries = dict(manifest["tables"])
        if manifest.get("format") != FORMAT:
            raise ValueError("format")
    except (ValueError, KeyError, TypeError) as error:
        raise ItaError(f"อ่าน {MANIFEST} ของข้อมูลสำรองไม่ได้ ({error})",
                       f"The backup's {MANIFEST} is unreadable ({error})") from None
    if version > store.SCHEMA_VERSION:
        raise ItaError(
            f"ข้อมูลสำรองนี้มาจากโปรแกรมรุ่นใหม่กว่า (schema {version} > {store.SCHEMA_VERSION}) "
            "จึงไม่กู้คืน กรุณาอัปเดตโปรแกรมก่อน",
            f"This backup comes from a newer version (schema {version} > "
            f"{store.SCHEMA_VERSION}); not restored. Update ITA Analytics first.")
    for name, entry in entries.items():
        file = directory / Path(str(entry.get("file", ""))).name  # never a path out of the folder
        if not file.is_file() or _sha256(file) != entry.get("sha256"):
            raise ItaError(f"ไฟล์ของตาราง {name} ในข้อมูลสำรองหายไปหรือถูกแก้ไข",
                           f"The backup's file for table {name} is missing or altered")
    manifest["tables"] = entries
    return manifest


def restore_backup(directory: str | Path, db_path: str | Path,
                   wait_seconds: float | None = None) -> dict:
    """Replace the store at ``db_path`` with the backup in ``directory``, all or nothing.

    Returns {schema_version (of the backup), migrated_to, tables {name: rows}, previous_backup
    (where the replaced store was saved, None when there was none)}.
    """
    directory, db_path = Path(directory), Path(db_path)
    manifest = read_manifest(directory)
    version = int(manifest["schema_version"])
    tables = {}
    for name, entry in manifest["tables"].items():
        table = pq.read_table(directory / Path(str(entry["file"])).name)
        if table.num_rows != int(entry["rows"]):
            raise ItaError(f"จำนวนแถวของตาราง {name} ไม่ตรงกับที่บันทึกไว้",
                           f"Table {name} has a different row count than recorded")
        tables[name] = table
    if str(db_path) == ":memory:":
        raise ItaError("กู้คืนลงฐานข้อมูลในหน่วยความจำไม่ได้", "Cannot restore into an in-memory store")
    if db_path.exists() or db_path.is_symlink():
        check_store_file(db_path)  # never replace a file that is not a store
    with versions.write_lock(db_path, wait_seconds):
        try:
            building = versions.new_version_file(db_path)
            conn = store_backups.create_store(building, version)
        except OSError as error:
            raise ItaError(f"สร้างไฟล์ฐานข้อมูล {db_path} ไม่ได้ ({error.strerror}) ไม่มีการเปลี่ยนแปลงใด",
                           f"Cannot create the store {db_path} ({error.strerror}); nothing was "
                           "changed") from None
        # From here on, any failure (a refused backup, a failed automatic backup, an
        # interrupt) removes the file being built: the published store is untouched.
        try:
            try:
                written, migrated = _fill(conn, tables, version)
                previous, old_version = _save_replaced(db_path)
                # The data version goes on from the replaced store's, so that nothing cached
                # for it (keyed on the version) is taken for the restored data.
                with store.transaction(conn) as cur:
                    store.set_meta(cur, "data_version",
                                   str(max(old_version, store.data_version(conn)) + 1))
                store_backups.checkpoint(conn)
            finally:
                conn.close()
            versions.publish(db_path, building)
        except BaseException:
            _remove_store_file(building)
            raise
    return {"schema_version": version, "migrated_to": migrated, "tables": written,
            "previous_backup": str(previous) if previous else None}


def _fill(conn: duckdb.DuckDBPyConnection, tables: dict, version: int) -> tuple[dict, int]:
    """Fill the store being built from the backup's tables and migrate it; returns (rows
    written per table, the schema version migrated to)."""
    expected = store_backups.table_names(conn)
    if sorted(tables) != expected:
        raise ItaError(
            f"ตารางในข้อมูลสำรองไม่ตรงกับโครงสร้าง schema {version}",
            f"The backup's tables do not match schema {version}: {sorted(tables)} vs "
            f"{expected}")
    try:
        written = store_backups.fill_tables(conn, tables)
    except duckdb.Error as error:
        raise ItaError(f"ข้อมูลในข้อมูลสำรองไม่ถูกต้อง ไม่มีการเปลี่ยนแปลงใด ({error})",
                       f"The backup's data is invalid; nothing was changed ({error})"
                       ) from None
    return written, store.migrate(conn)


def _save_replaced(db_path: Path) -> tuple[Path | None, int]:
    """Back up the store a restore replaces (its published version, read-only: readers go on
    meanwhile); returns (where it was saved, its data version). Called under the write lock."""
    if not db_path.exists():
        return None, 0
    old = store.open_file(versions.published_file(db_path), read_only=True)
    try:
        return auto_backup(old, "before-restore"), store.data_version(old)
    finally:
        old.close()


def _remove_store_file(path: Path) -> None:
    """Delete a store file and its write-ahead log, if there."""
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def auto_backup_dir(db_path: Path | None) -> Path | None:
    """Where automatic backups go: setting ``backup_dir``, else ``backups/`` beside the store."""
    configured = settings.get("backup_dir")
    if configured:
        return Path(configured)
    return db_path.parent / "backups" if db_path else None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "backup"


def auto_backup(conn: duckdb.DuckDBPyConnection, reason: str) -> Path | None:
    """A backup into the automatic folder, keeping the newest ``backups_keep``; returns its
    folder (None for an in-memory store with no ``backup_dir`` set)."""
    folder = auto_backup_dir(store_backups.store_path(conn))
    if folder is None:
        return None
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{AUTO_PREFIX}{stamp}-{_slug(reason)}"
    try:
        write_backup(conn, target, reason=reason)
    except (OSError, ItaError) as error:
        th, en = (error.message_th, error.message_en) if isinstance(error, ItaError) else (
            error, error)
        raise ItaError(f"สำรองข้อมูลอัตโนมัติไป {folder} ไม่ได้ จึงไม่ดำเนินการต่อ ({th})",
                       f"The automatic backup to {folder} failed, so nothing was changed "
                       f"({en})") from None
    prune_auto_backups(folder, int(settings.get("backups_keep")))
    return target


def list_auto_backups(folder: Path) -> list[Path]:
    """Complete automatic backups in ``folder``, oldest first (names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_dir() and p.name.startswith(AUTO_PREFIX) and (p / MANIFEST).is_file())


def prune_auto_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups; returns those deleted. Folders
    not made by :func:`auto_backup` are never touched."""
    backups = list_auto_backups(folder)
    doomed = backups[:max(0, len(backups) - max(keep, 1))]
    for path in doomed:
        shutil.rmtree(path)
    return doomed
