"""Who may write: password hashing, lock-out, the hash-password command, and the pages' gates."""

from __future__ import annotations

import hmac
import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import unicodedata

import pytest
from conftest import ROOT, TEST_ANALYST_PASSWORD, analyst_secrets, app_test, sign_in

from ita_analytics import auth
from ita_analytics.cli import main as cli_main


def test_hash_round_trip_salted_and_verified_in_constant_time(monkeypatch):
    first = auth.hash_password("รหัสผ่านยาวพอสมควร", iterations=1000)
    second = auth.hash_password("รหัสผ่านยาวพอสมควร", iterations=1000)
    algorithm, iterations, salt, digest = first.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", "1000")
    assert first != second  # a fresh random salt each time
    assert "รหัสผ่าน" not in first
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest",
                        lambda a, b: compared.append((len(a), len(b))) or real(a, b))
    assert auth.verify_password("รหัสผ่านยาวพอสมควร", first)
    assert not auth.verify_password("รหัสผ่านยาวพอสมควร ", first)
    assert not auth.verify_password("wrong", second)
    assert compared == [(32, 32)] * 3


def test_default_hash_uses_600000_iterations_and_known_vector():
    salt = b"0123456789abcdef"
    encoded = auth.hash_password("correct horse", salt=salt)
    # pbkdf2_hmac computed independently by the standard library.
    import base64
    import hashlib
    expected = base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"correct horse", salt, 600_000))
    assert encoded == f"pbkdf2_sha256$600000${base64.b64encode(salt).decode()}${expected.decode()}"


def test_thai_password_typed_decomposed_still_matches():
    composed = "น้ำใจ" + "ดีงาม123"
    encoded = auth.hash_password(unicodedata.normalize("NFC", composed), iterations=1000)
    assert auth.verify_password(unicodedata.normalize("NFD", composed), encoded)


@pytest.mark.parametrize("bad", ["", "plain-password", "md5$1$AAAA$BBBB", "pbkdf2_sha256$x$AA==$BB==",
                                 "pbkdf2_sha256$1000$!!$BB==", "pbkdf2_sha256$1000$AAAA$AAAA",
                                 "pbkdf2_sha256$0$AAAA$" + "A" * 44])
def test_malformed_hash_is_a_setup_error_not_a_match(bad):
    with pytest.raises(auth.PasswordHashError):
        auth.verify_password("anything", bad)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lockout_after_repeated_failures_then_released():
    clock = FakeClock()
    lockout = auth.Lockout(3, 15, clock=clock)
    encoded = auth.hash_password("the-right-one", iterations=1000)
    outcomes = [auth.check_local_password("guess", encoded, lockout) for _ in range(3)]
    assert [(o.ok, o.failures) for o in outcomes] == [(False, 1), (False, 2), (False, 3)]
    assert outcomes[-1].locked_seconds == 900
    checked = []
    locked = lockout.attempt(auth.LOCAL_ACCOUNT, lambda: checked.append(1) or True)
    assert not locked.ok and locked.locked_seconds == 900 and checked == []  # not even compared
    clock.now += 899
    assert auth.check_local_password("the-right-one", encoded, lockout).locked_seconds == 1
    clock.now += 2
    assert lockout.locked_seconds(auth.LOCAL_ACCOUNT) == 0
    assert auth.check_local_password("the-right-one", encoded, lockout).ok
    # A success clears the count: two more failures do not lock.
    for _ in range(2):
        assert auth.check_local_password("guess", encoded, lockout).locked_seconds == 0


def test_lockout_is_per_account_and_read_from_settings(monkeypatch):
    monkeypatch.setenv("ITA_AUTH_MAX_FAILURES", "2")
    monkeypatch.setenv("ITA_AUTH_LOCKOUT_MINUTES", "1.5")
    auth.reset_shared_lockout()
    try:
        shared = auth.shared_lockout()
        assert (shared.max_failures, shared.seconds) == (2, 90)
        assert auth.shared_lockout() is shared
    finally:
        auth.reset_shared_lockout()
    lockout = auth.Lockout(1, 1, clock=FakeClock())
    lockout.attempt("a", lambda: False)
    assert lockout.locked_seconds("a") == 60 and lockout.locked_seconds("b") == 0



