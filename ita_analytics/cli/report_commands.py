"""CLI: ``report`` — the agency's Thai analysis report (DOCX or XLSX), one agency or a province."""

from __future__ import annotations

import sys
from pathlib import Path

from ita_analytics import report
from ita_analytics.cli import parse_year_arg, reading_cli_store, refuse_existing, write_output
from ita_analytics.errors import ItaError
from ita_analytics.report.options import DIGIT_SYSTEMS


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="the agency's Thai analysis report (DOCX/XLSX); --province alone: all "
                       "agencies of a province into a folder")
    p.add_argument("--agency", help="agency name (อบต./ทต. abbreviations accepted)")
    p.add_argument("--province", help="province (with --agency: to tell same-named agencies apart)")
    p.add_argument("--year", required=True, type=parse_year_arg)
    p.add_argument("--out", required=True,
                   help="FILE.docx or FILE.xlsx for one agency; a folder for a province")
    p.add_argument("--format", choices=sorted(report.FORMATS), default=None,
                   help="file type in province mode (default docx)")
    p.add_argument("--peers", choices=[g.code for g in report.PEER_GROUPS], default="type",
                   help="peer group of the comparisons (default: same type nationwide)")
    p.add_argument("--digits", choices=DIGIT_SYSTEMS, default=DIGIT_SYSTEMS[0],
                   help="digits of the DOCX, every number alike (default thai: ๑๒๓; the XLSX "
                        "keeps 123)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace report files already there (refused otherwise)")
    p.set_defaults(handler=cmd_report)


def _format_of(path: Path) -> str:
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in report.FORMATS:
        raise ItaError(f"ระบุไฟล์ปลายทางเป็น .docx หรือ .xlsx: {path}",
                       f"--out must end in .docx or .xlsx: {path}")
    return fmt


def cmd_report(args) -> int:
    if not args.agency and not args.province:
        raise ItaError("ระบุ --agency หรือ --province", "Give --agency or --province")
    if args.agency:  # refused before the store is read
        refuse_existing(Path(args.out), args.overwrite)
    elif Path(args.out).exists() and not Path(args.out).is_dir():
        raise ItaError(f"โหมดจังหวัดต้องระบุ --out เป็นโฟลเดอร์ แต่ {args.out} เป็นไฟล์",
                       f"With --province alone, --out is a folder, but {args.out} is a file")
    with reading_cli_store(args) as conn:
        if args.agency:
            return _one_agency(conn, args)
        return _province(conn, args)


def _one_agency(conn, args) -> int:
    from ita_analytics import store
    from ita_analytics.agencies import find_agency

    out = Path(args.out)
    fmt = args.format or _format_of(out)
    match = find_agency(store.load_agency_keys(conn), args.agency, args.province)
    data = report.load_report_data(conn, match.agency_id, args.year, peers=args.peers,
                                   digits=args.digits)
    write_output(out, report.render(data, fmt), overwrite=args.overwrite)
    print(f"{data.name} ({data.province or '-'}) ปี {data.year} → {out}", file=sys.stderr)
    return 0


def _province(conn, args) -> int:
    from ita_analytics import store
    from ita_analytics.geo import clean_province

    province = clean_province(args.province)
    fmt = args.format or "docx"
    out_dir = Path(args.out)
    if out_dir.suffix.lower() in (".docx", ".xlsx"):
        raise ItaError("โหมดจังหวัดต้องระบุ --out เป็นโฟลเดอร์", "With --province alone, --out is a folder")
    # One load for the whole province: every agency of the year (peers) and the province's history.
    year_rows = store.load_results(conn, years=[args.year])
    ids = year_rows.loc[year_rows["province"] == province, "agency_id"].tolist()
    if not ids:
        raise ItaError(f"ไม่มีผลการประเมินของหน่วยงานในจังหวัด{province} ปี {args.year}",
                       f"No results for agencies in {province} in {args.year}")
    results = report.load_report_results(conn, ids, args.year)
    reports: dict[str, report.ReportData] = {}
    for agency_id in ids:
        data = report.build_report_data(results, agency_id, args.year, peers=args.peers,
                                        digits=args.digits)
        name = report.report_file_name(data, fmt)
        if name in reports:  # two agencies of one name in a province: keep both files
            name = name.replace(f".{fmt}", f"_{agency_id}.{fmt}")
        reports[name] = data
    for name in reports:  # every file checked before any is written
        refuse_existing(out_dir / name, args.overwrite)
    for k, (name, data) in enumerate(reports.items(), 1):
        path = out_dir / name
        write_output(path, report.render(data, fmt), overwrite=args.overwrite)
        print(f"[{k}/{len(ids)}] {data.name} → {path.name}", file=sys.stderr, flush=True)
    print(f"{len(ids)} ไฟล์ / files → {out_dir}", file=sys.stderr)
    return 0
