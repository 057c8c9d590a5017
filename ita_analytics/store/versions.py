"""Many readers, one writer: the store as published versions.

DuckDB lets one process open a file for writing, and no other process may then open it at
all; but any number of processes may open a file *read-only* at once (each takes a shared
lock). So the store is never written in place. The path users name (``data/ita.duckdb``) is
a symbolic link to the published version, a complete DuckDB file in the folder beside it::

    data/ita.duckdb            -> ita.duckdb.versions/000042.duckdb
    data/ita.duckdb.lock          the write lock (an flock; never removed)
    data/ita.duckdb.versions/     000042.duckdb (published), 000041.duckdb (still read by someone)

**Readers** (every dashboard process, every read-only command) resolve the link and open that
version read-only (:func:`open_reader`): many processes at once, never blocked by a write.

**A write** (:func:`writing`: import, undo, measures, restore, ``init``) takes the write lock
(one writer at a time, across processes and threads; a crashed writer's lock goes with its
process), copies the published version to a new file in the versions folder, opens the copy
read-write (migrating it), and yields that connection. The caller's transactions run on the
copy: the stale-plan check of a commit compares the plan's data version with the copy's, which
is the published one. When the block ends without an error and something changed, the copy is
checkpointed (no write-ahead log left), flushed to disk, given the next version number, and
the link is replaced by a new one in one ``rename`` — the publish. Readers see the new version
at their next open (the dashboard checks the link at every page run and opens the new version
for the next run; a run already drawing finishes on the version it started with).

**A crash** at any point leaves the last published version intact: before the rename the link
still names it, after the rename the new version is complete and flushed. The next writer
removes what a crashed one left (copies, unlinked versions, temporary links).

**Old versions** are removed by the writer after a publish when no process holds them: a reader
holds a shared lock on the version it opened, so a version whose exclusive lock can be taken is
no longer read by any other process and is deleted (a process still reading it keeps its open
file: POSIX frees the space when it closes).

A store that is still a plain file (made before versions, or copied in by hand) is read in
place, and becomes a version at its first write; a plain file with a write-ahead log is
checkpointed first. ``:memory:`` stores are not versioned (tests): :func:`writing` then yields
a fresh connection of its own.

POSIX only (Linux, macOS): it relies on ``rename`` over a link while readers hold the old file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ita_analytics import settings
from ita_analytics.errors import StoreBusy, StoreError
from ita_analytics.store.connection import (
    CONNECTION_CONFIG,
    check_store_file,
    crash_point,
    data_version,
    init_hint,
    open_file,
)
from ita_analytics.store.schema import SCHEMA_VERSION, schema_version

VERSIONS_SUFFIX = ".versions"
LOCK_SUFFIX = ".lock"
_VERSION_NAME = re.compile(r"^(\d{6,})\.duckdb$")
_NEXT_PREFIX = "next-"
_LINK_PREFIX = ".link-"


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute (not resolved: the link itself, not the version it names)."""
    return Path(os.path.abspath(path))


def versions_dir(path: Path) -> Path:
    """The folder of ``path``'s versions."""
    return path.with_name(path.name + VERSIONS_SUFFIX)


def lock_file(path: Path) -> Path:
    return path.with_name(path.name + LOCK_SUFFIX)


def logical_path(file: Path | str) -> Path:
    """The store path users name for a version file (itself for a plain store file)."""
    file = Path(file)
    folder = file.parent
    if folder.name.endswith(VERSIONS_SUFFIX) and (
            _VERSION_NAME.match(file.name) or file.name.startswith(_NEXT_PREFIX)):
        return folder.with_name(folder.name[: -len(VERSIONS_SUFFIX)])
    return file


def published_file(path: Path) -> Path:
    """The file the store at ``path`` currently is: the version its link names, or ``path``
    itself when it is a plain file."""
    return Path(os.path.realpath(path))


def _version_number(file: Path) -> int | None:
    found = _VERSION_NAME.match(file.name)
    return int(found.group(1)) if found and file.parent.name.endswith(VERSIONS_SUFFIX) else None


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _busy(path: Path, what: str) -> StoreBusy:
    return StoreBusy(
        f"ฐานข้อมูล {path} กำลังถูกเขียนโดยการนำเข้าหรือการยกเลิกอื่น ({what}) กรุณาลองใหม่อีกครั้ง",
        f"The store {path} is being written by another import or undo ({what}); try again.")


