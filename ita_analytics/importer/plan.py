"""What an analysed file would do to the store: errors, warnings, counts, diff, new agencies."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ita_analytics.importer.read import column_letter
from ita_analytics.importer.recognise import ROLE_LABELS, SheetLayout

ISSUE_KEYS = ["sheet", "row", "column", "code", "message_th", "message_en"]


@dataclass(frozen=True)
class Issue:
    """One error or warning, located in the file (``row`` is the spreadsheet's 1-based row,
    ``column`` its letter and header, both None when the issue concerns the whole file/sheet)."""

    code: str
    message_th: str
    message_en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code,
                "message_th": self.message_th, "message_en": self.message_en}


def issues_frame(issues: list[Issue]) -> pd.DataFrame:
    """Issues as a table: sheet, row, column, code, message_th, message_en."""
    return pd.DataFrame([i.as_dict() for i in issues], columns=ISSUE_KEYS)


NEW_AGENCY_COLUMNS = ["ref", "name", "name_key", "agency_type", "province", "district",
                      "official_code"]
SUGGESTION_COLUMNS = ["sheet", "row", "name", "province", "name_key", "suggested_agency_id",
                      "suggested_name", "suggested_province", "distance", "decision"]
REPLACED_COLUMNS = ["agency_id", "name", "province", "year", "indicator", "old_score", "new_score"]
SCORE_FRAME_COLUMNS = ["agency_ref", "year", "indicator", "score"]
REPORTED_FRAME_COLUMNS = ["agency_ref", "year", "total", "level", "iit", "eit", "oit"]


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

    @property
    def year(self) -> int | None:
        """The file's fiscal year when it holds one; the latest when it holds several."""
        return max(self.years) if self.years else None

    @property
    def replaced_scores(self) -> int:
        return len(self.replaced)

    def error(self, *args, **kwargs) -> None:
        self.errors.append(Issue(*args, **kwargs))

    def warn(self, *args, **kwargs) -> None:
        self.warnings.append(Issue(*args, **kwargs))

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
