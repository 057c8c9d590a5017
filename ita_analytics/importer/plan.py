"""What an analysed file would do to the store: errors, warnings, counts, diff, new agencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from ita_analytics.errors import ItaError
from ita_analytics.importer.issues import Issue
from ita_analytics.importer.messages import Text, texts
from ita_analytics.importer.read import column_letter
from ita_analytics.importer.recognise import ROLE_LABELS, SheetLayout

NEW_AGENCY_COLUMNS = ["ref", "name", "name_key", "agency_type", "province", "district",
                      "official_code"]
SUGGESTION_COLUMNS = ["sheet", "row", "name", "province", "name_key", "suggested_agency_id",
                      "suggested_name", "suggested_province", "distance", "decision"]
REPLACED_COLUMNS = ["agency_id", "name", "province", "year", "indicator", "old_score", "new_score"]
SCORE_FRAME_COLUMNS = ["agency_ref", "year", "indicator", "score"]
REPORTED_FRAME_COLUMNS = ["agency_ref", "year", "total", "level", "iit", "eit", "oit"]
ITEM_FRAME_COLUMNS = ["agency_ref", "year", "item", "tool", "score", "passed"]


@dataclass(frozen=True)
class AnalysisInputs:
    """What :func:`ita_analytics.importer.analyse_file` was given: kept with the plan, so that
    a commit finding the store changed can analyse the same file again on the store as it is."""

    data: bytes = field(repr=False)
    year: int | None = None
    replace: bool = False
    accept_suggestions: bool = False
    create_new: bool = False
    overrides: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)
    mapping: dict | None = None


@dataclass
class ImportPlan:
    """The outcome of :func:`ita_analytics.importer.analyse_file`; nothing has been written.

    ``scores`` (agency_ref, year, indicator, score) and ``reported`` (agency_ref, year, total,
    level, iit, eit, oit) are what a commit writes; ``agency_ref`` is an existing agency_id
    (> 0) or a new agency's ``ref`` (< 0) from ``new_agencies``. ``replaced`` lists scores
    that would be replaced (old → new), ``suggestions`` near matches awaiting a decision,
    ``aliases`` (alias, agency_ref) names from the file to remember for confirmed matches.
    """

    file_name: str
    sha256: str
    status: str = "valid"
    replace: bool = False
    sheets: list[SheetLayout] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    rows: int = 0
    agencies: int = 0
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCORE_FRAME_COLUMNS))
    reported: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REPORTED_FRAME_COLUMNS))
    new_agencies: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=NEW_AGENCY_COLUMNS))
    suggestions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=SUGGESTION_COLUMNS))
    replaced: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPLACED_COLUMNS))
    replaced_keys: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["agency_id", "year"]))
    aliases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["alias", "agency_ref"]))
    import_id: int | None = None
    unchanged_import_id: int | None = None
    continues_import_id: int | None = None
    """Set when the same file is imported again to settle rows an earlier import held back."""
    store_version: int | None = None
    """The store's data version the plan was made on (read before anything else); a commit
    on a store at another version analyses the file again first. None: not known."""
    analysed_at: datetime | None = None
    inputs: AnalysisInputs | None = field(default=None, repr=False)
    items: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ITEM_FRAME_COLUMNS))
    """Item-level results the file carries beside (or instead of) its scores: agency_ref, year,
    item, tool, score, passed (issue 20)."""
    matched: pd.DataFrame | None = None
    """The file's rows planned: sheet, row, name (as written), agency_ref, year — what the
    preview shows beside the stored agency each matched."""
    coverage: dict | None = None
    """The file's share of its (latest) year: year, agencies, expected, share
    (:func:`ita_analytics.analysis.coverage.compute_import_coverage`)."""
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Header signature → the mapping by header text (header → role) used for its sheet, to
    remember at commit when the analyst set or confirmed one."""
    remembered: bool = False
    """A mapping remembered from an earlier file of the same layout was applied."""

    @property
    def year(self) -> int | None:
        """The file's fiscal year when it holds one; the latest when it holds several."""
        return max(self.years) if self.years else None

    @property
    def replaced_scores(self) -> int:
        return len(self.replaced)

    def error(self, key: str, **place_and_values) -> None:
        """Record the error worded by the catalogue's ``key`` (see :meth:`Issue.of`)."""
        self.errors.append(Issue.of(key, **place_and_values))

    def warn(self, key: str, **place_and_values) -> None:
        """Record the warning worded by the catalogue's ``key`` (see :meth:`Issue.of`)."""
        self.warnings.append(Issue.of(key, **place_and_values))

    def to_json(self) -> dict:
        """The CLI's ``--json`` payload (keys fixed by issue 3)."""
        return {
            "status": self.status,
            "import_id": self.import_id if self.import_id is not None else self.unchanged_import_id,
            "year": self.year,
            "rows": int(self.rows),
            "agencies": int(self.agencies),
            "new_agencies": int(len(self.new_agencies)),
            "replaced_scores": int(self.replaced_scores),
            "coverage": self.coverage,
            "item_scores": int(len(self.items)),
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }

    def mapping_frame(self) -> pd.DataFrame:
        """Recognised columns per sheet: sheet, layout, col (0-based), header_row (1-based),
        column (letter), header, role, role_th, role_en."""
        rows = []
        for layout in self.sheets:
            for col in sorted(set(layout.mapping) | set(layout.headers)):
                role = layout.mapping.get(col, "ignore")
                th, en = ROLE_LABELS.get(role, (role, role))
                rows.append({"sheet": layout.sheet, "layout": layout.layout, "col": col,
                             "header_row": None if layout.header_row is None
                             else layout.header_row + 1,
                             "column": column_letter(col), "header": layout.headers.get(col, ""),
                             "role": role, "role_th": th, "role_en": en})
        return pd.DataFrame(rows, columns=["sheet", "layout", "col", "header_row", "column",
                                           "header", "role", "role_th", "role_en"])


