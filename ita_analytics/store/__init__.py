"""The DuckDB store: the only place with SQL. Submodules are named for what they hold.

The names below are imported from their submodule when first used (PEP 562), not all when
this package is: most submodules need pandas, NumPy or Arrow, and a command that opens the
store to read one row (``show``) needs none of them (tests/test_cli_speed.py). Submodules
(``store.scores``) are found the same way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_NAMES_BY_MODULE: dict[str, tuple[str, ...]] = {
    "checks": ("ChangeHundredths", "load_change_hundredths", "load_reported_results",
               "load_same_name_agencies"),
    "connection": ("data_version", "get_meta", "open_file", "set_meta", "transaction"),
    "items": ("count_items", "delete_items_of_import", "insert_items", "load_item_keys",
              "load_item_values", "load_item_years", "load_items"),
    "schema": ("SCHEMA_VERSION", "migrate", "schema_version"),
    "scores": ("as_float", "count_agencies", "insert_agencies", "insert_aliases",
               "insert_scores", "load_agencies", "load_agency_keys", "load_agency_names",
               "load_agency_types", "load_result_agencies", "load_results", "load_scores_long",
               "load_source_counts", "load_years", "next_agency_id", "refresh_results",
               "upsert_reported", "upsert_scores"),
    "summaries": ("load_level_counts", "load_trend_stats", "load_year_agency_counts"),
    "versions": ("file_identity", "open_reader", "open_store", "writing"),
}
_MODULE_OF = {name: module for module, names in _NAMES_BY_MODULE.items() for name in names}


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value  # found once; later uses do not come here
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


if TYPE_CHECKING:
    from ita_analytics.store.checks import (
        ChangeHundredths,
        load_change_hundredths,
        load_reported_results,
        load_same_name_agencies,
    )
    from ita_analytics.store.connection import (
        data_version,
        get_meta,
        open_file,
        set_meta,
        transaction,
    )
    from ita_analytics.store.items import (
        count_items,
        delete_items_of_import,
        insert_items,
        load_item_keys,
        load_item_values,
        load_item_years,
        load_items,
    )
    from ita_analytics.store.schema import SCHEMA_VERSION, migrate, schema_version
    from ita_analytics.store.scores import (
        as_float,
        count_agencies,
        insert_agencies,
        insert_aliases,
        insert_scores,
        load_agencies,
        load_agency_keys,
        load_agency_names,
        load_agency_types,
        load_result_agencies,
        load_results,
        load_scores_long,
        load_source_counts,
        load_years,
        next_agency_id,
        refresh_results,
        upsert_reported,
        upsert_scores,
    )
    from ita_analytics.store.summaries import (
        load_level_counts,
        load_trend_stats,
        load_year_agency_counts,
    )
    from ita_analytics.store.versions import file_identity, open_reader, open_store, writing

__all__ = [
    "ChangeHundredths", "SCHEMA_VERSION", "as_float", "count_agencies", "count_items", "data_version",
    "delete_items_of_import", "insert_items", "load_item_keys", "load_item_values", "load_item_years",
    "load_items", "get_meta", "insert_agencies",
    "insert_aliases", "insert_scores", "load_agencies", "load_agency_keys", "load_agency_names", "load_agency_types", "load_change_hundredths", "load_level_counts", "load_reported_results", "load_result_agencies",
    "load_results", "load_same_name_agencies",
    "load_scores_long", "load_source_counts", "load_trend_stats", "load_year_agency_counts", "load_years", "migrate", "next_agency_id",
    "file_identity", "open_file", "open_reader", "open_store", "writing", "refresh_results", "schema_version", "set_meta", "transaction",
    "upsert_reported", "upsert_scores",
]
