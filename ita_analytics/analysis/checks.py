"""Consistency checks: reported vs computed values, levels, duplicates, implausible jumps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ita_analytics.analysis.common import (
    INDICATOR_COLUMNS,
    consecutive_changes,
    robust_hundredths,
    to_hundredths,
)
from ita_analytics.analysis.movement import MAD_TO_SD
from ita_analytics.domain import (
    FAIL_LABEL_TH,
    LEVEL_BY_NAME,
    PASS_LABEL_TH,
    TOOL_CODES,
    level_from_total_only,
    level_possible,
    possible_levels,
    rule_for_year,
)
from ita_analytics.thai import normalize_agency_name

FINDING_COLUMNS = ["check", "severity", "agency_id", "name", "province", "year", "metric",
                   "found", "expected", "message_th", "message_en"]
TOLERANCE = 0.01
"""Reported and computed scores may differ by rounding; more than this is a finding."""
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
"""How findings are listed: errors first."""
JUMP_K = 6.0
"""A change further than this many robust standard deviations from the typical one is implausible."""


def _findings(frame: pd.DataFrame, check: str, severity: str, metric, found, expected,
              message_th, message_en) -> pd.DataFrame:
    # Name and province stay empty when ``frame`` has only scores: combine_findings fills them.
    out = frame[[c for c in ("agency_id", "name", "province", "year") if c in frame]].copy()
    out["check"], out["severity"], out["metric"] = check, severity, metric
    out["found"], out["expected"] = found, expected
    out["message_th"], out["message_en"] = message_th, message_en
    return out.reindex(columns=FINDING_COLUMNS)


def _differs(found: pd.Series, expected: pd.Series) -> pd.Series:
    """More than :data:`TOLERANCE` apart once both are two-decimal scores (93.31 vs 93.30 is
    0.010000000000005 in binary floating point, which is not a finding)."""
    return (found.round(2) - expected.round(2)).abs().round(2) > TOLERANCE


def _level_consistent(year: int, reported: str, total: float, computed: str | None) -> str | None:
    """The level the rules give, or None when the reported level agrees with them."""
    if computed is not None:
        return None if reported == computed else computed
    if pd.isna(total):
        return None
    expected = level_from_total_only(year, total)
    if rule_for_year(year).needs_tools:
        passed = total >= 85
        level = LEVEL_BY_NAME.get(reported)
        if reported in (PASS_LABEL_TH, FAIL_LABEL_TH):
            return None if (reported == PASS_LABEL_TH) == passed else expected
        if level is not None and level.passed == passed:
            # Tools unknown: the level is possible unless the total cannot go with it — one
            # tool under 85 caps the total at 95.5, so "ผ่าน" with 95.86 is impossible.
            if level_possible(year, reported, total) is False:
                return " / ".join(possible_levels(year, total))
            return None
        return expected
    return None if reported == expected else expected


def check_reported(results: pd.DataFrame) -> pd.DataFrame:
    """Reported totals, tools and levels against what the indicators and the year's rule give."""
    parts = []
    # Rows are taken only once they are found (NaN on either side never differs): copying
    # every row with both values first was most of this check's time at 10x national.
    bad = results[_differs(results["reported_total"], results["total"])]
    if len(bad):
        parts.append(_findings(
            bad, "total_mismatch", "warning", "total", bad["reported_total"], bad["total"],
            [f"คะแนนรวมที่รายงาน {r:.2f} ไม่ตรงกับที่คำนวณจากตัวชี้วัด {c:.2f}"
             for r, c in zip(bad["reported_total"], bad["total"])],
            [f"reported total {r:.2f} differs from {c:.2f} computed from the indicators"
             for r, c in zip(bad["reported_total"], bad["total"])]))
    for tool in TOOL_CODES:
        col = f"reported_{tool}"
        if col not in results.columns:
            continue
        bad = results[_differs(results[col], results[tool])]
        if len(bad):
            parts.append(_findings(
                bad, "tool_mismatch", "warning", tool, bad[col], bad[tool],
                [f"คะแนน {tool} ที่รายงาน {r:.2f} ไม่ตรงกับค่าเฉลี่ยตัวชี้วัด {c:.2f}"
                 for r, c in zip(bad[col], bad[tool])],
                [f"reported {tool} {r:.2f} differs from its indicators' mean {c:.2f}"
                 for r, c in zip(bad[col], bad[tool])]))
    levels = results[results["reported_level"].notna()]
    rows = []
    for row in levels.itertuples(index=False):  # a handful of rows: reported levels are rare
        total = row.total if pd.notna(row.total) else row.reported_total
        expected = _level_consistent(int(row.year), row.reported_level,
                                     total if pd.notna(total) else np.nan,
                                     row.level if isinstance(row.level, str) else None)
        if expected is not None:
            rows.append((row, expected, total))
    if rows:
        frame = pd.DataFrame([r._asdict() for r, _, _ in rows])
        found = [r.reported_level for r, _, _ in rows]
        expected = [e for _, e, _ in rows]
        parts.append(_findings(
            frame, "level_mismatch", "error", "level", found, expected,
            [f"ระดับที่รายงาน \"{f}\" ขัดกับคะแนน {t:.2f} ตามเกณฑ์ปี {r.year} (ควรเป็น {e})"
             for (r, e, t), f in zip(rows, found)],
            [f"reported level \"{f}\" contradicts the score {t:.2f} under the {r.year} rule "
             f"(expected {e})" for (r, e, t), f in zip(rows, found)]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FINDING_COLUMNS)


def check_duplicates(agencies: pd.DataFrame) -> pd.DataFrame:
    """Agencies with the same normalised name in the same province (likely one agency twice).

    ``agencies`` needs agency_id, name and province; its ``name_key`` (the store keeps each
    agency's normalised name) is used when present instead of normalising every name again.
    """
    keyed = "name_key" in agencies.columns
    frame = agencies[["agency_id", "name", "province", *(["name_key"] if keyed else [])]]
    frame = frame.drop_duplicates("agency_id")
    frame = frame.assign(key=frame["name_key"] if keyed else
                         frame["name"].map(normalize_agency_name))
    dup = frame[frame.duplicated(["key", "province"], keep=False)]
    if dup.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    others = dup.groupby(["key", "province"])["agency_id"].transform(
        lambda s: ", ".join(str(v) for v in s))
    dup = dup.assign(year=None)
    return _findings(dup, "duplicate_agency", "warning", "name", dup["name"], others,
                     [f"ชื่อซ้ำกับหน่วยงานรหัส {o} ในจังหวัดเดียวกัน" for o in others],
                     [f"same name as agencies {o} in the same province" for o in others])


def check_attribute_changes(agency_years: pd.DataFrame) -> pd.DataFrame:
    """Agencies whose type or province differs between years.

    Input: agency_id, name, year, agency_type, province as recorded per year (e.g. from
    imported files). The store keeps one type and province per agency, so this check needs
    such a per-year frame to find anything.
    """
    parts = []
    frame = agency_years.sort_values(["agency_id", "year"])
    for col, label_th in (("agency_type", "ประเภทหน่วยงาน"), ("province", "จังหวัด")):
        prev = frame.groupby("agency_id")[col].shift()
        changed = frame[prev.notna() & (prev != frame[col])]
        if len(changed):
            before = prev[changed.index]
            parts.append(_findings(
                changed, f"{col}_changed", "warning", col, changed[col], before,
                [f"{label_th}เปลี่ยนจาก {b} เป็น {a}" for a, b in zip(changed[col], before)],
                [f"{col} changed from {b} to {a}" for a, b in zip(changed[col], before)]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FINDING_COLUMNS)


def check_jumps(results: pd.DataFrame | None = None, k: float = JUMP_K, *,
                changes: pd.DataFrame | None = None, hundredths=None) -> pd.DataFrame:
    """Year-over-year indicator changes beyond k robust standard deviations of their own kind.

    Each indicator's typical change and spread (median and MAD of all its consecutive-year
    changes, at least 20 of them) come from the data. Changes are tested in whole hundredths
    of a point, as the scores are kept: exactly, so a change of 1.00 is not beyond a band of
    ±1.00 because 64.01 − 63.01 is 1.0000000000000071 in binary floating point.

    What is paired: ``results`` (agency_id, year, i1 … i10; names are kept when present),
    or ``changes`` as :func:`consecutive_changes` gives them, or ``hundredths`` as
    :func:`ita_analytics.store.load_change_hundredths` gives them (the quality page: no
    floats, no DataFrame of every pair); findings of the last two have no names.
    """
    if hundredths is not None:
        cols = [m for m in INDICATOR_COLUMNS if m in hundredths.metrics]
        idx = [hundredths.metrics.index(c) for c in cols]
        whole = idx == list(range(len(hundredths.metrics)))
        values = hundredths.values if whole else hundredths.values[:, idx]
        known = hundredths.known if whole else hundredths.known[:, idx]
        ids, years = hundredths.agency_id, hundredths.year
    else:
        if changes is None:
            changes = consecutive_changes(results, INDICATOR_COLUMNS)
        cols = [c for c in INDICATOR_COLUMNS if c in changes.columns]
        values, known = to_hundredths(changes[cols].to_numpy(dtype="float64", na_value=np.nan))
        ids, years = changes["agency_id"].to_numpy(), changes["year"].to_numpy()
    if not len(ids) or not cols:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    count, median, mad = robust_hundredths(values, known)  # in hundredths, exact
    enough = count >= 20
    if not enough.any():
        return pd.DataFrame(columns=FINDING_COLUMNS)
    limit = np.maximum(k * MAD_TO_SD * mad, 100.0)  # at least one point

    # Indicator by indicator, one column at a time (a broadcast over the whole array cost
    # 0.18 s at 10x national).
    def rows_beyond(j: int) -> np.ndarray:  # by agency and year, whatever order the pairs have
        above, below = _beyond_bounds(median[j], limit[j])
        column = values[:, j]
        rows = np.flatnonzero(known[:, j] & ((column >= above) | (column <= below)))
        return rows[np.lexsort((years[rows], ids[rows]))]
    beyond = [(j, rows_beyond(j)) for j in range(len(cols)) if enough[j]]
    col_idx = np.concatenate([np.full(len(rows), j) for j, rows in beyond])
    row_idx = np.concatenate([rows for _, rows in beyond])
    if not len(row_idx):
        return pd.DataFrame(columns=FINDING_COLUMNS)
    hits = pd.DataFrame({"agency_id": ids[row_idx], "year": years[row_idx]})
    if results is not None and "name" in results.columns:  # names of the agencies found only
        found = results[results["agency_id"].isin(hits["agency_id"].unique())]
        info = found.drop_duplicates(["agency_id", "year"]).set_index(["agency_id", "year"])[
            ["name", "province"]]
        hits = hits.join(info, on=["agency_id", "year"])
    moved = values[row_idx, col_idx] / 100
    limits = np.round(limit[col_idx] / 100, 2)
    return _findings(hits, "implausible_jump", "info", [cols[i] for i in col_idx], moved, limits,
                     *_jump_messages(cols, values, limit, beyond))


def _beyond_bounds(median: float, limit: float) -> tuple[int, int]:
    """The least whole hundredth h with h − median > limit and the greatest with
    median − h > limit (``median`` a half-integer): comparing integer columns with these
    selects exactly the values |h − median| > limit does, without a float copy of the column
    (NumPy 2 compares an int16 column with a bound beyond its range correctly)."""
    above = int(np.floor(median + limit)) + 1
    while above - 1 - median > limit:  # the float sum rounded up across a whole hundredth
        above -= 1
    while above - median <= limit:
        above += 1
    below = int(np.ceil(median - limit)) - 1
    while median - (below + 1) > limit:
        below += 1
    while median - below <= limit:
        below -= 1
    return above, below


def _jump_messages(cols: list[str], values: np.ndarray, limit: np.ndarray,
                   beyond: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Thai and English messages of the jumps ``beyond`` finds, in its order, each distinct
    change of an indicator written once (at 10x national about 2,000 distinct changes per
    indicator among 22,000 findings: nearly half the time of writing each)."""
    th, en = [], []
    for j, rows in beyond:
        number, lim = cols[j][1:], np.round(limit[j] / 100, 2)
        distinct, which = np.unique(values[rows, j], return_inverse=True)
        moved = distinct / 100
        th.append(np.array([f"ตัวชี้วัดที่ {number} เปลี่ยน {d:+.2f} คะแนนจากปีก่อน "
                            f"เกินช่วงปกติ ±{lim:.2f}" for d in moved], dtype=object)[which])
        en.append(np.array([f"indicator {number} moved {d:+.2f} from the year before, "
                            f"beyond the usual ±{lim:.2f}" for d in moved], dtype=object)[which])
    return np.concatenate(th), np.concatenate(en)


def combine_findings(parts: list[pd.DataFrame], agencies: pd.DataFrame | None = None,
                     year: int | None = None) -> pd.DataFrame:
    """The checks' findings as one frame, errors first. Columns: :data:`FINDING_COLUMNS`.

    Findings without a name (checks run on scores alone) take name and province from
    ``agencies`` (agency_id, name, province); ``year`` keeps findings of that year
    (duplicates, which have no year, are kept).
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    unnamed = out["name"].isna()
    if unnamed.any() and agencies is not None:
        info = agencies.drop_duplicates("agency_id").set_index("agency_id")
        for col in ("name", "province"):
            known = out["agency_id"].map(info[col]).astype(object)
            # As text (pandas' str), not Python objects: the page caches the findings, and
            # pickling 22,000 names as objects takes three times as long.
            out[col] = out[col].astype(object).where(~unnamed, known).astype("str")
    if year is not None:
        out = out[out["year"].isna() | (out["year"] == year)]
    # Errors, warnings, notes; then by year (none last) and agency, stably: one lexsort of
    # three arrays (sort_values with a key is much slower on the 22,000 findings at 10x national).
    codes, severities = pd.factorize(out["severity"])
    rank = np.array([SEVERITY_ORDER.get(v, len(SEVERITY_ORDER)) for v in severities] + [
        len(SEVERITY_ORDER)])[codes]
    years = pd.to_numeric(out["year"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ids = out["agency_id"].to_numpy(dtype="float64", na_value=np.nan)
    return out.take(np.lexsort((ids, years, rank))).reset_index(drop=True)


def compute_checks(results: pd.DataFrame, agencies: pd.DataFrame | None = None,
                   year: int | None = None, agency_years: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """All consistency findings of ``results``, errors first. Columns: :data:`FINDING_COLUMNS`.

    ``agencies`` (agency_id, name, province[, name_key]) defaults to the agencies in
    ``results``; ``year`` keeps findings of that year (duplicates, which have no year, are
    kept). A view over many agency-years can run the checks on less (see the quality page):
    the reported check on the agency-years with something reported, the jump check on
    changes the store computed, the duplicate check on one row per agency, then
    :func:`combine_findings`.
    """
    parts = [check_reported(results), check_jumps(results),
             check_duplicates(agencies if agencies is not None else results)]
    if agency_years is not None:
        parts.append(check_attribute_changes(agency_years))
    return combine_findings(parts, agencies, year)
