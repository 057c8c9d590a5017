"""The dashboard frame and the overview page, run as a person would with AppTest."""

import ast
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import browser_support as bs
import pytest
from conftest import ROOT, app_test, chart_specs

from ita_analytics import store


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_first_start_builds_the_demo_store_then_reuses_it(tmp_path, app_env):
    db = tmp_path / "fresh" / "ita.duckdb"
    app_env(db, demo_on_start=True)
    at = app_test()
    assert not at.exception
    assert db.exists()
    assert any("ข้อมูลสาธิต" in w.value for w in at.warning)  # demo badge
    at2 = app_test()
    assert not at2.exception
    conn = store.open_store(db, read_only=True)
    assert store.count_agencies(conn) > 8000  # built once, not twice
    conn.close()



@pytest.mark.parametrize("change", ["replaced", "removed"])
def test_a_store_file_replaced_or_removed_while_serving_is_opened_again(demo_db, empty_db, app_env,
                                                                        change):
    """The process kept the file it opened at its first page view: a store restored or copied
    into place (a rename), or removed, went unseen until a restart — pages showed, and imports
    went into, a file no longer in the folder."""
    app_env(demo_db)
    at = app_test()
    assert int(_metrics(at)["จำนวนหน่วยงานที่ประเมิน"].replace(",", "")) > 8000
    if change == "replaced":
        os.replace(empty_db, demo_db)
    else:
        demo_db.unlink()
    at.run()
    assert not at.exception and not at.error
    assert not _metrics(at)  # the new, empty store: no figures
    assert any("นำเข้า" in i.value for i in at.info)
    assert not at.warning  # nor the old store's demo badge
    conn = store.open_store(demo_db, read_only=True)
    try:
        assert store.count_agencies(conn) == 0
    finally:
        conn.close()


