"""What a report is made of: sections, each writing itself to DOCX and giving XLSX sheets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ita_analytics.report.data import ReportData


@dataclass(frozen=True)
class Sheet:
    """One XLSX sheet: a table (missing values written as "–") and optional PNG images beside it.

    ``formats`` names a column's numbers: "score" (two decimals), "count" (thousands
    separated), "year" (as it is); otherwise integers are counts and other numbers scores.
    """

    name: str
    frame: pd.DataFrame
    images: tuple[bytes, ...] = ()
    formats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A part of the report. ``write_docx(document, data)``; ``sheets(data)`` for the XLSX."""

    key: str
    title_th: str
    write_docx: Callable
    sheets: Callable[[ReportData], list[Sheet]] = field(default=lambda data: [])
    load: Callable | None = None
    """Optional ``load(conn, data)``: what the section needs from the store, kept in extras."""
    sources: Callable | None = None
    """Optional ``sources(data)``: ``provenance.SourceCount``s of the rows it loaded."""
