"""A partial year (a province's file, an agency's page) does not become the headline nor bend
the trend lines; every view says what its figures rest on (issue 16)."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

from ita_analytics import store
from ita_analytics.cli import main
from tests.conftest import app_test, chart_specs


@pytest.fixture()
def partial_db(demo_db, tmp_path):
    """The demo store plus seven agencies' totals for 2569 (issue 16's example)."""
    conn = store.open_store(demo_db, read_only=True)
    try:
        rows = store.load_results(conn, years=[2568], indicators=False).head(7)
    finally:
        conn.close()
    lines = ["หน่วยงาน,ประเภทหน่วยงาน,อำเภอ,จังหวัด,ปี,คะแนนรวม"]
    lines += [f"{r.name},{r.agency_type},{r.district or ''},{r.province},2569,{89.13:.2f}"
              for r in rows.itertuples()]
    path = tmp_path / "seven-2569.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--db", str(demo_db), "import", str(path)]) == 0
    return demo_db


def test_overview_headline_is_the_latest_complete_year(partial_db, app_env):
    app_env(partial_db)
    at = app_test("pages/overview.py")
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert labels[0] == "คะแนนเฉลี่ย ปี 2568"  # not 2569, which holds 7 agencies
    assessed = at.metric[2]
    assert int(assessed.value.replace(",", "")) > 8000
    notes = " ".join(i.value for i in at.info)
    assert "2569 (7 จาก 8,3" in notes and "เส้นประ" in notes
    basis = " ".join(c.value for c in at.caption)
    assert "ตัวชี้วัด" in basis and "คะแนนรวมเท่านั้น" in basis


def _xs(trace) -> list[int]:
    """A trace's x values, decoded when Plotly sent them as a typed array."""
    x = trace["x"]
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    return [int(v) for v in x]


def test_trend_charts_draw_the_partial_year_apart(partial_db, app_env):
    app_env(partial_db)
    at = app_test("pages/overview.py")
    figures = chart_specs(at)
    mean = figures[0]["data"]
    solid = [d for d in mean if d.get("line", {}).get("dash") != "dot"]
    dotted = [d for d in mean if d.get("line", {}).get("dash") == "dot"]
    assert _xs(solid[0]) == list(range(2562, 2569))
    assert dotted and _xs(dotted[0]) == [2568, 2569]
    assert dotted[0]["name"] == "ข้อมูลบางส่วน"


def test_overview_in_a_store_of_complete_years_marks_nothing(demo_db, app_env):
    app_env(demo_db)
    at = app_test("pages/overview.py")
    assert not at.exception
    assert at.metric[0].label == "คะแนนเฉลี่ย ปี 2568"
    assert not any("บางส่วน" in i.value for i in at.info)


REALDATA = Path(__file__).resolve().parent / "realdata" / "published_rows.csv"


@pytest.fixture()
def real_db(tmp_path):
    path = tmp_path / "real.duckdb"
    assert main(["--db", str(path), "init", "--empty"]) == 0
    assert main(["--db", str(path), "import", str(REALDATA)]) == 0
    return path


def test_levels_page_says_its_rows_rest_on_totals(real_db, app_env):
    app_env(real_db)
    at = app_test("pages/levels.py")
    at.selectbox(key="lv_year").set_value(2566).run()
    assert not at.exception and not at.error
    assert at.metric[2].value == "10"
    notes = [c.value for c in at.caption if "อิงจาก" in c.value]
    assert notes == ["ผลที่ใช้ (อิงจาก): คะแนนรวมเท่านั้น 10"]


def test_report_says_what_its_numbers_rest_on(real_db, tmp_path):
    import docx

    out = tmp_path / "oag.docx"
    assert main(["--db", str(real_db), "report", "--agency", "สำนักงานการตรวจเงินแผ่นดิน",
                 "--year", "2568", "--out", str(out)]) == 0
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    # Five agencies of its type published a 2568 total; every figure rests on totals only.
    assert "ผลของหน่วยงานอิงจากคะแนนรวมเท่านั้น กลุ่มเปรียบเทียบ: คะแนนรวมเท่านั้น ๕ แห่ง" in texts