@contextmanager
def write_lock(path: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the store's write lock: one writer at a time, across processes and threads (each
    call opens the lock file anew, and flock locks of separate opens exclude each other)."""
    wait = settings.get("lock_wait_seconds") if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_file(path), "a+b")  # noqa: SIM115 - closed in finally
    except OSError as error:
        raise StoreError(f"สร้างไฟล์ล็อก {lock_file(path)} ไม่ได้ ({error.strerror})",
                         f"Cannot create the lock file {lock_file(path)} ({error.strerror})"
                         ) from None
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(path, f"{wait:g} s") from None
                time.sleep(0.05)
        yield
    finally:
        handle.close()  # releases the lock


def _connect(file: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(file), read_only=read_only, config=CONNECTION_CONFIG)


def _settle_plain_wal(path: Path, wait_seconds: float | None) -> None:
    """Fold a plain store file's write-ahead log into it (a store written before versions, or by
    hand), so that a byte copy of the file is the whole store. Called under the write lock."""
    if path.is_symlink() or not path.with_name(path.name + ".wal").exists():
        return
    open_file(path, wait_seconds=wait_seconds).close()  # closing checkpoints


def _clean_leftovers(path: Path, keep: Path | None) -> None:
    """Remove what a crashed writer left: copies being built, temporary links and versions no
    link names. Called under the write lock."""
    folder = versions_dir(path)
    for link in path.parent.glob(f"{_LINK_PREFIX}{path.name}-*"):
        link.unlink(missing_ok=True)
    if not folder.is_dir():
        return
    for file in folder.iterdir():
        if file.name.startswith(_NEXT_PREFIX):
            file.unlink(missing_ok=True)
    prune_versions(path, keep)


def prune_versions(path: Path, keep: Path | None) -> list[Path]:
    """Delete the versions of ``path`` other than ``keep`` that no other process reads (their
    exclusive lock can be taken); returns those deleted."""
    path = _absolute(path)
    folder = versions_dir(path)
    removed = []
    if not folder.is_dir():
        return removed
    # Never the version the link names now, whatever ``keep`` says.
    kept = {published_file(path)} | ({_absolute(keep).resolve()} if keep is not None else set())
    for file in sorted(folder.iterdir()):
        if _version_number(file) is None or file.resolve() in kept:
            continue
        try:
            with open(file, "r+b") as handle:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                file.unlink()
                file.with_name(file.name + ".wal").unlink(missing_ok=True)
                removed.append(file)
        except OSError:
            continue  # held by a reader (or gone already): left for a later write
    return removed


def _next_number(path: Path, current: Path) -> int:
    numbers = [n for n in (_version_number(f) for f in versions_dir(path).iterdir()) if n]
    own = _version_number(current)
    return max([*numbers, own or 0]) + 1


def new_version_file(path: Path) -> Path:
    """A name for the next version of ``path`` being built, in its versions folder (the same
    file system, so that publishing is a rename). Call under :func:`write_lock`."""
    folder = versions_dir(_absolute(path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{_NEXT_PREFIX}{os.getpid()}-{time.monotonic_ns()}.duckdb"


def publish(path: Path, built: Path) -> Path:
    """Make ``built`` (a complete store file, closed, from :func:`new_version_file`) the
    published version of ``path``: flushed, numbered, and named by the link in one rename;
    then versions no one reads are removed. Call under :func:`write_lock`."""
    path = _absolute(path)
    current = published_file(path) if path.exists() else built
    final = _publish(path, built, current)
    prune_versions(path, final)
    return final


def _publish(path: Path, built: Path, current: Path) -> Path:
    _fsync(built)
    final = built.with_name(f"{_next_number(path, current):06d}.duckdb")
    os.rename(built, final)
    crash_point("before_publish")
    link = path.with_name(f"{_LINK_PREFIX}{path.name}-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(f"{versions_dir(path).name}/{final.name}", link)
    _fsync(final.parent, directory=True)
    os.replace(link, path)
    _fsync(path.parent, directory=True)
    crash_point("after_publish")
    return final


def _state(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    return data_version(conn), schema_version(conn)


@contextmanager
def writing(path: str | Path | None = None, *, create: bool = False,
            wait_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the next version of the store at ``path``, published when
    the block ends without an error and something was written (see the module's docs).

    A missing store raises :class:`StoreError` unless ``create``. Another write in progress
    (any process) is waited for ``wait_seconds`` (setting ``lock_wait_seconds``), then
    :class:`StoreBusy`.
    """
    path = Path(path) if path else settings.db_path()
    if str(path) == ":memory:":
        conn = open_file(path)
        try:
            yield conn
        finally:
            conn.close()
        return
    path = _absolute(path)
    exists = path.exists()
    if path.is_symlink() and not exists:
        raise StoreError(f"ลิงก์ฐานข้อมูล {path} ชี้ไปยังไฟล์ที่ไม่มีอยู่",
                         f"The store link {path} names a file that does not exist")
    if not exists and not create:
        raise StoreError(*init_hint(path))
    if exists:
        check_store_file(path)
    with write_lock(path, wait_seconds):
        current = published_file(path) if path.exists() else None
        _clean_leftovers(path, current)
        if current is not None:
            _settle_plain_wal(path, wait_seconds)
        folder = versions_dir(path)
        try:
            built = new_version_file(path)
            if current is not None:
                shutil.copyfile(current, built)
        except OSError as error:
            raise StoreError(f"เตรียมฐานข้อมูลรุ่นใหม่ใน {folder} ไม่ได้ ({error.strerror}) "
                             "ไม่มีการเปลี่ยนแปลงใด",
                             f"Cannot prepare the store's next version in {folder} "
                             f"({error.strerror}); nothing was changed") from None
        try:
            before = None
            if current is not None:
                with contextlib.closing(_connect(built, read_only=True)) as peek:
                    before = _state(peek)
            conn = open_file(built, create=True)
            try:
                yield conn
                changed = _state(conn) != before
                if changed:
                    conn.execute("CHECKPOINT")
            finally:
                conn.close()
            if changed:
                publish(path, built)
        finally:
            for leftover in (built, built.with_name(built.name + ".wal")):
                leftover.unlink(missing_ok=True)


