"""Many readers, one writer (issue 21): the store as published versions (``store.versions``).

Readers in other processes (the dashboard, read-only commands) never block a write and never
see half of one; writes are serialised by a lock; a crash at the publish step leaves the last
published version whole; versions no process reads are removed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ita_analytics import store
from ita_analytics.importer import load_history
from ita_analytics.store import versions
from ita_analytics.store.connection import CRASH_ENV

ROOT = Path(__file__).resolve().parent.parent
HEADER = "หน่วยงาน,อำเภอ,จังหวัด,ปี," + ",".join(f"ตัวชี้วัดที่ {n}" for n in range(1, 11))
THUNG_PHUENG = "เทศบาลตำบลทุ่งผึ้ง,แจ้ห่ม,ลำปาง,{year},98.29,99.15,100,97.95,100,96.22,96.12,95.17,90,100"
NONG_PLA_MO = "องค์การบริหารส่วนตำบลหนองปลาหมอ,โนนศิลา,ขอนแก่น,{year},100,100,100,100,100,98.10,98.10,96.83,90,80"

# A reader in another process: opens the store read-only, answers "count" with the number of
# results it sees on that connection, "reopen" by opening the store again, "quit" by leaving.
READER = r"""
import sys
from ita_analytics import store
conn = store.open_store(sys.argv[1], read_only=True)
print("open", len(store.load_results(conn)), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "count":
        print("count", len(store.load_results(conn)), flush=True)
    elif command == "reopen":
        conn.close()
        conn = store.open_store(sys.argv[1], read_only=True)
        print("count", len(store.load_results(conn)), flush=True)
    else:
        break
"""


def cli(db: Path, *args: str, wait: float = 30, env: dict | None = None
        ) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "ITA_LOCK_WAIT": str(wait), **(env or {})}
    return subprocess.run([sys.executable, "-m", "ita_analytics", "--db", str(db), *args],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)


def score_file(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def small_db(tmp_path) -> Path:
    """A store with one agency-year, made as a user would: ``init`` and an import."""
    db = tmp_path / "ita.duckdb"
    assert cli(db, "init").returncode == 0
    done = cli(db, "import", str(score_file(tmp_path, "first.csv", THUNG_PHUENG.format(year=2568))),
               "--create-new")
    assert done.returncode == 0, done.stderr
    return db


class Reader:
    """A reader process holding the store open (see READER)."""

    def __init__(self, db: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, str(db)], cwd=ROOT, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.opened = self._answer()

    def _answer(self) -> int:
        line = self.process.stdout.readline().split()
        assert line, self.process.stderr.read()
        return int(line[1])

    def ask(self, command: str) -> int:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def version_files(db: Path) -> list[str]:
    return sorted(p.name for p in versions.versions_dir(db).iterdir())


def test_a_write_goes_through_while_other_processes_read(small_db, tmp_path):
    readers = [Reader(small_db) for _ in range(3)]  # several processes at once, read-only
    try:
        assert [r.opened for r in readers] == [1, 1, 1]
        held = versions.published_file(small_db)
        done = cli(small_db, "import", str(score_file(
            tmp_path, "second.csv", NONG_PLA_MO.format(year=2568))), "--create-new", "--json",
            wait=0)  # no waiting: a reader never holds a writer up
        assert done.returncode == 0, done.stderr
        assert '"status": "committed"' in done.stdout
        # A reader goes on with the version it opened, whole; its next open sees the new one.
        assert readers[0].ask("count") == 1
        assert readers[0].ask("reopen") == 2
        assert versions.published_file(small_db) != held
        assert held.exists()  # still read by the other two: not removed
        # Read-only commands run beside them too.
        shown = cli(small_db, "show", "--agency", "อบต.หนองปลาหมอ", "--year", "2568", "--json",
                    wait=0)
        assert shown.returncode == 0 and '"total": 93.3' in shown.stdout
    finally:
        for reader in readers:
            reader.close()
    # No one reads the old version any more: the next write removes it.
    assert cli(small_db, "import", str(score_file(
        tmp_path, "third.csv", THUNG_PHUENG.format(year=2567))), "--json").returncode == 0
    assert not held.exists()
    assert version_files(small_db) == [versions.published_file(small_db).name]


def test_the_dashboard_lets_go_of_a_replaced_version_so_a_later_write_removes_it(
        small_db, tmp_path, monkeypatch):
    """The dashboard's holder keeps a replaced version open for runs still drawing from it,
    closes it on its first use after RETIRE_SECONDS, and the next write removes the file."""
    from ita_analytics.dashboard import data

    holder = data.StoreHolder(str(small_db))
    first = holder.current()
    held = versions.published_file(small_db)
    assert cli(small_db, "import", str(score_file(
        tmp_path, "second.csv", NONG_PLA_MO.format(year=2568))), "--create-new").returncode == 0
    second = holder.current()
    assert second.conn is not first.conn and len(store.load_results(second.conn)) == 2
    assert len(store.load_results(first.conn)) == 1  # a run still on it finishes on it
    monkeypatch.setattr(data, "RETIRE_SECONDS", 0.0)
    assert holder.current() is second  # no new version: the retired one is closed now
    assert cli(small_db, "import", str(score_file(
        tmp_path, "third.csv", THUNG_PHUENG.format(year=2567))), "--json").returncode == 0
    assert not held.exists()
    holder.current().conn.close()


@pytest.mark.slow
def test_writers_take_turns_and_a_writer_kept_waiting_is_told_why(small_db, tmp_path):
    file = score_file(tmp_path, "second.csv", NONG_PLA_MO.format(year=2568))
    with versions.write_lock(small_db):  # another write in progress
        refused = cli(small_db, "import", str(file), "--create-new", wait=0.3)
        assert refused.returncode == 1
        assert "กำลังถูกเขียน" in refused.stderr and "being written by another" in refused.stderr
        assert "Traceback" not in refused.stderr
    done = cli(small_db, "import", str(file), "--create-new", wait=0.3)
    assert done.returncode == 0, done.stderr
    conn = store.open_store(small_db, read_only=True)
    try:
        assert len(store.load_results(conn)) == 2
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("step, committed", [("after_commit", False), ("before_publish", False),
                                             ("after_publish", True)])
def test_a_crash_at_the_publish_step_leaves_a_whole_published_version(small_db, tmp_path, step,
                                                                      committed):
    before = versions.published_file(small_db)
    file = score_file(tmp_path, "second.csv", NONG_PLA_MO.format(year=2568))
    killed = cli(small_db, "import", str(file), "--create-new", env={CRASH_ENV: step})
    assert killed.returncode == -9, killed.stderr
    conn = store.open_store(small_db, read_only=True)
    try:
        assert len(store.load_results(conn)) == (2 if committed else 1)
        history = load_history(conn)
        assert len(history) == (2 if committed else 1)
    finally:
        conn.close()
    assert (versions.published_file(small_db) != before) is committed
    # What the crashed writer left (a copy, an unpublished version) goes at the next write.
    again = cli(small_db, "import", str(file), "--create-new", "--json")
    assert again.returncode == 0, again.stderr
    assert ('"status": "unchanged"' if committed else '"status": "committed"') in again.stdout
    assert version_files(small_db) == [versions.published_file(small_db).name]
    assert not list(small_db.parent.glob(".link-*"))


def test_a_plain_store_with_a_write_ahead_log_becomes_a_version_with_it(tmp_path):
    """A store made before versions (a plain file), left with a write-ahead log by a process
    that did not close it, keeps every write when it becomes a version."""
    db = tmp_path / "old.duckdb"
    writer = (
        "import os, sys\n"
        "from ita_analytics import store\n"
        "conn = store.open_file(sys.argv[1], create=True)\n"
        "with store.transaction(conn) as cur:\n"
        "    store.set_meta(cur, 'left_in_the_log', 'yes')\n"
        "os._exit(0)\n")  # no close: the write stays in the log
    subprocess.run([sys.executable, "-c", writer, str(db)], cwd=ROOT, check=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert db.with_name(db.name + ".wal").exists() and not db.is_symlink()
    with store.writing(db) as conn:
        assert store.get_meta(conn, "left_in_the_log") == "yes"
        with store.transaction(conn) as cur:
            store.set_meta(cur, "written_after", "yes")
    assert db.is_symlink()
    conn = store.open_store(db, read_only=True)
    try:
        assert store.get_meta(conn, "left_in_the_log") == store.get_meta(conn, "written_after") \
            == "yes"
    finally:
        conn.close()


def test_a_block_that_writes_nothing_publishes_nothing(small_db):
    before = versions.published_file(small_db)
    with store.writing(small_db) as conn:
        assert store.count_agencies(conn) == 1
    assert versions.published_file(small_db) == before
    assert version_files(small_db) == [before.name]


def test_a_failed_write_publishes_nothing(small_db):
    before = versions.published_file(small_db)
    with pytest.raises(RuntimeError), store.writing(small_db) as conn:
        with store.transaction(conn) as cur:
            store.set_meta(cur, "half", "done")
        raise RuntimeError("the second step failed")
    assert versions.published_file(small_db) == before
    conn = store.open_store(small_db, read_only=True)
    try:
        assert store.get_meta(conn, "half") is None
    finally:
        conn.close()


@pytest.mark.slow
def test_restore_while_a_reader_holds_the_store(small_db, tmp_path):
    saved = tmp_path / "saved"
    assert cli(small_db, "backup", str(saved)).returncode == 0
    assert cli(small_db, "import", str(score_file(
        tmp_path, "second.csv", NONG_PLA_MO.format(year=2568))), "--create-new").returncode == 0
    reader = Reader(small_db)
    try:
        assert reader.opened == 2
        before = store.open_store(small_db, read_only=True)
        version = store.data_version(before)
        before.close()
        done = cli(small_db, "restore", str(saved), wait=0)
        assert done.returncode == 0, done.stderr
        assert reader.ask("count") == 2 and reader.ask("reopen") == 1
    finally:
        reader.close()
    conn = store.open_store(small_db, read_only=True)
    try:
        # The data version goes on: nothing cached for the replaced data is taken for these.
        assert store.data_version(conn) > version
    finally:
        conn.close()


@pytest.mark.browser
def test_two_dashboard_servers_on_one_store_both_show_an_import_from_the_cli(small_db, tmp_path):
    """Two ``streamlit run`` processes on one store (issue 21): a CLI import made while both
    serve is not kept waiting, and each shows it at its sessions' next page run."""
    import browser_support as bs

    reason = bs.browser_missing_reason()
    if reason:
        if os.environ.get("ITA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    servers = [bs.start_server(small_db, tmp_path / f"streamlit-{n}.log") for n in (1, 2)]
    try:
        with sync_playwright() as playwright:
            browser = bs.launch_browser(playwright)
            pages = []
            for server in servers:
                page = browser.new_context(viewport={"width": 1400, "height": 900},
                                           locale="th-TH").new_page()
                page.set_default_timeout(bs.PAGE_TIMEOUT_MS)
                page.goto(server.url)
                bs.wait_for_app(page)
                pages.append(page)

            def assessed(page) -> str:
                return page.locator('[data-testid="stMetricValue"]').nth(2).inner_text().strip()
            assert [assessed(p) for p in pages] == ["1", "1"]
            done = cli(small_db, "import", str(score_file(
                tmp_path, "second.csv", NONG_PLA_MO.format(year=2568))), "--create-new",
                wait=0)
            assert done.returncode == 0, done.stderr
            for page in pages:  # the next run of each session: a new page view
                page.reload()
                bs.wait_for_app(page)
            assert [assessed(p) for p in pages] == ["2", "2"]
            assert [bs.error_boxes(p) for p in pages] == [[], []]
            bs.screenshot(pages[1], "versions_second_server_after_cli_import")
            browser.close()
    finally:
        for server in servers:
            server.stop()
    for server in servers:
        assert "Traceback" not in server.log()
