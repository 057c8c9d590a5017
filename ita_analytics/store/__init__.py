"""The DuckDB store: the only place with SQL. Submodules are named for what they hold."""

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
    "open_file", "open_store", "open_reader", "writing", "file_identity", "refresh_results", "schema_version", "set_meta", "transaction",
    "upsert_reported", "upsert_scores",
]
