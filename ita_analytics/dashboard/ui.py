"""Language, number formats, the demo badge and the chart-with-table block every page uses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import NoReturn

import numpy as np
import pandas as pd
import streamlit as st

from ita_analytics.dashboard import light_plotly
from ita_analytics.dashboard.table_format import (
    MISSING,
    download_table,
    screen_table,
    year_columns,
)
from ita_analytics.demo.labels import DEMO_LABEL_EN, DEMO_LABEL_TH
from ita_analytics.domain import INDICATORS
from ita_analytics.exports import neutralise_formulas, to_csv_bytes, to_xlsx_bytes

LANG_KEY = "lang"
"""The language switch's widget key (and the URL parameter ``?lang=``)."""
LANG_CHOICE_KEY = "_lang_chosen"
"""The language chosen, in a plain session key no widget owns: Streamlit keeps a widget's
state per page, so a value kept only in the switch's key was dropped on changing pages."""
LANG_URL_SEEN_KEY = "_lang_url_seen"
"""The ``?lang=`` last written to the URL: a different one was put there from outside."""
LANGS = {"th": "ไทย", "en": "English"}


def lang() -> str:
    """The language chosen in the sidebar ('th' or 'en'); Thai first.

    The URL's ``?lang=`` wins when it is not the one the app last wrote (a shared link opened
    in a new session, a link followed); otherwise the session's choice, else the switch's own
    key (set by a test).
    """
    url = st.query_params.get(LANG_KEY)
    if url in LANGS and url != st.session_state.get(LANG_URL_SEEN_KEY):
        return url
    for value in (st.session_state.get(LANG_CHOICE_KEY), st.session_state.get(LANG_KEY)):
        if value in LANGS:
            return value
    return "th"


def t(th: str, en: str, language: str | None = None) -> str:
    """The Thai or English text, by ``language`` or else the chosen one (work done after the
    script run, such as a download's table, cannot read the session: it passes the language)."""
    return en if (language or lang()) == "en" else th


def indicator_label(number: int) -> str:
    """The indicator's number and name in the chosen language ("9. การเปิดเผยข้อมูล")."""
    ind = INDICATORS[number - 1]
    return f"{number}. " + t(ind.name_th, ind.name_en)


def map_labels(values: pd.Series, label) -> pd.Series:
    """``values.map(label)`` with ``label`` called once per distinct value, not per row.

    Labels read the chosen language from the session on every call; per row that was most
    of a page's time at national scale (22k findings: 1.8 s of 2.3 s), per value it is nothing.
    """
    if isinstance(label, dict):
        label = label.get
    codes, uniques = pd.factorize(values)
    shown = [label(u) for u in uniques]
    missing = codes == -1
    if missing.any():
        shown.append(label(values[missing].iloc[0]))
        codes = np.where(missing, len(shown) - 1, codes)
    out = np.empty(len(shown), dtype=object)
    out[:] = shown
    return pd.Series(out[codes], index=values.index, dtype=object)


_MARKDOWN_SPECIALS = re.compile(r"[\\`*_~\[\]<>&$:@#|]")
"""What gives text a meaning in Markdown and GitHub's extensions (emphasis, code, links and
images, strikethrough, raw HTML and entities, headings, tables), in LaTeX (``$``) and in
Streamlit's directives (``:red[…]``). CommonMark lets a backslash escape any ASCII
punctuation; the dots of "อบต." and the like are left alone."""
_BLOCK_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))")
"""A list item (``- ``, ``+ ``, ``1. ``) or a thematic break when the text starts a line."""
_WORD_JOINER = "\u2060"
_FOUND_IN_TEXT = re.compile(r"(?<=:)(?=//|[\w+/-]+:)|(?<=@)(?=[-\w])|(?i:(?<=www)(?=\.))")
"""Where a word joiner goes: after a ":" that starts "://" or a code closed by another ":",
after an "@" before a domain, between "www" and its dot. Literal autolinks (``https://…``,
``www.…``, e-mail addresses), emoji (``:smile:``) and Streamlit's icons (``:material/…:``)
are found in the text after escapes are read, so a backslash does not stop them; an
invisible joiner inside the pattern does, and changes nothing shown."""


