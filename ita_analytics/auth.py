"""Who may write: the analyst role from an OIDC account or the local analyst password, with lock-out.

Pure logic (no Streamlit): the dashboard's ``dashboard/sign_in.py`` reads the secrets and the
session and asks this module. Viewing needs no sign-in; importing, undoing and editing
measures need the analyst role.

Secrets (``.streamlit/secrets.toml``), all in Streamlit's ``[auth]`` section:

- an OIDC provider as Streamlit's ``st.login`` expects it (``redirect_uri``, ``cookie_secret``
  and ``client_id``/``client_secret``/``server_metadata_url`` at the top level or in an
  ``[auth.NAME]`` sub-section), plus ``analyst_emails`` and/or ``analyst_domains`` naming who
  among the provider's accounts is an analyst (none named: nobody is — fail closed, since a
  public provider would otherwise make everyone an analyst);
- or ``analyst_password_hash = "pbkdf2_sha256$<iterations>$<salt>$<hash>"`` (made by
  ``python -m ita_analytics hash-password``): the password itself is never stored.
"""

from __future__ import annotations

import base64
import copy
import fcntl
import hashlib
import hmac
import itertools
import json
import logging
import math
import os
import secrets
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ita_analytics import settings

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
"""OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about half a second here per sign-in."""
SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 10
HASH_KEY = "analyst_password_hash"
EMAILS_KEY = "analyst_emails"
DOMAINS_KEY = "analyst_domains"
LOCAL_ACCOUNT = "analyst"
"""The one local account: failures from every session count against it (see :class:`Lockout`)."""

MODE_OIDC, MODE_LOCAL, MODE_NONE = "oidc", "local", "none"

log = logging.getLogger(__name__)


class PasswordHashError(ValueError):
    """The configured hash is not ``pbkdf2_sha256$<iterations>$<salt>$<hash>``."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _normalise(password: str) -> bytes:
    # Thai text can be typed as different code-point sequences; NFC makes them one password.
    return unicodedata.normalize("NFC", password).encode("utf-8")


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS,
                  salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` of ``password`` with a random salt."""
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", _normalise(password), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def parse_password_hash(encoded: str) -> tuple[int, bytes, bytes]:
    """(iterations, salt, digest) of a stored hash; :class:`PasswordHashError` if malformed."""
    parts = str(encoded).strip().split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        raise PasswordHashError("expected pbkdf2_sha256$<iterations>$<salt>$<hash>")
    try:
        iterations = int(parts[1])
        salt = base64.b64decode(parts[2], validate=True)
        digest = base64.b64decode(parts[3], validate=True)
    except ValueError as error:
        raise PasswordHashError(f"unreadable hash: {error}") from None
    if iterations < 1 or not salt or len(digest) != hashlib.sha256().digest_size:
        raise PasswordHashError("iterations, salt or hash length out of range")
    return iterations, salt, digest


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the stored hash, compared in constant time.

    Raises :class:`PasswordHashError` when the stored hash itself is malformed (a setup
    error to show the administrator, not a wrong password).
    """
    iterations, salt, expected = parse_password_hash(encoded)
    actual = hashlib.pbkdf2_hmac("sha256", _normalise(password), salt, iterations)
    return hmac.compare_digest(actual, expected)


def secrets_line(encoded: str) -> str:
    """The lines to paste into ``.streamlit/secrets.toml`` for a local analyst password."""
    return f'[auth]\n{HASH_KEY} = "{encoded}"'


def oidc_providers(auth_section: Mapping) -> list[str | None]:
    """Providers ``st.login`` can use: None for one configured at the top of ``[auth]``, else
    the names of ``[auth.NAME]`` sub-sections holding a ``client_id``."""
    providers: list[str | None] = [None] if auth_section.get("client_id") else []
    providers += sorted(name for name, value in auth_section.items()
                        if isinstance(value, Mapping) and value.get("client_id"))
    return providers


def auth_mode(auth_section: Mapping) -> str:
    """'oidc' when an identity provider is configured, else 'local' when an analyst password
    hash is, else 'none' (nobody can write from the dashboard)."""
    if oidc_providers(auth_section):
        return MODE_OIDC
    if auth_section.get(HASH_KEY):
        return MODE_LOCAL
    return MODE_NONE


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [str(v).strip().lower() for v in value if str(v).strip()]


def is_analyst_email(email: str | None, auth_section: Mapping) -> bool:
    """Whether an OIDC account's e-mail is an analyst's: listed in ``analyst_emails`` or in a
    domain of ``analyst_domains`` (case-insensitive). Nobody when neither is set."""
    if not email or "@" not in email:
        return False
    email = email.strip().lower()
    domain = email.rsplit("@", 1)[1]
    return (email in _as_list(auth_section.get(EMAILS_KEY))
            or domain in [d.lstrip("@") for d in _as_list(auth_section.get(DOMAINS_KEY))])


def clean_display_name(name: str, limit: int = 60) -> str:
    """A typed name fit for the import history: control and format characters (bidi marks
    included) removed, spaces collapsed, at most ``limit`` characters."""
    kept = "".join(ch for ch in str(name) if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())[:limit]


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in attempt: ``ok``; else ``locked_seconds`` > 0 while locked, or
    ``busy`` when it was refused uncompared because the attempts already being checked could
    use up the account's remaining tries."""

    ok: bool
    locked_seconds: float = 0.0
    failures: int = 0
    busy: bool = False


