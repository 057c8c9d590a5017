"""The imports' message catalogue (importer/messages.py): every key a call names exists, and
each message names the same values in Thai and English."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from ita_analytics.importer.issues import Issue
from ita_analytics.importer.messages import MESSAGES, Text, code_of, texts
from ita_analytics.importer.read import ImportRejected

IMPORTER = Path(__file__).resolve().parent.parent / "ita_analytics" / "importer"
KEYED = {"of", "error", "warn", "texts", "_issue", "_warn_skipped"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_thai_and_english_name_the_same_values(key):
    assert _fields(MESSAGES[key].th) == _fields(MESSAGES[key].en)


def test_every_key_named_in_the_importer_is_in_the_catalogue():
    named = []
    for path in IMPORTER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", None)
            if func not in KEYED:
                continue
            keys = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            keys += [k.value for k in node.keywords if k.arg == "key"
                     and isinstance(k.value, ast.Constant)]
            named += [(path.name, node.lineno, k.value) for k in keys[:1]]
    assert len(named) > 80
    assert [n for n in named if n[2] not in MESSAGES] == []


def test_a_text_value_is_put_in_each_language():
    said = texts("unsafe_xml", file="a.xlsx", reason=Text("เหตุ", "reason"))
    assert "เหตุ" in said.th and "reason" not in said.th
    assert "reason" in said.en and "เหตุ" not in said.en


def test_issue_and_refusal_report_the_code_before_the_slash():
    issue = Issue.of("no_year/measures", sheet="s", row=3, column="B")
    assert (issue.code, issue.sheet, issue.row, issue.column) == ("no_year", "s", 3, "B")
    assert code_of("out_of_range/item") == "out_of_range"
    refusal = ImportRejected.of("empty/sheets", file="x.xlsx")
    assert refusal.code == "empty" and "x.xlsx" in refusal.message_en
