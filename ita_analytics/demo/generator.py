"""Synthetic national demo data (clearly labelled), plus the seeds' real rows, for the store.

Agencies are real names built from geothai's subdistricts, districts and provinces in the
real proportions of types (docs/domain.md); their scores are synthetic, drawn from a model
calibrated to the published national figures: mean total about 68 in 2563 rising to about
93.8 in 2568 with about 94 % passing; OIT lowest and most spread in the early years; IIT
high and often 100. Generation is deterministic for a given seed and scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ita_analytics import geo, store
from ita_analytics.demo import names
from ita_analytics.demo.labels import DEMO_SOURCE
from ita_analytics.demo.seed_measures import seed_agency_ids, seed_measure_frame
from ita_analytics.demo.seeds import SEED_003, SEED_AGENCIES, SEED_RESULTS, seed_source
from ita_analytics.domain import INDICATORS, round2_array
from ita_analytics.items import FAIL_SCORE, OIT_RULES, PASS_SCORE
from ita_analytics.store import items as item_store
from ita_analytics.store import measures as measure_store
from ita_analytics.thai import normalize_agency_name

DEMO_YEARS = tuple(range(2562, 2569))

# Agency counts per type (Department of Local Administration, 2563; docs/domain.md).
LOCAL_COUNTS = {"องค์การบริหารส่วนตำบล": 5312, "เทศบาลตำบล": 2242, "เทศบาลเมือง": 190}

# Targets the year parameters were tuned to (national mean total; share passing).
CALIBRATION_TARGETS = {2562: (64.0, None), 2563: (67.9, None), 2564: (71.5, None),
                       2565: (79.0, None), 2566: (87.5, None), 2567: (93.05, 0.924),
                       2568: (93.82, 0.9417)}


@dataclass(frozen=True)
class YearParams:
    """Logit-scale means of each tool's indicators, and the chance an IIT/EIT item is a perfect 100."""

    iit: float
    eit: float
    oit: float
    oit_spread: float
    perfect: float


YEAR_PARAMS = {
    2562: YearParams(1.65, 1.35, -0.65, 1.55, 0.06),
    2563: YearParams(1.80, 1.50, -0.32, 1.55, 0.08),
    2564: YearParams(2.00, 1.70, 0.00, 1.50, 0.10),
    2565: YearParams(2.40, 2.10, 0.80, 1.40, 0.14),
    2566: YearParams(2.80, 2.45, 1.90, 1.20, 0.14),
    2567: YearParams(3.15, 2.85, 2.65, 0.80, 0.135),
    2568: YearParams(3.30, 2.95, 2.85, 0.80, 0.15),
}


