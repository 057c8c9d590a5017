"""The analysis commands' handlers (weakest, deltas, levels, transitions, benchmark, trends,
check, next-level); their arguments are in analysis_commands.

Each loads only the years and groups it needs from the store, calls the pure analysis
function and prints JSON (``--json``) or a short readable table. JSON keys for indicators are
their numbers ("1" … "10"); levels are the labels of DOMAIN.md as the store holds them.
"""

from __future__ import annotations

import math

import pandas as pd

from ita_analytics import geo, store
from ita_analytics.agencies import AgencyMatch, find_agency
from ita_analytics.analysis.benchmark import compute_benchmark, select_peers
from ita_analytics.analysis.checks import compute_checks
from ita_analytics.analysis.common import METRICS, count_by_basis
from ita_analytics.analysis.deltas import (
    compute_agency_deltas,
    compute_change_counts,
    compute_deltas,
    compute_movers,
)
from ita_analytics.analysis.levels import (
    compute_level_distribution,
    compute_level_transitions,
    compute_pass_crossings,
    compute_pass_rates,
)
from ita_analytics.analysis.movement import compute_ordinary_movement, label_changes
from ita_analytics.analysis.next_level import compute_gap_to_next_level
from ita_analytics.analysis.trends import compute_trends
from ita_analytics.analysis.weakest import (
    compute_indicator_distribution,
    compute_weakest,
    compute_weakest_counts,
)
from ita_analytics.cli import emit, reading_cli_store
from ita_analytics.domain import AGENCY_TYPES, NATIONAL_PASS_TARGET, TOOL_CODES, rule_for_year
from ita_analytics.errors import ItaError
from ita_analytics.thai import clean_text

MOVERS_SHOWN = 10
_INDICATORS = tuple(f"i{n}" for n in range(1, 11))


# --- helpers --------------------------------------------------------------------------------------

