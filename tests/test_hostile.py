"""Hostile files (``hostile_corpus``): each is read as the seeds' numbers or refused with a
located Thai and English error naming the file, in bounded time and memory, store unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_corpus import BOMB_MEMORY_MB, hostile_files
from import_corpus import THUNG_PHUENG_2568, good_files

from ita_analytics import store
from ita_analytics.exports import export_bytes
from ita_analytics.importer import analyse_file, commit_plan
from ita_analytics.store import imports as store_imports
from ita_analytics.thai import _INVISIBLE

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = hostile_files()
BOMBS = sorted(name for name, h in HOSTILE.items() if h.bomb)
# Errors about the file as a whole (from reading it): their messages name the file.
FILE_CODES = {"empty", "too_large", "unsupported_format", "not_xlsx", "unreadable", "damaged",
              "zip_bomb", "unsafe_xml", "too_many_rows", "too_many_columns", "too_many_cells",
              "mixed_encoding", "no_data", "bad_merges", "read_timeout", "read_memory",
              "read_crashed", "too_much_data"}
SECONDS = 30  # a safety bound against hangs, not a performance budget (Hostile.seconds: 5 s)


def snapshot(conn) -> tuple:
    """Everything a rejected file must leave as it was: the scores export, the data version,
    and the counts of agencies, aliases and imports."""
    scores = export_bytes(store.load_scores_long(conn), "csv", bom=False)
    return (scores, store.data_version(conn), store.count_agencies(conn),
            len(store.load_agency_keys(conn)), len(store_imports.load_history(conn)))


@pytest.fixture(scope="module")
def seeded_conn(tmp_path_factory):
    """A small store holding the two seed agencies (2568), shared by every hostile file."""
    path = tmp_path_factory.mktemp("hostile") / "ita.duckdb"
    conn = store.open_store(path, create=True)
    data, kwargs, _ = good_files()["seeds_wide_title_merged.xlsx"]
    plan = analyse_file(conn, data, "seeds.xlsx", **kwargs)
    assert commit_plan(conn, plan).status == "committed"
    yield conn
    conn.close()


def thung_phueng_id(conn) -> int:
    agencies = store.load_agencies(conn)
    return int(agencies.loc[agencies["name"] == "เทศบาลตำบลทุ่งผึ้ง", "agency_id"].iloc[0])


def test_the_hostile_corpus_has_at_least_forty_files():
    assert len(HOSTILE) >= 40
    assert {h.outcome for h in HOSTILE.values()} == {"read", "rejected"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_safe(seeded_conn, monkeypatch, name):
    hostile = HOSTILE[name]
    for key, value in hostile.env.items():
        monkeypatch.setenv(key, value)
    data = hostile.build()
    before = snapshot(seeded_conn)
    started = time.monotonic()
    plan = analyse_file(seeded_conn, data, hostile.file_name, **hostile.kwargs)
    assert time.monotonic() - started < hostile.seconds
    if hostile.outcome == "read":
        assert plan.status == "valid", [(e.code, e.message_en) for e in plan.errors]
        assert plan.rows == hostile.rows and plan.years == [2569]
        mine = plan.scores[plan.scores["agency_ref"] == thung_phueng_id(seeded_conn)]
        assert mine.sort_values("indicator")["score"].round(2).tolist() == \
            pytest.approx(THUNG_PHUENG_2568)
    else:
        assert plan.status == "rejected"
        codes = {e.code for e in plan.errors}
        assert codes & hostile.codes, codes
        for error in plan.errors:
            assert error.message_th and error.message_en
            assert error.message_th != error.message_en
            if error.code in FILE_CODES:
                assert hostile.file_name in error.message_th
                assert hostile.file_name in error.message_en
            else:
                assert error.sheet is not None and error.row is not None
        assert commit_plan(seeded_conn, plan).status == "rejected"
    assert snapshot(seeded_conn) == before


@pytest.mark.parametrize("name", ["invisible_marks_in_names_xlsx", "new_agency_with_marks_xlsx",
                                  "rtl_control_sheet_name_xlsx", "quotes_and_newlines_csv"])
def test_control_and_bidi_characters_are_never_stored(tmp_path, name):
    conn = store.open_store(tmp_path / "ita.duckdb", create=True)
    try:
        data, kwargs, _ = good_files()["seeds_wide_title_merged.xlsx"]
        assert commit_plan(conn, analyse_file(conn, data, "seeds.xlsx", **kwargs)).status == \
            "committed"
        hostile = HOSTILE[name]
        result = commit_plan(conn, analyse_file(conn, hostile.build(), hostile.file_name,
                                                **hostile.kwargs))
        assert result.status == "committed"
        agencies = store.load_agencies(conn)
        texts = [*agencies["name"], *agencies["province"].dropna(), *agencies["district"].dropna()]
        assert not [t for t in texts if _INVISIBLE.search(t) or "\n" in t]
        if name == "new_agency_with_marks_xlsx":
            assert "องค์การบริหารส่วนตำบลโนนศิลา" in set(agencies["name"])
        else:
            assert len(agencies) == 2
    finally:
        conn.close()


CHILD = r"""
import json, resource, sys, threading, time
from ita_analytics import store
from ita_analytics.importer import analyse_file
sys.path.insert(0, "tests")
from hostile_corpus import seed_workbook