def open_reader(path: str | Path | None = None, *, wait_seconds: float | None = None
                ) -> duckdb.DuckDBPyConnection:
    """The published version of the store at ``path``, read-only (any number of processes at
    once). A store on an older schema is migrated first, by a write. A missing store raises
    :class:`StoreError`; a plain store file held for writing by an older program is waited for
    (``wait_seconds``), then :class:`StoreBusy`."""
    path = _absolute(path if path else settings.db_path())
    for _ in range(5):
        file = published_file(path)
        try:
            conn = open_file(file, read_only=True, wait_seconds=wait_seconds)
        except StoreError:
            if file != path and not file.exists() and path.exists():
                continue  # the version was replaced and removed between resolving and opening
            raise
        if schema_version(conn) >= SCHEMA_VERSION:
            return conn
        conn.close()
        with writing(path, wait_seconds=wait_seconds):
            pass  # the copy is migrated when opened, and then published
    raise StoreError(f"เปิดฐานข้อมูล {path} ไม่ได้: มีการเขียนรุ่นใหม่ต่อเนื่อง",
                     f"Cannot open the store {path}: new versions keep replacing it")


def open_store(path: str | Path | None = None, *, read_only: bool = False,
               wait_seconds: float | None = None, create: bool = False
               ) -> duckdb.DuckDBPyConnection:
    """The store at ``path`` or the configured one: read-only, its published version
    (:func:`open_reader`: any number of processes at once); otherwise the file itself,
    read-write and migrated (:func:`~ita_analytics.store.connection.open_file`: for tests and
    tools working on a file no other process uses — programs write through :func:`writing`).
    """
    if read_only and str(path) != ":memory:":
        return open_reader(path, wait_seconds=wait_seconds)
    return open_file(path, read_only=read_only, wait_seconds=wait_seconds, create=create)


def file_identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of the file the store at ``path`` is now (following its link), None when
    there is none: a different identity means a new version was published (or the file was
    replaced by hand)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino
