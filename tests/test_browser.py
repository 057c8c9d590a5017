"""End-to-end: the dashboard served by `streamlit run`, driven in headless Chromium by Playwright."""

from __future__ import annotations

import re
import shutil
import zipfile

import browser_support as bs
import pytest
from conftest import browser_required

from ita_analytics.analysis.checks import compute_checks
from ita_analytics.dashboard.navigation import installed_pages

pytestmark = pytest.mark.browser

# Pages that draw at least one chart when opened with the default filters and no other choice
# (the agency and compare pages wait for an agency to be picked; measures and import are forms).
CHART_PAGES = {"overview", "indicators", "changes", "levels", "provinces", "quality"}
PAGES = installed_pages()


@pytest.fixture(scope="module")
def playwright_browser():
    reason = bs.browser_missing_reason()
    if reason:
        if browser_required():
            pytest.fail(f"browser tests are required (ITA_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = bs.launch_browser(playwright)
        yield browser
        browser.close()


def _serve(demo_db_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "ita.duckdb"
    shutil.copy(demo_db_template, db)  # the app may write (e.g. its settings): never the template
    return bs.start_server(db, folder / "streamlit.log")


@pytest.fixture(scope="module")
def server(playwright_browser, demo_db_template, tmp_path_factory):
    """One dashboard server for the module, on a copy of the demo store."""
    srv = _serve(demo_db_template, tmp_path_factory)
    yield srv
    srv.stop()


@pytest.fixture()
def page(playwright_browser):
    context = playwright_browser.new_context(viewport={"width": 1400, "height": 900},
                                             accept_downloads=True, locale="th-TH")
    pg = context.new_page()
    pg.set_default_timeout(bs.PAGE_TIMEOUT_MS)
    yield pg
    context.close()


def page_path(spec) -> str:
    """A page's address in the app: Streamlit serves the default (first) page at the root only."""
    return "" if spec == PAGES[0] else spec.url_path


def open_page(page, server, path: str) -> None:
    page.goto(f"{server.url}/{path}")
    bs.wait_for_app(page)


def nav_labels(page) -> list[str]:
    return [el.inner_text().strip() for el in
            page.query_selector_all('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]')]


def assert_app_navigation(page, spec) -> None:
    """The app's own menu (Thai titles of every installed page), not the pages-folder listing."""
    labels = nav_labels(page)
    assert len(labels) == len(PAGES), labels
    assert all(p.title_th in label for p, label in zip(PAGES, labels)), labels
    active = page.query_selector('[data-testid="stSidebarNav"] a[aria-current="page"]')
    assert active is not None and spec.title_th in active.inner_text()


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders(page, server, spec):
    open_page(page, server, page_path(spec))
    assert_app_navigation(page, spec)
    assert page.query_selector(f"{bs.MAIN} h1") is not None, "page has no title"
    charts = bs.wait_for_charts(page) if spec.url_path in CHART_PAGES else 0
    if spec.url_path in CHART_PAGES:
        assert charts > 0
    bs.screenshot(page, spec.url_path)
    assert bs.error_boxes(page) == []
    assert "Traceback" not in page.inner_text(bs.MAIN)


def test_deep_link_as_first_request(playwright_browser, demo_db_template, tmp_path_factory):
    """A link to a page opened first after the server starts shows the app, not the pages folder."""
    spec = PAGES[1]
    srv = _serve(demo_db_template, tmp_path_factory)
    try:
        context = playwright_browser.new_context(viewport={"width": 1400, "height": 900})
        pg = context.new_page()
        open_page(pg, srv, spec.url_path)
        assert_app_navigation(pg, spec)
        assert pg.url.split("?")[0].endswith(f"/{spec.url_path}")
        assert bs.error_boxes(pg) == []
        context.close()
    finally:
        srv.stop()



def test_default_page_by_its_url_path(page, server):
    """/overview (typed, or from a list of the pages' paths) opens the overview, not 'Page not found'."""
    open_page(page, server, "")  # the server's first session is served from the pages folder
    open_page(page, server, PAGES[0].url_path)
    assert bs.error_boxes(page) == []
    assert PAGES[0].title_th in page.locator(f"{bs.MAIN} h1").first.inner_text()
    assert len(nav_labels(page)) == len(PAGES)  # the alias is not a second menu entry
    assert bs.wait_for_charts(page) > 0


SEED_AGENCY = "เทศบาลตำบลทุ่งผึ้ง"  # seed 003: its 2568 row is real, the total reported as 96.47


def test_agency_search_total_and_docx_report(page, server, tmp_path):
    """As a person: find Thung Phueng by typing, pick it, read its 2568 total, download the report."""
    open_page(page, server, "agency")
    search = page.get_by_role("textbox", name="ค้นหาหน่วยงาน")
    search.fill("ทุ่งผึ้ง")
    search.press("Enter")
    bs.wait_for_app(page)

    page.get_by_role("combobox", name="หน่วยงาน", exact=True).click()
    page.get_by_role("option", name=f"{SEED_AGENCY} — อ.แจ้ห่ม จ.ลำปาง").click()
    bs.wait_for_app(page)

    assert page.locator(f"{bs.MAIN} h2").first.inner_text().strip() == SEED_AGENCY
    total = page.locator('[data-testid="stMetric"]', has_text="คะแนนรวม ปี 2568")
    assert total.locator('[data-testid="stMetricValue"]').inner_text().strip() == "96.47"
    assert "seed:003" in page.inner_text(bs.MAIN)  # the row shown is the seed's, not synthetic
    assert "agency_id=" in page.url and "year=2568" in page.url
    bs.wait_for_charts(page)
    bs.screenshot(page, "agency_thung_phueng")
    assert bs.error_boxes(page) == []

    with page.expect_download(timeout=bs.PAGE_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name="ดาวน์โหลดรายงาน DOCX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as docx:
        assert "word/document.xml" in docx.namelist()
        xml = docx.read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", xml)
    assert SEED_AGENCY in text
    assert "96.47" in text or "๙๖.๔๗" in text  # the report may write Thai digits


def overview_tiles(page) -> dict[str, str]:
    """The overview's KPI tiles, label → shown value."""
    tiles = {}
    for metric in page.locator(f'{bs.MAIN} [data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        tiles[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return tiles


def chosen_provinces(page) -> list[str]:
    # The province filter is the sidebar's last multiselect (type, region, province).
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').last
    return [tag.get_attribute("aria-label") for tag in
            box.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]').all()]


def test_filter_in_url_reopens_same_view(page, server, playwright_browser, demo_results):
    """A province chosen on the overview is written into the URL; that link shows the same view."""
    province = "ลำปาง"
    latest = demo_results[demo_results["year"] == demo_results["year"].max()]
    chosen = latest[latest["province"] == province]
    expected_count = f"{len(chosen):,}"
    expected_mean = f"{chosen['total'].mean():,.2f}"

    open_page(page, server, "")
    national = overview_tiles(page)
    assert national["จำนวนหน่วยงานที่ประเมิน"] == f"{len(latest):,}"
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="จังหวัด", exact=True)
    box.click()
    box.press_sequentially(province)  # the list of 77 shows only its first rows: narrow it as a person would
    page.get_by_role("option", name=province, exact=True).click()
    page.keyboard.press("Escape")
    bs.wait_for_app(page)
    assert chosen_provinces(page) == [province]
    assert overview_tiles(page)["จำนวนหน่วยงานที่ประเมิน"] == expected_count
    url = page.url
    assert "province=" in url

    other = playwright_browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        reopened = other.new_page()
        reopened.set_default_timeout(bs.PAGE_TIMEOUT_MS)
        reopened.goto(url)
        bs.wait_for_app(reopened)
        assert chosen_provinces(reopened) == [province]
        tiles = overview_tiles(reopened)
        assert tiles["จำนวนหน่วยงานที่ประเมิน"] == expected_count
        assert tiles[f"คะแนนเฉลี่ย ปี {int(latest['year'].iloc[0])}"] == expected_mean
        assert bs.wait_for_charts(reopened) > 0
        assert bs.error_boxes(reopened) == []
    finally:
        other.close()


def _sidebar_tags(page, label: str) -> list[str]:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(label, exact=True))
    return [tag.get_attribute("aria-label") for tag in box.locator("[data-tag]").all()]


@pytest.mark.parametrize("label, typed, expected", [
    ("ภาค", "ภาคเหนือ", ["ภาคเหนือ"]),  # fuzzy matching offered ภาคตะวันออกเฉียงเหนือ too
    ("จังหวัด", "ลำปาง", ["ลำปาง"]),
])
def test_typing_a_name_and_enter_picks_that_one(page, server, label, typed, expected):
    """Issue 18.7: typed ภาคเหนือ + Enter picked North and Northeast ("Select 2 matches" came
    first and Enter took it)."""
    open_page(page, server, "")
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True)
    box.click()
    box.press_sequentially(typed)
    box.press("Enter")
    page.keyboard.press("Escape")
    bs.wait_for_app(page)
    assert _sidebar_tags(page, label) == expected


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def test_english_switch(page, server):
    """Choosing English in the sidebar turns the menu, titles and tiles into English."""
    open_page(page, server, "")
    assert page.locator(f"{bs.MAIN} h1").inner_text().strip() == "ภาพรวมผลการประเมิน ITA"
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    bs.wait_for_app(page)
    assert page.locator(f"{bs.MAIN} h1").inner_text().strip() == "ITA results overview"
    labels = nav_labels(page)
    assert len(labels) == len(PAGES) and all(p.title_en in lb for p, lb in zip(PAGES, labels)), labels
    assert "Agencies assessed" in overview_tiles(page)
    assert "lang=en" in page.url
    bs.wait_for_charts(page)
    bs.screenshot(page, "overview_en")
    assert bs.error_boxes(page) == []


def _menu_to(page, spec) -> None:
    """Change pages as a person does: a click on the page's entry in the sidebar menu."""
    page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]').nth(
        PAGES.index(spec)).click()
    bs.wait_for_app(page)


def _assert_english(page, spec) -> None:
    title = page.locator(f"{bs.MAIN} h1").first.inner_text().strip()
    assert title and not _has_thai(title), f"{spec.url_path}: {title}"
    assert spec.title_en in page.locator('[data-testid="stSidebarNav"] a[aria-current="page"]'
                                         ).inner_text()
    assert "lang=en" in page.url


@pytest.mark.parametrize("start", ["switch", "url"])
def test_english_stays_across_page_changes(page, server, start):
    """Issue 18.1: English chosen with the switch was lost on the second page change, and
    English opened from ``?lang=en`` on the first; it now stays on every page visited."""
    if start == "switch":
        open_page(page, server, "")
        page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        bs.wait_for_app(page)
    else:
        open_page(page, server, "?lang=en")
    _assert_english(page, PAGES[0])
    for spec in (PAGES[1], PAGES[2], PAGES[3], PAGES[0]):
        _menu_to(page, spec)
        _assert_english(page, spec)
    page.locator('[data-testid="stSidebar"]').get_by_text("ไทย", exact=True).click()
    bs.wait_for_app(page)
    _menu_to(page, PAGES[1])
    _menu_to(page, PAGES[2])
    assert page.locator(f"{bs.MAIN} h1").first.inner_text().strip() == "การเปลี่ยนแปลงระหว่างปี"


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_in_english(page, server, spec):
    """Every page opened with ?lang=en has an English title and menu (no Thai left in them)."""
    open_page(page, server, f"{page_path(spec)}?lang=en")
    title = page.locator(f"{bs.MAIN} h1").first.inner_text().strip()
    assert title and not _has_thai(title), title
    assert not any(_has_thai(label) for label in nav_labels(page)), nav_labels(page)
    if spec.url_path in CHART_PAGES:
        bs.wait_for_charts(page)
    bs.screenshot(page, f"{spec.url_path}_en")
    assert bs.error_boxes(page) == []


