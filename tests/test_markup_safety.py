"""User text is shown as text on every page (issue 17 #7, #8): agency names, measure titles,
file and user names holding Markdown, HTML, LaTeX, Streamlit directives, bidi overrides and
spreadsheet formulas, imported as an office would, then every page run with AppTest."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from conftest import app_test, chart_specs
from import_corpus import csv_bytes

from ita_analytics import store
from ita_analytics.dashboard.ui import escape_markdown, safe_table_cells
from ita_analytics.exports import FORMULA_PREFIXES
from ita_analytics.importer import analyse_file, commit_plan
from ita_analytics.measures import MEASURE_KINDS, STATUS_NOT_STARTED
from ita_analytics.store import measures as measure_store

LINK_NAME = "[คลิกเพื่อยืนยันรหัส](https://evil.example/login)"
FORMULA_NAME = '=HYPERLINK("https://evil.example/x","ก")'
HOSTILE_NAMES = [
    LINK_NAME,
    "![x](https://evil.example/pixel.png) อบต.ภาพ",
    '<img src="https://evil.example/i.png" onerror="alert(1)"> อบต.เอชทีเอ็มแอล',
    '<a href="https://evil.example">อบต.ลิงก์</a>',
    "$\\frac{1}{2}$ อบต.ลาเทก",
    "อบต.\u202eกลับด้าน",
    ":red[แดง] :material/warning: :smile: www.evil.example",
    FORMULA_NAME,
    "- รายการ *ตัวหนา* _เอียง_ `code` ~~ขีด~~ admin@evil.example",
]
HOSTILE_FILE = '=HYPERLINK("x")[ไฟล์](https://evil.example).csv'
HOSTILE_USER = "[ผู้ใช้](https://evil.example) [local]"


@pytest.fixture(scope="module")
def hostile_db(demo_db_template, tmp_path_factory):
    """The demo store plus agencies with hostile names (the biggest risers 2567 → 2568, so
    they top the changes page), their measures with hostile titles and sources, imported
    from a file with a hostile name by a user with a hostile name."""
    path = tmp_path_factory.mktemp("hostile") / "ita.duckdb"
    shutil.copy(demo_db_template, path)
    conn = store.open_store(path)
    try:
        for year, score in ((2567, 10), (2568, 100)):
            rows = [["ชื่อหน่วยงาน", "ประเภทหน่วยงาน", "อำเภอ", "จังหวัด",
                     *[f"i{n}" for n in range(1, 11)]]]
            rows += [[name, "องค์การบริหารส่วนตำบล", "แจ้ห่ม", "ลำปาง", *[score] * 10]
                     for name in HOSTILE_NAMES]
            plan = analyse_file(conn, csv_bytes(rows), HOSTILE_FILE, year=year)
            assert plan.status == "valid", [e.message_en for e in plan.errors]
            commit_plan(conn, plan, user=HOSTILE_USER)
        ids = store.load_results(conn, years=[2568], provinces=["ลำปาง"], indicators=False)
        ids = sorted(ids[ids["source"].astype(str).str.startswith("import:")]["agency_id"]
                     .astype(int))  # in the file's order
        assert len(ids) == len(HOSTILE_NAMES)
        measures = pd.DataFrame([{
            "agency_id": agency_id, "year": 2568, "title": title, "kind": MEASURE_KINDS[0],
            "status": STATUS_NOT_STARTED, "source": HOSTILE_FILE, "responsible": title,
            "indicators": [9]} for agency_id, title in zip(ids, HOSTILE_NAMES)])
        with store.transaction(conn) as cur:
            measure_store.insert_measures(cur, measures)
    finally:
        conn.close()
    return path, ids


# --- What a page shows as Markdown, in tables and in charts -----------------------------------

ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")
"""A backslash-escaped ASCII punctuation character: shown as itself."""
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]*)")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def markup_problems(text: str) -> list[str]:
    """What in ``text`` Markdown would render as something other than text: links other than
    the app's own agency links, images, HTML, LaTeX, directives, code, emphasis — escapes
    stop these — and what is found in the text once escapes are read, so that escapes do
    not stop: literal autolinks, e-mail addresses, emoji and icon codes."""
    plain = ESCAPED.sub("", str(text))
    found = ["image"] if "![" in plain else []
    found += [f"link to {url}" for url in LINK.findall(plain) if not url.startswith("agency?")]
    checks = {"html": r"</?[A-Za-z]", "latex": r"\$", "directive": r":[a-z]+\[", "code": "`",
              "strikethrough": "~~", "emphasis": r"(?<!\w)[*_]\S"}
    found += [name for name, pattern in checks.items() if re.search(pattern, plain)]
    read = ESCAPED.sub(lambda m: m.group(0)[1], str(text))
    in_text = {"autolink": r"(?i)https?://|www\.", "e-mail": r"[-.+\w]@[-\w]+\.\w",
               "emoji or icon": r":[\w/+-]+:"}
    found += [name for name, pattern in in_text.items() if re.search(pattern, read)]
    return found + (["bidi"] if BIDI.search(plain) else [])


def markdown_texts(at) -> list[tuple[str, str]]:
    """(element kind, text) of everything the page renders as Markdown."""
    texts = [(kind, element.value) for kind in ("markdown", "caption", "title", "header",
                                                "subheader", "error", "warning", "info",
                                                "success", "toast")
             for element in getattr(at, kind)]
    for metric in at.metric:
        texts += [("metric", metric.label), ("metric", metric.value or ""),
                  ("metric", metric.delta or "")]
    texts += [("expander", e.label) for e in at.expander]
    texts += [("tab", tab.label) for tab in at.tabs]
    for radio in at.radio:
        texts += [("radio", radio.label), *(("radio", o) for o in radio.options)]
    texts += [("button", b.label) for b in at.button]
    texts += [("checkbox", c.label) for c in at.checkbox]
    return texts


def _runs_as_formula(value) -> bool:
    return (isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and value != "-"
            and not re.fullmatch(r"[+-]?[\d,]*\.?\d+%?", value))


def formula_cells(at) -> list[str]:
    """Text cells (and headers) of the page's tables that a spreadsheet would run as formulas
    once the table's own toolbar downloads them as CSV."""
    found = []
    for table in at.dataframe:
        frame = table.value
        found += [str(c) for c in frame.columns if _runs_as_formula(c)]
        for col in frame.columns:
            found += [v for v in frame[col].tolist() if _runs_as_formula(v)]
    return found


