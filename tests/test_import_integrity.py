"""Issue 17, items 2–4: a preview made before another session changed the store is not
committed as it stands; one agency is created once, however many sessions name it at once;
agency ids are never given twice, and undo leaves nothing pointing at what it removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import app_test
from import_corpus import NONG_PLA_MO_2568, THUNG_PHUENG_2568, xlsx

from ita_analytics import store
from ita_analytics.errors import ItaError
from ita_analytics.exports import export_bytes
from ita_analytics.importer import analyse_file, commit_plan, load_history, undo_import
from ita_analytics.store import imports as store_imports
from ita_analytics.store import measures as measure_store

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["ชื่อหน่วยงาน", "อำเภอ", "จังหวัด", *[f"i{n}" for n in range(1, 11)]]
NEW_NAME = "อบต.ทดสอบความคงเส้นคงวา"
NEW_FULL_NAME = "องค์การบริหารส่วนตำบลทดสอบความคงเส้นคงวา"
SCORES = {2569: NONG_PLA_MO_2568, 2570: THUNG_PHUENG_2568,
          2571: [90, 90, 90, 90, 90, 90, 90, 90, 90, 90]}


def new_agency_file(year: int, name: str = NEW_NAME) -> bytes:
    """One row naming an agency the demo store does not know (อ.โนนศิลา จ.ขอนแก่น); the scores
    differ per year so that each year's file is a different file."""
    return xlsx([HEADER, [name, "โนนศิลา", "ขอนแก่น", *SCORES[year]]])


def thung_phueng_file(scores: list[float]) -> bytes:
    return xlsx([HEADER, ["ทต.ทุ่งผึ้ง", "แจ้ห่ม", "ลำปาง", *scores]])


def agencies_named(conn, name: str = NEW_FULL_NAME) -> list[int]:
    agencies = store.load_agencies(conn)
    return agencies.loc[agencies["name"] == name, "agency_id"].astype(int).tolist()


def state(conn) -> dict:
    """What a refused commit or undo must leave as it was."""
    cur = conn.cursor()
    try:
        measures = cur.execute("SELECT measure_id, agency_id FROM measures ORDER BY 1").fetchall()
    finally:
        cur.close()
    return {"scores": export_bytes(store.load_scores_long(conn), "csv", bom=False),
            "agencies": store.load_agencies(conn)["agency_id"].tolist(),
            "history": load_history(conn)[["import_id", "status"]].to_dict("records"),
            "measures": measures}


def create_agency(conn, year: int = 2569, user: str = "analyst-b") -> tuple[int, int]:
    """Import a file creating the new agency; (import id, agency id)."""
    result = commit_plan(conn, analyse_file(conn, new_agency_file(year), f"created-{year}.xlsx",
                                            year=year, create_new=True), user=user)
    assert result.status == "committed"
    (agency_id,) = agencies_named(conn)
    return result.import_id, agency_id


# --- 2. a stale preview --------------------------------------------------------------------------

def test_preview_made_before_an_undo_is_refused_saying_why(demo_conn):
    """Analyst A previews scores for an agency; analyst B undoes the import that created it;
    A's commit is refused (naming the undo) and writes nothing; the agency's id stays unused."""
    created, agency_id = create_agency(demo_conn)
    preview = analyse_file(demo_conn, new_agency_file(2570), "later.xlsx", year=2570)
    assert preview.status == "valid" and preview.new_agencies.empty
    assert set(preview.scores["agency_ref"]) == {agency_id}
    undo_import(demo_conn, created, user="analyst-b")
    before = state(demo_conn)
    with pytest.raises(ItaError) as info:
        commit_plan(demo_conn, preview, user="analyst-a")
    error = info.value
    assert f"การนำเข้า {created}" in error.message_th and "analyst-b" in error.message_th
    assert "แสดงตัวอย่างใหม่" in error.message_th
    assert f"import {created}" in error.message_en and "undone by analyst-b" in error.message_en
    assert "preview again" in error.message_en
    assert state(demo_conn) == before
    assert agency_id not in store.load_results(demo_conn)["agency_id"].tolist()
    # Previewed again, the file creates the agency anew, under an id never used before.
    again = analyse_file(demo_conn, new_agency_file(2570), "later.xlsx", year=2570,
                         create_new=True)
    assert len(again.new_agencies) == 1
    assert commit_plan(demo_conn, again, user="analyst-a").status == "committed"
    (new_id,) = agencies_named(demo_conn)
    assert new_id > agency_id
    assert store.load_results(demo_conn, agency_ids=[new_id])["year"].tolist() == [2570]


