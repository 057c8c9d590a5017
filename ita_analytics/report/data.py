"""What a report says, assembled from the results frame and the analyses (no file format here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ita_analytics import store
from ita_analytics.analysis.common import count_by_basis
from ita_analytics.domain import (
    ACTION_BY_CODE,
    INDICATORS,
    TOOL_CODES,
    action_levels_for,
    indicator_weight,
    round2_array,
)
from ita_analytics.errors import ItaError
from ita_analytics.provenance import (
    SEPARATOR,
    Sources,
    count_sources,
    import_id_of,
    load_imports,
)
from ita_analytics.recommendations import (
    ANALYSIS_TEMPLATE_TH,
    FACTS_TEMPLATE_TH,
    MAINTAIN_MEASURE,
    MeasureTemplate,
    fill,
    recommendation_for,
)
from ita_analytics.report.formatting import fmt_change, fmt_score, is_missing, thai_year
from ita_analytics.report.options import PEER_GROUP_BY_CODE, PEER_GROUPS, PeerGroup
from ita_analytics.report.peers import (
    compute_benchmark,
    compute_gap_to_next_level,
    compute_weakest,
    select_peers,
)
from ita_analytics.store.sources import load_row_sources
from ita_analytics.thai import to_thai_digits

__all__ = ["PEER_GROUPS", "PEER_GROUP_BY_CODE", "PeerGroup", "ReportData", "build_indicator_table",
           "build_measures", "build_report_data", "find_nearest_peers", "load_report_results"]


@dataclass(frozen=True)
class PeerStanding:
    """Where the agency's total stands in one peer group (rank 1 = best)."""

    group: PeerGroup
    n: int
    rank: int | None
    percentile: float | None
    peer_median: float | None


@dataclass(frozen=True)
class IndicatorAnalysis:
    """The analysis of one indicator below the maintain level (report section 4)."""

    indicator: int
    name_th: str
    score: float
    action_th: str
    paragraphs: tuple[str, ...]
    actions: tuple[str, ...]


@dataclass
class ReportData:
    """Everything one agency-year report shows; every number comes from the results frame.

    ``indicators``: Table 1 (see :func:`build_indicator_table`); ``history``: year, IIT, EIT,
    OIT, total, level, passed; ``profile``: indicator, label, score, peer_median, peer_q3 of
    the chosen peer group; ``weakest``: ``compute_weakest`` output; ``measures``: measure,
    indicators, steps, period, responsible. ``extras`` holds what added sections load.
    """

    agency_id: int
    name: str
    agency_type: str
    district: str | None
    province: str | None
    year: int
    source: str
    total: float
    level: str | None
    passed: bool | None
    tools: dict[str, float]
    prev_year: int
    has_prev: bool
    total_prev: float | None
    level_prev: str | None
    peer_group: PeerGroup
    standings: list[PeerStanding]
    indicators: pd.DataFrame
    history: pd.DataFrame
    profile: pd.DataFrame
    weakest: pd.DataFrame
    next_level: dict
    analyses: list[IndicatorAnalysis]
    measures: pd.DataFrame
    generated_on: date
    extras: dict = field(default_factory=dict)
    basis: str | None = None
    """What the agency-year's result rests on (indicators / tools / total / level)."""
    peer_basis: dict = field(default_factory=dict)
    """The chosen peers' agency-years with a total, by basis (``count_by_basis``)."""
    sources: Sources | None = None
    """Where the report's rows come from: the agency's own years, its peers' (every peer
    group's agencies of the year), and what sections add (items, recorded measures)."""
    digits: str = "thai"
    """The DOCX's digits (``report.options.DIGIT_SYSTEMS``); the XLSX keeps Arabic digits."""
    year_sources: tuple[str, ...] = ()
    """Every source of the agency-year's own scores and reported values (``source`` is one)."""

    @property
    def next_year(self) -> int:
        return self.year + 1

    @property
    def total_change(self) -> float | None:
        if is_missing(self.total) or is_missing(self.total_prev):
            return None
        return float(round2_array([self.total - self.total_prev])[0])

    @property
    def is_demo(self) -> bool:
        """True when anything the report shows (its own years, its peers, its sections' rows)
        is synthetic demo data."""
        return self.source == "demo" or (self.sources is not None and self.sources.is_demo)


def _row(results: pd.DataFrame, agency_id: int, year: int) -> pd.Series | None:
    rows = results[(results["agency_id"] == agency_id) & (results["year"] == year)]
    return None if rows.empty else rows.iloc[0]