def escape_markdown(text) -> str:
    """``text`` (an agency name, a province, a file name, a user's name…) made safe to put
    into anything Streamlit renders as Markdown — ``st.markdown``, captions, headers, alerts,
    metric labels and values, expander and tab labels — so that it shows as the same text.

    A name such as ``[คลิกเพื่อยืนยันรหัส](https://…)`` would otherwise be a link on the
    page, ``![x](https://…)`` an image every viewer's browser fetches. Control and
    direction-override characters are dropped (a right-to-left override makes text read
    backwards), line breaks become spaces (a new line can start a heading or a list).
    """
    kept = "".join(" " if unicodedata.category(ch) == "Cc"
                   else "" if unicodedata.category(ch) == "Cf" and ch not in _KEPT_FORMAT
                   else ch for ch in str(text))
    kept = _FOUND_IN_TEXT.sub(_WORD_JOINER, kept)
    kept = _MARKDOWN_SPECIALS.sub(lambda m: "\\" + m.group(0), kept)
    return _BLOCK_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2)
                                                    else m.group(3) + "\\" + m.group(4)), kept)


_KEPT_FORMAT = {"\u200b", "\u200c", "\u200d"}
"""Zero-width space and joiners: Thai text uses them to mark word breaks; they reorder nothing."""


