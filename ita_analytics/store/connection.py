"""Opening the DuckDB store: migrations, the single-process lock, transactions, data version."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ita_analytics import settings
from ita_analytics.errors import StoreBusy, StoreError
from ita_analytics.store.schema import check_not_newer, migrate

CRASH_ENV = "ITA_TEST_CRASH_AT"
"""Test-only: the name of a commit step at which the process kills itself (SIGKILL), so that
``tests/test_crash.py`` can check that a commit cut short leaves all of an import or none.
Steps: ``after_begin``, ``after_agencies``, ``after_scores``, ``before_commit`` (every write
done, import record included) and ``after_commit``. Unset in normal use (nothing happens)."""


def crash_point(step: str) -> None:
    """Kill this process at ``step`` when :data:`CRASH_ENV` names it (tests only)."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def open_store(path: str | Path | None = None, *, read_only: bool = False,
               wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating as needed) the store at ``path`` or the configured one.

    DuckDB lets one process hold the file: while another process has it open we retry
    for ``wait_seconds`` (setting ``lock_wait_seconds``), then raise :class:`StoreBusy`.
    """
    path = Path(path) if path else settings.db_path()
    if str(path) != ":memory:":
        if read_only and not path.exists():
            raise StoreError(f"ไม่พบไฟล์ฐานข้อมูล {path}", f"No store file at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    wait = settings.get("lock_wait_seconds") if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if not _is_lock_error(error):
                raise StoreError(
                    f"เปิดไฟล์ฐานข้อมูล {path} ไม่ได้: {error}",
                    f"Cannot open the store {path}: {error}",
                ) from error
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"ไฟล์ฐานข้อมูล {path} กำลังถูกใช้งานโดยโปรแกรมอื่น (เช่น แดชบอร์ด) "
                    "กรุณาปิดโปรแกรมนั้นหรือใช้หน้านำเข้าข้อมูลในแดชบอร์ด แล้วลองใหม่",
                    f"The store {path} is held by another process (such as the dashboard). "
                    "Close it, or use the dashboard's import page, and try again.",
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
    cur.execute("BEGIN TRANSACTION")
    try:
        crash_point("after_begin")
        yield cur
        cur.execute(
            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
            "WHERE key = 'data_version'"
        )
        crash_point("before_commit")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
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
