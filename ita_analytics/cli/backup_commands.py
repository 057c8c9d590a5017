"""CLI commands ``backup DIR`` and ``restore DIR``: the whole store as Parquet files, and back."""

from __future__ import annotations

from ita_analytics import settings
from ita_analytics.cli import open_cli_store, print_json


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

    conn = open_cli_store(args)
    try:
        manifest = write_backup(conn, args.dir)
    finally:
        conn.close()
    rows = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    if args.json:
        print_json({"dir": args.dir, "schema_version": manifest["schema_version"], "tables": rows})
    else:
        print(f"สำรองข้อมูลแล้ว / backed up → {args.dir} (schema {manifest['schema_version']}): "
              f"{rows.get('agencies', 0):,} agencies, {rows.get('scores', 0):,} scores, "
              f"{len(rows)} tables")
    return 0


def cmd_restore(args) -> int:
    from ita_analytics.backup import restore_backup

    db_path = args.db or settings.db_path()
    summary = restore_backup(args.dir, db_path)
    if args.json:
        print_json({"dir": args.dir, "db": str(db_path), **summary})
    else:
        rows = summary["tables"]
        print(f"กู้คืนแล้ว / restored {args.dir} → {db_path} (schema {summary['schema_version']}"
              f" → {summary['migrated_to']}): {rows.get('agencies', 0):,} agencies, "
              f"{rows.get('scores', 0):,} scores")
        if summary["previous_backup"]:
            print(f"ฐานข้อมูลเดิมสำรองไว้ที่ / the replaced store was saved in "
                  f"{summary['previous_backup']}")
    return 0