def build_indicator_table(results: pd.DataFrame, agency_id: int, year: int) -> pd.DataFrame:
    """Table 1 of seed 000: the ten indicators last year and this year.

    Input: ``store.load_results`` rows (the agency's rows of ``year`` and ``year - 1`` at least).
    Output columns: indicator, name_th, name_en, tool, score_prev, score, change, action,
    action_th (NaN/None where a score is missing — never zero).
    """
    now = _row(results, agency_id, year)
    prev = _row(results, agency_id, year - 1)
    rows = []
    for ind in INDICATORS:
        col = f"i{ind.number}"
        rows.append({
            "indicator": ind.number, "name_th": ind.name_th, "name_en": ind.name_en,
            "tool": ind.tool,
            "score_prev": float("nan") if prev is None else float(prev[col]),
            "score": float("nan") if now is None else float(now[col]),
        })
    table = pd.DataFrame(rows)
    table["change"] = round2_array(table["score"] - table["score_prev"])
    table["action"] = action_levels_for(table["score"])
    table["action_th"] = table["action"].map(
        lambda code: ACTION_BY_CODE[code].name_th if isinstance(code, str) else None)
    return table


def _standing(bench, group: PeerGroup) -> PeerStanding:
    """Where the agency stands in a peer group, from its :func:`compute_benchmark`."""
    median = None
    if not bench.table.empty:
        total = bench.table[bench.table["metric"] == "total"]
        if not total.empty:
            median = total.iloc[0]["peer_median"]
    return PeerStanding(group, int(bench.n), bench.rank, bench.percentile,
                        None if is_missing(median) else float(median))


def _profile(bench) -> pd.DataFrame:
    """indicator, label, score, peer_median, peer_q3 of the agency against its peer group
    (its :func:`compute_benchmark`)."""
    table = bench.table.set_index("metric")
    rows = []
    for ind in INDICATORS:
        col = f"i{ind.number}"
        row = table.loc[col] if col in table.index else None
        rows.append({
            "indicator": ind.number, "label": f"{ind.number}. {ind.name_th}",
            "score": float("nan") if row is None else row["score"],
            "peer_median": float("nan") if row is None else row["peer_median"],
            "peer_q3": float("nan") if row is None else row["peer_q3"],
        })
    return pd.DataFrame(rows)


def _td(value) -> str:
    """A score in Thai digits with two decimals, for prose."""
    return fmt_score(value, thai_digits=True)


def _analysis(data_name: str, year: int, row: pd.Series, weak: pd.Series | None,
              group: PeerGroup, n_peers: int) -> IndicatorAnalysis:
    n = int(row["indicator"])
    rec = recommendation_for(n)
    action = ACTION_BY_CODE[row["action"]]
    values = dict(agency=data_name, year=thai_year(year), indicator=to_thai_digits(str(n)),
                  name=row["name_th"], score=_td(row["score"]), action=action.name_th)
    first = fill(ANALYSIS_TEMPLATE_TH, **values)
    better = ACTION_LEVELS_ABOVE.get(action.code)
    if better is not None:
        first += (f" (ต่ำกว่าเกณฑ์ระดับ{better.name_th} {_td(better.min_score)} คะแนน "
                  f"อยู่ {_td(better.min_score - row['score'])} คะแนน)")
    if is_missing(row["score_prev"]):
        first += f" ไม่มีคะแนนตัวชี้วัดนี้ของปี พ.ศ. {thai_year(year - 1)} ให้เปรียบเทียบ"
    else:
        first += (f" เทียบกับปี พ.ศ. {thai_year(year - 1)} ซึ่งได้ {_td(row['score_prev'])} คะแนน "
                  f"เปลี่ยนแปลง {fmt_change(row['change'], thai_digits=True)} คะแนน")
    paragraphs = [first]
    if weak is not None and not is_missing(weak.get("peer_median")):
        gap = float(weak["score"]) - float(weak["peer_median"])
        side = "สูงกว่า" if gap > 0 else "ต่ำกว่า" if gap < 0 else "เท่ากับ"
        text = (f"เมื่อเทียบกับ{group.label_th} ({to_thai_digits(str(n_peers))} แห่ง) "
                f"ค่ามัธยฐานของตัวชี้วัดนี้เท่ากับ {_td(weak['peer_median'])} คะแนน "
                f"และควอร์ไทล์บนเท่ากับ {_td(weak['peer_q3'])} คะแนน หน่วยงานจึงได้คะแนน{side}"
                "ค่ามัธยฐาน")
        if gap != 0:
            text += f" {_td(abs(gap))} คะแนน"
        gain = weak.get("gain_to_median")
        if not is_missing(gain) and float(gain) > 0:
            text += (f" หากยกระดับตัวชี้วัดนี้ถึงค่ามัธยฐาน คะแนนรวมจะเพิ่มขึ้นประมาณ "
                     f"{_td(gain)} คะแนน")
        gain_100 = float(row["score_gap_100"]) * indicator_weight(n)
        text += f" และหากได้คะแนนเต็ม คะแนนรวมจะเพิ่มขึ้น {_td(gain_100)} คะแนน"
        paragraphs.append(text)
    paragraphs.append(
        "ประเด็นที่ผู้ตรวจประเมินมักให้ข้อเสนอแนะสำหรับตัวชี้วัดนี้ (ฐานข้อมูลไม่มีคะแนนรายข้อคำถาม"
        f"ของหน่วยงาน จึงแสดงตามแนวทางของสำนักงาน ป.ป.ช.): {rec.focus_th}")
    paragraphs.append(fill(FACTS_TEMPLATE_TH, **values))
    return IndicatorAnalysis(n, row["name_th"], float(row["score"]), action.name_th,
                             tuple(paragraphs), rec.actions_th)


