"""The columns ``load_results`` can give, with the SQL of each: kept apart from scores.py
(pandas, NumPy, Arrow) so that a read of one agency-year (``show``) shares them without
importing any of those."""

from __future__ import annotations

INDICATOR_COLUMNS = [f"i{n}" for n in range(1, 11)]

# Every column load_results can return, in order, with the SQL giving it (constants only).
RESULT_COLUMNS: dict[str, str] = {
    "agency_id": "r.agency_id", "name": "a.name", "agency_type": "a.agency_type",
    "province": "a.province", "district": "a.district", "year": "CAST(r.year AS BIGINT)",
    **{c: f"CAST(r.{c} AS DOUBLE)" for c in INDICATOR_COLUMNS},
    "IIT": "CAST(r.iit AS DOUBLE)", "EIT": "CAST(r.eit AS DOUBLE)",
    "OIT": "CAST(r.oit AS DOUBLE)", "total": "CAST(r.total AS DOUBLE)", "level": "r.level",
    "passed": "r.passed", "n_indicators": "r.n_indicators", "source": "r.source",
    "basis": "r.basis",
    "reported_total": "CAST(p.total AS DOUBLE)", "reported_level": "p.level",
    "reported_IIT": "CAST(p.iit AS DOUBLE)", "reported_EIT": "CAST(p.eit AS DOUBLE)",
    "reported_OIT": "CAST(p.oit AS DOUBLE)",
}
REPORTED_JOIN = "LEFT JOIN reported p ON p.agency_id = r.agency_id AND p.year = r.year"
"""What the ``reported_*`` columns need."""