@pytest.mark.parametrize("lang, header", [("th", "ความรุนแรง"), ("en", "Severity")])
def test_quality_download_holds_every_finding(page, server, tmp_path, demo_results, lang, header):
    """The page lists the first 2,000 findings; its CSV, built only when asked for (outside the
    script run), holds all of them in the page's language, the seed's contradiction first."""
    expected = compute_checks(demo_results)
    open_page(page, server, f"quality?lang={lang}")
    bs.wait_for_charts(page)
    button = "Download CSV" if lang == "en" else "ดาวน์โหลด CSV"
    with page.expect_download(timeout=bs.PAGE_TIMEOUT_MS) as download_info:
        page.locator(bs.MAIN).get_by_role("button", name=button).last.click()
    download = download_info.value
    assert download.suggested_filename == "quality_findings.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(expected) > 2_000 and len(lines) == len(expected) + 1
    assert lines[0].split(",")[0] == header
    assert "โคกสะอาด" in lines[1] and "2564" in lines[1]
    assert bs.error_boxes(page) == []


def _pick_mapping_role(page, row: int, label: str) -> None:
    """Choose ``label`` in the import mapping editor's Meaning column (its last) at ``row``.

    The grid is drawn on a canvas: the cell is clicked where it is drawn (rows 35 px under a
    35 px header), Enter opens its list, typing filters it, Enter picks. Each choice draws a
    new editor (its key follows the table), so the old one going away marks the change."""
    block = page.locator("[class*='st-key-imp_mapping_']")
    key = next(c for c in block.get_attribute("class").split() if c.startswith("st-key-imp_mapping_"))
    editor = page.locator(f".{key} [data-testid='stDataFrame']")
    overlay = page.locator("[id^='gdg-overlay'] input")
    for attempt in range(5):  # a grid drawn a moment ago may not take the first click
        editor.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # let the scroll settle before reading where the grid is
        box = editor.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 60, box["y"] + 35 + 35 * row + 17)
        page.keyboard.press("Enter")
        try:
            overlay.wait_for(state="visible", timeout=3000)
            break
        except Exception:
            if attempt == 4:
                bs.screenshot(page, "import_mapping_no_overlay")
                raise
            page.keyboard.press("Escape")
    page.keyboard.type(label)
    page.keyboard.press("Enter")
    page.wait_for_selector(f".{key}", state="detached")
    bs.wait_for_app(page)