def chart_markup(at) -> list[str]:
    """Strings of the page's Plotly figures that Plotly would draw as a link or an image."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and re.search(r"<\s*/?\s*(a|img)\b", node, re.I):
            found.append(node)

    for figure in chart_specs(at):
        walk(figure)
    return found


def shown_text(at) -> str:
    """Everything shown, as one string (to check that the hostile names did reach the page)."""
    parts = [text for _, text in markdown_texts(at)]
    parts += [str(v) for table in at.dataframe for v in table.value.to_numpy().ravel()]
    parts += [json.dumps(figure, ensure_ascii=False) for figure in chart_specs(at)]
    parts += [str(option) for box in (*at.selectbox, *at.multiselect) for option in box.options]
    return "\n".join(parts)


def _pages(ids):
    """(url path, query parameters, session state to set, what must be shown)."""
    link_agency = ids[0]
    listed = ",".join(map(str, ids[:10]))
    return [
        ("overview", {}, {}, None),
        ("indicators", {}, {}, None),
        ("changes", {"from": "2567", "to": "2568"}, {}, "'" + FORMULA_NAME),
        ("levels", {}, {}, None),
        ("provinces", {}, {}, None),
        ("compare", {"agencies": listed}, {}, "'" + FORMULA_NAME),
        ("agency", {"agency_id": str(link_agency), "year": "2568"}, {},
         escape_markdown(LINK_NAME)),
        ("measures", {}, {"rec_agency": link_agency, "prop_agency": link_agency},
         escape_markdown(LINK_NAME)),
        ("quality", {}, {}, None),
        ("items", {}, {}, None),
        ("import", {}, {}, "'" + HOSTILE_FILE),
    ]


@pytest.mark.parametrize("page", [p[0] for p in _pages(range(11))])
def test_hostile_user_text_is_shown_as_text(hostile_db, app_env, page):
    path, ids = hostile_db
    app_env(path)
    url, params, state, expected = next(p for p in _pages(ids) if p[0] == page)
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{url}.py")
    at.run()
    for key, value in state.items():
        at.selectbox(key=key).set_value(value)
    if state:
        at.run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error], [e.value for e in at.error]
    problems = [(kind, text, markup_problems(text)) for kind, text in markdown_texts(at)
                if markup_problems(text)]
    assert not problems
    assert not formula_cells(at)
    assert not chart_markup(at)
    if expected:
        assert expected in shown_text(at)


# --- The helpers themselves -------------------------------------------------------------------

@pytest.mark.parametrize("text", [*HOSTILE_NAMES, HOSTILE_FILE, HOSTILE_USER, "1. ข้อแรก",
                                  "# หัวข้อ", "> อ้างอิง", "a\nb\r\n- c", "a\\[b](c)",
                                  "&lt;b&gt; &amp;", "| a | b |"])
def test_escaped_markdown_has_no_markup(text):
    assert markup_problems(escape_markdown(text)) == []
    assert "\n" not in escape_markdown(text)


@pytest.mark.parametrize(("text", "shown"), [
    ("องค์การบริหารส่วนตำบลหนองปลาหมอ", "องค์การบริหารส่วนตำบลหนองปลาหมอ"),
    ("ทต.ทุ่งผึ้ง (แจ้ห่ม) 2568", "ทต.ทุ่งผึ้ง (แจ้ห่ม) 2568"),
    ("[x](y)", "\\[x\\](y)"),
    ("- a", "\\- a"),
    ("12. a", "12\\. a"),
    ("อบต.\u202eกลับ", "อบต.กลับ"),
    ("seed:003", "seed\\:003"),
    ("https://x.th", "https\\:\u2060//x.th"),
    (":smile: a@b.th", "\\:\u2060smile\\: a\\@\u2060b.th"),
    ("คำ\u200bไทย", "คำ\u200bไทย"),
])
def test_escape_markdown_keeps_plain_text_as_it_is(text, shown):
    assert escape_markdown(text) == shown


def test_safe_table_cells_quote_formulas_but_not_numbers_nor_missing():
    frame = pd.DataFrame({"name": [FORMULA_NAME, "+อบต.", "@SUM(A1)", "อบต.ปกติ"],
                          "change": ["-1.23", "+0.50", "-", "-12%"],
                          "kind": pd.Categorical(["=1+1", "a", "a", "a"]),
                          "score": [-1.5, 2.0, 3.0, 4.0]})
    safe = safe_table_cells(frame)
    assert safe["name"].tolist() == ["'" + FORMULA_NAME, "'+อบต.", "'@SUM(A1)", "อบต.ปกติ"]
    assert safe["change"].tolist() == frame["change"].tolist()
    assert safe["kind"].tolist() == ["'=1+1", "a", "a", "a"]
    assert safe["score"].tolist() == frame["score"].tolist()
    pivoted = safe_table_cells(pd.DataFrame({FORMULA_NAME: [1.0], "2568": [2.0]}))
    assert pivoted.columns.tolist() == ["'" + FORMULA_NAME, "2568"]  # names as headers


# --- In a real browser --------------------------------------------------------------------------

@pytest.mark.browser
def test_hostile_names_are_plain_text_in_the_browser(hostile_db, tmp_path):
    """What Streamlit and Plotly draw from the escaped text: the names read as stored, no link
    or image to the hostile host, and the browser asks that host for nothing."""
    import browser_support as bs
    from conftest import browser_required

    reason = bs.browser_missing_reason()
    if reason:
        if browser_required():
            pytest.fail(f"browser tests are required (ITA_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    path, ids = hostile_db
    db = tmp_path / "ita.duckdb"
    shutil.copy(path, db)
    server = bs.start_server(db, tmp_path / "streamlit.log")
    try:
        with sync_playwright() as playwright:
            browser = bs.launch_browser(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="th-TH")
            page.set_default_timeout(bs.PAGE_TIMEOUT_MS)
            asked = []
            page.on("request", lambda request: asked.append(request.url)
                    if "evil.example" in request.url else None)
            page.goto(f"{server.url}/agency?agency_id={ids[0]}&year=2568")
            bs.wait_for_app(page)
            bs.wait_for_charts(page)
            header = page.locator(f"{bs.MAIN} h2").first.inner_text()
            assert header.replace("\u2060", "").strip() == LINK_NAME
            peers = " ".join(page.locator(f"{bs.MAIN} [data-testid='stMarkdownContainer'] li")
                             .all_inner_texts()).replace("\u2060", "")
            assert "![x](https://evil.example/pixel.png)" in peers
            assert ":red[แดง] :material/warning: :smile: www.evil.example" in peers
            assert "`code` ~~ขีด~~ admin@evil.example" in peers
            hostile = "a[href*='evil.example'], img[src*='evil.example'], [href*='evil.example']"
            assert page.locator(hostile).count() == 0, page.locator(hostile).evaluate_all(
                "els => els.map(e => e.outerHTML + ' IN ' + e.parentElement.parentElement.outerHTML)")
            page.goto(f"{server.url}/compare?agencies={','.join(map(str, ids))}")
            bs.wait_for_app(page)
            bs.wait_for_charts(page)
            legend = " ".join(page.locator(f"{bs.PLOT} .legendtext").all_text_contents())
            assert '<a href="https://evil.example">อบต.ลิงก์</a>' in legend
            assert page.locator(hostile).count() == 0
            assert bs.error_boxes(page) == []
            browser.close()
        assert asked == []
    finally:
        server.stop()