def test_preview_still_true_after_another_commit_goes_through(demo_conn):
    """A commit by another session that leaves this preview as it was does not refuse it."""
    preview = analyse_file(demo_conn, thung_phueng_file(THUNG_PHUENG_2568), "tp.xlsx",
                           year=2569)
    create_agency(demo_conn, year=2570)
    result = commit_plan(demo_conn, preview)
    assert result.status == "committed"
    assert store.load_results(demo_conn, years=[2569])["name"].tolist() == ["เทศบาลตำบลทุ่งผึ้ง"]


def test_replacement_previewed_before_another_replacement_is_refused(demo_conn):
    """The preview listed old → new scores; another session replaced the old ones since: the
    commit would replace scores the analyst never saw, so it is refused."""
    mine = analyse_file(demo_conn, thung_phueng_file(NONG_PLA_MO_2568), "mine.xlsx",
                        year=2568, replace=True)
    assert mine.status == "valid" and mine.replaced_scores == 10
    other = analyse_file(demo_conn, thung_phueng_file(SCORES[2571]), "other.xlsx", year=2568,
                         replace=True)
    assert commit_plan(demo_conn, other, user="analyst-b").status == "committed"
    before = state(demo_conn)
    with pytest.raises(ItaError) as info:
        commit_plan(demo_conn, mine, user="analyst-a")
    assert "analyst-b" in info.value.message_en and "preview again" in info.value.message_en
    assert "replace" in info.value.message_en
    assert state(demo_conn) == before


# --- 3. one agency, created once -----------------------------------------------------------------

def commit_in_threads(conn, plans: list) -> list:
    """Commit each plan in its own thread (the dashboard's sessions), released at once."""
    outcomes: list = [None] * len(plans)
    barrier = threading.Barrier(len(plans))

    def run(i, plan):
        barrier.wait()
        try:
            outcomes[i] = commit_plan(conn, plan)
        except ItaError as error:
            outcomes[i] = error
    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def test_two_sessions_creating_the_same_agency_create_it_once(demo_conn):
    plans = [analyse_file(demo_conn, new_agency_file(year), f"{year}.xlsx", year=year,
                          create_new=True) for year in (2569, 2570)]
    assert all(p.status == "valid" and len(p.new_agencies) == 1 for p in plans)
    outcomes = commit_in_threads(demo_conn, plans)
    refused = [i for i, o in enumerate(outcomes) if isinstance(o, ItaError)]
    assert len(refused) == 1, outcomes
    assert outcomes[1 - refused[0]].status == "committed"
    assert "preview again" in outcomes[refused[0]].message_en
    (agency_id,) = agencies_named(demo_conn)
    # Previewed again, the refused file names the agency the other session created.
    year = (2569, 2570)[refused[0]]
    again = analyse_file(demo_conn, new_agency_file(year), f"{year}.xlsx", year=year,
                         create_new=True)
    assert again.new_agencies.empty and set(again.scores["agency_ref"]) == {agency_id}
    assert commit_plan(demo_conn, again).status == "committed"
    # A later file naming it is matched, not refused as ambiguous.
    later = analyse_file(demo_conn, new_agency_file(2571), "2571.xlsx", year=2571)
    assert later.status == "valid", [e.message_en for e in later.errors]
    assert set(later.scores["agency_ref"]) == {agency_id}


def test_the_store_refuses_a_second_agency_of_the_same_identity(demo_conn):
    """Below the importer: a commit creating an agency the store already holds (same name,
    type, province and district) is refused, and so is inserting one directly."""
    created, agency_id = create_agency(demo_conn)
    existing = store.load_agencies(demo_conn, [agency_id])
    twin = existing.assign(ref=-1)[["ref", "name", "name_key", "agency_type", "province",
                                     "district", "official_code"]]
    before = state(demo_conn)
    scores = pd.DataFrame({"agency_ref": -1, "year": 2570, "indicator": range(1, 11),
                           "score": 80.0})
    with pytest.raises(ItaError) as info:
        store_imports.commit_import(
            demo_conn, file_name="twin.xlsx", sha256="0" * 64, year=2570, user=None,
            new_agencies=twin, aliases=pd.DataFrame(columns=["alias", "alias_key", "agency_ref"]),
            scores=scores, reported=pd.DataFrame(columns=["agency_ref", "year", "total", "level",
                                                          "iit", "eit", "oit"]),
            replace=False, counts={"rows": 1, "agencies": 1, "replaced_scores": 0}, details={})
    assert NEW_FULL_NAME in info.value.message_th and "already" in info.value.message_en
    assert state(demo_conn) == before
    with pytest.raises(duckdb.ConstraintException):
        with store.transaction(demo_conn) as cur:
            store.insert_agencies(cur, existing.assign(agency_id=999_999, source="test"))
    assert state(demo_conn) == before