def test_import_mapping_step(playwright_browser, demo_db_template, tmp_path, monkeypatch):
    """Issue 16: tests/layouts/unforeseen.csv (no header the importer knows for its province,
    scores and total) uploaded by a signed-in analyst, its columns set in the mapping editor,
    previewed (rows, counts, coverage in words) and committed; the mapping is remembered."""
    from conftest import TEST_ANALYST_PASSWORD

    from ita_analytics import store
    from ita_analytics.auth import hash_password

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nanalyst_password_hash = "'
                       f'{hash_password(TEST_ANALYST_PASSWORD, iterations=1000)}"\n',
                       encoding="utf-8")
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets))  # read by `streamlit run`
    db = tmp_path / "ita.duckdb"
    shutil.copy(demo_db_template, db)
    server = bs.start_server(db, tmp_path / "streamlit.log")
    try:
        context = playwright_browser.new_context(viewport={"width": 1400, "height": 900},
                                                 locale="th-TH")
        page = context.new_page()
        page.set_default_timeout(bs.PAGE_TIMEOUT_MS)
        open_page(page, server, "import")
        page.locator(".st-key-auth_name input").fill("browser-analyst")
        page.locator(".st-key-auth_password input").fill(TEST_ANALYST_PASSWORD)
        page.locator(".st-key-auth_submit button").click()
        bs.wait_for_app(page)
        page.locator(".st-key-imp_file input[type=file]").set_input_files(
            str(bs.ROOT / "tests" / "layouts" / "unforeseen.csv"))
        bs.wait_for_app(page)
        main = page.locator(bs.MAIN)
        assert "ไม่พบตารางคะแนน" in main.inner_text()
        for row, label in ((1, "province"), (4, "i9"), (5, "i10"), (6, "total")):
            _pick_mapping_role(page, row, label)
        bs.screenshot(page, "import_mapping_step")
        text = main.inner_text()
        assert "ไฟล์ถูกต้อง พร้อมนำเข้า" in text, text
        assert "คะแนนตัวชี้วัด 2 คะแนน: ใหม่ 2" in text
        assert "ไฟล์นี้ครอบคลุม 1 จาก" in text and "หน่วยงานของปี 2564" in text
        page.locator(".st-key-imp_commit button").click()
        bs.wait_for_app(page)
        bs.screenshot(page, "import_mapping_committed")
        assert "นำเข้าแล้ว หมายเลข" in main.inner_text()
        assert bs.error_boxes(page) == []
        context.close()
    finally:
        server.stop()
    conn = store.open_store(db, read_only=True)
    try:
        row = store.load_results(conn, years=[2564]).query("name == 'เทศบาลตำบลท่าเดื่อ-มืดกา'")
        remembered = conn.execute("SELECT value FROM meta WHERE key LIKE 'mapping:%'").fetchall()
    finally:
        conn.close()
    assert row[["province", "i9", "i10", "total"]].values.tolist() == \
        [["เชียงใหม่", 85.0, 80.0, 88.37]]
    assert len(remembered) == 1 and '"จว.": "province"' in remembered[0][0]


def _seed_ids(db_path) -> dict[str, int]:
    from ita_analytics import store
    from ita_analytics.agencies import find_agency

    conn = store.open_store(db_path, read_only=True)
    try:
        keys = store.load_agency_keys(conn)
        return {"thung_phueng": find_agency(keys, "ทต.ทุ่งผึ้ง", "ลำปาง").agency_id,
                "nong_pla_mo": find_agency(keys, "อบต.หนองปลาหมอ", "ขอนแก่น").agency_id}
    finally:
        conn.close()


