"""CLI commands on the store itself: init, show, export."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ita_analytics.cli import (
    emit,
    parse_year_arg,
    reading_cli_store,
    refuse_existing,
    write_output,
    writing_cli_store,
)
from ita_analytics.errors import ItaError

EXPORT_FORMATS = ("csv", "xlsx", "parquet")


def register(sub) -> None:
    p = sub.add_parser("init", help="create or migrate the store (idempotent)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", help="fill an empty store with demo data")
    group.add_argument("--empty", action="store_true", help="create an empty store (default)")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("show", help="one agency's scores for a year")
    p.add_argument("--agency", required=True, help="agency name (อบต./ทต. abbreviations accepted)")
    p.add_argument("--province")
    p.add_argument("--year", required=True, type=parse_year_arg)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("export", help="the long table of scores")
    p.add_argument("--year", type=parse_year_arg)
    p.add_argument("--format", choices=EXPORT_FORMATS)
    p.add_argument("--out", default="-",
                   help="file; a folder (scores[-YEAR].FORMAT written into it, CSV unless "
                        "--format); or - for standard output (CSV only)")
    p.set_defaults(handler=cmd_export)


def cmd_init(args) -> int:
    from ita_analytics import store
    from ita_analytics.demo.generator import load_demo
    from ita_analytics.demo.labels import DEMO_LABEL_EN

    with writing_cli_store(args, create=True) as conn:
        if args.demo:
            if store.count_agencies(conn):
                print(f"ฐานข้อมูลมีข้อมูลอยู่แล้ว ไม่ได้เพิ่มข้อมูลสาธิต / store already has data; "
                      f"demo not added (schema {store.SCHEMA_VERSION})")
                return 0
            counts = load_demo(conn)
            print(f"สร้างฐานข้อมูลพร้อมข้อมูลสาธิต / demo store built: {counts['agencies']} agencies, "
                  f"{counts['scores']} scores. {DEMO_LABEL_EN}")
        else:
            print(f"ฐานข้อมูลพร้อมใช้งาน / store ready (schema {store.SCHEMA_VERSION})")
    return 0


def find_one_agency(conn, name: str, province: str | None):
    """``agencies.find_agency`` reading only the keys of ``name`` (every key only when it
    matches none, for the near names): the whole key table was a third of ``show``'s work."""
    from ita_analytics import store
    from ita_analytics.agencies import find_agency
    from ita_analytics.errors import AgencyNotFound
    from ita_analytics.store.agency_lookup import load_agency_keys_named
    from ita_analytics.thai import normalize_agency_name

    try:
        return find_agency(load_agency_keys_named(conn, [normalize_agency_name(name)]), name,
                           province)
    except AgencyNotFound:
        return find_agency(store.load_agency_keys(conn), name, province)


_SHOWN_RESULT = ("i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9", "i10", "IIT", "EIT",
                 "OIT", "total", "level", "passed", "basis", "reported_total", "reported_level",
                 "source")
_SHOWN_AGENCY = ("name", "agency_type", "province", "district")


def _plain_float(value) -> float | None:
    return None if value is None or value != value else float(value)


def quick_show_payload(conn, agency_name: str, province: str | None, year: int) -> dict | None:
    """:func:`show_payload` read as plain rows, without pandas, for the usual case: one agency
    of exactly that name (in ``province`` when given) with a result for ``year``. None for
    anything else — a near name, a name shared by several agencies, no result that year, or
    an agency column missing in some of the name's rows but not all — which
    :func:`show_payload`'s own way answers, with its messages. Importing pandas was most of
    ``show``'s time (issue 18 #10: 0.7 s end to end)."""
    from ita_analytics.domain import INDICATOR_NUMBERS, TOOL_CODES
    from ita_analytics.store.agency_lookup import agency_key_rows_named, agency_result_row
    from ita_analytics.thai import normalize_agency_name

    key = normalize_agency_name(agency_name)
    rows = agency_key_rows_named(conn, [key])
    # find_agency reads these rows as a frame, where a text column with some missing values
    # holds NaN rather than None: such rows are left to it.
    if any(len({row[c] is None for row in rows}) > 1 for c in _SHOWN_AGENCY):
        return None
    hits = [row for row in rows if row["key"] == key]
    if province:
        from ita_analytics.geo import clean_province

        place = clean_province(province)
        hits = [row for row in hits if row["province"] == place]
    if len({row["agency_id"] for row in hits}) != 1:
        return None
    agency = hits[0]
    row = agency_result_row(conn, agency["agency_id"], year, _SHOWN_RESULT)
    if row is None:
        return None
    return {
        "agency": {"id": int(agency["agency_id"]), "name": agency["name"],
                   "type": agency["agency_type"], "province": agency["province"],
                   "district": agency["district"]},
        "year": year,
        "indicators": {str(n): _plain_float(row[f"i{n}"]) for n in INDICATOR_NUMBERS},
        "tools": {code: _plain_float(row[code]) for code in TOOL_CODES},
        "total": _plain_float(row["total"]),
        "level": row["level"],
        "passed": None if row["passed"] is None else bool(row["passed"]),
        "basis": row["basis"] if isinstance(row["basis"], str) else None,
        "reported_total": _plain_float(row["reported_total"]),
        "reported_level": row["reported_level"] if isinstance(row["reported_level"], str) else None,
        "source": row["source"],
    }