def test_right_password_sent_while_wrong_ones_are_checked_is_refused():
    """Issue 17 #6: max_failures wrong passwords being compared at once, then the right one:
    it must not be compared (the count read before any failure was recorded let it in)."""
    lockout = auth.Lockout(5, 15, clock=FakeClock())
    entered, release = threading.Semaphore(0), threading.Event()

    def wrong() -> bool:
        entered.release()
        assert release.wait(10)
        return False

    threads = [threading.Thread(target=lockout.attempt, args=(auth.LOCAL_ACCOUNT, wrong))
               for _ in range(5)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert entered.acquire(timeout=10)  # all five are being compared
    compared = []
    right = lockout.attempt(auth.LOCAL_ACCOUNT, lambda: compared.append(1) or True)
    release.set()
    for thread in threads:
        thread.join(10)
    assert not right.ok and right.busy and compared == []
    assert lockout.locked_seconds(auth.LOCAL_ACCOUNT) == 900
    assert not lockout.attempt(auth.LOCAL_ACCOUNT, lambda: True).ok


def test_fourteen_simultaneous_attempts_compare_at_most_max_failures_passwords():
    """Fourteen sessions submit at the same instant, the right password in the last: at most
    max_failures passwords are compared, and the right one gets in only if it was among them
    (then the count was cleared, as a sign-in does)."""
    lockout = auth.Lockout(5, 15, clock=FakeClock())
    encoded = auth.hash_password("the-right-one", iterations=1000)
    passwords = [f"guess-{i}" for i in range(13)] + ["the-right-one"]
    start = threading.Barrier(len(passwords))
    compared, outcomes = [], {}

    def check(password: str) -> bool:
        compared.append(password)
        time.sleep(0.2)  # a real comparison takes half a second: all arrive meanwhile
        return auth.verify_password(password, encoded)

    def sign_in_once(password: str) -> None:
        start.wait()
        outcomes[password] = lockout.attempt(auth.LOCAL_ACCOUNT, lambda: check(password))

    threads = [threading.Thread(target=sign_in_once, args=(p,)) for p in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(compared) <= 5
    assert outcomes["the-right-one"].ok == ("the-right-one" in compared)
    if "the-right-one" not in compared:
        assert lockout.locked_seconds(auth.LOCAL_ACCOUNT) == 900
    refused = [o for p, o in outcomes.items() if p not in compared]
    assert refused and all(not o.ok and o.busy for o in refused)


def test_a_malformed_hash_takes_no_try():
    lockout = auth.Lockout(1, 15, clock=FakeClock())
    with pytest.raises(auth.PasswordHashError):
        auth.check_local_password("x", "not-a-hash", lockout)
    assert lockout.locked_seconds(auth.LOCAL_ACCOUNT) == 0
    assert auth.check_local_password("x", auth.hash_password("x", iterations=1000), lockout).ok


# --- The lock-out shared by the processes serving one store ------------------------------------

_SIGN_IN = """
import json, sys
from ita_analytics import auth
for password in sys.argv[2:]:
    a = auth.check_local_password(password, sys.argv[1])
    print(json.dumps([a.ok, a.locked_seconds, a.failures, a.busy]), flush=True)
"""


def _env(db, **settings) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ITA_DB": str(db),
            "ITA_AUTH_MAX_FAILURES": "4", "ITA_AUTH_LOCKOUT_MINUTES": "15", **settings}


def _sign_in_in_another_process(db, encoded: str, *passwords: str) -> list:
    done = subprocess.run([sys.executable, "-c", _SIGN_IN, encoded, *passwords], env=_env(db),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_wrong_passwords_in_two_processes_count_together_and_the_file_holds_no_secret(tmp_path):
    """Behind a proxy each browser talks to one of several processes: a guesser spread over
    them gets no more tries than against one."""
    db = tmp_path / "ita.duckdb"
    encoded = auth.hash_password("the-right-one", iterations=1000)
    first = _sign_in_in_another_process(db, encoded, "guess-one", "guess-two")
    second = _sign_in_in_another_process(db, encoded, "guess-three", "guess-four")
    assert [(ok, failures) for ok, _, failures, _ in first + second] == [(False, n) for n in (1, 2, 3, 4)]
    assert second[-1][1] == 900  # the fourth wrong password, in the second process, locks
    [(ok, left, failures, busy)] = _sign_in_in_another_process(db, encoded, "the-right-one")
    assert not ok and 890 < left <= 900 and failures == 4 and not busy  # a third process: refused
    here = auth.Lockout(4, 15, path=auth.lockout_file(db))
    assert 890 < here.locked_seconds(auth.LOCAL_ACCOUNT) <= 900
    assert here.locked_seconds("someone-else") == 0
    path = auth.lockout_file(db)
    assert path == tmp_path / "ita.duckdb.auth.json" and os.stat(path).st_mode & 0o077 == 0
    text = path.read_text()
    _, _, salt, digest = encoded.split("$")
    for secret in ("the-right-one", "guess", "pbkdf2", salt, digest):
        assert secret not in text
    accounts = json.loads(text)["accounts"]
    assert list(accounts) == ["analyst"] and set(accounts["analyst"]) == {"failures", "locked_until"}


_HANGS = """
import time
from ita_analytics import auth
def compare():
    print("comparing", flush=True)
    time.sleep(120)
    return True
auth.shared_lockout().attempt(auth.LOCAL_ACCOUNT, compare)
"""


def test_a_try_in_flight_in_a_killed_process_is_given_back(tmp_path):
    db = tmp_path / "ita.duckdb"
    hung = subprocess.Popen([sys.executable, "-c", _HANGS], env=_env(db, ITA_AUTH_MAX_FAILURES="1"),
                            stdout=subprocess.PIPE, text=True)
    here = auth.Lockout(1, 15, path=auth.lockout_file(db))
    compared = []
    try:
        assert hung.stdout.readline().strip() == "comparing"
        # Its try counts here: the one try is in flight in the other process.
        busy = here.attempt(auth.LOCAL_ACCOUNT, lambda: compared.append(1) or True)
        assert busy.busy and compared == []
        pending = json.loads(auth.lockout_file(db).read_text())["accounts"]["analyst"]["pending"]
        assert [flight["pid"] for flight in pending.values()] == [hung.pid]
    finally:
        hung.kill()
        hung.wait(10)
        hung.stdout.close()
    assert here.attempt(auth.LOCAL_ACCOUNT, lambda: compared.append(1) or True).ok
    assert compared == [1]
    assert json.loads(auth.lockout_file(db).read_text())["accounts"] == {}


def test_a_try_in_flight_for_over_a_minute_is_given_back(tmp_path):
    """A process alive but stuck (or on another host: its process id cannot be asked)."""
    clock = FakeClock()
    lockout = auth.Lockout(1, 15, clock=clock, path=tmp_path / "ita.duckdb.auth.json")
    entered, release = threading.Event(), threading.Event()
    stuck = threading.Thread(target=lockout.attempt, args=(
        auth.LOCAL_ACCOUNT, lambda: entered.set() or release.wait(10)))
    stuck.start()
    try:
        assert entered.wait(10)
        assert lockout.attempt(auth.LOCAL_ACCOUNT, lambda: True).busy
        clock.now += 59
        assert lockout.attempt(auth.LOCAL_ACCOUNT, lambda: True).busy
        clock.now += 2
        assert lockout.attempt(auth.LOCAL_ACCOUNT, lambda: True).ok
    finally:
        release.set()
        stuck.join(10)


_AT_ONCE = """
import json, sys, threading, time
from ita_analytics import auth
encoded, start, passwords = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
compared, refused = [], []
def compare(password):
    compared.append(password)
    time.sleep(0.3)  # a real comparison takes half a second: the others arrive meanwhile
    return auth.verify_password(password, encoded)
def sign_in(password):
    time.sleep(max(0.0, start - time.time()))
    a = auth.shared_lockout().attempt(auth.LOCAL_ACCOUNT, lambda: compare(password))
    if password not in compared:
        refused.append(a.busy or a.locked_seconds > 0)
threads = [threading.Thread(target=sign_in, args=(p,)) for p in passwords]
for t in threads: t.start()
for t in threads: t.join(30)
print(json.dumps({"compared": compared, "refused": refused}))
"""


def test_simultaneous_attempts_in_two_processes_compare_at_most_max_failures_passwords(tmp_path):
    db = tmp_path / "ita.duckdb"
    encoded = auth.hash_password("the-right-one", iterations=1000)
    start = time.time() + 2  # both processes started and waiting: all 14 go at once
    processes = [subprocess.Popen([sys.executable, "-c", _AT_ONCE, encoded, str(start),
                                   *(f"guess-{n}-{i}" for i in range(7))],
                                  env=_env(db, ITA_AUTH_MAX_FAILURES="5"),
                                  stdout=subprocess.PIPE, text=True) for n in (1, 2)]
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in processes]
    compared = [p for out in outputs for p in out["compared"]]
    refused = [r for out in outputs for r in out["refused"]]
    assert 1 <= len(compared) <= 5 and len(compared) + len(refused) == 14 and all(refused)
    locked = auth.Lockout(5, 15, path=auth.lockout_file(db)).locked_seconds(auth.LOCAL_ACCOUNT)
    assert (locked > 0) == (len(compared) == 5)


def test_lockout_kept_in_the_process_when_no_file_can_be_kept(tmp_path, monkeypatch, caplog):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    lockout = auth.Lockout(1, 15, path=not_a_folder / "ita.duckdb.auth.json")
    with caplog.at_level(logging.WARNING, logger="ita_analytics.auth"):
        assert not lockout.attempt(auth.LOCAL_ACCOUNT, lambda: False).ok
    assert lockout.path is None and "this process only" in caplog.text
    assert 890 < lockout.locked_seconds(auth.LOCAL_ACCOUNT) <= 900  # still counted, in memory
    assert auth.lockout_file(":memory:") is None
    monkeypatch.setenv("ITA_DB", ":memory:")
    auth.reset_shared_lockout()
    try:
        assert auth.shared_lockout().path is None
    finally:
        auth.reset_shared_lockout()


def test_an_unreadable_file_is_counted_afresh_and_reset_clears_the_file(tmp_path, monkeypatch,
                                                                       caplog):
    monkeypatch.setenv("ITA_DB", str(tmp_path / "ita.duckdb"))
    monkeypatch.setenv("ITA_AUTH_MAX_FAILURES", "1")
    path = tmp_path / "ita.duckdb.auth.json"
    auth.reset_shared_lockout()
    try:
        path.write_text('{"accounts": {"analyst": ')
        with caplog.at_level(logging.WARNING, logger="ita_analytics.auth"):
            assert auth.shared_lockout().locked_seconds(auth.LOCAL_ACCOUNT) == 0
        assert "unreadable" in caplog.text
        assert not auth.shared_lockout().attempt(auth.LOCAL_ACCOUNT, lambda: False).ok
        other = auth.Lockout(1, 15, path=path)  # as another process sees it
        assert other.locked_seconds(auth.LOCAL_ACCOUNT) > 0
        auth.reset_shared_lockout()
        assert other.locked_seconds(auth.LOCAL_ACCOUNT) == 0
        assert auth.shared_lockout().attempt(auth.LOCAL_ACCOUNT, lambda: True).ok
    finally:
        auth.reset_shared_lockout()


def test_auth_mode_and_analyst_emails():
    assert auth.auth_mode({}) == "none"
    assert auth.auth_mode({"analyst_password_hash": "pbkdf2_sha256$1$a$b"}) == "local"
    oidc = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
            "client_id": "id", "client_secret": "s", "server_metadata_url": "https://idp/.well-known",
            "analyst_password_hash": "pbkdf2_sha256$1$a$b"}
    assert auth.auth_mode(oidc) == "oidc" and auth.oidc_providers(oidc) == [None]
    named = {"redirect_uri": "r", "cookie_secret": "c", "microsoft": {"client_id": "id"},
             "google": {"client_id": "id2"}, "other": {"x": 1}}
    assert auth.oidc_providers(named) == ["google", "microsoft"]
    section = {"analyst_emails": ["Somchai@NACC.go.th"], "analyst_domains": ["@itadata.go.th"]}
    assert auth.is_analyst_email("somchai@nacc.go.th", section)
    assert auth.is_analyst_email("anyone@itadata.go.th", section)
    assert not auth.is_analyst_email("anyone@gmail.com", section)
    assert not auth.is_analyst_email("anyone@gmail.com", {})  # nobody named: nobody (fail closed)
    assert not auth.is_analyst_email(None, section)