def _num(value, digits: int = 2):
    """A JSON-safe number: None for missing, rounded floats, ints kept."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (bool, int)) and not isinstance(value, float):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    return round(float(value), digits) if isinstance(value, float) else value


def _record(row, columns) -> dict:
    """The named fields of a row; shares and relative changes keep four decimals."""
    def digits(column):
        return 4 if column in ("share", "rel_delta", "pass_rate") else 2
    return {c: _num(row[c], digits(c)) if not isinstance(row[c], str) else row[c]
            for c in columns}


def resolve_type(text: str | None) -> str | None:
    """An agency type from its Thai name, abbreviation or English name."""
    if not text:
        return None
    wanted = clean_text(text).strip()
    for agency_type in AGENCY_TYPES:
        names = {agency_type.name_th, agency_type.name_en.lower(), *agency_type.abbreviations,
                 *(a.rstrip(".") for a in agency_type.abbreviations)}
        if wanted in names or wanted.lower() in names:
            return agency_type.name_th
    known = ", ".join(f"{t.name_th}" + (f" ({t.abbreviations[0]})" if t.abbreviations else "")
                      for t in AGENCY_TYPES)
    raise ItaError(f"ไม่รู้จักประเภทหน่วยงาน {text} (ที่รู้จัก: {known})",
                   f"Unknown agency type {text} (known: {known})")


def resolve_province(text: str | None) -> str | None:
    if not text:
        return None
    check = geo.check_province(text)
    if check.name:
        return check.name
    hint = ", ".join(check.suggestions)
    raise ItaError(f"ไม่รู้จักจังหวัด {text}" + (f" หรือหมายถึง: {hint}" if hint else ""),
                   f"Unknown province {text}" + (f"; did you mean: {hint}" if hint else ""))


def _group(args) -> dict:
    return {"type": resolve_type(getattr(args, "agency_type", None)),
            "province": resolve_province(getattr(args, "province", None))}


def _load(conn, group: dict, years=None) -> pd.DataFrame:
    return store.load_results(conn, years=years,
                              agency_types=[group["type"]] if group["type"] else None,
                              provinces=[group["province"]] if group["province"] else None)


def _require_year(frame: pd.DataFrame, year: int, group: dict) -> None:
    if not (frame["year"] == year).any():
        where = " ".join(v for v in group.values() if v)
        suffix_th = f" ({where})" if where else ""
        raise ItaError(f"ยังไม่มีข้อมูลปี {year}{suffix_th} — นำเข้าข้อมูลปีนี้ก่อน",
                       f"No data for {year}{' (' + where + ')' if where else ''} yet — import it")


def _agency(conn, name: str, province: str | None) -> AgencyMatch:
    return find_agency(store.load_agency_keys(conn), name, province)


def _agency_json(match: AgencyMatch) -> dict:
    return {"id": match.agency_id, "name": match.name, "type": match.agency_type,
            "province": match.province, "district": match.district}


def _by_indicator(frame: pd.DataFrame, columns, key: str = "indicator") -> dict:
    return {str(int(row[key])): _record(row, columns) for _, row in frame.iterrows()}


def _table(rows: list[tuple], header: tuple) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=False)).rstrip())


def _fmt(value) -> str:
    value = _num(value)
    return "-" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))


# --- weakest --------------------------------------------------------------------------------------

def weakest_agency_payload(conn, name: str, province: str | None, year: int,
                           peers: str = "type") -> dict:
    """The ``weakest --agency`` JSON: indicators keyed by number, ``ranking`` weakest first."""
    match = _agency(conn, name, province)
    results = store.load_results(conn, years=[year])
    peer_rows = select_peers(results, match.agency_id, year, peers)
    table = compute_weakest(results, match.agency_id, year, peers=peer_rows)
    columns = ["name_th", "name_en", "tool", "score", "action", "action_th", "gap_to_100",
               "peer_median", "peer_q3", "gap_to_median", "gap_to_q3", "gain_to_median"]
    indicators = _by_indicator(table, columns)
    for rank, number in enumerate(table["indicator"], start=1):
        indicators[str(int(number))]["rank"] = rank
    indicator_rows = peer_rows[peer_rows[list(_INDICATORS)].notna().any(axis=1)] \
        if len(peer_rows) else peer_rows
    return {"agency": _agency_json(match), "year": year, "peers": peers,
            "n_peers": len(peer_rows), "n_by_basis": count_by_basis(indicator_rows),
            "ranking": [int(n) for n in table["indicator"]],
            "indicators": indicators}


def weakest_group_payload(conn, group: dict, year: int) -> dict:
    """The group ``weakest`` JSON: how often each indicator is weakest, and its distribution."""
    results = _load(conn, group, years=[year])
    _require_year(results, year, group)
    counts = compute_weakest_counts(results, year)
    dist = compute_indicator_distribution(results, year)
    this_year = results[results["year"] == year]
    with_indicators = this_year[list(_INDICATORS)].notna().any(axis=1)
    most = (counts.sort_values(["count", "indicator"], ascending=[False, True]).iloc[0]
            if len(counts) and counts["count"].sum() > 0 else None)
    return {"year": year, "group": group, "n_agencies": int(len(this_year)),
            "n_by_basis": count_by_basis(this_year, with_indicators),
            "most_often_weakest": None if most is None else int(most["indicator"]),
            "weakest_counts": _by_indicator(counts, ["name_th", "name_en", "count", "share"]),
            "distribution": _by_indicator(dist, ["n", "mean", "median", "q1", "q3", "min", "max"])}


def cmd_weakest(args) -> int:
    with reading_cli_store(args) as conn:
        if args.agency:
            payload = weakest_agency_payload(conn, args.agency, args.province, args.year,
                                             args.peers)
        else:
            payload = weakest_group_payload(conn, _group(args), args.year)
    return emit(args, payload, _print_weakest_agency if args.agency else _print_weakest_group)


def _print_weakest_agency(payload: dict) -> None:
    a = payload["agency"]
    print(f"{a['name']} จ.{a['province'] or '-'} ปี {payload['year']} — "
          f"ตัวชี้วัดที่ควรพัฒนาก่อน / weakest first (peers: {payload['peers']}, "
          f"n={payload['n_peers']})")
    rows = [(n, v["name_th"], v["tool"], _fmt(v["score"]), v["action"] or "-",
             _fmt(v["peer_median"]), _fmt(v["gain_to_median"]))
            for n, v in ((str(k), payload["indicators"][str(k)]) for k in payload["ranking"])]
    _table(rows, ("#", "ตัวชี้วัด", "tool", "score", "action", "peer median", "gain"))


def _print_weakest_group(payload: dict) -> None:
    print(f"ปี {payload['year']}: {payload['n_agencies']} หน่วยงาน — ตัวชี้วัดที่ต่ำสุดบ่อยที่สุด "
          f"/ most often weakest: {payload['most_often_weakest']}")
    rows = [(n, v["name_th"], v["count"], f"{100 * (v['share'] or 0):.1f}%",
             _fmt(payload["distribution"].get(n, {}).get("median")))
            for n, v in payload["weakest_counts"].items()]
    _table(rows, ("#", "ตัวชี้วัด", "weakest", "share", "median"))


# --- deltas ---------------------------------------------------------------------------------------

def _year_pair(conn, year_from: int | None, year_to: int | None) -> tuple[int, int]:
    """Consecutive years by default: the year before ``to`` with data, or after ``from``."""
    years = store.load_years(conn)
    if not years:
        raise ItaError("ยังไม่มีข้อมูลในคลัง — นำเข้าข้อมูลก่อน", "The store has no data yet — import it")
    if year_from is None and year_to is None:
        year_to = years[-1]
    if year_from is None:
        earlier = [y for y in years if y < year_to]
        year_from = earlier[-1] if earlier else year_to - 1
    if year_to is None:
        later = [y for y in years if y > year_from]
        year_to = later[0] if later else year_from + 1
    for year in (year_from, year_to):
        if year not in years:
            known = ", ".join(str(y) for y in years)
            raise ItaError(f"ยังไม่มีข้อมูลปี {year} — นำเข้าข้อมูลปีนี้ก่อน (มีปี: {known})",
                           f"No data for {year} yet — import it (years with data: {known})")
    return year_from, year_to


def _change(row) -> dict:
    return {"from": _num(row["score_from"]), "to": _num(row["score_to"]),
            "delta": _num(row["delta"]), "rel_delta": _num(row["rel_delta"], 4),
            "status": row["status"], "movement": row.get("movement"),
            "crossed_level": bool(row["crossed_level"]) if "crossed_level" in row else None}


def deltas_payload(conn, group: dict, year_from: int | None, year_to: int | None,
                   agency: str | None = None, by: str = "delta") -> dict:
    """The ``deltas`` JSON for one agency or for a group."""
    year_from, year_to = _year_pair(conn, year_from, year_to)
    if agency:
        match = _agency(conn, agency, group["province"])
        results = store.load_results(conn, agency_ids=[match.agency_id])
        # The ordinary movement comes from every agency's scores; no names needed for it.
        movement = compute_ordinary_movement(
            store.load_results(conn, columns=["agency_id", "year", *METRICS]))
        deltas = label_changes(compute_deltas(results, year_from, year_to), movement,
                               year_to=year_to)
        if deltas.empty:
            raise ItaError(f"ไม่มีผลการประเมินของ {match.name} ในปี {year_from} และ {year_to}",
                           f"No results for {match.name} in {year_from} or {year_to}")
        rows = {r["metric"]: r for _, r in deltas.iterrows()}
        agency_row = compute_agency_deltas(results, year_from, year_to).iloc[0]
        return {"agency": _agency_json(match), "from": year_from, "to": year_to,
                "basis": {str(int(r["year"])): r["basis"] for _, r in results.iterrows()
                          if int(r["year"]) in (year_from, year_to)},
                "indicators": {str(n): _change(rows[f"i{n}"]) for n in range(1, 11)},
                "tools": {code: _change(rows[code]) for code in TOOL_CODES},
                "total": _change(rows["total"]),
                "level_from": agency_row["level_from"], "level_to": agency_row["level_to"],
                "level_move": agency_row["level_move"]}
    results = _load(conn, group, years=sorted({year_from, year_to}))
    deltas = compute_deltas(results, year_from, year_to)
    counts = compute_change_counts(deltas).set_index("metric")
    agency_deltas = compute_agency_deltas(results, year_from, year_to)
    risers, fallers = compute_movers(agency_deltas, n=MOVERS_SHOWN, by=by)
    mover_columns = ["agency_id", "name", "agency_type", "province", "total_from", "total_to",
                     "delta", "rel_delta", "level_from", "level_to", "level_move"]

    def movers(frame):
        return [_record(r, mover_columns) for _, r in frame.iterrows()]

    def count(metric):
        return {k: int(v) for k, v in counts.loc[metric].items()}
    moves = agency_deltas["level_move"].value_counts()
    both = results[results["year"].isin([year_from, year_to]) & results["total"].notna()]
    return {"from": year_from, "to": year_to, "group": group,
            "n_agencies": len(agency_deltas),
            "n_by_basis": {str(y): count_by_basis(both[both["year"] == y])
                           for y in (year_from, year_to)},
            "indicators": {str(n): count(f"i{n}") for n in range(1, 11)},
            "tools": {code: count(code) for code in TOOL_CODES},
            "total": count("total"),
            "level_moves": {m: int(moves.get(m, 0)) for m in ("up", "down", "same")},
            "ranked_by": by, "risers": movers(risers), "fallers": movers(fallers)}


def cmd_deltas(args) -> int:
    with reading_cli_store(args) as conn:
        payload = deltas_payload(conn, _group(args), args.year_from, args.year_to, args.agency,
                                 args.by)
    return emit(args, payload, _print_deltas)


def _print_deltas(payload: dict) -> None:
    print(f"{payload['from']} → {payload['to']}")
    if "agency" in payload:
        print(f"{payload['agency']['name']}: {payload['level_from']} → {payload['level_to']} "
              f"({payload['level_move']})")
        rows = [(n, _fmt(v["from"]), _fmt(v["to"]), _fmt(v["delta"]), v["status"],
                 v["movement"] or "-") for n, v in
                [*payload["indicators"].items(), *payload["tools"].items(),
                 ("total", payload["total"])]]
        _table(rows, ("measure", "from", "to", "change", "status", "movement"))
        return
    rows = [(n, v["improved"], v["declined"], v["unchanged"], v["missing"])
            for n, v in [*payload["indicators"].items(), *payload["tools"].items(),
                         ("total", payload["total"])]]
    _table(rows, ("measure", "improved", "declined", "unchanged", "missing"))
    for title, movers in (("risers", payload["risers"]), ("fallers", payload["fallers"])):
        print(f"\n{title}:")
        _table([(m["name"], m["province"] or "-", _fmt(m["total_from"]), _fmt(m["total_to"]),
                 _fmt(m["delta"])) for m in movers], ("agency", "province", "from", "to", "change"))


# --- levels and transitions -----------------------------------------------------------------------

def _levels_list(frame: pd.DataFrame) -> list[dict]:
    return [{"level": r["level"], "count": int(r["count"]), "share": _num(r["share"], 4)}
            for _, r in frame.iterrows()]


def _pass(frame: pd.DataFrame) -> dict:
    if frame.empty:  # no agency-year whose pass is known (only partial indicators)
        return {"assessed": 0, "passed": 0, "pass_rate": None, "meets_target": None}
    row = frame.iloc[0]
    return {"assessed": int(row["assessed"]), "passed": int(row["passed"]),
            "pass_rate": _num(row["pass_rate"], 4), "meets_target": bool(row["meets_target"])}


def levels_payload(conn, group: dict, year: int, by: str | None = None) -> dict:
    """The ``levels`` JSON: counts per level under the year's rule, pass rate, per group."""
    results = _load(conn, group, years=[year])
    _require_year(results, year, group)
    column = {"type": "agency_type", "province": "province"}.get(by or "")
    rule = rule_for_year(year)
    known = results["level"].notna() | results["passed"].notna()
    payload = {"year": year, "rule": rule.code, "group": group, "by": by,
               "target": NATIONAL_PASS_TARGET, "n_by_basis": count_by_basis(results, known),
               "levels": _levels_list(compute_level_distribution(results)),
               **_pass(compute_pass_rates(results))}
    if column:
        dist = compute_level_distribution(results, by=column)
        rates = compute_pass_rates(results, by=column)
        payload["groups"] = {
            name: {"levels": _levels_list(dist[dist[column] == name]),
                   **_pass(rates[rates[column] == name])}
            for name in dist[column].dropna().unique()}
    return payload