def show_payload(conn, agency_name: str, province: str | None, year: int) -> dict:
    """What ``show`` prints, as a dict (keys fixed by issue 2)."""
    quick = quick_show_payload(conn, agency_name, province, year)
    if quick is not None:
        return quick
    from ita_analytics import store
    from ita_analytics.domain import INDICATOR_NUMBERS, TOOL_CODES

    match = find_one_agency(conn, agency_name, province)
    frame = store.load_results(conn, years=[year], agency_ids=[match.agency_id])
    if frame.empty:
        years = store.load_results(conn, agency_ids=[match.agency_id], indicators=False)["year"]
        known = ", ".join(str(y) for y in sorted(set(years))) or "-"
        raise ItaError(
            f"ไม่มีผลการประเมินของ {match.name} ปี {year} (มีปี: {known})",
            f"No results for {match.name} in {year} (years with data: {known})",
        )
    row = frame.iloc[0]
    return {
        "agency": {"id": match.agency_id, "name": match.name, "type": match.agency_type,
                   "province": match.province, "district": match.district},
        "year": year,
        "indicators": {str(n): store.as_float(row[f"i{n}"]) for n in INDICATOR_NUMBERS},
        "tools": {code: store.as_float(row[code]) for code in TOOL_CODES},
        "total": store.as_float(row["total"]),
        "level": row["level"],
        "passed": None if row["passed"] is None or str(row["passed"]) == "<NA>" else bool(row["passed"]),
        "basis": row["basis"] if isinstance(row.get("basis"), str) else None,
        "reported_total": store.as_float(row["reported_total"]),
        "reported_level": row["reported_level"] if isinstance(row["reported_level"], str) else None,
        "source": row["source"],
    }


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def cmd_show(args) -> int:
    with reading_cli_store(args) as conn:
        payload = show_payload(conn, args.agency, args.province, args.year)
    return emit(args, payload, _print_show)


def _print_show(payload: dict) -> None:
    from ita_analytics.domain import BASIS_LABELS, INDICATOR_BY_NUMBER, INDICATOR_NUMBERS

    a = payload["agency"]
    print(f"{a['name']}  {a['type']}  อ.{a['district'] or '-'} จ.{a['province'] or '-'}  "
          f"ปีงบประมาณ {payload['year']}")
    for n in INDICATOR_NUMBERS:
        ind = INDICATOR_BY_NUMBER[n]
        print(f"  {n:>2} {ind.name_th:<28} {ind.tool}  {_fmt(payload['indicators'][str(n)])}")
    tools = "  ".join(f"{k} {_fmt(v)}" for k, v in payload["tools"].items())
    print(f"  {tools}")
    print(f"  คะแนนรวม / total {_fmt(payload['total'])}  ระดับ / level {payload['level'] or '-'}")
    if payload["basis"]:
        th, en = BASIS_LABELS[payload["basis"]]
        print(f"  อิงจาก / rests on: {th} / {en}")
    if payload["reported_total"] is not None or payload["reported_level"]:
        print(f"  ที่รายงาน / reported: {_fmt(payload['reported_total'])} "
              f"{payload['reported_level'] or ''}")
    print(f"  แหล่งที่มา / source: {payload['source']}")


def export_target(out: str, fmt: str | None, year: int | None) -> tuple[Path | None, str]:
    """Where ``export`` writes and in which format: (None, "csv") for standard output; an
    existing folder, or a path ending in a separator, gets ``scores[-YEAR].FORMAT`` inside."""
    if out == "-":
        if fmt not in (None, "csv"):
            raise ItaError("ส่งออกทางหน้าจอได้เฉพาะ CSV", "Only CSV can be written to standard output")
        return None, "csv"
    path = Path(out)
    if path.is_dir() or out.endswith(("/", os.sep)):
        fmt = fmt or "csv"
        return path / f"scores{'' if year is None else f'-{year}'}.{fmt}", fmt
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise ItaError(
            f"ไม่รู้จักรูปแบบไฟล์ของ {out}: ให้ชื่อไฟล์ลงท้ายด้วย .csv .xlsx หรือ .parquet "
            "หรือระบุ --format",
            f"Unknown file type for {out}: end it in .csv, .xlsx or .parquet, or give --format")
    return path, fmt


def cmd_export(args) -> int:
    out, fmt = export_target(args.out, args.format, args.year)
    if out is not None:
        refuse_existing(out, overwrite=True)  # before the store is read
    from ita_analytics import store
    from ita_analytics.exports import export_bytes

    with reading_cli_store(args) as conn:
        frame = store.load_scores_long(conn, year=args.year)
    if out is None:
        sys.stdout.buffer.write(export_bytes(frame, "csv", bom=False))
        sys.stdout.flush()
    else:
        write_output(out, export_bytes(frame, fmt), overwrite=True)
        print(f"{len(frame)} rows → {out}", file=sys.stderr)
    return 0
