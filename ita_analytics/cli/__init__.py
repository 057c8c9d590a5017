"""Command line: ``python -m ita_analytics [--db PATH] COMMAND``.

Each module in this package that defines ``register(subparsers)`` adds its commands, so a
new command family is a new file here. Handlers return the exit code: 0 done, 1 refused
or failed with a message, 2 usage error (argparse's own).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import pkgutil
import sys

from ita_analytics import settings, store
from ita_analytics.errors import ItaError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ita_analytics",
        description="ITA Analytics: คะแนน ITA ของหน่วยงานภาครัฐ / Thai ITA scores, analysed.",
    )
    parser.add_argument("--db", help=f"store file (default {settings.db_path()}, env ITA_DB)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def open_cli_store(args, *, read_only: bool = False, create: bool = False):
    """The store named by ``--db`` (or the configured one). Only ``init`` passes ``create``:
    every other command refuses a missing store rather than making an empty one."""
    return store.open_store(args.db, read_only=read_only, create=create)


def json_safe(value):
    """``value`` with every missing number (NaN, None, pandas' NA/NaT) as None and NumPy or
    pandas scalars as plain Python ones, so that the JSON is strict (no ``NaN``)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return str(value)


def print_json(value) -> None:
    """Strict JSON on stdout (missing is ``null``, never ``NaN``), Thai kept readable."""
    sys.stdout.write(json.dumps(json_safe(value), ensure_ascii=False, indent=2,
                                allow_nan=False) + "\n")


def parse_year_arg(text: str) -> int:
    """A ``--year`` value in B.E. or C.E., with Thai digits allowed."""
    from ita_analytics.thai import parse_year

    try:
        return parse_year(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ปีไม่ถูกต้อง: {text} / not a fiscal year: {text}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ItaError as error:
        sys.stderr.write(f"{error.message_th}\n{error.message_en}\n")
        return 1
