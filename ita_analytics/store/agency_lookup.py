"""One agency's name keys without every agency's: what a command naming one agency reads."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from ita_analytics.store.scores import _fetch_df

# load_agency_keys' statement, kept to the given keys.
_KEYS_NAMED = """
    SELECT a.name_key AS key, a.agency_id, a.name, a.agency_type, a.province, a.district,
           a.official_code
    FROM agencies a WHERE a.name_key IN (SELECT UNNEST($keys))
    UNION
    SELECT al.alias_key AS key, a.agency_id, a.name, a.agency_type, a.province, a.district,
           a.official_code
    FROM agency_aliases al JOIN agencies a USING (agency_id)
    WHERE al.alias_key IN (SELECT UNNEST($keys))
    ORDER BY agency_id, key"""


def load_agency_keys_named(conn: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> pd.DataFrame:
    """The rows of ``store.load_agency_keys`` whose key is one of ``keys`` (same columns):
    enough to find an agency by its exact name; near names need every key."""
    return _fetch_df(conn, _KEYS_NAMED, {"keys": [str(k) for k in keys]})