def cmd_levels(args) -> int:
    with reading_cli_store(args) as conn:
        payload = levels_payload(conn, _group(args), args.year, args.by)
    return emit(args, payload, _print_levels)


def _print_levels(payload: dict) -> None:
    print(f"ปี {payload['year']}: ผ่าน / passed {payload['passed']}/{payload['assessed']} "
          f"= {100 * payload['pass_rate']:.1f}% (เป้าหมาย / target {100 * payload['target']:.0f}%)")
    _table([(lv["level"], lv["count"], f"{100 * lv['share']:.1f}%") for lv in payload["levels"]],
           ("level", "count", "share"))
    if payload.get("groups"):
        print()
        _table([(name, g["assessed"], f"{100 * g['pass_rate']:.1f}%")
                for name, g in payload["groups"].items()], (payload["by"], "assessed", "pass rate"))


def transitions_payload(conn, group: dict, year_from: int, year_to: int) -> dict:
    """The ``transitions`` JSON: matrix[level_from][level_to] = agencies, and pass crossings."""
    year_from, year_to = _year_pair(conn, year_from, year_to)
    results = _load(conn, group, years=sorted({year_from, year_to}))
    table = compute_level_transitions(results, year_from, year_to)
    matrix: dict[str, dict[str, int]] = {}
    for _, row in table.iterrows():
        matrix.setdefault(row["level_from"], {})[row["level_to"]] = int(row["count"])
    crossings = compute_pass_crossings(results, year_from, year_to)
    return {"from": year_from, "to": year_to, "group": group,
            "rules": {"from": rule_for_year(year_from).code, "to": rule_for_year(year_to).code},
            "n_agencies": int(table["count"].sum()) if len(table) else 0,
            "n_by_basis": {str(y): count_by_basis(results[results["year"] == y])
                           for y in (year_from, year_to)},
            "matrix": matrix,
            "pass_crossings": {"up": int((crossings["direction"] == "up").sum()),
                               "down": int((crossings["direction"] == "down").sum())}}


