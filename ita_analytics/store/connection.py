"""Opening the DuckDB store: migrations, the single-process lock, transactions, data version."""

from __future__ import annotations

import os
import shlex
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ita_analytics import settings
from ita_analytics.errors import StoreBusy, StoreError
from ita_analytics.store.schema import check_not_newer, migrate, plain_transaction

CRASH_ENV = "ITA_TEST_CRASH_AT"
"""Test-only: the name of a commit step at which the process kills itself (SIGKILL), so that
``tests/test_crash.py`` can check that a commit cut short leaves all of an import or none.
Steps: ``after_begin``, ``after_agencies``, ``after_scores``, ``before_commit`` (every write
done, import record included) and ``after_commit``. Unset in normal use (nothing happens)."""

DUCKDB_MAGIC = b"DUCK"
"""DuckDB's file signature, at byte offset 8 (after the header's checksum)."""
SQLITE_MAGIC = b"SQLite format 3\x00"

CONNECTION_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
"""Every store connection: DuckDB never fetches or loads an extension on its own (given a
SQLite file it would otherwise try to download one). The built-in ones (json, parquet, icu)
are all the store needs."""


def crash_point(step: str) -> None:
    """Kill this process at ``step`` when :data:`CRASH_ENV` names it (tests only)."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def init_hint(path: Path | str) -> tuple[str, str]:
    """The Thai and English sentences telling how to create a store at ``path``."""
    command = f"python -m ita_analytics --db {shlex.quote(str(path))} init"
    return (f"ไม่พบฐานข้อมูลที่ {path} สร้างด้วยคำสั่ง `{command}`",
            f"No store at {path}; run `{command}` to create one.")


def check_store_file(path: Path) -> None:
    """Refuse ``path`` unless it is a DuckDB file, before DuckDB reads it: a folder, a SQLite
    database or any other file raises :class:`StoreError` naming what it is."""
    if path.is_dir():
        raise StoreError(f"{path} เป็นโฟลเดอร์ ไม่ใช่ไฟล์ฐานข้อมูล",
                         f"{path} is a folder, not a store file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise StoreError(f"อ่านไฟล์ฐานข้อมูล {path} ไม่ได้ ({error.strerror})",
                         f"Cannot read the store file {path} ({error.strerror})") from None
    if head[8:12] == DUCKDB_MAGIC:
        return
    kind_th, kind_en = ("ฐานข้อมูล SQLite", "a SQLite database") if head == SQLITE_MAGIC else (
        ("ไฟล์ว่าง", "an empty file") if not head else ("ไฟล์ชนิดอื่น", "some other kind of file"))
    raise StoreError(
        f"{path} ไม่ใช่ฐานข้อมูลของ ITA Analytics (DuckDB) แต่เป็น{kind_th} จึงไม่เปิด "
        "ตรวจสอบ --db หรือ ITA_DB",
        f"{path} is not an ITA Analytics store (a DuckDB file) but {kind_en}; not opened. "
        "Check --db or ITA_DB.")


def open_file(path: str | Path | None = None, *, read_only: bool = False,
              wait_seconds: float | None = None, create: bool = False
              ) -> duckdb.DuckDBPyConnection:
    """Open and migrate the store file at ``path`` or the configured one.

    A missing file raises :class:`StoreError` unless ``create`` (then the file and its
    folder are made): only ``init``, a restore and the dashboard's first start create a
    store, so a mistyped path is an error rather than a new empty store. A file that is not
    a DuckDB store is refused before DuckDB reads it.

    DuckDB lets one process hold a file read-write (and none other then open it): while
    another process has it so, we retry for ``wait_seconds`` (setting
    ``lock_wait_seconds``), then raise :class:`StoreBusy`. Versioned stores are never opened
    read-write in place, so this happens only with a plain file held by an older program.
    """
    path = Path(path) if path else settings.db_path()
    if str(path) != ":memory:":
        if path.exists() or path.is_symlink():
            check_store_file(path)
        elif read_only or not create:
            raise StoreError(*init_hint(path))
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(
                    f"สร้างโฟลเดอร์ของฐานข้อมูล {path.parent} ไม่ได้ ({error.strerror})",
                    f"Cannot create the store's folder {path.parent} ({error.strerror})",
                ) from None
    wait = settings.get("lock_wait_seconds") if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only, config=CONNECTION_CONFIG)
            break
        except duckdb.IOException as error:
            if not _is_lock_error(error):
                raise StoreError(
                    f"เปิดไฟล์ฐานข้อมูล {path} ไม่ได้: {error}",
                    f"Cannot open the store {path}: {error}",
                ) from error
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"ไฟล์ฐานข้อมูล {path} กำลังถูกเขียนโดยโปรแกรมอื่นที่เปิดไฟล์ไว้โดยตรง "
                    "(เช่น ITA Analytics รุ่นก่อนหรือเครื่องมืออื่น) กรุณาปิดโปรแกรมนั้นแล้วลองใหม่",
                    f"The store {path} is held for writing by another process that opened the "
                    "file itself (an older ITA Analytics or another tool). Close it and try "
                    "again.",
                ) from error
            time.sleep(0.2)
    try:
        # Read-only opens do not migrate, but must not misread a newer store either.
        if read_only:
            check_not_newer(conn)
        else:
            migrate(conn)
    except Exception:
        conn.close()
        raise
    return conn


_thread_writes = threading.local()


def writes_in_this_thread() -> int:
    """How many transactions the calling thread has committed. A dashboard run (one thread)
    tells its own writes from another session's by it (``dashboard.data.version``)."""
    return getattr(_thread_writes, "count", 0)


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection):
    """A cursor inside one transaction, committed on success and rolled back on any error.

    Every write also bumps the store's data version, which dashboard caches are keyed on.
    """
    cur = conn.cursor()
    try:
        with plain_transaction(cur):
            crash_point("after_begin")
            yield cur
            cur.execute(
                "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                "WHERE key = 'data_version'"
            )
            crash_point("before_commit")
    finally:
        cur.close()
    _thread_writes.count = writes_in_this_thread() + 1
    crash_point("after_commit")


def data_version(conn: duckdb.DuckDBPyConnection) -> int:
    """A number that grows with every committed write; caches are keyed on it."""
    cur = conn.cursor()
    try:
        rows = cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()
        row = rows[0] if rows else None
    finally:
        cur.close()
    return int(row[0]) if row else 0


def get_meta(conn: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    cur = conn.cursor()
    try:
        rows = cur.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        row = rows[0] if rows else None
    finally:
        cur.close()
    return row[0] if row else default


def set_meta(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Set a meta value; call inside :func:`transaction`."""
    cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
