"""Who may write: the analyst role from an OIDC account or the local analyst password, with lock-out.

Pure logic (no Streamlit): the dashboard's ``dashboard/auth_ui.py`` reads the secrets and the
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
import hashlib
import hmac
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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


class Lockout:
    """Repeated failures lock an account for a while; kept in process memory.

    Process memory, not the store: a failed sign-in must not write to the national record
    (every write bumps the data version every session's caches are keyed on), and the store
    may be held read-only. The key is the account, not the browser session, so opening new
    sessions does not reset the count; the price is that a guesser can keep the real analyst
    out for ``minutes`` at a time (the OIDC route has no such limit). A server restart clears
    the count — restarting needs access to the server, which already holds the secrets.

    Attempts made at the same moment (many sessions submitting at once) cannot compare more
    than ``max_failures`` passwords between lock-outs: each attempt takes a try before its
    password is compared (see :meth:`attempt`).
    """

    def __init__(self, max_failures: int, minutes: float,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures = max(1, int(max_failures))
        self.seconds = float(minutes) * 60
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_seconds(self, key: str) -> float:
        """Seconds left on ``key``'s lock-out; 0 when it may try."""
        with self._lock:
            return self._remaining(key)

    def _remaining(self, key: str) -> float:
        until = self._locked_until.get(key)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._locked_until[key]
            self._failures.pop(key, None)
            return 0.0
        return left

    def attempt(self, key: str, check: Callable[[], bool]) -> Attempt:
        """Run ``check`` (the password comparison) unless ``key`` is locked; count the outcome.

        While locked the password is not even compared, so a right guess then reveals nothing.
        The try is taken before ``check`` runs, under the same lock as the count is read:
        checking takes half a second, and attempts that all read the count before any had
        recorded its failure would each be compared (the lock-out beaten by sending many at
        once). An attempt arriving while the tries in flight could reach ``max_failures`` is
        refused uncompared (``busy``).
        """
        with self._lock:
            left = self._remaining(key)
            failures = self._failures.get(key, 0)
            if left > 0:
                return Attempt(False, left, failures)
            pending = self._pending.get(key, 0)
            if failures + pending >= self.max_failures:
                return Attempt(False, 0.0, failures, busy=True)
            self._pending[key] = pending + 1
        try:
            ok = bool(check())
        except BaseException:  # a malformed hash is a setup error, not a guess: no failure
            with self._lock:
                self._release(key)
            raise
        with self._lock:
            self._release(key)
            if ok:
                self._failures.pop(key, None)
                return Attempt(True)
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            if failures >= self.max_failures:
                self._locked_until[key] = self._clock() + self.seconds
                return Attempt(False, self.seconds, failures)
            return Attempt(False, 0.0, failures)

    def _release(self, key: str) -> None:
        self._pending[key] -= 1
        if not self._pending[key]:
            del self._pending[key]


_SHARED: Lockout | None = None
_SHARED_GUARD = threading.Lock()


def shared_lockout() -> Lockout:
    """The server's lock-out for the local account (settings ``auth_max_failures`` and
    ``auth_lockout_minutes``, read on first use)."""
    global _SHARED
    with _SHARED_GUARD:
        if _SHARED is None:
            _SHARED = Lockout(settings.get("auth_max_failures"),
                              settings.get("auth_lockout_minutes"))
        return _SHARED


def reset_shared_lockout() -> None:
    """Forget the server's lock-out (settings re-read on next use); for tests and restarts."""
    global _SHARED
    with _SHARED_GUARD:
        _SHARED = None


def check_local_password(password: str, encoded: str, lockout: Lockout | None = None,
                         key: str = LOCAL_ACCOUNT) -> Attempt:
    """Check the local analyst password against the stored hash, under the lock-out."""
    lockout = lockout or shared_lockout()
    return lockout.attempt(key, lambda: verify_password(password, encoded))
