"""Writing frames as CSV, XLSX or Parquet bytes, safe to open in a spreadsheet."""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame, *, keep_numbers: bool = False) -> pd.DataFrame:
    """A copy where text cells (and headers) that a spreadsheet would run as formulas start
    with a quote.

    Numbers are left alone (a negative change is a number, not text). ``keep_numbers``: text
    that reads as a number ("-1.23", "+0.50", "-12%") or is a lone "-" (a missing value) is
    left alone too — for tables shown on screen, where a quote before "-1.23" would be noise;
    a spreadsheet takes such text as a number or as text, never as a formula.
    """
    def neutral(value):
        if not (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)):
            return value
        if keep_numbers and (value == "-" or _NUMBER_TEXT.fullmatch(value)):
            return value
        return "'" + value

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]) or isinstance(
                out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].map(neutral)
    # A header is a cell too (a table pivoted on agencies has names for headers).
    if any(neutral(col) is not col for col in out.columns):
        out.columns = [neutral(col) for col in out.columns]
    return out


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)%?")


def to_csv_bytes(frame: pd.DataFrame, *, bom: bool = True, missing: str = "") -> bytes:
    """UTF-8 CSV; with a BOM by default so that Excel shows Thai correctly. ``missing`` is
    written for a missing cell (the dashboard's downloads write "–")."""
    text = neutralise_formulas(frame).to_csv(index=False, float_format="%.2f", lineterminator="\n",
                                             na_rep=missing)
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame] | pd.DataFrame, sheet_name: str = "data", *,
                  missing: str = "", number_formats: bool = False, plain_columns=()) -> bytes:
    """An XLSX workbook with one sheet per frame, headers bold, columns sized to fit.

    ``missing`` is written for a missing cell. ``number_formats``: decimal columns show two
    decimals and whole-number columns thousands separators ("#,##0.00", "#,##0"), except the
    ``plain_columns`` (years: 2568, not 2,568); the cells keep their numbers.
    """
    if isinstance(sheets, pd.DataFrame):
        sheets = {sheet_name: sheets}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False,
                                                   "strings_to_urls": False}}) as writer:
        formats = {"float": writer.book.add_format({"num_format": "#,##0.00"}),
                   "int": writer.book.add_format({"num_format": "#,##0"})}
        for name, frame in sheets.items():
            safe = neutralise_formulas(frame)
            safe.to_excel(writer, sheet_name=name[:31], index=False, na_rep=missing)
            sheet = writer.sheets[name[:31]]
            for i, col in enumerate(safe.columns):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)])
                kind = _number_kind(safe[col]) if number_formats and col not in plain_columns \
                    else None
                sheet.set_column(i, i, min(60, max(8, width + 2)), formats.get(kind))
    return buffer.getvalue()


def _number_kind(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if pd.api.types.is_integer_dtype(series.dtype):
        return "int"
    if pd.api.types.is_float_dtype(series.dtype):
        return "float"
    return None


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def export_bytes(frame: pd.DataFrame, fmt: str, *, bom: bool = True) -> bytes:
    """``frame`` in ``fmt`` (csv, xlsx or parquet)."""
    if fmt == "csv":
        return to_csv_bytes(frame, bom=bom)
    if fmt == "xlsx":
        return to_xlsx_bytes(frame)
    if fmt == "parquet":
        return to_parquet_bytes(frame)
    raise ValueError(fmt)


# --- with the data's sources (issue 18 #3) ----------------------------------------------------

SOURCES_SHEET = "ที่มา (Sources)"
"""The sheet a download's sources go to (Excel forbids "/" in sheet names)."""
SOURCES_METADATA_KEY = b"ita_analytics.sources"
"""The Parquet schema metadata key holding the sources as JSON."""


def sources_lines(sources) -> list[str]:
    """What a file says about its data, line by line: Thai, English, the demo caveat in both
    when any row is synthetic (``sources``: a :class:`ita_analytics.provenance.Sources`)."""
    lines = [sources.summary("th"), sources.summary("en")]
    if sources.is_demo:
        lines += [sources.caveat("th"), sources.caveat("en")]
    return lines


def to_xlsx_bytes_with_sources(sheets: dict[str, pd.DataFrame] | pd.DataFrame, sources,
                               sheet_name: str = "data", **options) -> bytes:
    """:func:`to_xlsx_bytes` (``options``: its keyword options) with a last sheet
    :data:`SOURCES_SHEET` (``sources.frame()``)."""
    if isinstance(sheets, pd.DataFrame):
        sheets = {sheet_name: sheets}
    return to_xlsx_bytes({**sheets, SOURCES_SHEET: sources.frame()}, **options)


def to_csv_bytes_with_sources(frame: pd.DataFrame, sources, *, bom: bool = True,
                              missing: str = "") -> bytes:
    """:func:`to_csv_bytes`, then an empty line and the sources, one line each (a spreadsheet
    shows them under the table; ``pandas.read_csv(..., skipfooter=N)`` leaves them out)."""
    table = to_csv_bytes(frame, bom=bom, missing=missing)
    notes = neutralise_formulas(pd.DataFrame({"ที่มา / Sources": sources_lines(sources)}))
    footer = notes.to_csv(index=False, lineterminator="\n")
    return table + b"\n" + footer.encode("utf-8")


def to_parquet_bytes_with_sources(frame: pd.DataFrame, sources) -> bytes:
    """:func:`to_parquet_bytes` with the sources in the schema metadata
    (:data:`SOURCES_METADATA_KEY`: JSON with th, en, caveat_th, caveat_en, made_on)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    note = {"th": sources.summary("th"), "en": sources.summary("en"),
            "caveat_th": sources.caveat("th"), "caveat_en": sources.caveat("en"),
            "made_on": sources.made_on.isoformat()}
    metadata = {**(table.schema.metadata or {}),
                SOURCES_METADATA_KEY: json.dumps(note, ensure_ascii=False).encode("utf-8")}
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buffer)
    return buffer.getvalue()


def export_bytes_with_sources(frame: pd.DataFrame, fmt: str, sources, *, bom: bool = True,
                              missing: str = "") -> bytes:
    """``frame`` in ``fmt`` (csv, xlsx or parquet) stating its sources and the day made."""
    if fmt == "csv":
        return to_csv_bytes_with_sources(frame, sources, bom=bom, missing=missing)
    if fmt == "xlsx":
        return to_xlsx_bytes_with_sources(frame, sources, missing=missing)
    if fmt == "parquet":
        return to_parquet_bytes_with_sources(frame, sources)
    raise ValueError(fmt)