LOCKOUT_FILE_SUFFIX = ".auth.json"
"""The lock-out shared by the processes serving a store: ``data/ita.duckdb.auth.json``."""
PENDING_MAX_SECONDS = 60.0
"""A try in flight (a password being compared, half a second) older than this is dropped."""
_HOST = socket.gethostname()
_ABOUT = ("Sign-in lock-out shared by the dashboard processes serving this store "
          "(ita_analytics/auth.py): counts and times per account, never a password or hash. "
          "Delete it to lift a lock-out.")


def lockout_file(db_path: str | os.PathLike | None) -> Path | None:
    """Where the lock-out of the processes serving store ``db_path`` is kept: beside the store,
    ``<store>.auth.json`` (None for a ``:memory:`` store: the lock-out stays in the process)."""
    text = os.fspath(db_path) if db_path is not None else ""
    if not text or text == ":memory:":
        return None
    return Path(os.path.abspath(text + LOCKOUT_FILE_SUFFIX))


def _process_gone(pid: int) -> bool:
    """Whether process ``pid`` (of this host) has ended: no such process, or a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OverflowError, ValueError):
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _clean_entry(entry: Mapping) -> dict:
    """An account's entry read from the file, keeping only known fields of the right types."""
    clean: dict = {}
    failures = int(entry.get("failures", 0))
    if failures > 0:
        clean["failures"] = failures
    until = entry.get("locked_until")
    if until is not None and _finite(until) is not None:
        clean["locked_until"] = float(until)
    pending = {}
    for token, flight in dict(entry.get("pending") or {}).items():
        started = _finite(flight["started"])
        if started is not None:
            pending[str(token)] = {"pid": int(flight["pid"]), "host": str(flight.get("host", "")),
                                   "started": started}
    if pending:
        clean["pending"] = pending
    return clean


def _parse_state(raw: bytes, path: Path) -> dict:
    """The accounts held in the file's text; none (logged) when it is empty or unreadable."""
    if not raw.strip():
        return {}
    try:
        accounts = json.loads(raw)["accounts"]
        return {str(key): _clean_entry(entry) for key, entry in accounts.items()}
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        log.warning("sign-in lock-out file %s is unreadable (%s): counting afresh", path, error)
        return {}


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 65536, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _write_state(fd: int, accounts: dict, old_length: int) -> None:
    """Write ``accounts`` over the file's text in place, under its flock, and flush it.

    One write of the new text padded with spaces to the old text's length, then the spaces cut
    off: a process killed between the two leaves JSON followed by spaces, which reads the same.
    """
    text = json.dumps({"about": _ABOUT, "accounts": accounts}, sort_keys=True, indent=1) + "\n"
    data = text.encode("utf-8")
    padded = data.ljust(old_length, b" ")
    written = 0
    while written < len(padded):
        written += os.pwrite(fd, padded[written:], written)
    if len(padded) > len(data):
        os.ftruncate(fd, len(data))
    os.fsync(fd)