def cmd_transitions(args) -> int:
    with reading_cli_store(args) as conn:
        payload = transitions_payload(conn, _group(args), args.year_from, args.year_to)
    return emit(args, payload, _print_transitions)


def _print_transitions(payload: dict) -> None:
    print(f"{payload['from']} → {payload['to']} ({payload['n_agencies']} หน่วยงาน / agencies)")
    rows = [(a, b, n) for a, to in payload["matrix"].items() for b, n in to.items()]
    _table(rows, ("from", "to", "count"))
    print(f"ข้ามเกณฑ์ผ่าน / crossed the pass line: up {payload['pass_crossings']['up']}, "
          f"down {payload['pass_crossings']['down']}")


# --- benchmark, trends, check, next-level ---------------------------------------------------------

def benchmark_payload(conn, name: str, province: str | None, year: int,
                      peers: str = "type") -> dict:
    """The ``benchmark`` JSON: rank and percentile of the total; each metric against peers."""
    match = _agency(conn, name, province)
    results = store.load_results(conn, years=[year])
    bench = compute_benchmark(results, match.agency_id, year, peers)
    columns = ["score", "peer_median", "peer_q1", "peer_q3", "percentile", "rank", "n"]
    rows = bench.table.set_index("metric")

    def metric(m):
        return {c: _num(rows.loc[m, c]) for c in columns}
    peer_rows = select_peers(results, match.agency_id, year, peers)
    own = results[(results["agency_id"] == match.agency_id) & (results["year"] == year)]
    return {"agency": _agency_json(match), "year": year, "peers": bench.peers, "n": bench.n,
            "basis": own["basis"].iloc[0] if len(own) else None,
            "n_by_basis": count_by_basis(peer_rows, peer_rows["total"].notna()),
            "rank": bench.rank, "percentile": bench.percentile,
            "total": metric("total"),
            "tools": {code: metric(code) for code in TOOL_CODES},
            "indicators": {str(n): metric(f"i{n}") for n in range(1, 11)}}


