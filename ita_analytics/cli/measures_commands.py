"""CLI: ``measures list | import | effect | undo`` — agencies' measures (มาตรการ)."""

from __future__ import annotations

from pathlib import Path

from ita_analytics.cli import emit, parse_year_arg, reading_cli_store, writing_cli_store
from ita_analytics.errors import ItaError


def register(sub) -> None:
    p = sub.add_parser("measures", help="measures (มาตรการ) agencies take to raise their scores")
    msub = p.add_subparsers(dest="measures_command", required=True, metavar="SUBCOMMAND")

    q = msub.add_parser("list", help="an agency's measures")
    q.add_argument("--agency", required=True, help="agency name (อบต./ทต. abbreviations accepted)")
    q.add_argument("--province")
    q.add_argument("--year", type=parse_year_arg)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_list)

    q = msub.add_parser("import", help="import a measures spreadsheet (.xlsx or .csv)")
    q.add_argument("file")
    q.add_argument("--year", type=parse_year_arg, help="fiscal year for rows that give none")
    q.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_import)

    q = msub.add_parser("effect", help="indicator change with vs without a linked measure")
    q.add_argument("--indicator", required=True, type=int, choices=range(1, 11), metavar="N")
    q.add_argument("--from", dest="year_from", required=True, type=parse_year_arg)
    q.add_argument("--to", dest="year_to", required=True, type=parse_year_arg)
    q.add_argument("--measure-year", type=parse_year_arg,
                   help="fiscal year of the measures counted (default: --from)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_effect)

    q = msub.add_parser("undo", help="undo a measures import")
    q.add_argument("import_id", type=int)
    q.set_defaults(handler=cmd_undo)


def _month(value) -> str | None:
    return None if value is None or str(value) == "NaT" else str(value.date())


def list_payload(conn, agency: str, province: str | None, year: int | None) -> dict:
    from ita_analytics import store
    from ita_analytics.agencies import find_agency
    from ita_analytics.store import measures as measure_store

    """What ``measures list --json`` prints."""
    match = find_agency(store.load_agency_keys(conn), agency, province)
    frame = measure_store.load_measures(conn, agency_ids=[match.agency_id],
                                        years=None if year is None else [year])
    measures = [{
        "id": int(m.measure_id), "year": int(m.year), "title": m.title, "kind": m.kind,
        "indicators": list(m.indicators), "issue": m.issue, "steps": m.steps,
        "period": m.period_text, "start_month": _month(m.start_month),
        "end_month": _month(m.end_month), "responsible": m.responsible, "status": m.status,
        "output": m.output, "outcome": m.outcome,
        "target": None if m.target_to != m.target_to else {
            "indicator": None if m.target_indicator is None or str(m.target_indicator) == "<NA>"
            else int(m.target_indicator),
            "from": None if m.target_from != m.target_from else float(m.target_from),
            "to": float(m.target_to)},
        "source": m.source,
    } for m in frame.itertuples(index=False)]
    return {"agency": {"id": match.agency_id, "name": match.name, "province": match.province},
            "year": year, "count": len(measures), "measures": measures}


def cmd_list(args) -> int:
    with reading_cli_store(args) as conn:
        payload = list_payload(conn, args.agency, args.province, args.year)
    return emit(args, payload, _print_list)


def _print_list(payload: dict) -> None:
    print(f"{payload['agency']['name']} ({payload['agency']['province']}): "
          f"{payload['count']} มาตรการ / measures")
    for m in payload["measures"]:
        indicators = ",".join(map(str, m["indicators"])) or "-"
        print(f"[{m['id']}] {m['year']} {m['kind']} | ตัวชี้วัด {indicators} | "
              f"{m['status'] or '-'} | {m['title']}")


def cmd_import(args) -> int:
    from ita_analytics.importer.measures import analyse_measures_file, commit_measures

    path = Path(args.file)
    if not path.is_file():
        raise ItaError(f"ไม่พบไฟล์ {path}", f"No file {path}")
    from ita_analytics.cli.import_commands import read_import_file

    content = read_import_file(path)  # refused by its size before it is read, as scores are
    with writing_cli_store(args) as conn:
        plan = analyse_measures_file(conn, content, path.name, args.year)
        status = "rejected" if plan.errors else ("unchanged" if plan.unchanged_import_id
                                                 else "valid" if args.dry_run else "committed")
        import_id = plan.unchanged_import_id
        if status == "committed":
            import_id = commit_measures(conn, plan)
    payload = {"status": status, "import_id": import_id, "rows": len(plan.rows),
               "agencies": int(plan.rows["agency_id"].nunique()) if len(plan.rows) else 0,
               "warnings": [w.as_dict() for w in plan.warnings],
               "errors": [e.as_dict() for e in plan.errors]}
    emit(args, payload, lambda p: _print_import(p, plan.errors + plan.warnings))
    return 1 if status == "rejected" else 0


def _print_import(payload: dict, issues) -> None:
    for issue in issues:
        print(f"{issue.sheet}!{issue.column}{issue.row} {issue.code}: "
              f"{issue.message_th} / {issue.message_en}")
    print(f"{payload['status']}: {payload['rows']} rows, import {payload['import_id']}")


def cmd_effect(args) -> int:
    from ita_analytics import store
    from ita_analytics.analysis.measures import compute_measure_effect
    from ita_analytics.store import measures as measure_store

    with reading_cli_store(args) as conn:
        results = store.load_results(conn, years=[args.year_from, args.year_to])
        measures = measure_store.load_measures(conn, years=[args.measure_year or args.year_from])
    effect = compute_measure_effect(results, measures, args.indicator, args.year_from,
                                    args.year_to, args.measure_year)
    return emit(args, effect, _print_effect, json_payload=lambda e: e.as_dict())


def _print_effect(effect) -> None:
    for row in effect.groups.itertuples(index=False):
        print(f"{row.group}: n={row.n} mean change {row.mean_change:.2f}")
    print(effect.note_th)
    print(effect.note_en)


def cmd_undo(args) -> int:
    from ita_analytics.importer.measures import undo_measures

    with writing_cli_store(args) as conn:
        removed = undo_measures(conn, args.import_id)
    print(f"ยกเลิกการนำเข้า {args.import_id} แล้ว ลบ {removed} มาตรการ / "
          f"import {args.import_id} undone, {removed} measures removed")
    return 0