class Lockout:
    """Repeated failures lock an account for a while; shared by the processes serving one store.

    With a ``path`` (:func:`shared_lockout` gives ``<store>.auth.json``, beside the store), the
    counts live in that small JSON file, so a guesser spread over several ``streamlit run``
    processes behind a proxy gets no more tries than against one: every read-modify-write is
    made under this object's thread lock and an ``flock`` of the file, and times are wall-clock
    (``time.time``) since they cross processes. The file holds only counts and times per
    account key — never a password or a hash — and is created readable by its owner only.
    Without a path (``:memory:`` stores, tests), or when the file cannot be used (a folder that
    cannot be written, a file system without ``flock``: logged), the counts live in this
    process's memory as before.

    Not in the store: a failed sign-in must not write to the national record (every write bumps
    the data version every session's caches are keyed on), and the store may be held read-only.
    The key is the account, not the browser session, so opening new sessions does not reset the
    count; the price is that a guesser can keep the real analyst out for ``minutes`` at a time
    (the OIDC route has no such limit). Restarting the processes does not clear a shared
    lock-out (the file stays): deleting the file does, or waiting ``minutes``; an in-memory one
    is cleared by a restart.

    Attempts made at the same moment (many sessions submitting at once, in any of the
    processes) cannot compare more than ``max_failures`` passwords between lock-outs: each
    attempt takes a try before its password is compared (see :meth:`attempt`). A try in flight
    is recorded with its process id and start time; one whose process has ended (killed while
    comparing) or that is older than :data:`PENDING_MAX_SECONDS` is dropped, so it cannot hold
    a try for ever.
    """

    def __init__(self, max_failures: int, minutes: float,
                 clock: Callable[[], float] = time.time, path: str | os.PathLike | None = None):
        self.max_failures = max(1, int(max_failures))
        self.seconds = float(minutes) * 60
        self.path = Path(path) if path is not None else None
        self._clock = clock
        self._memory: dict = {}
        self._lock = threading.Lock()
        self._serial = itertools.count(1)

    # --- The state: {account key: {"failures", "locked_until", "pending": {token: flight}}} ---

    def _fall_back(self, error: OSError, accounts: dict | None = None) -> None:
        log.warning("sign-in lock-out kept in this process only (other processes serving the "
                    "store count their own tries): cannot use %s: %s", self.path, error)
        self.path = None
        if accounts is not None:
            self._memory = accounts

    def _open_locked(self) -> tuple[int, bytes] | None:
        """The file, open and flocked, with its text; None (fallen back to memory) if unusable."""
        if self.path is None:
            return None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as error:
            self._fall_back(error)
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return fd, _read_all(fd)
        except OSError as error:
            os.close(fd)
            self._fall_back(error)
            return None

    @contextmanager
    def _state(self) -> Iterator[dict]:
        """The accounts' state to read and change; written back (when changed) before the
        file's flock and the thread lock are let go."""
        with self._lock:
            opened = self._open_locked()
            if opened is None:
                yield self._memory
                return
            fd, raw = opened
            try:
                accounts = _parse_state(raw, self.path)
                before = copy.deepcopy(accounts)
                yield accounts
                if accounts != before:
                    try:
                        _write_state(fd, accounts, len(raw))
                    except OSError as error:
                        self._fall_back(error, accounts)
            finally:
                os.close(fd)  # lets the flock go

    def _remaining(self, entry: dict, now: float) -> float:
        """Seconds left on the entry's lock-out (an ended one is cleared with its count)."""
        until = entry.get("locked_until")
        if until is None:
            return 0.0
        left = until - now
        if left <= 0:
            entry.pop("locked_until", None)
            entry.pop("failures", None)
            return 0.0
        if left > self.seconds:  # the clock was set back: never longer than one lock-out
            entry["locked_until"] = now + self.seconds
            left = self.seconds
        return left

    @staticmethod
    def _drop_stale(entry: dict, now: float) -> None:
        pending = entry.get("pending", {})
        for token, flight in list(pending.items()):
            if (abs(now - flight["started"]) > PENDING_MAX_SECONDS
                    or (flight["host"] == _HOST and flight["pid"] != os.getpid()
                        and _process_gone(flight["pid"]))):
                del pending[token]

    @staticmethod
    def _put(accounts: dict, key: str, entry: dict) -> None:
        if not entry.get("pending"):
            entry.pop("pending", None)
        if entry:
            accounts[key] = entry
        else:
            accounts.pop(key, None)

    # --- The API ---------------------------------------------------------------------------

    def locked_seconds(self, key: str) -> float:
        """Seconds left on ``key``'s lock-out; 0 when it may try."""
        with self._state() as accounts:
            entry = accounts.get(key, {})
            left = self._remaining(entry, self._clock())
            self._put(accounts, key, entry)
            return left

    def attempt(self, key: str, check: Callable[[], bool]) -> Attempt:
        """Run ``check`` (the password comparison) unless ``key`` is locked; count the outcome.

        While locked the password is not even compared, so a right guess then reveals nothing.
        The try is taken before ``check`` runs, under the same locks as the count is read:
        checking takes half a second, and attempts that all read the count before any had
        recorded its failure would each be compared (the lock-out beaten by sending many at
        once). An attempt arriving while the tries in flight (in any process) could reach
        ``max_failures`` is refused uncompared (``busy``). A ``check`` that raises (a malformed
        hash: a setup error, not a guess) gives its try back.
        """
        token = f"{os.getpid()}-{next(self._serial)}"
        with self._state() as accounts:
            now = self._clock()
            entry = accounts.get(key, {})
            left = self._remaining(entry, now)
            self._drop_stale(entry, now)
            failures = entry.get("failures", 0)
            pending = entry.setdefault("pending", {})
            if left > 0:
                outcome = Attempt(False, left, failures)
            elif failures + len(pending) >= self.max_failures:
                outcome = Attempt(False, 0.0, failures, busy=True)
            else:
                pending[token] = {"pid": os.getpid(), "host": _HOST, "started": now}
                outcome = None
            self._put(accounts, key, entry)
        if outcome is not None:
            return outcome
        try:
            ok = bool(check())
        except BaseException:  # a malformed hash is a setup error, not a guess: no failure
            with self._state() as accounts:
                entry = accounts.get(key, {})
                entry.get("pending", {}).pop(token, None)
                self._put(accounts, key, entry)
            raise
        with self._state() as accounts:
            now = self._clock()
            entry = accounts.get(key, {})
            entry.get("pending", {}).pop(token, None)
            if ok:
                entry.pop("failures", None)
                outcome = Attempt(True)
            else:
                failures = entry.get("failures", 0) + 1
                entry["failures"] = failures
                if failures >= self.max_failures:
                    entry["locked_until"] = now + self.seconds
                    outcome = Attempt(False, self.seconds, failures)
                else:
                    outcome = Attempt(False, 0.0, failures)
            self._put(accounts, key, entry)
            return outcome