def cli_import(db: Path, file: Path, year: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ITA_LOCK_WAIT": "300"}
    return subprocess.Popen([sys.executable, "-m", "ita_analytics", "--db", str(db), "import",
                             str(file), "--year", str(year), "--create-new", "--json"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_cli_imports_naming_the_same_new_agency_create_it_once(demo_db, tmp_path):
    children = []
    for year in (2569, 2570):
        path = tmp_path / f"{year}.xlsx"
        path.write_bytes(new_agency_file(year))
        children.append(cli_import(demo_db, path, year))
    payloads = []
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-2000:]
        payloads.append(json.loads(out))
    assert sorted(p["new_agencies"] for p in payloads) == [0, 1]
    conn = store.open_store(demo_db)
    try:
        (agency_id,) = agencies_named(conn)
        years = store.load_results(conn, agency_ids=[agency_id])["year"].tolist()
    finally:
        conn.close()
    assert sorted(years) == [2569, 2570]


# --- 4. ids never reused; undo leaves nothing dangling ---------------------------------------------

def test_an_undone_agency_id_is_never_given_again(demo_conn):
    created, agency_id = create_agency(demo_conn)
    undo_import(demo_conn, created)
    other = analyse_file(demo_conn, new_agency_file(2570, "อบต.ทดสอบหน่วยงานอื่น"), "o.xlsx",
                         year=2570, create_new=True)
    assert commit_plan(demo_conn, other).status == "committed"
    (other_id,) = agencies_named(demo_conn, "องค์การบริหารส่วนตำบลทดสอบหน่วยงานอื่น")
    assert other_id > agency_id
    with store.transaction(demo_conn) as cur:
        assert store.next_agency_id(cur) > other_id


MEASURE_HEADER = ["หน่วยงาน", "จังหวัด", "มาตรการ/โครงการ/กิจกรรม", "ตัวชี้วัดที่เกี่ยวข้อง", "สถานะ"]


def add_measure(conn, agency_id: int, how: str) -> int | None:
    """A measure for the agency, entered on the measures page or imported from a file; the
    measures import's id, None for the page."""
    if how == "page":
        with store.transaction(conn) as cur:
            measure_store.insert_measures(cur, pd.DataFrame([{
                "agency_id": agency_id, "year": 2570, "title": "มาตรการทดสอบการพึ่งพา",
                "kind": "มาตรการ", "source": "dashboard", "indicators": [9]}]))
        return None
    from ita_analytics.importer.measures import analyse_measures_file, commit_measures

    data = xlsx([["มาตรการปี ๒๕๗๐"], MEASURE_HEADER,
                 [NEW_FULL_NAME, "ขอนแก่น", "มาตรการทดสอบการพึ่งพา", "9", "ดำเนินการแล้ว"]])
    plan = analyse_measures_file(conn, data, "measures.xlsx")
    assert plan.errors == [], plan.errors
    return commit_measures(conn, plan, user="analyst-c")


@pytest.mark.parametrize("how", ["page", "import"])
def test_undo_is_refused_while_measures_depend_on_its_agency(demo_conn, how):
    created, agency_id = create_agency(demo_conn)
    measures_import = add_measure(demo_conn, agency_id, how)
    before = state(demo_conn)
    with pytest.raises(ItaError) as info:
        undo_import(demo_conn, created)
    error = info.value
    assert "มาตรการทดสอบการพึ่งพา" in error.message_th and "มาตรการทดสอบการพึ่งพา" in error.message_en
    assert NEW_FULL_NAME in error.message_en and "measure" in error.message_en
    if measures_import is not None:
        assert f"import {measures_import}" in error.message_en
    assert state(demo_conn) == before
    # Once the measure is gone, the import is undone.
    if measures_import is None:
        with store.transaction(demo_conn) as cur:
            ids = measure_store.load_measures(demo_conn, agency_ids=[agency_id])["measure_id"]
            measure_store.delete_measures(cur, ids)
    else:
        undo_import(demo_conn, measures_import)
    assert undo_import(demo_conn, created)["agencies_removed"] == 1
    cur = demo_conn.cursor()
    try:
        orphans = cur.execute("""SELECT count(*) FROM measures m WHERE NOT EXISTS
                                 (SELECT 1 FROM agencies a WHERE a.agency_id = m.agency_id)""")
        assert orphans.fetchall()[0][0] == 0
    finally:
        cur.close()


def test_undo_is_refused_while_item_scores_depend_on_its_agency(demo_conn):
    from ita_analytics.importer.items_file import analyse_items_file, commit_items, undo_items

    created, agency_id = create_agency(demo_conn)
    data = xlsx([["ชื่อหน่วยงาน", "จังหวัด", "ปีงบประมาณ", "o1", "o2"],
                 [NEW_FULL_NAME, "ขอนแก่น", 2564, "ผ่าน", "ไม่ผ่าน"]])
    plan = analyse_items_file(demo_conn, data, "items.xlsx")
    assert plan.errors == [], plan.errors
    items_import = commit_items(demo_conn, plan, user="analyst-c")
    before = state(demo_conn)
    with pytest.raises(ItaError) as info:
        undo_import(demo_conn, created)
    assert f"undo items import {items_import}" in info.value.message_en
    assert "2 item scores" in info.value.message_en
    assert state(demo_conn) == before
    undo_items(demo_conn, items_import)
    assert undo_import(demo_conn, created)["agencies_removed"] == 1


def test_a_measure_for_an_agency_the_store_does_not_hold_is_refused(demo_conn):
    before = state(demo_conn)
    with pytest.raises(ItaError) as info:
        with store.transaction(demo_conn) as cur:
            measure_store.insert_measures(cur, pd.DataFrame([{
                "agency_id": 999_999, "year": 2570, "title": "มาตรการของหน่วยงานที่ไม่มี",
                "kind": "มาตรการ", "source": "dashboard", "indicators": []}]))
    assert "999999" in info.value.message_en
    assert state(demo_conn) == before


def test_migration_starts_ids_past_every_id_the_store_ever_used(tmp_path):
    """A store from before the id counter: agency 7 stored, a measure orphaned on agency 12
    by an undo, and an undone import that had created two agencies. Every id up to 12 + 2 may
    have been given; the next is past them all."""
    from ita_analytics.store.schema import MIGRATIONS, migrate

    (ID_MIGRATION,) = [v for v, steps in MIGRATIONS
                       if any("agency_identities" in str(step) for step in steps)]

    previous = [v for v, _ in MIGRATIONS if v < ID_MIGRATION][-1]
    path = tmp_path / "old.duckdb"
    conn = duckdb.connect(str(path))
    try:
        migrate(conn, target=previous)
        conn.execute("""INSERT INTO agencies VALUES (7, 'เทศบาลตำบลทุ่งผึ้ง', 'ทุ่งผึ้ง', 'เทศบาลตำบล',
                        'ลำปาง', 'แจ้ห่ม', NULL, 'seed', NULL)""")
        conn.execute("""INSERT INTO measures (measure_id, agency_id, year, title, source, created_at)
                        VALUES (3, 12, 2569, 'มาตรการกำพร้า', 'dashboard', now())""")
        conn.execute("""INSERT INTO imports (import_id, file_name, sha256, created_at, new_agencies,
                                             status)
                        VALUES (1, 'gone.xlsx', 'x', now(), 2, 'undone')""")
    finally:
        conn.close()
    conn = store.open_store(path)
    try:
        with store.transaction(conn) as cur:
            assert store.next_agency_id(cur) == 12 + 2 + 1
            assert measure_store.next_measure_id(cur) == 4
    finally:
        conn.close()


# --- the import page ---------------------------------------------------------------------------------

def test_import_page_refuses_a_stale_preview_and_previews_again(demo_db, app_env, monkeypatch):
    from test_import_page import _fake_uploader

    conn = store.open_store(demo_db)
    try:
        created, agency_id = create_agency(conn)
    finally:
        conn.close()
    _fake_uploader(monkeypatch, "later.xlsx", new_agency_file(2570))
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.text_input(key="imp_year").input("2570").run()
    assert not at.exception
    assert any("ไฟล์ถูกต้อง" in s.value and "ใหม่ 0" in s.value for s in at.success)
    with store.writing(demo_db) as other:  # another session writes the store's next version
        undo_import(other, created, user="analyst-b")
    at.button(key="imp_commit").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert f"การนำเข้า {created}" in errors and "แสดงตัวอย่างใหม่" in errors
    assert not any("นำเข้าแล้ว" in s.value for s in at.success)
    at.button(key="imp_repreview").click().run()
    assert not at.exception
    assert any("ไฟล์ถูกต้อง" in s.value and "ใหม่ 1" in s.value for s in at.success)
    at.button(key="imp_commit").click().run()
    assert any("นำเข้าแล้ว" in s.value for s in at.success)
    conn = store.open_store(demo_db, read_only=True)
    try:
        (new_id,) = agencies_named(conn)
    finally:
        conn.close()
    assert new_id > agency_id


def test_import_page_shows_why_an_undo_is_refused(demo_db, app_env):
    conn = store.open_store(demo_db)
    try:
        created, agency_id = create_agency(conn)
        add_measure(conn, agency_id, "page")
    finally:
        conn.close()
    app_env(demo_db)
    at = app_test("pages/import.py", analyst=True)
    at.selectbox(key="imp_undo_id").set_value(created).run()
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo").click().run()
    assert not at.exception
    assert any("มาตรการทดสอบการพึ่งพา" in e.value for e in at.error)
    assert at.dataframe[0].value["สถานะ"].tolist()[0] == "นำเข้าแล้ว"  # localised (issue 18 #4)
