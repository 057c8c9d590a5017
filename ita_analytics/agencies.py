"""Finding agencies by name as people write them: abbreviations, spaces, small typos."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ita_analytics.errors import AgencyNotFound, ItaError
from ita_analytics.geo import clean_province
from ita_analytics.thai import normalize_agency_name


@dataclass(frozen=True)
class AgencyMatch:
    """An agency found for a name; ``exact`` is False when only a near name matched."""

    agency_id: int
    name: str
    agency_type: str
    province: str | None
    district: str | None
    exact: bool
    distance: int = 0


def suggest_agencies(keys: pd.DataFrame, name: str, province: str | None = None,
                     limit: int = 5, max_distance: int | None = None) -> list[AgencyMatch]:
    """Near matches of ``name`` among ``keys`` (from ``store.load_agency_keys``), closest first."""
    key = normalize_agency_name(name)
    pool = keys
    if province:
        pool = keys[keys["province"] == clean_province(province)]
    if pool.empty:
        return []
    allowed = max_distance if max_distance is not None else max(2, len(key) // 6)
    found = process.extract(key, pool["key"].tolist(), scorer=Levenshtein.distance,
                            limit=limit * 3, score_cutoff=allowed)
    out: list[AgencyMatch] = []
    seen: set[int] = set()
    for _, distance, index in found:
        row = pool.iloc[index]
        if int(row.agency_id) in seen:
            continue
        seen.add(int(row.agency_id))
        out.append(AgencyMatch(int(row.agency_id), row["name"], row.agency_type, row.province,
                               row.district, distance == 0, int(distance)))
    return out[:limit]


def find_agency(keys: pd.DataFrame, name: str, province: str | None = None) -> AgencyMatch:
    """The one agency called ``name`` (in ``province`` when given).

    Raises :class:`AgencyNotFound` with near names when none matches exactly, and
    :class:`ItaError` when the name is shared by agencies in several provinces.
    """
    key = normalize_agency_name(name)
    hits = keys[keys["key"] == key]
    if province:
        hits = hits[hits["province"] == clean_province(province)]
    hits = hits.drop_duplicates("agency_id")
    if len(hits) == 1:
        row = hits.iloc[0]
        return AgencyMatch(int(row.agency_id), row["name"], row.agency_type, row.province,
                           row.district, True)
    if len(hits) > 1:
        places = ", ".join(f"{r['name']} ({r.province})" for _, r in hits.iterrows())
        raise ItaError(
            f"มีหน่วยงานชื่อ \"{name}\" หลายแห่ง: {places} — กรุณาระบุจังหวัด (--province)",
            f"Several agencies are called \"{name}\": {places} — give the province (--province)",
        )
    near = suggest_agencies(keys, name, province)
    labels = [f"{m.name} ({m.province})" if m.province else m.name for m in near]
    raise AgencyNotFound(name, labels)
