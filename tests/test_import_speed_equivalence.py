"""The import's fast paths give what the slow ones they skip would: clean text, score cells."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ita_analytics.importer.normalise import _has_value, _is_clean, _text
from ita_analytics.thai import clean_text

# Thai letters and marks, every kind of space and invisible mark clean_text removes or folds.
ODD_CHARACTERS = ("กขคงจทบปผพมยรลวสหอะาำิีึืุูเแโใไ่้๊๋็์ํ๐๑๙0123456789 .-()"
                  "\t\n\r\x00\x1c\x7f\x85\xa0\xad\u061c\u180e\u200b\u200d\u200f\u202a\u202e"
                  "\u2028\u2060\u3000\ufeff\ufff9\u0e4d\u0e32e\u0301")


@pytest.mark.parametrize("block", range(0, 0x3100, 0x100))
def test_text_said_clean_is_what_clean_text_gives(block):
    for code in range(block, block + 0x100):
        char = chr(code)
        for text in (char, f"ก{char}ข", f"{char} ก", f"ก {char}", f"ก{char}{char}"):
            if _is_clean(text):
                assert clean_text(text) == text, repr(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ODD_CHARACTERS, max_size=12))
def test_cleaned_cells_are_clean_texts(text):
    assert _text(text) == (clean_text(text) or None)


def _old_has_value(values: pd.Series) -> list[bool]:
    text = values.astype("string").str.strip()
    return (text.notna() & ~text.isin(["", "-", "–", "—"])).tolist()


CELLS = st.one_of(st.none(), st.floats(), st.integers(-10**20, 10**20), st.booleans(),
                  st.text(alphabet=" -–—\xa0\u200b9.", max_size=4), st.datetimes())


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, max_size=8))
def test_score_cells_with_a_value_are_found_as_before(cells):
    values = pd.Series(cells, dtype="object")
    assert _has_value(values).tolist() == _old_has_value(values)