def test_display_name_loses_controls_and_bidi_marks():
    assert auth.clean_display_name("\u202eสม\u200bชาย\n  ใจดี\x00") == "สมชาย ใจดี"
    assert len(auth.clean_display_name("ก" * 500)) == 60


def test_hash_password_command_prints_a_secrets_line(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password\n"))
    assert cli_main(["hash-password", "--stdin"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "[auth]"
    key, value = out[1].split(" = ")
    assert key == "analyst_password_hash"
    encoded = value.strip('"')
    assert encoded.startswith("pbkdf2_sha256$600000$")
    assert auth.verify_password("a-long-enough-password", encoded)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli_main(["hash-password", "--stdin"]) == 1
    assert "at least 10" in capsys.readouterr().err


# --- The pages --------------------------------------------------------------------------------

def _keys(elements) -> set:
    return {e.key for e in elements}


def test_import_page_without_sign_in_setup_explains_and_has_no_uploader(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/import.py")
    assert not at.exception
    assert any("hash-password" in w.value and "secrets.toml" in w.value for w in at.warning)
    assert "imp_year" not in _keys(at.text_input)
    assert "imp_replace" not in _keys(at.checkbox) and "imp_commit" not in _keys(at.button)
    assert "imp_undo" not in _keys(at.button)
    assert any("ยังไม่มีการนำเข้า" in c.value for c in at.caption)  # the history is still shown


def test_import_page_english_instructions(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/import.py")
    at.query_params["lang"] = "en"
    at.session_state["lang"] = "en"
    at.run()
    assert any("analyst sign-in is not set up" in w.value for w in at.warning)


def test_local_password_wrong_then_right_opens_the_uploader(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/import.py", secrets=analyst_secrets())
    assert "imp_year" not in _keys(at.text_input)
    assert any("เข้าสู่ระบบผู้วิเคราะห์" in i.value for i in at.info)
    sign_in(at, password="not-the-password")
    assert not at.exception
    assert any(e.value == "รหัสผ่านไม่ถูกต้อง" for e in at.sidebar.error)
    assert "imp_year" not in _keys(at.text_input)
    sign_in(at, name="สมหญิง")
    assert not at.exception
    assert "imp_year" in _keys(at.text_input)
    # The typed name is shown as text: Markdown source "สมหญิง \\[local\\]" reads "สมหญิง [local]".
    assert any("สมหญิง \\[local\\]" in s.value for s in at.sidebar.success)
    at.button(key="auth_sign_out").click().run()
    assert "imp_year" not in _keys(at.text_input)


def test_local_password_locks_out_after_repeated_failures(demo_db, app_env, monkeypatch):
    monkeypatch.setenv("ITA_AUTH_MAX_FAILURES", "3")
    app_env(demo_db)
    at = app_test("pages/import.py", secrets=analyst_secrets())
    for _ in range(3):
        sign_in(at, password="guess")
    assert any("ระงับการเข้าสู่ระบบ" in e.value and "15 นาที" in e.value for e in at.sidebar.error)
    sign_in(at, password=TEST_ANALYST_PASSWORD)  # the right password is refused while locked
    assert any("ระงับการเข้าสู่ระบบ" in e.value for e in at.sidebar.error)
    assert "imp_year" not in _keys(at.text_input)
    # Another session does not start afresh: the count belongs to the account.
    other = app_test("pages/import.py", secrets=at.secrets)  # (app_test clears the count)
    for _ in range(3):
        sign_in(at, password="guess")
    sign_in(other)
    assert "imp_year" not in _keys(other.text_input)
    auth.reset_shared_lockout()


def test_malformed_hash_in_secrets_says_so(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/import.py", secrets={"auth": {"analyst_password_hash": "plain"}})
    sign_in(at)
    assert any("hash-password" in e.value for e in at.sidebar.error)
    assert "imp_year" not in _keys(at.text_input)


OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 32,
        "client_id": "ita", "client_secret": "secret",
        "server_metadata_url": "https://login.example.go.th/.well-known/openid-configuration",
        "analyst_emails": ["analyst@nacc.go.th"]}


def _oidc_app(app_env, db, user: dict):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    app_env(db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = OIDC
    at.user = user
    at.run()
    at.switch_page("pages/import.py")
    return at.run()


def test_oidc_listed_analyst_may_import_and_others_may_not(demo_db, app_env):
    at = _oidc_app(app_env, demo_db, {"is_logged_in": True, "email": "analyst@nacc.go.th"})
    assert not at.exception
    assert "imp_year" in _keys(at.text_input)
    assert "auth_password" not in _keys(at.text_input)  # OIDC wins over a local password
    outsider = _oidc_app(app_env, demo_db, {"is_logged_in": True, "email": "someone@gmail.com"})
    assert "imp_year" not in _keys(outsider.text_input)
    assert any("analyst_emails" in w.value for w in outsider.sidebar.warning)
    signed_out = _oidc_app(app_env, demo_db, {"is_logged_in": False})
    assert "imp_year" not in _keys(signed_out.text_input)
    assert "auth_login_default" in _keys(signed_out.button)


def test_measures_page_viewer_sees_measures_but_cannot_write(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/measures.py")
    assert not at.exception
    assert "mf_title" not in _keys(at.text_input)
    assert "measures_save" not in _keys(at.button) and "measures_commit" not in _keys(at.button)
    assert any("hash-password" in w.value for w in at.warning)
    signed_in = app_test("pages/measures.py", analyst=True)
    assert "mf_title" in _keys(signed_in.text_input)
