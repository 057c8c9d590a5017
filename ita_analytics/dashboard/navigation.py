"""The shared frame of every page: navigation, language, filters, demo badge, error guard."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from ita_analytics.dashboard import data
from ita_analytics.dashboard.filters import Filters, render_filters
from ita_analytics.dashboard.ui import escape_markdown, lang, render_demo_badge, t
from ita_analytics.errors import ItaError
from ita_analytics.settings import BASE_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_th: str
    title_en: str
    url_path: str
    icon: str


# The pages in menu order. A page is a thin script in pages/; add it here to show it.
# Icons are Material Symbols, drawn by Streamlit's own font: emoji need a colour-emoji
# font that a server or an analyst's PC may lack (they showed as empty boxes).
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "ภาพรวม", "Overview", "overview", ":material/dashboard:"),
    PageSpec("pages/indicators.py", "ตัวชี้วัด", "Indicators", "indicators", ":material/target:"),
    PageSpec("pages/changes.py", "การเปลี่ยนแปลง", "Changes", "changes", ":material/swap_vert:"),
    PageSpec("pages/levels.py", "ระดับผลการประเมิน", "Levels", "levels", ":material/military_tech:"),
    PageSpec("pages/provinces.py", "จังหวัด", "Provinces", "provinces", ":material/map:"),
    PageSpec("pages/compare.py", "เปรียบเทียบ", "Compare", "compare", ":material/compare_arrows:"),
    PageSpec("pages/agency.py", "หน่วยงาน", "Agency", "agency", ":material/account_balance:"),
    PageSpec("pages/items.py", "ผลรายข้อ", "Items", "items", ":material/quiz:"),
    PageSpec("pages/measures.py", "มาตรการ", "Measures", "measures", ":material/checklist:"),
    PageSpec("pages/quality.py", "คุณภาพข้อมูล", "Data quality", "quality", ":material/fact_check:"),
    PageSpec("pages/import.py", "นำเข้าข้อมูล", "Import", "import", ":material/upload_file:"),
)


def installed_pages() -> list[PageSpec]:
    """The pages whose scripts are present (a deployment may leave some out)."""
    return [p for p in PAGES if (BASE_DIR / p.path).exists()]


def current_filters() -> Filters:
    """Render the shared frame of a page (language, filters, demo badge) and return the filters.

    Every page calls this once at its top. The frame is drawn by the page rather than by
    app.py so that it is also drawn when only the page script re-runs (Streamlit's AppTest
    re-runs the page alone after the first run); values persist across pages and runs in
    session state and the URL (filters.py).
    """
    _leave_pages_folder_mode()
    meta = data.meta()
    filters = render_filters(meta["years"], meta["agency_types"])
    st.sidebar.caption(t("ITA Analytics — วิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใส (ITA)",
                         "ITA Analytics — Integrity and Transparency Assessment results"))
    render_demo_badge(meta["sources"])
    return filters


_MENU_KEY = "_menu_built"


def _leave_pages_folder_mode() -> None:
    """Re-run through app.py when the page script ran without app.py's menu.

    Because a ``pages/`` folder sits beside app.py, Streamlit starts in its older
    pages-folder mode until the first ``st.navigation`` call in the process: a deep link such
    as ``/provinces`` opened as the first request after the server starts runs
    ``pages/provinces.py`` alone (no page config, file names in the menu). ``run`` marks the
    session when app.py builds the menu; a session's first run without that mark calls
    ``st.navigation`` here (its documented effect: the pages folder is no longer used) and
    runs again, so app.py builds the real navigation and the same page (same URL path) is
    shown. The first run carries no widget action a re-run would drop. Public API only; a test
    running a page script alone (AppTest) goes through the same step once.
    """
    if st.session_state.get(_MENU_KEY):
        return
    st.session_state[_MENU_KEY] = True
    # Absolute paths: when a page script is itself the main script (AppTest), relative ones
    # would be looked for beside it.
    st.navigation([st.Page(BASE_DIR / p.path, url_path=p.url_path, default=(i == 0))
                   for i, p in enumerate(installed_pages())], position="hidden")
    st.rerun()


# The default page's internal URL path: Streamlit serves the default page at the root "/" and
# names its page hash after this path, which is never shown.
DEFAULT_PAGE_KEY = "home"


def navigation_pages(specs: list[PageSpec]) -> list:
    """``st.Page`` objects for the menu, the first the default page served at "/".

    Streamlit answers the default page's own path (``/overview``) with "Page not found",
    although a user may type it or find it in a list of the pages' paths. A hidden page
    at that path runs the same script, so ``/overview?year_from=…`` opens the overview with
    its filters. It comes last: ``st.page_link`` to the script picks the menu entry.
    """
    pages = [st.Page(p.path, title=t(p.title_th, p.title_en), icon=p.icon,
                     url_path=DEFAULT_PAGE_KEY if i == 0 else p.url_path, default=(i == 0))
             for i, p in enumerate(specs)]
    if specs:
        home = specs[0]
        pages.append(st.Page(home.path, title=t(home.title_th, home.title_en), icon=home.icon,
                             url_path=home.url_path, visibility="hidden"))
    return pages


def run() -> None:
    """Build the navigation and run the chosen page, keeping any exception from the user."""
    page = st.navigation(navigation_pages(installed_pages()))
    st.session_state[_MENU_KEY] = True
    try:
        page.run()
    except ItaError as error:
        # Messages quote what they refuse (a file's name, a cell): shown as text.
        st.error(escape_markdown(error.message(lang())))
    except Exception:
        log.exception("page %s failed", page.url_path)
        st.error(t("เกิดข้อผิดพลาดในการแสดงหน้านี้ กรุณาลองใหม่หรือเปลี่ยนตัวกรอง "
                   "(รายละเอียดอยู่ในบันทึกของเซิร์ฟเวอร์)",
                   "Something went wrong showing this page. Try again or change the filters "
                   "(details are in the server log)."))