def _chosen_views(ids: dict[str, int]) -> dict[str, str]:
    """Pages opened with a choice made, as a shared link opens them (issue 18's screenshots)."""
    a, b = ids["thung_phueng"], ids["nong_pla_mo"]
    return {"agency": f"agency?agency_id={b}&year=2568",
            "compare": f"compare?agencies={a},{b}",
            "items": f"items?it_agency={a}&it_year=2568",
            "measures": f"measures?rec_agency={b}&rec_year=2568&tab=ติดตาม",
            "provinces": "provinces?province=ลำปาง",
            "levels": "levels?by=province",
            "indicators": "indicators?indicator=9"}


@pytest.mark.parametrize("lang", ["th", "en"])
def test_pages_with_choices_render(page, server, demo_db_template, lang):
    """Every page with a choice made, in Thai and English, is drawn without an error and
    saved to test-output/screenshots/<page>_chosen_<lang>.png to be looked at."""
    for name, path in _chosen_views(_seed_ids(demo_db_template)).items():
        open_page(page, server, f"{path}&lang={lang}")
        if page.query_selector(bs.CHART):
            bs.wait_for_charts(page)
        bs.screenshot(page, f"{name}_chosen_{lang}")
        assert bs.error_boxes(page) == [], name
        title = page.locator(f"{bs.MAIN} h1").first.inner_text().strip()
        assert _has_thai(title) == (lang == "th"), (name, title)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_overview_charts_are_drawn_once(page, server, lang):
    """The overview's charts come with margins that already hold their axis labels, legend and
    colour bar (charts.settle_margins): Plotly's automargin pushes none of them wider, which
    would draw the whole chart again."""
    open_page(page, server, f"?lang={lang}&charts=levels&charts=indicators")
    assert bs.wait_for_charts(page) == 4
    pushed = page.evaluate(f"""() => [...document.querySelectorAll('{bs.PLOT}')].map(gd => {{
        const f = gd._fullLayout;
        return ['l', 'r', 't', 'b'].filter(s => Math.abs(f._size[s] - f.margin[s]) > 1)
                                   .map(s => s + ': ' + f.margin[s] + ' -> ' + f._size[s]);
    }})""")
    assert pushed and all(p == [] for p in pushed), pushed


def test_the_overview_draws_with_the_light_build_in_streamlits_look(page, server):
    """Issue 18 #10: the overview's charts are drawn by dashboard.light_plotly with plotly.js's
    cartesian build, and Plotly's whole build (Streamlit's PlotlyChart chunk) is never loaded
    for them; they look as Streamlit's own Plotly charts: the template light_plotly applies is
    the one Streamlit's frontend gives its charts (checked on a page that uses st.plotly_chart),
    and no placeholder colour is left."""
    from ita_analytics import web_assets
    from ita_analytics.dashboard import light_plotly

    open_page(page, server, "?charts=levels&charts=indicators")
    assert bs.wait_for_charts(page) == 4
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    assert page.locator(f".{light_plotly.CHART_CLASS} {bs.PLOT}").count() == 4  # all light
    loaded = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop())")
    assert web_assets.PLOTLY_FILE in loaded
    assert not [name for name in loaded if name.startswith("PlotlyChart.")], loaded
    light_plot = f".{light_plotly.CHART_CLASS} {bs.PLOT}"
    first = page.evaluate(
        f"() => document.querySelector('{light_plot}')._fullData.map(t => t.line && t.line.color)")
    assert first[0] == "#0068c9", first
    bs.screenshot(page, "overview_light_all_charts")

    open_page(page, server, "indicators")
    bs.wait_for_charts(page)
    streamlit_plot = f'[data-testid="stPlotlyChart"] {bs.PLOT}'
    template = page.evaluate(f"() => document.querySelector('{streamlit_plot}').layout.template")
    assert template == web_assets.streamlit_theme()["template"]


def test_a_new_session_draws_every_chart_of_the_first_page(playwright_browser, server):
    """The bench's session step (ita_analytics.bench.session) measured once: a new browser
    context on the running server, every chart of the first page drawn (the budget itself is
    the benchmark's, on a machine not shared with a test run)."""
    from ita_analytics.bench import session as bench_session

    context = playwright_browser.new_context(viewport=bench_session.VIEWPORT)
    context.add_init_script(bench_session._MARKS)
    try:
        seconds, charts = bench_session.session_seconds(context, server.url)
    finally:
        context.close()
    assert charts == 2 and 0 < seconds < bs.PAGE_TIMEOUT_MS / 1000  # the overview's first screen
