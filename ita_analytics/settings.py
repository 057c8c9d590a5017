"""Settings: one table of names, defaults, environment overrides and help, read in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
"""The project folder; every other path is derived from it."""
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = BASE_DIR / "data"
ASSETS_DIR = PACKAGE_DIR / "assets"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    env: str
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", str(DATA_DIR / "ita.duckdb"), "ITA_DB",
            "DuckDB store file (the CLI's --db overrides it)."),
    Setting("demo_on_first_start", "1", "ITA_DEMO",
            "Build the store with the bundled synthetic demo data when the dashboard starts "
            "and no store exists (0 to start empty).", int),
    Setting("upload_max_mb", "20", "ITA_UPLOAD_MAX_MB",
            "Largest spreadsheet accepted for import, in MB.", int),
    Setting("import_max_rows", "200000", "ITA_IMPORT_MAX_ROWS",
            "Most data rows read from one sheet of an imported file.", int),
    Setting("import_max_columns", "300", "ITA_IMPORT_MAX_COLUMNS",
            "Most columns read from one sheet of an imported file.", int),
    Setting("backups_keep", "5", "ITA_BACKUPS_KEEP",
            "Automatic backups kept before commits that replace scores.", int),
    Setting("backup_dir", "", "ITA_BACKUP_DIR",
            "Folder for automatic backups (empty: a backups folder beside the store file)."),
    Setting("auth_max_failures", "5", "ITA_AUTH_MAX_FAILURES",
            "Wrong analyst passwords in a row before sign-in is locked.", int),
    Setting("auth_lockout_minutes", "15", "ITA_AUTH_LOCKOUT_MINUTES",
            "How long sign-in stays locked after too many wrong passwords, in minutes.", float),
    Setting("lock_wait_seconds", "10", "ITA_LOCK_WAIT",
            "How long a write waits for another write in progress (any process), and a reader for a plain store file held for writing.", float),
    Setting("coverage_complete_share", "0.9", "ITA_COVERAGE_SHARE",
            "A year whose agencies are fewer than this share of the expected count (the "
            "previous year's, or the national count) is shown as partial and never as the "
            "headline.", float),
)
SETTING_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str):
    """The value of a setting: its environment variable if set, else its default."""
    setting = SETTING_BY_NAME[name]
    raw = os.environ.get(setting.env, setting.default)
    return setting.kind(raw)


def db_path() -> Path:
    return Path(get("db_path"))
