"""The ``items`` command's handlers (its arguments are in items_commands): an agency-year's weak
items and missing OIT evidence, a group's item pass rates and movers, and ``items import`` /
``items undo`` of item files.

``items --agency NAME [--province P] --year Y [--json]`` and ``items --year Y [--type T]
[--province P] [--json]``. JSON is keyed by item code (``i2``, ``e4``, ``o10``), each with
``indicator``, ``sub_indicator``, ``name_th`` (null when unknown) and ``score`` / ``passed``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ita_analytics import store
from ita_analytics.agencies import find_agency
from ita_analytics.analysis.items import (
    WEAK_ITEM_THRESHOLD,
    agency_indicator_check,
    compute_flagged_items,
    compute_item_movers,
    compute_item_pass_rates,
    indicator_advice,
)
from ita_analytics.cli import emit, reading_cli_store, writing_cli_store
from ita_analytics.cli._analysis import resolve_province, resolve_type
from ita_analytics.errors import ItaError
from ita_analytics.importer.items_file import analyse_items_file, commit_items, undo_items
from ita_analytics.items import UNKNOWN_NAME_EN, UNKNOWN_NAME_TH
from ita_analytics.store import items as item_store

RANKED_SHOWN = 10


def _num(value, digits: int = 2):
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    return round(float(value), digits) if not math.isnan(float(value)) else None


def _bool(value):
    return None if value is None or value is pd.NA or pd.isna(value) else bool(value)


def _indicator(value):
    return None if value is None or pd.isna(value) else int(value)


def _name_note(status: str) -> str | None:
    return None if status == "known" else f"{UNKNOWN_NAME_TH} / {UNKNOWN_NAME_EN}"


# --- an agency-year -----------------------------------------------------------------------------

def items_agency_payload(conn, name: str, province: str | None, year: int,
                         threshold: float = WEAK_ITEM_THRESHOLD) -> dict:
    """What ``items --agency … --json`` prints: the agency-year's weak question items and OIT
    evidence not passed, keyed by item code, with the recommendation of each one's indicator,
    and indicators 9 and 10 from the items beside the stored ones."""
    match = find_agency(store.load_agency_keys(conn), name, province)
    items = item_store.load_items(conn, agency_ids=[match.agency_id], years=[year])
    if items.empty:
        raise ItaError(f"ยังไม่มีคะแนนรายข้อของ {match.name} ปี {year} — นำเข้าด้วย items import",
                       f"No item results for {match.name} in {year} yet — import them with "
                       "items import")
    results = store.load_results(conn, agency_ids=[match.agency_id], years=[year],
                                 columns=["agency_id", "year", "i9", "i10"])
    stored = {n: (float(results[f"i{n}"].iloc[0]) if len(results) else None) for n in (9, 10)}
    flagged = compute_flagged_items(items, threshold)
    check = agency_indicator_check(items, stored)
    entries = {}
    for r in flagged.itertuples(index=False):
        entries[r.item] = {
            "tool": r.tool, "indicator": _indicator(r.indicator), "sub_indicator": r.sub_indicator,
            "name_th": r.name_th, "name_status": r.name_status, "name_note": _name_note(r.name_status),
            "score": _num(r.score), "passed": _bool(r.passed), "reason": r.reason,
            "action": r.action, "action_th": r.action_th, "recommendation_th": r.recommendation_th,
        }
    indicators = sorted({int(n) for n in flagged["indicator"].dropna()})
    recommendations = {str(n): {"focus_th": indicator_advice(n)[0],
                                "actions_th": list(indicator_advice(n)[1])} for n in indicators}
    return {
        "agency": {"id": match.agency_id, "name": match.name, "type": match.agency_type,
                   "province": match.province, "district": match.district},
        "year": year, "threshold": threshold, "n_items": len(items),
        "sources": sorted(set(items["source"])),
        "items": entries,
        "below_threshold": [c for c, v in entries.items() if v["reason"] == "below_threshold"],
        "not_passed": [c for c, v in entries.items() if v["reason"] == "not_passed"],
        "recommendations": recommendations,
        "indicators": {str(n): v for n, v in check["indicators"].items()},
        "notes": {"rule_th": check["rule_note_th"], "rule_en": check["rule_note_en"],
                  "survey_th": check["survey_note_th"], "survey_en": check["survey_note_en"]},
    }


# --- a group ----------------------------------------------------------------------------------------

def items_group_payload(conn, group: dict, year: int,
                        threshold: float = WEAK_ITEM_THRESHOLD) -> dict:
    """What ``items --year … --json`` prints: per item of the group's agencies, how often OIT
    evidence is not passed (or the mean question score), and the items that moved most since
    the previous year with items."""
    years = item_store.load_item_years(conn)
    if year not in years:
        known = ", ".join(str(y) for y in years) or "-"
        raise ItaError(f"ยังไม่มีคะแนนรายข้อปี {year} (มีปี: {known})",
                       f"No item results for {year} yet (years with items: {known})")
    previous = max((y for y in years if y < year), default=None)
    filters = {"agency_types": [group["type"]] if group["type"] else None,
               "provinces": [group["province"]] if group["province"] else None}
    counts = item_store.load_item_counts(conn, threshold=threshold, years=[year], **filters)
    rates = compute_item_pass_rates(counts, year)
    entries = {r.item: {
        "tool": r.tool, "indicator": _indicator(r.indicator), "sub_indicator": r.sub_indicator,
        "name_th": r.name_th, "name_status": r.name_status, "name_note": _name_note(r.name_status),
        "n": int(r.n), "score": _num(r.mean_score), "below_threshold": _num(r.n_below),
        "share_below": _num(r.share_below, 4), "passed": _num(r.share_passed, 4),
        "not_passed": _num(r.n_not_passed), "share_not_passed": _num(r.share_not_passed, 4),
    } for r in rates.itertuples(index=False)}
    oit = rates[rates["tool"] == "OIT"]
    moved = None
    if previous is not None:
        movers = compute_item_movers(item_store.load_item_pairs(conn, previous, year, **filters),
                                     previous, year)
        ranked = movers[movers["comparable"].map(lambda v: v is not False)]
        moved = {"from": previous, "to": year, "items": {r.item: {
            "tool": r.tool, "indicator": _indicator(r.indicator),
            "sub_indicator": r.sub_indicator, "name_th": r.name_th, "n": int(r.n),
            "from": _num(r.value_from), "to": _num(r.value_to), "delta": _num(r.delta),
            "comparable": r.comparable} for r in movers.itertuples(index=False)},
            "ranking": list(ranked["item"].head(RANKED_SHOWN))}
    return {"year": year, "group": group, "threshold": threshold,
            "n_agencies": item_store.count_item_agencies(conn, year, **filters),
            "items": entries,
            "most_often_not_passed": list(oit["item"].head(RANKED_SHOWN)),
            "moved": moved}


# --- commands -------------------------------------------------------------------------------------

def _print_agency(payload: dict) -> None:
    a = payload["agency"]
    print(f"{a['name']} จ.{a['province'] or '-'} ปี {payload['year']}: {payload['n_items']} ข้อ / "
          f"items, {len(payload['items'])} ต้องพัฒนา / to improve "
          f"(ข้อคำถามต่ำกว่า {payload['threshold']:g}, หลักฐาน OIT ที่ไม่ผ่าน)")
    for code, v in payload["items"].items():
        value = "ไม่ผ่าน / not passed" if v["reason"] == "not_passed" else f"{v['score']:.2f}"
        where = f"ตัวชี้วัด {v['indicator']}" + (f" ({v['sub_indicator']})" if v["sub_indicator"] else "") \
            if v["indicator"] else "ตัวชี้วัดไม่ทราบ / indicator unknown"
        print(f"  {code:<4} {value:<20} {where:<22} {v['name_th'] or v['name_note']}")
    for n, v in payload["indicators"].items():
        if v["from_items"] is not None:
            flag = "  ขัดกัน / CONTRADICTS" if v["contradiction"] else ""
            stored = "-" if v["stored"] is None else f"{v['stored']:.2f}"
            print(f"ตัวชี้วัดที่ {n}: เก็บไว้ / stored {stored}, จากรายข้อ / from items "
                  f"{v['from_items']:.2f} ({v['rule_status']}){flag}")
    print(payload["notes"]["survey_th"])


def _print_group(payload: dict) -> None:
    print(f"ปี {payload['year']}: {payload['n_agencies']} หน่วยงานที่มีคะแนนรายข้อ / agencies with items")
    print("หลักฐาน OIT ที่ไม่ผ่านบ่อยที่สุด / OIT evidence most often not passed:")
    for code in payload["most_often_not_passed"]:
        v = payload["items"][code]
        print(f"  {code:<4} {100 * (v['share_not_passed'] or 0):5.1f}%  {v['name_th'] or v['name_note']}")
    moved = payload["moved"]
    if moved:
        print(f"ข้อที่เปลี่ยนมากที่สุด / moved most {moved['from']} → {moved['to']}:")
        for code in moved["ranking"]:
            v = moved["items"][code]
            print(f"  {code:<4} {v['from']:.2f} → {v['to']:.2f} ({v['delta']:+.2f})  "
                  f"{v['name_th'] or UNKNOWN_NAME_TH}")


def cmd_items(args) -> int:
    if args.year is None:
        raise ItaError("ระบุปีงบประมาณด้วย --year", "Give the fiscal year with --year")
    if args.agency and args.agency_type:
        raise ItaError("--type ใช้กับมุมมองกลุ่ม ไม่ใช้กับ --agency",
                       "--type is for the group view, not with --agency")
    threshold = WEAK_ITEM_THRESHOLD if args.threshold is None else args.threshold
    with reading_cli_store(args) as conn:
        if args.agency:
            payload = items_agency_payload(conn, args.agency, args.province, args.year, threshold)
        else:
            group = {"type": resolve_type(args.agency_type),
                     "province": resolve_province(args.province)}
            payload = items_group_payload(conn, group, args.year, threshold)
    return emit(args, payload, _print_agency if args.agency else _print_group)


def _issue_dicts(issues) -> list[dict]:
    return [i.as_dict() for i in issues]


def cmd_import(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ItaError(f"ไม่พบไฟล์ {path}", f"No file {path}")
    from ita_analytics.cli.import_commands import read_import_file

    content = read_import_file(path)  # refused by its size before it is read, as scores are
    with writing_cli_store(args) as conn:
        plan = analyse_items_file(conn, content, path.name, args.import_year)
        status = plan.status
        import_id = plan.unchanged_import_id
        if status == "valid" and not args.dry_run:
            import_id = commit_items(conn, plan)
            status = "committed"
    payload = {"status": status, "import_id": import_id, "rows": len(plan.rows),
               "agencies": int(plan.rows["agency_id"].nunique()) if len(plan.rows) else 0,
               "years": plan.years, "sheets": plan.layouts,
               "warnings": _issue_dicts(plan.warnings), "errors": _issue_dicts(plan.errors)}
    emit(args, payload, lambda p: _print_import(p, plan.errors + plan.warnings),
         flag="import_json")
    return 1 if status == "rejected" else 0


def _print_import(payload: dict, issues) -> None:
    for issue in issues:
        place = "".join(f" [{p}]" for p in (issue.sheet, issue.row and f"row {issue.row}",
                                            issue.column) if p)
        print(f"{issue.code}{place}: {issue.message_th} / {issue.message_en}")
    print(f"{payload['status']}: {payload['rows']} item values, {payload['agencies']} agencies, "
          f"import {payload['import_id']}")


def cmd_undo(args) -> int:
    with writing_cli_store(args) as conn:
        removed = undo_items(conn, args.import_id)
    print(f"ยกเลิกการนำเข้ารายข้อ {args.import_id} แล้ว ลบ {removed} ข้อ / items import "
          f"{args.import_id} undone, {removed} item values removed")
    return 0