def _local_agencies(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    provinces = [p for p in geo.province_names() if p != "กรุงเทพมหานคร"]
    places = []
    for province in provinces:
        seen = set()
        for district, sub in geo.subdistricts_of(province):
            if sub not in seen:
                seen.add(sub)
                places.append((sub, district, province))
    places_df = pd.DataFrame(places, columns=["place", "district", "province"])
    seed_places = {(s.name.replace(s.agency_type, ""), s.province): s for s in SEED_AGENCIES}
    forced = {t: [] for t in LOCAL_COUNTS}
    for (place, province), s in seed_places.items():
        forced[s.agency_type].append((place, s.district, province))
    order = rng.permutation(len(places_df))
    shuffled = places_df.iloc[order].reset_index(drop=True)
    is_seed = shuffled.apply(lambda r: (r.place, r.province) in seed_places, axis=1)
    shuffled = shuffled[~is_seed]
    n_sao = LOCAL_COUNTS["องค์การบริหารส่วนตำบล"] - len(forced["องค์การบริหารส่วนตำบล"])
    sao = list(forced["องค์การบริหารส่วนตำบล"]) + list(shuffled.iloc[:n_sao].itertuples(index=False))
    # Subdistrict municipalities take the remaining places first, then share names with
    # SAOs elsewhere, as real ones often do (a ทต. and an อบต. of the same tambon name).
    rest = shuffled.iloc[n_sao:]
    n_tm = LOCAL_COUNTS["เทศบาลตำบล"] - len(forced["เทศบาลตำบล"])
    extra = shuffled.iloc[: max(0, n_tm - len(rest))]
    tm = list(forced["เทศบาลตำบล"]) + list(pd.concat([rest, extra]).iloc[:n_tm].itertuples(index=False))
    for agency_type, picks in (("องค์การบริหารส่วนตำบล", sao), ("เทศบาลตำบล", tm)):
        for place, district, province in picks:
            rows.append((agency_type + place, agency_type, province, district))
    districts = [(d, p) for p in provinces for d in geo.district_names(p) if not d.startswith("เมือง")]
    picks = rng.choice(len(districts), LOCAL_COUNTS["เทศบาลเมือง"], replace=False)
    for i in sorted(picks):
        d, p = districts[i]
        rows.append(("เทศบาลเมือง" + d, "เทศบาลเมือง", p, d))
    for place, province in names.CITY_MUNICIPALITIES:
        district = next((d for d in geo.district_names(province) if d in (place, "เมือง" + place)),
                        "เมือง" + province)
        rows.append(("เทศบาลนคร" + place, "เทศบาลนคร", province, district))
    for province in provinces:
        rows.append(("องค์การบริหารส่วนจังหวัด" + province, "องค์การบริหารส่วนจังหวัด", province,
                     "เมือง" + province))
    for name, province in names.SPECIAL_LOCAL:
        rows.append((name, "องค์กรปกครองส่วนท้องถิ่นรูปแบบพิเศษ", province, None))
    return pd.DataFrame(rows, columns=["name", "agency_type", "province", "district"])


def _central_agencies() -> pd.DataFrame:
    bangkok = "กรุงเทพมหานคร"
    rows = [(n, "ส่วนราชการระดับกรม", bangkok) for n in names.DEPARTMENTS]
    rows += [("จังหวัด" + p, "จังหวัด", p) for p in geo.province_names() if p != bangkok]
    rows += [(n, "รัฐวิสาหกิจ", bangkok) for n in names.STATE_ENTERPRISES]
    rows += [(n, "องค์การมหาชน", bangkok) for n in names.PUBLIC_ORGANISATIONS]
    rows += [(n, "สถาบันอุดมศึกษา", p) for n, p in names.UNIVERSITIES]
    rows += [(n, "องค์กรอิสระและหน่วยงานอื่นของรัฐ", bangkok) for n in names.INDEPENDENT_BODIES]
    frame = pd.DataFrame(rows, columns=["name", "agency_type", "province"])
    frame["district"] = None
    return frame


def build_agencies(seed: int = 2568, scale: int = 1) -> pd.DataFrame:
    """Demo agencies: agency_id, name, name_key, agency_type, province, district, source.

    ``scale`` > 1 repeats the national set with numbered copies, for stress tests.
    """
    rng = np.random.default_rng(seed)
    base = pd.concat([_local_agencies(rng), _central_agencies()], ignore_index=True)
    base = base.drop_duplicates(subset=["name", "province"]).reset_index(drop=True)
    copies = [base]
    for copy in range(2, scale + 1):
        copies.append(base.assign(name=base["name"] + f" (ชุดทดสอบ {copy})"))
    agencies = pd.concat(copies, ignore_index=True)
    agencies.insert(0, "agency_id", np.arange(1, len(agencies) + 1))
    agencies["name_key"] = [normalize_agency_name(n) for n in agencies["name"]]
    seed_keys = {(normalize_agency_name(s.name), s.province): s.source_file for s in SEED_AGENCIES}
    agencies["source"] = [
        seed_source(seed_keys[k]) if k in seed_keys else DEMO_SOURCE
        for k in zip(agencies["name_key"], agencies["province"])
    ]
    agencies["official_code"] = None
    agencies["import_id"] = None
    return agencies


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def build_scores(agencies: pd.DataFrame, seed: int = 2568,
                 years: tuple[int, ...] = DEMO_YEARS) -> pd.DataFrame:
    """Synthetic long scores (agency_id, year, indicator, score, source) for the demo agencies."""
    rng = np.random.default_rng(seed + 1)
    n = len(agencies)
    quality = rng.normal(0.0, 1.0, n)
    central = ~agencies["agency_type"].isin(list(LOCAL_COUNTS) + ["เทศบาลนคร",
                                                                   "องค์การบริหารส่วนจังหวัด"])
    quality = quality + np.where(central, 0.6, 0.0)
    province_codes, provinces = pd.factorize(agencies["province"])
    quality += rng.normal(0.0, 0.35, len(provinces))[province_codes]
    momentum = rng.normal(0.0, 0.35, n)
    # Agencies that joined later (new municipalities) and a few gaps in any year.
    first_year = np.where(rng.random(n) < 0.015, rng.choice(years[1:], n), years[0])
    frames = []
    indicators = np.array([i.number for i in INDICATORS])
    tools = np.array([i.tool for i in INDICATORS])
    for k, year in enumerate(years):
        p = YEAR_PARAMS[year]
        present = (first_year <= year) & (rng.random(n) >= (0.02 if year < 2566 else 0.004))
        ids = agencies["agency_id"].to_numpy()[present]
        q = quality[present] + momentum[present] * (k - len(years) / 2) / len(years)
        m = len(ids)
        block = np.empty((m, len(indicators)))
        for j, tool in enumerate(tools):
            noise = rng.normal(0.0, 1.0, m)
            if tool == "OIT":
                logit = p.oit + p.oit_spread * (q + 0.55 * noise)
                raw = 100 * _sigmoid(logit)
                # OIT items are yes/no evidence, so its indicators move in steps.
                block[:, j] = np.clip(np.round(raw / 5) * 5, 0, 100)
            else:
                base = p.iit if tool == "IIT" else p.eit
                logit = base + 0.75 * q + 0.45 * noise + 0.15 * rng.normal(0, 1, m)
                value = 100 * _sigmoid(logit)
                perfect = rng.random(m) < p.perfect * (1.6 if tool == "IIT" else 1.0) * _sigmoid(
                    1.2 * q + 1.0)
                block[:, j] = np.where(perfect, 100.0, np.round(value, 2))
        frame = pd.DataFrame(block, columns=indicators)
        frame.insert(0, "agency_id", ids)
        frame.insert(1, "year", year)
        frames.append(frame)
    wide = pd.concat(frames, ignore_index=True)
    long = wide.melt(id_vars=["agency_id", "year"], var_name="indicator", value_name="score")
    long["indicator"] = long["indicator"].astype("int64")
    long["source"] = DEMO_SOURCE
    long["import_id"] = None
    return long.sort_values(["agency_id", "year", "indicator"], ignore_index=True)


def apply_seed_rows(agencies: pd.DataFrame, scores: pd.DataFrame
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Replace synthetic rows with the seeds' real ones.

    Returns (scores, reported, aliases). Where a seed gives indicator scores, they replace the
    synthetic agency-year; where it gives only a total and level, the synthetic indicators of
    that agency-year are dropped and the reported values kept; "-" stays missing.
    """
    id_by_key = dict(zip(zip(agencies["name_key"], agencies["province"]), agencies["agency_id"]))
    seed_ids = {s.key: int(id_by_key[(normalize_agency_name(s.name), s.province)])
                for s in SEED_AGENCIES}
    reported, real = [], []
    drop = set()
    for r in SEED_RESULTS:
        agency_id = seed_ids[r.agency]
        drop.add((agency_id, r.year))
        source = seed_source(r.source_file)
        for number, value in r.indicators.items():
            real.append((agency_id, r.year, number, float(value), source, None))
        if r.reported_total is not None or r.reported_level is not None:
            reported.append((agency_id, r.year, r.reported_total, r.reported_level,
                             r.reported_tools.get("IIT"), r.reported_tools.get("EIT"),
                             r.reported_tools.get("OIT"), source, None))
    keys = pd.MultiIndex.from_frame(scores[["agency_id", "year"]])
    keep = ~keys.isin(list(drop))
    real_df = pd.DataFrame(real, columns=store.scores.SCORE_COLUMNS)
    scores = pd.concat([scores[keep], real_df], ignore_index=True)
    reported_df = pd.DataFrame(reported, columns=store.scores.REPORTED_COLUMNS)
    aliases = [
        (normalize_agency_name(alias), seed_ids[s.key], alias, seed_source(s.source_file), None)
        for s in SEED_AGENCIES for alias in s.written_as
    ]
    aliases_df = pd.DataFrame(aliases, columns=["alias_key", "agency_id", "alias", "source", "import_id"])
    return scores, reported_df, aliases_df


ITEM_YEARS = (2564,)
"""Years the demo gets OIT item rows for: 2564, whose rule is verified against published
scores. (2563 and 2565 share its list but their rule is only presumed; a year's ~355,000 item
rows also cost about a second to write.) Question items (IIT/EIT) are not generated: how their
scores make indicators 1–8 is not known, so no item set could be shown consistent."""


def _sub_indicator_table(sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every pass count per sub-indicator (rows) and the indicator it gives, two decimals."""
    grids = np.meshgrid(*[np.arange(n + 1) for n in sizes], indexing="ij")
    counts = np.stack([g.ravel() for g in grids], axis=1)
    values = round2_array(100 * (counts / np.array(sizes)).mean(axis=1))
    return counts, values


def _pick_counts(targets: np.ndarray, sizes: tuple[int, ...], rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Pass counts per sub-indicator giving each target under the rule (or the nearest value
    the rule can give), one of the ways at random; and the indicator values they give."""
    counts, values = _sub_indicator_table(sizes)
    chosen = np.empty((len(targets), len(sizes)), dtype=np.int64)
    for target in np.unique(targets):
        rows = np.flatnonzero(targets == target)
        gap = np.abs(values - target)
        ways = counts[gap == gap.min()]
        chosen[rows] = ways[rng.integers(len(ways), size=len(rows))]
    return chosen, round2_array(100 * (chosen / np.array(sizes)).mean(axis=1))


def build_oit_items(scores: pd.DataFrame, seed: int = 2568, years: tuple[int, ...] = ITEM_YEARS
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic OIT items for the demo agency-years of ``years``, and the scores they imply.

    Each agency-year's indicators 9 and 10 are kept where the year's rule can give them
    (every demo indicator 9, a multiple of 5, can) and moved to the nearest value it can give
    otherwise (indicator 10 moves in steps of 6.25: 8 and 2 items). Which items fail within a
    sub-indicator follows per-item difficulties, so some evidence is missed far more often.
    Returns (scores with indicators 9/10 so set, items: :data:`store.items.ITEM_COLUMNS`).
    """
    rng = np.random.default_rng(seed + 20)
    demo_rows = scores["source"] == DEMO_SOURCE
    frames = []
    for year in years:
        rule = OIT_RULES[year]
        groups = rule.sub_indicators()
        part = scores[demo_rows & (scores["year"] == year) & scores["indicator"].isin([9, 10])]
        wide = part.pivot(index="agency_id", columns="indicator", values="score").dropna()
        if wide.empty:
            continue
        ids = wide.index.to_numpy()
        difficulty = rng.lognormal(0.0, 0.8, size=sum(len(c) for c in groups.values()))
        new_values = {}
        offset = 0
        for indicator in (9, 10):
            subs = [s for s in groups if s.startswith(f"{indicator}.")]
            sizes = tuple(len(groups[s]) for s in subs)
            passes, new_values[indicator] = _pick_counts(
                wide[indicator].to_numpy(dtype="float64"), sizes, rng)
            for k, sub in enumerate(subs):
                codes = groups[sub]
                weights = np.log(difficulty[offset: offset + len(codes)])
                offset += len(codes)
                keys = weights + rng.gumbel(size=(len(ids), len(codes)))
                # The hardest items (largest keys) are the ones an agency fails.
                rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
                failed = rank < (len(codes) - passes[:, k])[:, None]
                frames.append(pd.DataFrame({
                    "agency_id": np.repeat(ids, len(codes)), "year": year,
                    # Categories: a million item codes as Python strings cost more to write.
                    "item": pd.Categorical.from_codes(np.tile(np.arange(len(codes)), len(ids)),
                                                      categories=list(codes)),
                    "score": np.where(failed.ravel(), FAIL_SCORE, PASS_SCORE),
                    "passed": ~failed.ravel()}))
        for indicator in (9, 10):
            key = pd.Series(new_values[indicator], index=ids)
            rows = part.index[(part["indicator"] == indicator) & part["agency_id"].isin(ids)]
            scores.loc[rows, "score"] = scores.loc[rows, "agency_id"].map(key).to_numpy()
    if not frames:
        return scores, pd.DataFrame(columns=item_store.ITEM_COLUMNS)
    items = pd.concat(frames, ignore_index=True)
    items["item"] = items["item"].astype("string")
    items["tool"] = "OIT"
    items["source"] = DEMO_SOURCE
    items["import_id"] = None
    return scores, items[item_store.ITEM_COLUMNS]


SEED_ITEMS = (("thung_phueng", 2568, "o6", False, SEED_003),)
"""Item results the seed documents state: seed 003 says its OIT item ๐๖ (sub-indicator 9.2)
was not passed in 2568 (its other items are not given one by one)."""


def seed_item_rows(agencies: pd.DataFrame) -> pd.DataFrame:
    """The seeds' item results as store rows (:data:`store.items.ITEM_COLUMNS`)."""
    id_by_key = dict(zip(zip(agencies["name_key"], agencies["province"]), agencies["agency_id"]))
    by_key = {s.key: s for s in SEED_AGENCIES}
    rows = []
    for key, year, code, passed, source_file in SEED_ITEMS:
        agency = by_key[key]
        agency_id = int(id_by_key[(normalize_agency_name(agency.name), agency.province)])
        rows.append((agency_id, year, code, "OIT", PASS_SCORE if passed else FAIL_SCORE, passed,
                     seed_source(source_file), None))
    return pd.DataFrame(rows, columns=item_store.ITEM_COLUMNS)


def load_demo(conn, seed: int = 2568, scale: int = 1) -> dict:
    """Fill an empty store with the demo agencies, synthetic scores and the seeds' real rows."""
    agencies = build_agencies(seed, scale)
    scores = build_scores(agencies, seed)
    scores, reported, aliases = apply_seed_rows(agencies, scores)
    scores, items = build_oit_items(scores, seed)
    items = pd.concat([items, seed_item_rows(agencies)], ignore_index=True)
    with store.transaction(conn) as cur:
        if cur.execute("SELECT count(*) FROM agencies").fetchall()[0][0]:
            raise ValueError("store is not empty")
        store.insert_agencies(cur, agencies)
        store.insert_aliases(cur, aliases)
        # Bulk path: insert everything, then compute all results once.
        store.upsert_scores(cur, scores, refresh=False)
        store.upsert_reported(cur, reported, refresh=False)
        store.refresh_results(cur)
        n_measures = len(measure_store.insert_measures(
            cur, seed_measure_frame(seed_agency_ids(agencies))))
        n_items = item_store.insert_items(cur, items)
        store.set_meta(cur, "demo", f"seed={seed};scale={scale}")
    return {"agencies": len(agencies), "scores": len(scores), "reported": len(reported),
            "measures": n_measures, "items": n_items}