@dataclass
class ImportResult:
    """The outcome of a commit: ``status`` is "committed", "unchanged" or "rejected"."""

    status: str
    import_id: int | None
    plan: ImportPlan

    def to_json(self) -> dict:
        payload = self.plan.to_json()
        payload["status"] = self.status
        payload["import_id"] = self.import_id
        return payload


CHANGES_LISTED = 5
"""How many of the imports since a preview a refusal names."""


def describe_changes(changes: pd.DataFrame) -> Text:
    """The imports committed or undone since a preview (``store.imports.load_changes_since``)
    as a Thai and an English phrase; other writes (measures saved) when there were none."""
    if changes.empty:
        return texts("changes.other")
    parts = []
    for row in changes.head(CHANGES_LISTED).itertuples():
        user = row.user_name if isinstance(row.user_name, str) and row.user_name else None
        kind = texts("changes.kind.measures" if row.kind == "measures" else "changes.kind.import")
        by = texts("changes.by", user=user) if user else texts("changes.by_nobody")
        parts.append(texts("changes.undone" if row.action == "undone" else "changes.committed",
                           kind=kind, import_id=row.import_id, file=row.file_name, by=by))
    more = len(changes) - CHANGES_LISTED
    if more > 0:
        parts.append(texts("changes.more", count=more))
    return Text(", ".join(p.th for p in parts), ", ".join(p.en for p in parts))


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return False
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_dtype=False, check_index_type=False,
                                      check_exact=True)
    except AssertionError:
        return False
    return True


def _refs(frame: pd.DataFrame) -> set[int]:
    return {int(r) for r in frame["agency_ref"].unique() if int(r) > 0}


def plan_differences(previewed: ImportPlan, fresh: ImportPlan) -> list[Text]:
    """How ``fresh`` — the same file analysed again on the store as it is now — differs from
    the plan ``previewed`` (Thai, English); empty when committing ``previewed`` writes exactly
    what its preview showed."""
    if fresh.status == "unchanged":
        return [texts("difference.already_imported", import_id=fresh.unchanged_import_id)]
    if fresh.status != "valid" or fresh.errors:
        out = [Text(e.message_th, e.message_en) for e in fresh.errors[:3]]
        if len(fresh.errors) > 3:
            out.append(texts("difference.more_errors", count=len(fresh.errors) - 3))
        return out
    out = []
    if not _same(previewed.new_agencies, fresh.new_agencies):
        out.append(texts("difference.new_agencies", before=len(previewed.new_agencies),
                         after=len(fresh.new_agencies)))
    if _refs(previewed.scores) | _refs(previewed.reported) != \
            _refs(fresh.scores) | _refs(fresh.reported):
        out.append(texts("difference.other_agencies"))
    if not _same(previewed.suggestions[["sheet", "row", "suggested_agency_id"]],
                 fresh.suggestions[["sheet", "row", "suggested_agency_id"]]):
        out.append(texts("difference.held_back", before=len(previewed.suggestions),
                         after=len(fresh.suggestions)))
    if not (_same(previewed.replaced, fresh.replaced)
            and _same(previewed.replaced_keys, fresh.replaced_keys)):
        out.append(texts("difference.replaced", before=previewed.replaced_scores,
                         after=fresh.replaced_scores))
    if previewed.continues_import_id != fresh.continues_import_id:
        out.append(texts("difference.continues"))
    if not out and not (_same(previewed.scores, fresh.scores)
                        and _same(previewed.reported, fresh.reported)
                        and _same(previewed.aliases, fresh.aliases)):
        out.append(texts("difference.writes"))
    return out


class StalePlan(ItaError):
    """A commit refused because the store changed since the preview and the file would now
    do something else; nothing was written. ``fresh`` is the file analysed again on the
    store as it is: the preview to show next."""

    def __init__(self, fresh: ImportPlan, changes: tuple[str, str],
                 differences: list[tuple[str, str]]):
        super().__init__(*texts(
            "stale_plan", changes=Text(*changes),
            differences=Text("; ".join(th for th, _ in differences),
                             "; ".join(en for _, en in differences))))
        self.fresh = fresh
        self.differences = differences
