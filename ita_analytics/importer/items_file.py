"""Importing an item-level spreadsheet on its own: read, extract, match, check, commit, undo.

The pure steps are in :mod:`ita_analytics.importer.items`; this module adds the store: the
agencies to match, the item rows already stored, the indicator scores items may contradict,
and the one transaction that writes the rows with their import record (kind 'items').
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from ita_analytics import store
from ita_analytics.analysis.items import compute_item_contradictions, compute_oit_indicators
from ita_analytics.errors import ItaError
from ita_analytics.importer.issues import Issue
from ita_analytics.importer.items import extract_item_scores, match_item_agencies
from ita_analytics.importer.messages import texts
from ita_analytics.importer.sandbox import read_tables
from ita_analytics.store import items as item_store
from ita_analytics.store.imports import import_source


@dataclass
class ItemsPlan:
    """What an items import would write; nothing is written until :func:`commit_items`."""

    file_name: str
    sha256: str
    rows: pd.DataFrame
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    layouts: dict[str, str] = field(default_factory=dict)
    contradictions: pd.DataFrame = field(default_factory=pd.DataFrame)
    unchanged_import_id: int | None = None

    @property
    def status(self) -> str:
        if self.errors:
            return "rejected"
        return "unchanged" if self.unchanged_import_id is not None else "valid"

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.rows["year"].unique()) if len(self.rows) else []


def _contradiction_warnings(found: pd.DataFrame, names: dict[int, str]) -> list[Issue]:
    return [Issue.of("items_contradict_indicator/items", agency=names.get(r.agency_id, r.agency_id),
                     year=r.year, indicator=r.indicator, stored=r.stored, from_items=r.from_items,
                     rule_status=texts(f"rule_status.{r.rule_status}"))
            for r in found.itertuples(index=False)]


def plan_items(conn, sheets, file_name: str, sha256: str, year: int | None = None) -> ItemsPlan:
    """Extract, validate and match the items of ``sheets`` against the store; write nothing.

    Item rows already stored for the same agency, year and item are refused (undo the import
    that wrote them first): an items import only adds, so undoing it restores the store exactly.
    Stored indicator scores that the file's OIT items contradict are warnings.
    """
    extract = extract_item_scores(sheets, year=year)
    plan = ItemsPlan(file_name, sha256, extract.rows, list(extract.errors), list(extract.warnings),
                     dict(extract.layouts))
    if not extract.found:
        plan.errors.append(Issue.of("no_items"))
        return plan
    rows, match_errors = match_item_agencies(extract.rows, store.load_agency_keys(conn))
    plan.errors += match_errors
    plan.rows = rows
    if rows.empty:
        if not plan.errors:
            plan.errors.append(Issue.of("no_item_values"))
        return plan
    ids = sorted(set(int(a) for a in rows["agency_id"]))
    stored = item_store.load_item_keys(conn, ids, plan.years)
    if len(stored):
        clash = rows.merge(stored, on=["agency_id", "year", "item"])
        for row in clash.drop_duplicates(["agency_id", "year"]).itertuples(index=False):
            n = int(((clash["agency_id"] == row.agency_id) & (clash["year"] == row.year)).sum())
            plan.errors.append(Issue.of("items_already_stored/items", name=row.agency_name,
                                        year=row.year, count=n, source=row.source, sheet=row.sheet,
                                        row=int(row.row)))
    results = store.load_results(conn, agency_ids=ids, years=plan.years,
                                 columns=["agency_id", "year", "i9", "i10"])
    plan.contradictions = compute_item_contradictions(compute_oit_indicators(rows), results)
    names = dict(zip(rows["agency_id"], rows["agency_name"]))
    plan.warnings += _contradiction_warnings(plan.contradictions, names)
    return plan


def analyse_items_file(conn, data: bytes, file_name: str, year: int | None = None) -> ItemsPlan:
    """Read and check an item spreadsheet (.xlsx or .csv); nothing is written.

    Raises ``ImportRejected`` for files that cannot be read at all.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    previous = item_store.find_committed_items_import(conn, sha256)
    plan = plan_items(conn, read_tables(data, file_name), file_name, sha256, year)
    if previous is not None and not plan.errors:
        plan.unchanged_import_id = previous
    elif previous is not None:
        # The same file is already in: the clash with its own rows is not an error.
        plan.errors = [e for e in plan.errors if e.code != "items_already_stored"]
        if not plan.errors:
            plan.unchanged_import_id = previous
    return plan


def commit_items(conn, plan: ItemsPlan, user: str | None = None) -> int:
    """Write a valid plan's rows with their import record in one transaction; returns the id.

    Refuses a plan with errors; a file already imported (same hash) returns that import's id.
    """
    if plan.errors or plan.rows.empty:
        raise ItaError(*texts("file_has_errors"))
    if plan.unchanged_import_id is not None:
        return plan.unchanged_import_id
    years = plan.years
    with store.transaction(conn) as cur:
        import_id = item_store.record_items_import(
            cur, file_name=plan.file_name, sha256=plan.sha256,
            year=years[0] if len(years) == 1 else None, user_name=user, rows=len(plan.rows),
            agencies=int(plan.rows["agency_id"].nunique()),
            details={"sheets": plan.layouts, "years": years, "warnings": len(plan.warnings)})
        item_store.insert_items(cur, plan.rows.assign(source=import_source(import_id),
                                                      import_id=import_id))
    return import_id


def undo_items(conn, import_id: int, user: str | None = None) -> int:
    """Undo an items import (its rows removed); returns how many rows were removed."""
    try:
        with store.transaction(conn) as cur:
            return item_store.undo_items_import(cur, import_id, user)
    except ValueError:
        raise ItaError(*texts("not_committed/items", import_id=import_id)) from None
