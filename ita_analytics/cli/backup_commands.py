"""CLI commands ``backup DIR`` and ``restore DIR``: the whole store as Parquet files, and back."""

from __future__ import annotations

from ita_analytics import settings
from ita_analytics.cli import emit, reading_cli_store


def register(sub) -> None:
    p = sub.add_parser("backup", help="write the whole store to a new folder (Parquet per table)")
    p.add_argument("dir", metavar="DIR", help="a new or empty folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", help="replace the store with a backup folder (all or nothing)")
    p.add_argument("dir", metavar="DIR", help="a folder written by the backup command")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_restore)


def cmd_backup(args) -> int:
    from ita_analytics.backup import write_backup

    with reading_cli_store(args) as conn:
        manifest = write_backup(conn, args.dir)
    rows = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    payload = {"dir": args.dir, "schema_version": manifest["schema_version"], "tables": rows}
    return emit(args, payload, _print_backup)


def _print_backup(payload: dict) -> None:
    rows = payload["tables"]
    print(f"สำรองข้อมูลแล้ว / backed up → {payload['dir']} (schema {payload['schema_version']}): "
          f"{rows.get('agencies', 0):,} agencies, {rows.get('scores', 0):,} scores, "
          f"{len(rows)} tables")


def cmd_restore(args) -> int:
    from ita_analytics.backup import restore_backup

    db_path = args.db or settings.db_path()
    summary = restore_backup(args.dir, db_path)
    return emit(args, {"dir": args.dir, "db": str(db_path), **summary}, _print_restore)


def _print_restore(payload: dict) -> None:
    rows = payload["tables"]
    print(f"กู้คืนแล้ว / restored {payload['dir']} → {payload['db']} (schema "
          f"{payload['schema_version']} → {payload['migrated_to']}): "
          f"{rows.get('agencies', 0):,} agencies, {rows.get('scores', 0):,} scores")
    if payload["previous_backup"]:
        print(f"ฐานข้อมูลเดิมสำรองไว้ที่ / the replaced store was saved in "
              f"{payload['previous_backup']}")