PAGE_MB = resource.getpagesize() / 1024 ** 2

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_MB

conn = store.open_store(":memory:")
analyse_file(conn, seed_workbook(), "warm-up.xlsx", year=2569)  # imports and caches loaded
data = open(sys.argv[1], "rb").read()
with open("/proc/self/statm") as statm:
    virtual = int(statm.read().split()[0]) * resource.getpagesize()
# A hard cap so that a regression fails this child instead of swapping the machine.
resource.setrlimit(resource.RLIMIT_AS, (virtual + 2 * 1024 ** 3, resource.RLIM_INFINITY))
before, peak_before = resident_mb(), peak_mb()
sampled = [before]
running = True

def sample():
    while running:
        sampled.append(resident_mb())
        time.sleep(0.002)

sampler = threading.Thread(target=sample)
sampler.start()
started = time.monotonic()
plan = analyse_file(conn, data, sys.argv[2], year=2569)
seconds = time.monotonic() - started
running = False
sampler.join()
# The resident high-water mark: exact when it passed the earlier peak, else sampled.
peak = peak_mb() if peak_mb() > peak_before else max(sampled)
print(json.dumps({"growth_mb": round(peak - before, 1), "seconds": round(seconds, 2),
                  "status": plan.status, "codes": sorted({e.code for e in plan.errors})}))
"""


@pytest.mark.parametrize("name", BOMBS)
def test_bomb_memory_is_bounded(tmp_path, name):
    """The resident memory of a fresh process peaks less than BOMB_MEMORY_MB above where it was
    before the file was analysed; the figures go to test-output/."""
    hostile = HOSTILE[name]
    path = tmp_path / hostile.file_name
    path.write_bytes(hostile.build())
    env = {**os.environ, **hostile.env, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), hostile.file_name],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["growth_mb"] < BOMB_MEMORY_MB
    assert result["seconds"] < hostile.seconds
    expected = "valid" if hostile.outcome == "read" else "rejected"
    assert result["status"] == expected
    if expected == "rejected":
        assert set(result["codes"]) & hostile.codes
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / f"hostile_memory_{name}.json").write_text(json.dumps(
        {"file": hostile.file_name, "size_bytes": path.stat().st_size, **result}))


# --- the sheet scan's counted path gives the token loop's facts -------------------------------

def _facts(data: bytes, *, plain: bool, monkeypatch) -> dict | None:
    import io
    import zipfile

    from ita_analytics.importer import read

    if not plain:
        monkeypatch.setattr(read, "_scan_plain", lambda buffer, fact, position: None)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return {name: vars(fact) for name, fact in read._sheet_facts(archive).items()}
    except Exception as error:  # a damaged archive: both paths must fail alike
        return {"error": type(error).__name__}
    finally:
        monkeypatch.undo()


NOT_ZIP_PACKAGES = {"empty_xlsx", "garbage_xlsx", "password_protected_xlsx", "pdf_renamed_xlsx",
                    "whitespace_only_xlsx"}
"""Hostile files named .xlsx that are no zip package at all (refused before any scan)."""


def _workbooks() -> dict[str, object]:
    """Every workbook of the hostile, broken and good corpora but the bombs (built lazily)."""
    from import_corpus import broken_files

    out = {f"hostile:{name}": spec.build for name, spec in hostile_files().items()
           if not spec.bomb and spec.file_name.endswith((".xlsx", ".xlsm"))
           and name not in NOT_ZIP_PACKAGES}
    for name, (data, *_) in {**good_files(), **broken_files()}.items():
        if data.startswith(b"PK"):
            out[f"corpus:{name}"] = lambda data=data: data
    return out


@pytest.mark.parametrize("name", sorted(_workbooks()))
def test_counted_scan_gives_the_token_loops_facts(name, monkeypatch):
    """Extent, cell and formula counts and error cells are the same by either path."""
    data = _workbooks()[name]()
    assert data.startswith(b"PK")
    assert _facts(data, plain=True, monkeypatch=monkeypatch) == \
        _facts(data, plain=False, monkeypatch=monkeypatch)


def test_counted_scan_on_the_national_file(demo_results, monkeypatch):
    """The national year's file (8,000+ agencies): the counted path is taken and agrees."""
    from import_corpus import national_file

    from ita_analytics.importer import read

    data = national_file(demo_results[demo_results["year"] == 2568])
    taken = []
    real = read._scan_plain
    monkeypatch.setattr(read, "_scan_plain", lambda buffer, fact, position:
                        taken.append(1) or real(buffer, fact, position))
    import io
    import zipfile
    counted = {n: vars(f) for n, f in read._sheet_facts(zipfile.ZipFile(io.BytesIO(data))).items()}
    monkeypatch.undo()
    assert len(taken) > 0
    facts = _facts(data, plain=False, monkeypatch=monkeypatch)
    assert counted == facts
    (sheet,) = counted.values()
    assert sheet["max_row"] > 8_000 and sheet["cells"] > 8_000 * 10
