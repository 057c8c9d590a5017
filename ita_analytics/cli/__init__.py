"""Command line: ``python -m ita_analytics [--db PATH] COMMAND``.

Each module in this package that defines ``register(subparsers)`` adds its commands, so a
new command family is a new file here. Handlers return the exit code: 0 done, 1 refused
or failed with a message (Thai and English on stderr, never a traceback), 2 usage error
(argparse's own).

Building the parser imports every command module, so those modules import only the standard
library and light parts of the package at the top: pandas, DuckDB, matplotlib and the report
are imported inside the handlers (``--help`` then needs none of them, and ``show`` not the
report). A long implementation lives in a module whose name starts with an underscore (not
scanned here), named by :func:`lazy_handler`. tests/test_cli_speed.py holds that line.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import os
import pkgutil
import sys
from pathlib import Path

from ita_analytics import settings
from ita_analytics.errors import ItaError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ita_analytics",
        description="ITA Analytics: คะแนน ITA ของหน่วยงานภาครัฐ / Thai ITA scores, analysed.",
    )
    parser.add_argument("--db", help=f"store file (default {settings.db_path()}, env ITA_DB)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def lazy_handler(module: str, name: str):
    """A handler that imports ``module`` (of this package, e.g. "_analysis") only when its
    command runs, and calls its function ``name``."""
    def handler(args):
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(args)
    handler.__name__ = handler.__qualname__ = name
    handler.target = (module, name)
    return handler


def cli_store_path(args) -> str | None:
    """The store named on the command line: a command's own ``--db`` (``sub_db``, as the
    analysis and items commands take it after their name) wins over the global ``--db``;
    None for the configured one."""
    return getattr(args, "sub_db", None) or args.db


def open_cli_store(args):
    """The published version of the store named by ``--db`` (or the configured one),
    read-only: commands that only read run beside a running dashboard and each other
    (``store.versions``). A missing store is refused rather than made empty."""
    from ita_analytics import store

    return store.open_store(cli_store_path(args), read_only=True)


@contextlib.contextmanager
def reading_cli_store(args):
    """A context manager: :func:`open_cli_store`, closed when the block ends, however it
    ends. Read what is needed inside the block and print after it."""
    conn = open_cli_store(args)
    try:
        yield conn
    finally:
        conn.close()


def writing_cli_store(args, *, create: bool = False):
    """A context manager: the next version of the store named by ``--db``, read-write,
    published when the block ends without an error and something changed. Only ``init``
    passes ``create``: every other command refuses a missing store."""
    from ita_analytics import store

    return store.writing(cli_store_path(args), create=create)


def refuse_existing(path: Path, overwrite: bool) -> None:
    """Refuse an output path that is a folder, or an existing file unless ``overwrite``."""
    if path.is_dir():
        raise ItaError(f"{path} เป็นโฟลเดอร์ ระบุชื่อไฟล์ปลายทาง",
                       f"{path} is a folder; give a file name for --out")
    if path.exists() and not overwrite:
        raise ItaError(f"มีไฟล์ {path} อยู่แล้ว ไม่เขียนทับ (ใช้ --overwrite เพื่อเขียนทับ)",
                       f"{path} already exists; not overwritten (add --overwrite to replace it)")


def write_output(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a temporary file beside it, then
    renamed into place, so a failure never leaves a partial file. The folder is created when
    missing; a file already there is refused unless ``overwrite``."""
    refuse_existing(path, overwrite)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ItaError(f"{folder} เป็นไฟล์ ไม่ใช่โฟลเดอร์ จึงเขียน {path} ไม่ได้",
                       f"{folder} is a file, not a folder, so {path} cannot be written")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(temporary, "xb")  # closed below; removed on any failure
    except OSError as error:
        raise ItaError(f"สร้างไฟล์ {path} ไม่ได้ ({error.strerror})",
                       f"Cannot create {path} ({error.strerror})") from None
    try:
        with handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ItaError(f"เขียนไฟล์ {path} ไม่ได้ ({error.strerror})",
                           f"Cannot write {path} ({error.strerror})") from None
        raise


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


def emit(args, result, print_text, *, json_payload=None, flag: str = "json") -> int:
    """Print a command's result and return 0: as JSON when its ``--json`` flag (the argument
    named ``flag``) is set — ``result`` itself, or ``json_payload(result)`` when the JSON is
    shaped apart — otherwise ``print_text(result)`` for people."""
    if getattr(args, flag):
        print_json(result if json_payload is None else json_payload(result))
    else:
        print_text(result)
    return 0


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
    except BrokenPipeError:
        raise
    except OSError as error:  # a file the command could not read or write: say which
        name = error.filename or ""
        sys.stderr.write(f"อ่านหรือเขียนไฟล์ {name} ไม่ได้ ({error.strerror or error})\n"
                         f"Cannot read or write {name} ({error.strerror or error})\n")
        return 1