# The next better action level of each level (what an indicator should climb to).
ACTION_LEVELS_ABOVE = {"urgent": ACTION_BY_CODE["improve"], "improve": ACTION_BY_CODE["maintain"]}


def _measure_row(template: MeasureTemplate, indicators: list[int], year: int) -> dict:
    values = dict(year=thai_year(year), next_year=thai_year(year + 1))
    names = {i.number: i.name_th for i in INDICATORS}
    linked = ", ".join(f"ตัวชี้วัดที่ {n} {names[n]}" for n in indicators)
    steps = "\n".join(f"{to_thai_digits(str(k))}. {fill(step, **values)}"
                      for k, step in enumerate(template.steps_th, 1))
    return {"measure": fill(template.measure_th, **values), "indicators": linked,
            "steps": steps, "period": fill(template.period_th, **values),
            "responsible": template.responsible_th}


def build_measures(indicators: pd.DataFrame, year: int) -> pd.DataFrame:
    """Measures for next year pre-filled from the library, weakest indicators first.

    Input: Table 1 (:func:`build_indicator_table`). Output columns: measure, indicators,
    steps, period, responsible — one row per library measure of each indicator below the
    maintain level, then one maintain measure naming the indicators at that level.
    """
    scored = indicators.dropna(subset=["score"])
    below = scored[scored["action"] != "maintain"].sort_values(["score", "indicator"])
    rows = []
    for n in below["indicator"]:
        for template in recommendation_for(int(n)).measures:
            rows.append(_measure_row(template, [int(n)], year))
    kept = [int(n) for n in scored[scored["action"] == "maintain"]["indicator"]]
    if kept:
        rows.append(_measure_row(MAINTAIN_MEASURE, kept, year))
    return pd.DataFrame(rows, columns=["measure", "indicators", "steps", "period", "responsible"])


def report_sources(results: pd.DataFrame, agency_id: int, year: int, made_on: date) -> Sources:
    """The sources of the agency's own years and of its peers of ``year`` (the agencies of its
    type or its province: every peer group's), from the frame's ``sources`` (or ``source``)
    column; the import records come from ``results.attrs["imports"]`` when
    :func:`load_report_results` put them there."""
    own = results["agency_id"] == agency_id
    row = _row(results, agency_id, year)
    peers = (results["year"] == year) & ~own
    if row is not None:
        same = (results["agency_type"] == row["agency_type"]) | (results["province"] == row["province"])
        peers &= same.fillna(False).astype(bool)
    counts = [*count_sources(results[own], "agency"), *count_sources(results[peers], "peers")]
    return Sources(tuple(counts), made_on, dict(results.attrs.get("imports", {})))


