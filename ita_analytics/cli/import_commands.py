"""CLI commands for score files: import, history, undo."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from ita_analytics import settings
from ita_analytics.cli import emit, parse_year_arg, reading_cli_store, writing_cli_store


def register(sub) -> None:
    p = sub.add_parser("import", help="import a score spreadsheet (.xlsx or .csv)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--year", type=parse_year_arg,
                   help="fiscal year (B.E. or C.E.) when the file names none")
    p.add_argument("--replace", action="store_true",
                   help="replace scores already stored for the same agencies and years")
    p.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--accept-suggestions", action="store_true",
                       help="match near names to the suggested agencies")
    group.add_argument("--create-new", action="store_true",
                       help="create new agencies for near names instead")
    p.add_argument("--map", dest="maps", action="append", default=[], metavar="HEADER=ROLE",
                   help="set a column's meaning by its header, e.g. --map \"ตัวชี้วัด ก=1\" "
                        "(roles: name, province, district, type, code, year, 1…10, IIT, EIT, "
                        "OIT, total, level, ignore); repeatable")
    p.add_argument("--mapping", metavar="FILE.json",
                   help="a JSON object of header → role, as --map")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("history", help="imports made, newest first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_history)

    p = sub.add_parser("undo", help="undo an import, restoring the data before it")
    p.add_argument("import_id", metavar="IMPORT_ID", type=int)
    p.set_defaults(handler=cmd_undo)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers; the record then says none
        return None


def _print_issue(prefix: str, issue: dict, file_name: str) -> None:
    place = " ".join(str(part) for part in (
        file_name,
        issue["sheet"] and f"ชีต/sheet {issue['sheet']}",
        issue["row"] and f"แถว/row {issue['row']}",
        issue["column"] and f"คอลัมน์/column {issue['column']}") if part)
    location = f" [{place}]" if place else ""
    print(f"{prefix} {issue['code']}{location}: {issue['message_th']}\n"
          f"    {issue['message_en']}")


def read_import_file(path: Path) -> bytes:
    """The file's bytes, refused by its size before it is read (setting ``upload_max_mb``):
    at most the limit and one byte more are ever read, even from a file that grows."""
    from ita_analytics.importer import ImportRejected

    limit_mb = settings.get("upload_max_mb")
    limit = int(limit_mb * 1_048_576)
    size = path.stat().st_size
    if size <= limit:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
        size = max(size, len(data))
    if size > limit:
        raise ImportRejected(
            "too_large",
            f"ไฟล์ {path.name} มีขนาด {size / 1_048_576:.1f} MB เกินขีดจำกัด {limit_mb} MB "
            "ไม่ได้นำเข้า (ตั้งค่า ITA_UPLOAD_MAX_MB)",
            f"The file {path.name} is {size / 1_048_576:.1f} MB, over the {limit_mb} MB limit; "
            "not imported (setting ITA_UPLOAD_MAX_MB)")
    return data


def parse_mapping(maps: list[str], mapping_file: str | None) -> dict[str, str] | None:
    """The mapping by header text of ``--mapping FILE.json`` and ``--map HEADER=ROLE``
    (later ones win); :class:`ItaError` naming a role that does not exist."""
    from ita_analytics.errors import ItaError
    from ita_analytics.importer.recognise import ROLE_LABELS, role_from_text

    pairs: list[tuple[str, str]] = []
    if mapping_file:
        try:
            loaded = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ItaError(f"อ่านไฟล์การจับคู่คอลัมน์ {mapping_file} ไม่ได้: {error}",
                           f"Cannot read the mapping file {mapping_file}: {error}") from None
        if not isinstance(loaded, dict):
            raise ItaError(f"ไฟล์ {mapping_file} ต้องเป็น JSON object หัวคอลัมน์ → ความหมาย",
                           f"{mapping_file} must be a JSON object of header → role")
        pairs += [(str(k), str(v)) for k, v in loaded.items()]
    for item in maps:
        header, sep, role = item.rpartition("=")
        if not sep or not header.strip():
            raise ItaError(f"--map \"{item}\" ต้องเป็น หัวคอลัมน์=ความหมาย",
                           f"--map \"{item}\" must be HEADER=ROLE")
        pairs.append((header.strip(), role.strip()))
    if not pairs:
        return None
    out = {}
    for header, text in pairs:
        role = role_from_text(text)
        if role is None:
            known = ", ".join(r for r in ROLE_LABELS if r not in ("seq",))
            raise ItaError(f"ไม่รู้จักความหมายคอลัมน์ \"{text}\" (ที่รู้จัก: {known}, 1–10)",
                           f"Unknown column role \"{text}\" (known: {known}, 1–10)")
        out[header] = role
    return out


def cmd_import(args) -> int:
    from ita_analytics.importer import analyse_file, commit_plan

    path = Path(args.file)
    if not path.is_file():
        sys.stderr.write(f"ไม่พบไฟล์ {path}\nNo such file: {path}\n")
        return 2
    mapping = parse_mapping(args.maps, args.mapping)
    data = read_import_file(path)
    # Analysed on the copy the commit writes (a dry run or a refused file changes nothing, so
    # no version is published): what was checked is what is written.
    with writing_cli_store(args) as conn:
        plan = analyse_file(conn, data, path.name, year=args.year, replace=args.replace,
                            accept_suggestions=args.accept_suggestions,
                            create_new=args.create_new, mapping=mapping)
        if args.dry_run or plan.status != "valid":
            payload = plan.to_json()
        else:
            payload = commit_plan(conn, plan, user=_user()).to_json()
    emit(args, payload, lambda p: _print_summary(p, args.dry_run, path.name))
    return 1 if payload["status"] == "rejected" else 0


def _print_summary(payload: dict, dry_run: bool, file_name: str) -> None:
    for issue in payload["errors"]:
        _print_issue("ข้อผิดพลาด/ERROR", issue, file_name)
    for issue in payload["warnings"]:
        _print_issue("คำเตือน/warning", issue, file_name)
    status = payload["status"]
    counts = (f"ปี/year {payload['year'] or '-'}, {payload['rows']} แถว/rows, "
              f"{payload['agencies']} หน่วยงาน/agencies, {payload['new_agencies']} ใหม่/new, "
              f"{payload['replaced_scores']} คะแนนที่แทนที่/replaced scores")
    coverage = payload.get("coverage")
    if coverage:
        print(f"ครอบคลุม {coverage['agencies']:,} จาก {coverage['expected']:,} หน่วยงานของปี "
              f"{coverage['year']} ({100 * coverage['share']:.1f}%) / this file covers "
              f"{coverage['agencies']:,} of {coverage['expected']:,} agencies of "
              f"{coverage['year']}")
    if status == "committed":
        print(f"นำเข้าแล้ว (หมายเลข {payload['import_id']}) / committed as import "
              f"{payload['import_id']}: {counts}")
    elif status == "valid":
        print(f"ไฟล์ถูกต้อง{' (ทดลอง ไม่ได้บันทึก)' if dry_run else ''} / valid"
              f"{' (dry run, nothing written)' if dry_run else ''}: {counts}")
    elif status == "unchanged":
        print(f"ไฟล์นี้นำเข้าแล้ว (หมายเลข {payload['import_id']}) ไม่มีการเปลี่ยนแปลง / already "
              f"imported as import {payload['import_id']}; nothing changed")
    else:
        print(f"ไม่นำเข้า มีข้อผิดพลาด {len(payload['errors'])} รายการ ไม่มีการบันทึกข้อมูลใด / "
              f"rejected with {len(payload['errors'])} errors; nothing was written")


def cmd_history(args) -> int:
    from ita_analytics.importer import load_history

    with reading_cli_store(args) as conn:
        history = load_history(conn)
    return emit(args, history, _print_history, json_payload=_history_records)


def _history_records(history) -> list[dict]:
    """``history --json``: one record per import, times as text, counts as integers."""
    records = []
    for row in history.itertuples(index=False):
        record = row._asdict()
        for key in ("created_at", "undone_at"):
            value = record[key]
            record[key] = None if value is None or str(value) == "NaT" else str(value)
        for key in ("year", "rows", "agencies", "new_agencies", "replaced_scores", "import_id"):
            value = record[key]
            record[key] = None if value is None or str(value) in ("nan", "<NA>") else int(value)
        records.append(record)
    return records


def _print_history(history) -> None:
    if history.empty:
        print("ยังไม่มีการนำเข้า / no imports yet")
        return
    for row in history.itertuples(index=False):
        year = "-" if str(row.year) in ("nan", "<NA>", "None") else int(row.year)
        print(f"{row.import_id:>4}  {row.status:<9}  {str(row.created_at)[:19]}  {year}  "
              f"{row.rows} rows  {row.new_agencies} new  {row.replaced_scores} replaced  "
              f"{row.file_name}  {row.user_name or ''}")


def cmd_undo(args) -> int:
    from ita_analytics.importer import undo_import

    with writing_cli_store(args) as conn:
        counts = undo_import(conn, args.import_id, user=_user())
    if counts.get("kind") == "measures":
        print(f"ยกเลิกการนำเข้ามาตรการ {counts['import_id']} แล้ว / measures import "
              f"{counts['import_id']} undone: {counts['measures_removed']} measures removed")
        return 0
    print(f"ยกเลิกการนำเข้า {counts['import_id']} แล้ว / import {counts['import_id']} undone: "
          f"{counts['scores_removed']} scores removed, {counts['scores_restored']} restored, "
          f"{counts['agencies_removed']} agencies removed")
    return 0