def cmd_benchmark(args) -> int:
    with reading_cli_store(args) as conn:
        payload = benchmark_payload(conn, args.agency, args.agency_province, args.year, args.peers)
    return emit(args, payload, _print_benchmark)


def _print_benchmark(payload: dict) -> None:
    a = payload["agency"]
    print(f"{a['name']} จ.{a['province'] or '-'} ปี {payload['year']}: อันดับ / rank "
          f"{payload['rank']}/{payload['n']}, เปอร์เซ็นไทล์ / percentile {payload['percentile']} "
          f"(peers: {payload['peers']})")
    rows = [(m, _fmt(v["score"]), _fmt(v["peer_median"]), _fmt(v["peer_q3"]),
             _fmt(v["percentile"]), v["rank"]) for m, v in
            [("total", payload["total"]), *payload["tools"].items(), *payload["indicators"].items()]]
    _table(rows, ("measure", "score", "median", "q3", "percentile", "rank"))


def trends_payload(conn, group: dict) -> dict:
    """The ``trends`` JSON: per year, n/mean/median/q1/q3 of the total, tools and indicators."""
    results = _load(conn, group)
    if results.empty:
        raise ItaError("ไม่มีข้อมูลสำหรับกลุ่มนี้", "No data for this group")
    trends = compute_trends(results, metrics=METRICS)
    rates = compute_pass_rates(results).set_index("year")
    stats = ["n", "mean", "median", "q1", "q3"]
    years: dict[str, dict] = {}
    for year, part in trends.groupby("year"):
        part = part.set_index("metric")

        def stat(m, part=part):
            return {c: _num(part.loc[m, c]) for c in stats} if m in part.index else None
        of_year = results[results["year"] == year]
        years[str(int(year))] = {
            "n_by_basis": count_by_basis(of_year, of_year["total"].notna()),
            "total": stat("total"), "tools": {code: stat(code) for code in TOOL_CODES},
            "indicators": {str(n): stat(f"i{n}") for n in range(1, 11)},
            "pass_rate": _num(rates.loc[year, "pass_rate"], 4) if year in rates.index else None}
    return {"group": group, "years": years}