def build_report_data(results: pd.DataFrame, agency_id: int, year: int, *,
                      peers: str = "type", today: date | None = None,
                      digits: str = "thai") -> ReportData:
    """The report of one agency-year.

    Input: ``store.load_results`` rows holding at least every agency of ``year`` (the peers)
    and all of the agency's own years (:func:`load_report_results` adds where each row comes
    from). Raises :class:`ItaError` when the agency has no result in ``year``.
    """
    row = _row(results, agency_id, year)
    own = results[results["agency_id"] == agency_id].sort_values("year")
    if row is None:
        known = ", ".join(str(y) for y in own["year"]) or "-"
        name = own.iloc[0]["name"] if not own.empty else str(agency_id)
        raise ItaError(f"ไม่มีผลการประเมินของ {name} ปี {year} (มีปี: {known})",
                       f"No results for {name} in {year} (years with data: {known})")
    group = PEER_GROUP_BY_CODE[peers]
    prev = _row(results, agency_id, year - 1)
    table = build_indicator_table(results, agency_id, year)
    # Each peer group benchmarked once: the standings and the chosen group's profile share them.
    benches = {g.code: compute_benchmark(results, agency_id, year, peers=g.code)
               for g in PEER_GROUPS}
    standings = [_standing(benches[g.code], g) for g in PEER_GROUPS]
    chosen = next(s for s in standings if s.group.code == group.code)
    peer_rows = select_peers(results, agency_id, year, peers=group.code)
    weakest = compute_weakest(results, agency_id, year, peers=peer_rows)
    weak_by = weakest.set_index("indicator") if not weakest.empty else pd.DataFrame()
    table_for_text = table.assign(score_gap_100=100 - table["score"])
    analyses = [
        _analysis(str(row["name"]), year, r,
                  weak_by.loc[r["indicator"]] if r["indicator"] in weak_by.index else None,
                  group, chosen.n)
        for _, r in table_for_text.iterrows()
        if isinstance(r["action"], str) and r["action"] != "maintain"
    ]
    history = own[["year", *TOOL_CODES, "total", "level", "passed"]].reset_index(drop=True)
    return ReportData(
        agency_id=int(agency_id), name=str(row["name"]), agency_type=str(row["agency_type"]),
        district=None if is_missing(row["district"]) else str(row["district"]),
        province=None if is_missing(row["province"]) else str(row["province"]),
        year=int(year), source=str(row["source"]),
        total=float(row["total"]),
        level=row["level"] if isinstance(row["level"], str) else None,
        passed=None if is_missing(row["passed"]) else bool(row["passed"]),
        tools={code: float(row[code]) for code in TOOL_CODES},
        prev_year=year - 1, has_prev=prev is not None,
        total_prev=None if prev is None or is_missing(prev["total"]) else float(prev["total"]),
        level_prev=None if prev is None or not isinstance(prev["level"], str) else prev["level"],
        peer_group=group, standings=standings, indicators=table, history=history,
        profile=_profile(benches[group.code]), weakest=weakest,
        next_level=compute_gap_to_next_level(results, agency_id, year),
        analyses=analyses, measures=build_measures(table, year),
        generated_on=today or date.today(),
        basis=row["basis"] if isinstance(row.get("basis"), str) else None,
        peer_basis=count_by_basis(peer_rows, peer_rows["total"].notna()),
        sources=report_sources(results, agency_id, year, today or date.today()),
        digits=digits,
        year_sources=tuple(str(row.get("sources", row["source"])).split(SEPARATOR)),
    )


def load_report_results(conn, agency_ids, year: int) -> pd.DataFrame:
    """The results a report needs from the store: every agency of ``year`` and the agencies' own
    years, each with ``sources`` (every source of its scores and reported values, joined by
    ``provenance.SEPARATOR``); ``attrs["imports"]`` holds the records of the imports named."""
    ids = list(agency_ids)
    year_rows = store.load_results(conn, years=[year])
    own = store.load_results(conn, agency_ids=ids)
    results = (pd.concat([year_rows, own], ignore_index=True)
               .drop_duplicates(subset=["agency_id", "year"]).reset_index(drop=True))
    row_sources = (pd.concat([load_row_sources(conn, years=[year]),
                              load_row_sources(conn, agency_ids=ids)], ignore_index=True)
                   .drop_duplicates(subset=["agency_id", "year"]))
    results = results.merge(row_sources, on=["agency_id", "year"], how="left")
    results["sources"] = results["sources"].fillna(results["source"].astype(object))
    # Columns of a few distinct texts as categories: every peer group is a filter of the
    # year's rows, and taking rows of text columns (83,000 at 10x national) cost more than
    # the statistics; categories are taken, compared and cached as small integers.
    results = results.astype({c: "category" for c in _FEW_TEXTS if c in results.columns})
    import_ids = {i for s in results["sources"].cat.categories
                  for part in str(s).split(SEPARATOR) if (i := import_id_of(part)) is not None}
    results.attrs["imports"] = load_imports(conn, import_ids)
    return results


_FEW_TEXTS = ("agency_type", "province", "district", "level", "source", "reported_level",
              "sources")


def find_nearest_peers(results: pd.DataFrame, agency_id: int, year: int, *, peers: str = "type",
                       n: int = 10) -> pd.DataFrame:
    """The peers whose total is nearest the agency's in ``year`` (the agency itself left out).

    Output columns: agency_id, name, agency_type, district, province, total, level, difference
    (peer total minus the agency's), nearest first; peers without a total are left out.
    """
    group = select_peers(results, agency_id, year, peers=peers)
    own = group.loc[group["agency_id"] == agency_id, "total"]
    if own.empty or own.isna().all():
        return pd.DataFrame(columns=["agency_id", "name", "agency_type", "district", "province",
                                     "total", "level", "difference"])
    others = group[(group["agency_id"] != agency_id) & group["total"].notna()].copy()
    others["difference"] = round2_array(others["total"] - float(own.iloc[0]))
    others = others.assign(distance=others["difference"].abs()).sort_values(["distance", "agency_id"])
    return others.head(n)[["agency_id", "name", "agency_type", "district", "province", "total",
                           "level", "difference"]].reset_index(drop=True)