def _serve(db: Path, log_path: Path, *, demo_on_start: bool) -> bs.Server:
    """``streamlit run app.py`` on ``db`` without opening any page; returns once healthy."""
    port = bs.free_port()
    env = {**os.environ, "ITA_DB": str(db), "ITA_DEMO": "1" if demo_on_start else "0",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    with log_path.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = bs.Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + bs.SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, server.log()
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise AssertionError(f"no /_stcore/health answer:\n{server.log()}")


@pytest.mark.slow
def test_server_start_builds_the_store_before_any_page_view(tmp_path):
    """README: "The first start builds data/ita.duckdb". It was built by the first page view,
    which waited for it; now by the server's start, before it answers."""
    db = tmp_path / "data" / "ita.duckdb"
    server = _serve(db, tmp_path / "streamlit.log", demo_on_start=True)
    try:
        assert db.exists()  # no page has been viewed
        assert re.search(r"The store .* is open: 8,\d{3} agencies", server.log()), server.log()
    finally:
        server.stop()
    conn = store.open_store(db, read_only=True)
    try:
        assert store.count_agencies(conn) > 8000
    finally:
        conn.close()


def test_server_start_reports_a_store_it_cannot_use(tmp_path):
    """A file that is not a store is reported in the server's log when it starts (it was met
    by the first visitor only); the server still serves, each page saying what is wrong."""
    db = tmp_path / "ita.duckdb"
    db.write_text("not a store", encoding="utf-8")
    server = _serve(db, tmp_path / "streamlit.log", demo_on_start=True)
    try:
        assert re.search(r"The store .*ita\.duckdb cannot be used: .*not an ITA Analytics store",
                         server.log()), server.log()
    finally:
        server.stop()
    assert db.read_text(encoding="utf-8") == "not a store"


def test_overview_on_demo_data(demo_db, app_env):
    app_env(demo_db)
    at = app_test()
    assert not at.exception and not at.error
    metrics = _metrics(at)
    assert metrics["คะแนนเฉลี่ย ปี 2568"] == "93.94"
    assert metrics["จำนวนหน่วยงานที่ประเมิน"].replace(",", "").isdigit()
    assert int(metrics["จำนวนหน่วยงานที่ประเมิน"].replace(",", "")) > 8000
    assert at.title[0].value == "ภาพรวมผลการประเมิน ITA"
    assert len(chart_specs(at)) == 2  # the levels and indicators: one click away
    assert any("ข้อมูลสาธิต" in w.value for w in at.warning)


@pytest.mark.parametrize("language, label, options", [
    ("th", "แผนภูมิเพิ่มเติม", ["ระดับผลการประเมินรายปี", "คะแนนรายตัวชี้วัด × ปี"]),
    ("en", "More charts", ["Levels by year", "Indicator scores × year"])])
def test_overview_more_charts_one_click_away_and_in_the_url(demo_db, app_env, language, label,
                                                             options):
    """Issue 18 #10: the overview's first screen draws two charts; the levels and the indicator
    heatmap are one click away, and a shared link (?charts=) opens them again."""
    from streamlit.testing.v1 import AppTest

    def titles(at) -> list[str]:
        return [f["layout"]["title"]["text"] for f in chart_specs(at)]
    app_env(demo_db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = language
    at.run()
    assert not at.exception
    control = at.segmented_control(key="ov_charts")
    assert control.label == label and control.value == []
    assert list(control.options) == options
    assert len(titles(at)) == 2 and "charts" not in at.query_params

    control.set_value(["levels"]).run()
    assert not at.exception and len(titles(at)) == 3
    assert at.query_params["charts"] in ("levels", ["levels"])
    at.segmented_control(key="ov_charts").set_value(["levels", "indicators"]).run()
    assert len(titles(at)) == 4 and list(at.query_params["charts"]) == ["levels", "indicators"]
    heatmap = titles(at)[3]
    at.radio(key="lang").set_value("en" if language == "th" else "th").run()  # kept: labels change
    assert at.segmented_control(key="ov_charts").value == ["levels", "indicators"]
    assert len(titles(at)) == 4

    shared = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    shared.query_params["lang"] = language
    shared.query_params["charts"] = ["indicators"]
    shared.run()
    assert not shared.exception
    assert shared.segmented_control(key="ov_charts").value == ["indicators"]
    assert titles(shared)[2] == heatmap  # after the first two


def test_language_switch_to_english(demo_db, app_env):
    app_env(demo_db)
    at = app_test()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "ITA results overview"
    assert "Mean total, 2568" in _metrics(at)
    assert any("synthetic" in w.value for w in at.warning)


def test_filters_change_the_figures(demo_db, app_env):
    app_env(demo_db)
    at = app_test()
    national = _metrics(at)["จำนวนหน่วยงานที่ประเมิน"]
    at.multiselect(key="f_types").set_value(["เทศบาลนคร"]).run()
    assert not at.exception
    assert _metrics(at)["จำนวนหน่วยงานที่ประเมิน"] == "30"
    assert national != "30"
    at.multiselect(key="f_types").set_value([]).run()
    at.multiselect(key="f_provinces").set_value(["ลำปาง"]).run()
    lampang = int(_metrics(at)["จำนวนหน่วยงานที่ประเมิน"].replace(",", ""))
    assert 50 < lampang < 200
    at.slider(key="f_years").set_value((2562, 2565)).run()
    assert "คะแนนเฉลี่ย ปี 2565" in _metrics(at)
    assert at.query_params["years"] in ("2562-2565", ["2562-2565"])
    assert at.query_params["province"] in ("ลำปาง", ["ลำปาง"])


def test_url_reopens_the_same_view(demo_db, app_env):
    from streamlit.testing.v1 import AppTest
    app_env(demo_db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["years"] = "2563-2566"
    at.query_params["type"] = "เทศบาลนคร"
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Mean total, 2566" in _metrics(at)
    assert _metrics(at)["Agencies assessed"] == "30"


def test_overview_on_empty_store_says_to_import(empty_db, app_env):
    app_env(empty_db)
    at = app_test()
    assert not at.exception and not at.error
    assert any("นำเข้า" in i.value for i in at.info)
    assert not at.warning  # no demo badge on a store without demo data


def test_only_the_dashboard_package_imports_streamlit():
    """The product's Streamlit is the dashboard package's; the benchmark beside the product
    (ita_analytics/bench) drives the dashboard from outside (AppTest, Streamlit's websocket
    messages) and is the one other package allowed to import it."""
    offenders = []
    for path in (ROOT / "ita_analytics").rglob("*.py"):
        if path.relative_to(ROOT / "ita_analytics").parts[0] in ("dashboard", "bench"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(Path(path).relative_to(ROOT)))
    assert offenders == []


def test_pages_are_thin():
    for page in (ROOT / "pages").glob("*.py"):
        lines = page.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 200, f"{page.name} has {len(lines)} lines: move logic into the package"
        assert "SELECT " not in page.read_text(encoding="utf-8"), f"SQL in {page.name}"


def _bare_strings(nodes) -> list[int]:
    """Lines of string expressions Streamlit's magic would write on the page (outside
    functions and classes; the module docstring is not shown)."""
    found = []
    for node in nodes:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            found.append(node.lineno)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found += _bare_strings(ast.iter_child_nodes(node))
    return found


def test_no_page_shows_a_stray_string():
    # A constant's docstring under it in a page script was shown at the top of the page.
    scripts = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    for script in scripts:
        body = ast.parse(script.read_text(encoding="utf-8")).body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        assert not _bare_strings(body), f"{script.name}: lines {_bare_strings(body)}"
