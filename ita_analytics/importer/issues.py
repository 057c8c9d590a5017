"""What an import found wrong in a file: one :class:`Issue` type for every import (scores,
items, measures), located by sheet, row and column, worded by the catalogue
(:mod:`ita_analytics.importer.messages`) in Thai and English."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ita_analytics.importer.messages import code_of, texts

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

    @classmethod
    def of(cls, key: str, *, sheet: str | None = None, row: int | None = None,
           column: str | None = None, **values) -> Issue:
        """The catalogue's message ``key`` (:mod:`ita_analytics.importer.messages`) at this place;
        its text may name the place (``{sheet}``, ``{row}``, ``{column}``)."""
        th, en = texts(key, sheet=sheet, row=row, column=column, **values)
        return cls(code_of(key), th, en, sheet, row, column)

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code,
                "message_th": self.message_th, "message_en": self.message_en}


def issues_frame(issues: list[Issue]) -> pd.DataFrame:
    """Issues as a table: sheet, row, column, code, message_th, message_en."""
    return pd.DataFrame([i.as_dict() for i in issues], columns=ISSUE_KEYS)