def _clear_file(path: Path) -> None:
    """Empty a lock-out file (if there is one) under its flock: no account then has a count."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.fsync(fd)
    except OSError as error:
        log.warning("could not clear the sign-in lock-out file %s: %s", path, error)
    finally:
        os.close(fd)


_SHARED: Lockout | None = None
_SHARED_GUARD = threading.Lock()


def shared_lockout() -> Lockout:
    """The lock-out for the local account shared by the processes serving the store (settings
    ``auth_max_failures``, ``auth_lockout_minutes`` and ``db_path``, read on first use): kept in
    ``<store>.auth.json`` beside the store, or in this process for a ``:memory:`` store."""
    global _SHARED
    with _SHARED_GUARD:
        if _SHARED is None:
            path = lockout_file(settings.db_path())
            if path is None:
                log.info("sign-in lock-out kept in this process only (the store is in memory)")
            _SHARED = Lockout(settings.get("auth_max_failures"),
                              settings.get("auth_lockout_minutes"), path=path)
        return _SHARED


def reset_shared_lockout() -> None:
    """Forget the lock-out (settings re-read on next use) and empty its shared file, the one
    in use and the one the settings now name; for tests."""
    global _SHARED
    with _SHARED_GUARD:
        paths = {lockout_file(settings.db_path())}
        if _SHARED is not None:
            paths.add(_SHARED.path)
        _SHARED = None
    for path in paths - {None}:
        _clear_file(path)


def check_local_password(password: str, encoded: str, lockout: Lockout | None = None,
                         key: str = LOCAL_ACCOUNT) -> Attempt:
    """Check the local analyst password against the stored hash, under the lock-out."""
    lockout = lockout or shared_lockout()
    return lockout.attempt(key, lambda: verify_password(password, encoded))