def cmd_trends(args) -> int:
    with reading_cli_store(args) as conn:
        payload = trends_payload(conn, _group(args))
    return emit(args, payload, _print_trends)


def _print_trends(payload: dict) -> None:
    rows = [(y, v["total"]["n"] if v["total"] else 0, _fmt(v["total"] and v["total"]["mean"]),
             _fmt(v["total"] and v["total"]["median"]),
             f"{100 * v['pass_rate']:.1f}%" if v["pass_rate"] is not None else "-")
            for y, v in payload["years"].items()]
    _table(rows, ("year", "n", "mean", "median", "pass rate"))


def check_payload(conn, group: dict, year: int | None) -> dict:
    """The ``check`` JSON: counts per check and severity, and every finding."""
    results = _load(conn, group)
    findings = compute_checks(results, year=year)
    # JSON key → the findings' column: scripts read the metric under the key "measure".
    columns = {c: c for c in ("check", "severity", "agency_id", "name", "province", "year")} | \
        {"measure": "metric"} | {c: c for c in ("found", "expected", "message_th", "message_en")}
    records = []
    for _, row in findings.iterrows():
        record = {key: (row[c] if isinstance(row[c], str) else _num(row[c]))
                  for key, c in columns.items()}
        if record["year"] is not None:
            record["year"] = int(record["year"])
        records.append(record)
    counts = findings.groupby(["check", "severity"]).size() if len(findings) else pd.Series()
    checked = results if year is None else results[results["year"] == year]
    return {"year": year, "group": group, "n_findings": len(records),
            "n_by_basis": count_by_basis(checked),
            "counts": {f"{c}/{s}": int(n) for (c, s), n in counts.items()},
            "findings": records}


def cmd_check(args) -> int:
    with reading_cli_store(args) as conn:
        payload = check_payload(conn, _group(args), args.year)
    return emit(args, payload, _print_check)


def _print_check(payload: dict) -> None:
    print(f"{payload['n_findings']} ข้อสังเกต / findings")
    _table(sorted(payload["counts"].items()), ("check/severity", "count"))
    for f in payload["findings"][:20]:
        print(f"  [{f['severity']}] {f['name']} {f['year'] or ''}: {f['message_th']}")


def next_level_payload(conn, name: str, province: str | None, year: int) -> dict:
    """The ``next-level`` JSON: gap to the next level, with the plan keyed by indicator."""
    match = _agency(conn, name, province)
    results = store.load_results(conn, years=[year], agency_ids=[match.agency_id])
    if results.empty:
        raise ItaError(f"ไม่มีผลการประเมินของ {match.name} ปี {year}",
                       f"No results for {match.name} in {year}")
    gap = compute_gap_to_next_level(results, match.agency_id, year)
    plan = {str(step["indicator"]): {"name_th": step["name_th"], "from": _num(step["from"]),
                                     "to": _num(step["to"]), "points": _num(step["points"])}
            for step in gap["plan"]}
    return {"agency": _agency_json(match), "year": year, "basis": results["basis"].iloc[0],
            **{k: (_num(v) if not isinstance(v, str) else v) for k, v in gap.items() if k != "plan"},
            "plan": plan}


def cmd_next_level(args) -> int:
    with reading_cli_store(args) as conn:
        payload = next_level_payload(conn, args.agency, args.province, args.year)
    return emit(args, payload, _print_next_level)


def _print_next_level(payload: dict) -> None:
    a = payload["agency"]
    print(f"{a['name']} ปี {payload['year']}: {payload['current_level']} ({_fmt(payload['total'])})"
          f" → {payload['next_level'] or '-'}: ต้องเพิ่ม / needs {_fmt(payload['points_needed'])}")
    print(f"  {payload['note_th']}\n  {payload['note_en']}")
    if payload["plan"]:
        _table([(n, s["name_th"], _fmt(s["from"]), _fmt(s["to"]), _fmt(s["points"]))
                for n, s in payload["plan"].items()], ("#", "ตัวชี้วัด", "from", "to", "points"))
