"""CLI command ``hash-password``: the secrets line for the dashboard's local analyst password."""

from __future__ import annotations

import getpass
import sys

from ita_analytics.errors import ItaError


def register(sub) -> None:
    p = sub.add_parser(
        "hash-password",
        help="print the [auth] line to paste into .streamlit/secrets.toml for the analyst password")
    p.add_argument("--stdin", action="store_true",
                   help="read the password from standard input (one line) instead of asking")
    p.set_defaults(handler=cmd_hash_password)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("รหัสผ่านผู้วิเคราะห์ / analyst password: ")
    again = getpass.getpass("พิมพ์อีกครั้ง / again: ")
    if first != again:
        raise ItaError("รหัสผ่านสองครั้งไม่ตรงกัน", "The two passwords differ")
    return first


def cmd_hash_password(args) -> int:
    from ita_analytics.auth import MIN_PASSWORD_LENGTH, hash_password, secrets_line

    password = _read_password(args.stdin)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ItaError(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร",
                       f"The password needs at least {MIN_PASSWORD_LENGTH} characters")
    sys.stderr.write("วางบรรทัดต่อไปนี้ใน .streamlit/secrets.toml (อย่าเก็บรหัสผ่านเอง) / "
                     "paste these lines into .streamlit/secrets.toml (never the password):\n")
    print(secrets_line(hash_password(password)))
    return 0