def safe_table_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells neutralised as the downloads are (``exports``), for
    ``st.dataframe``: its toolbar's own "Download as CSV" writes cells as they are, and a
    name such as ``=HYPERLINK(…)`` would run as a formula in the spreadsheet that opens it.

    Text that reads as a number ("-1.23", "+0.50", the "-" of a missing value) is left as it
    is: a spreadsheet takes it as a number or as text, never as a formula.
    """
    return neutralise_formulas(frame, keep_numbers=True)


def fmt_score(value) -> str:
    """A score with two decimals, '–' when missing."""
    if value is None or pd.isna(value):
        return MISSING
    return f"{float(value):,.2f}"


def fmt_pct(value) -> str:
    if value is None or pd.isna(value):
        return MISSING
    return f"{100 * float(value):.1f}%"


def multiselect(container, label: str, options, **kwargs):
    """``container.multiselect`` on which typing a name and Enter picks that one option.

    Streamlit's list starts with "Select N matches" when several options match what was
    typed, and its fuzzy match finds letters in order: ภาคเหนือ + Enter picked North and
    Northeast. Without the bulk option Enter takes the first match, and matching by
    substring puts the exact name first.
    """
    kwargs.setdefault("select_all", False)
    kwargs.setdefault("filter_mode", "contains")
    return container.multiselect(label, options, **kwargs)


def render_demo_badge(source_counts: dict[str, int]) -> None:
    """Say clearly when the data shown is synthetic demo data (and what is real)."""
    if source_counts.get("demo"):
        st.warning(t(DEMO_LABEL_TH, DEMO_LABEL_EN), icon=":material/science:")


def show_table(frame, *, key: str, column_config: dict | None = None,
               column_help: dict[str, str] | None = None, **kwargs):
    """``st.dataframe`` without the index, as people read tables (:func:`screen_table`):
    numbers right-aligned with two decimals (whole numbers for counts) and thousands
    separators, yes/no and B.E. dates in the chosen language, "–" for every missing cell;
    text cells safe for the toolbar's CSV download (:func:`safe_table_cells`).
    ``column_help``: header → help text shown on the header (the glossary).

    Scores are read to two decimals in every report users know (82.00, not 82.0 or
    95.7333); number columns stay numbers, so they sort as numbers.
    """
    frame = safe_table_cells(frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame))
    frame, config = screen_table(frame, lang(), skip=set(column_config or ()))
    config.update(column_config or {})
    for name, text in (column_help or {}).items():  # a glossary entry on the column's header
        if name in frame.columns:
            config[name] = {**(config.get(name) or {}), "help": text}
    kwargs.setdefault("hide_index", True)
    return st.dataframe(frame, key=key, column_config=config, **kwargs)


def render_table_downloads(frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str,
                           key: str) -> None:
    """CSV (UTF-8 with BOM, opens in Excel) and XLSX downloads of a table, or of what a
    function gives when a download is asked for (it runs outside the script run: no ``t()``
    nor session state in it). Values as :func:`download_table` writes them: rounded to two
    decimals, yes/no and dates in the page's language, "–" for missing."""
    language = lang()

    def table() -> pd.DataFrame:
        return download_table(frame() if callable(frame) else frame, language)

    def xlsx() -> bytes:
        shown = table()
        return to_xlsx_bytes(shown, missing=MISSING, number_formats=True,
                             plain_columns=year_columns(shown))
    left, right = st.columns(2)
    left.download_button(t("ดาวน์โหลด CSV", "Download CSV"),
                         data=lambda: to_csv_bytes(table(), missing=MISSING),
                         file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv")
    right.download_button(
        t("ดาวน์โหลด XLSX", "Download XLSX"), data=xlsx, file_name=f"{name}.xlsx", key=f"{key}_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2},
                 "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _plotly_text(value):
    if isinstance(value, str) and ("<" in value or ">" in value):
        return value.replace("<", "&lt;").replace(">", "&gt;")
    return value


def _plotly_texts(values):
    """``values`` with :func:`_plotly_text` applied, or None when nothing changes (numbers)."""
    if values is None or isinstance(values, str) or (
            isinstance(values, np.ndarray) and values.dtype.kind != "O"):
        return None
    shown = [_plotly_text(v) for v in values]
    return None if all(a is b for a, b in zip(shown, values)) else shown


def inert_figure(fig):
    """``fig`` with the data's text shown as text: Plotly draws ``<a href>``, ``<b>`` and
    similar tags in names, category labels and hover text, so an agency named
    ``<a href="https://…">…</a>`` would be a link in the chart. Angle brackets in trace
    names, x/y categories, texts and axis category lists become entities (drawn as ``<``
    and ``>``); plotly express copies a trace's name into its hover template, changed there
    too (and in the groups that pair traces up, to keep them paired). Templates and the
    builders' own ``<br>`` are left alone."""
    for trace in fig.data:
        name = getattr(trace, "name", None)
        shown = _plotly_text(name)
        if shown is not name:
            template = getattr(trace, "hovertemplate", None)
            trace.name = shown
            if isinstance(template, str):
                trace.hovertemplate = template.replace(name, shown)
        for attr in ("legendgroup", "offsetgroup", "x", "y", "text", "hovertext", "labels"):
            if attr in trace:
                value = trace[attr]
                changed = _plotly_text(value) if isinstance(value, str) else _plotly_texts(value)
                if changed is not None and changed is not value:
                    trace[attr] = changed

    def axis_texts(axis):
        for attr in ("categoryarray", "ticktext"):
            changed = _plotly_texts(axis[attr])
            if changed is not None:
                axis[attr] = changed
    fig.for_each_xaxis(axis_texts)
    fig.for_each_yaxis(axis_texts)
    return fig


def table_open_key(key: str) -> str:
    """The session key remembering that chart ``key``'s data table is open."""
    return f"{key}_table_open"


def render_chart(fig, table: pd.DataFrame, name: str, key: str, *, lazy: bool = True,
                 light: bool = False) -> None:
    """A Plotly chart (PNG from its toolbar), its data table one click away, CSV/XLSX downloads.

    ``lazy``: the table and its downloads are sent when the expander is opened (remembered
    in :func:`table_open_key`), not with every run: a collapsed table still cost the browser its grid
    and buttons, about a sixth of a new session's work on the overview.
    ``light``: drawn with plotly.js's cartesian build (``light_plotly``) when its traces allow,
    for a page's first screen: a new session then never loads Plotly's whole 4.5 MB build.
    """
    fig = inert_figure(fig)
    if light and light_plotly.drawable(fig):
        light_plotly.light_chart(fig, key=f"{key}_chart", config=PLOTLY_CONFIG)
    else:
        st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=f"{key}_chart")
    opened = table_open_key(key)

    def remember() -> None:
        # The expander's own state is keyed by its label too: kept here, an open table stays
        # open when the language (the label) changes.
        st.session_state[opened] = bool(st.session_state.get(f"{key}_open"))
    box = st.expander(t("ตารางข้อมูล", "Data table"), expanded=bool(st.session_state.get(opened)),
                      key=f"{key}_open", on_change=remember if lazy else "ignore")
    if lazy and not box.open:
        return
    with box:
        show_table(table, width="stretch", key=f"{key}_table")
        render_table_downloads(table, name, key)


def basis_text(n_by_basis: dict[str, int], language: str | None = None) -> str:
    """'ตัวชี้วัด 8,290 · คะแนนรวมเท่านั้น 39': how many agency-years of each basis were used
    (bases with none left out)."""
    from ita_analytics.domain import BASES, BASIS_LABELS

    parts = [f"{t(*BASIS_LABELS[b], language)} {n_by_basis[b]:,}" for b in BASES
             if n_by_basis.get(b)]
    return " · ".join(parts) if parts else "-"


BASIS_HELP_TH = ("ผลแต่ละหน่วยงาน-ปีอิงจากข้อมูลที่เผยแพร่: ตัวชี้วัดทั้ง 10 ตัว, คะแนนเครื่องมือ IIT/EIT/OIT, "
                 "คะแนนรวมเท่านั้น หรือระดับเท่านั้น — คะแนนรวม สัดส่วนที่ผ่าน และระดับ ใช้ทุกแถวที่มีคะแนนรวม; "
                 "การวิเคราะห์รายตัวชี้วัดใช้เฉพาะแถวที่มีตัวชี้วัด")
BASIS_HELP_EN = ("Each agency-year's result rests on what was published: all ten indicators, the "
                 "IIT/EIT/OIT tool scores, a total only, or a level only — totals, pass rates and "
                 "levels use every row with a total; indicator analyses use indicator rows only")


def render_basis_note(n_by_basis: dict[str, int]) -> None:
    """A caption saying what the figures rest on (with the glossary as help)."""
    st.caption(t("ผลที่ใช้ (อิงจาก): ", "Rows used (basis): ") + basis_text(n_by_basis),
               help=t(BASIS_HELP_TH, BASIS_HELP_EN))


def render_partial_years(coverage: pd.DataFrame) -> None:
    """Name the years holding only part of their agencies (drawn dotted, never the headline)."""
    partial = coverage[coverage["partial"]] if len(coverage) else coverage
    if partial.empty:
        return
    th = ", ".join(f"{int(r.year)} ({int(r.agencies):,} จาก {int(r.expected):,})"
                   for r in partial.itertuples())
    en = ", ".join(f"{int(r.year)} ({int(r.agencies):,} of {int(r.expected):,})"
                   for r in partial.itertuples())
    st.info(t(f"ปีที่มีข้อมูลบางส่วน: {th} หน่วยงาน — แสดงด้วยเส้นประ และไม่ใช้เป็นตัวเลขหลัก",
              f"Years with part of their agencies only: {en} — drawn dotted, never the headline"),
            icon=":material/pie_chart:")


def render_empty(message_th: str, message_en: str) -> None:
    st.info(t(message_th, message_en), icon=":material/info:")


NO_DATA_YET = ("ยังไม่มีข้อมูล — นำเข้าผลการประเมินที่หน้านำเข้าข้อมูล",
               "No data yet — import results on the Import page.")
"""What a page says when the store has no year for its filters (Thai, English)."""


def no_data_for_year(year: int) -> tuple[str, str]:
    """What a page says when its chosen year has no data for its filters (Thai, English)."""
    return (f"ยังไม่มีข้อมูลปี {year} สำหรับตัวกรองนี้ — นำเข้าผลการประเมินที่หน้านำเข้าข้อมูล",
            f"No data for {year} B.E. with these filters yet — import it on the Import page.")


def stop_empty(message_th: str, message_en: str) -> NoReturn:
    """Say why the page shows nothing more (:func:`render_empty`) and end its script's run
    there (``st.stop``)."""
    render_empty(message_th, message_en)
    st.stop()
