"""Where things are: every path and knob comes from an environment variable with a default.

Read at call time (not import time) so the CLI can set them for one run.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The dbt of this environment, so nothing depends on an activated venv or on PATH."""
    for folder in (Path(sys.prefix) / "bin", Path(sys.executable).parent):
        if (folder / "dbt").exists():
            return str(folder / "dbt")
    return shutil.which("dbt") or "dbt"


@dataclass(frozen=True)
class RejectThreshold:
    """How many rejected rows one contract object may have while the run still publishes.

    SALESOPS_MAX_REJECTS: a whole number of rows ("0", the default: any reject stops the
    publish) or a share of the object's delivered rows ("0.5%").
    """

    text: str
    rows: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str) -> RejectThreshold:
        value = text.strip()
        try:
            if value.endswith("%"):
                percent = float(value[:-1])
                if not 0 <= percent <= 100:
                    raise ValueError
                return cls(value, percent=percent)
            rows = int(value)
            if rows < 0:
                raise ValueError
            return cls(value, rows=rows)
        except ValueError:
            raise ValueError(
                f"SALESOPS_MAX_REJECTS={text!r}: expected a whole number of rows (e.g. 0 or 25) "
                "or a percentage of an object's rows (e.g. 0.5%)"
            ) from None

    def allows(self, rejected: int, delivered: int) -> bool:
        if self.rows is not None:
            return rejected <= self.rows
        return rejected <= delivered * (self.percent or 0) / 100


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    serving: Path
    quality_docs_dir: Path
    schedule_timezone: str
    max_rejects: RejectThreshold

    @classmethod
    def from_env(cls) -> Settings:
        def path(var: str, default: str) -> Path:
            value = Path(os.environ.get(var) or default)
            return value if value.is_absolute() else (Path.cwd() / value)

        warehouse = path("SALESOPS_WAREHOUSE", "data/warehouse.duckdb")
        return cls(
            landing_dir=path("SALESOPS_LANDING_DIR", "landing"),
            warehouse=warehouse,
            serving=path("SALESOPS_SERVING", "data/serving.duckdb"),
            quality_docs_dir=path("SALESOPS_QUALITY_DOCS", str(warehouse.parent / "quality_docs")),
            schedule_timezone=os.environ.get("SALESOPS_SCHEDULE_TIMEZONE", "UTC"),
            max_rejects=RejectThreshold.parse(os.environ.get("SALESOPS_MAX_REJECTS") or "0"),
        )


# Every environment variable the project reads: the CLI's help and the README list these.
ENVIRONMENT_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("SALESOPS_LANDING_DIR", "landing/", "landing folder to load"),
    ("SALESOPS_WAREHOUSE", "data/warehouse.duckdb", "build warehouse, DuckDB file (pipeline only)"),
    ("SALESOPS_SERVING", "data/serving.duckdb", "serving file BI reads (schema marts)"),
    ("SALESOPS_QUALITY_DOCS", "beside the warehouse", "Great Expectations Data Docs folder"),
    ("SALESOPS_REPORT", "report.html beside the serving file", "the HTML report written after each publish"),
    ("SALESOPS_DBT_VARS", "{}", "dbt vars as a JSON object (--var wins over it)"),
    ("SALESOPS_SCHEDULE_TIMEZONE", "UTC", "time zone of the nightly 02:00 schedule"),
    ("SALESOPS_LANDING_MAX_AGE_HOURS", "36", "a landing folder with no new file for longer is flagged stale"),
    ("SALESOPS_LOG_LEVEL", "CRITICAL", "Dagster's console log level during a CLI run"),
    ("SALESOPS_LOCK_TIMEOUT", "300", "seconds a refresh waits for another one holding the warehouse"),
    ("SALESOPS_DUCKDB_MEMORY_LIMIT", "6GB", "DuckDB memory limit of the load and dbt (spills beyond)"),
    ("SALESOPS_MAX_REJECTS", "0", "rejects an object may have and still publish: rows (25) or share (0.5%)"),
    ("SALESOPS_TARGET", "duckdb", "duckdb, postgres or spark: the engine dbt builds on"),
    ("SALESOPS_PG_HOST", "PGHOST or 127.0.0.1", "PostgreSQL target: server"),
    ("SALESOPS_PG_PORT", "PGPORT or 5432", "PostgreSQL target: port"),
    ("SALESOPS_PG_USER", "PGUSER or salesops", "PostgreSQL target: the pipeline's role"),
    ("SALESOPS_PG_PASSWORD", "PGPASSWORD", "PostgreSQL target: its password (never printed)"),
    ("SALESOPS_PG_DBNAME", "PGDATABASE or salesops", "PostgreSQL target: database"),
    ("SALESOPS_PG_BI_ROLE", "salesops_bi", "the read-only BI role pg-grant-bi-role creates"),
    ("SALESOPS_PG_BI_PASSWORD", "unset", "that role's password (never printed)"),
    ("SALESOPS_SPARK_DIR", "data/spark", "Spark target: tables, metastore and scratch space"),
    ("SALESOPS_IMPORT_INBOX", "inbox/", "folder the import sensor watches (ad exports, mapped imports)"),
    ("SALESOPS_CONNECTOR_STATE_DIR", "data/connectors/", "HubSpot/Salesforce cursors and outbox"),
    ("SALESOPS_CONNECTOR_LAG_SECONDS", "3600", "connectors re-read this far behind their cursor"),
    ("HUBSPOT_TOKEN", "unset", "HubSpot private-app token (never printed)"),
    ("SALESFORCE_INSTANCE_URL", "unset", "Salesforce org URL"),
    ("SALESFORCE_ACCESS_TOKEN", "unset", "Salesforce token (or SALESFORCE_CLIENT_ID/_SECRET; never printed)"),
    ("DAGSTER_HOME", "unset", "when set, CLI runs are recorded there and show in the Dagster UI"),
)


def report_path(settings: Settings) -> Path:
    """SALESOPS_REPORT, or report.html beside the serving file."""
    value = os.environ.get("SALESOPS_REPORT")
    if not value:
        return settings.serving.with_name("report.html")
    path = Path(value)
    return path if path.is_absolute() else Path.cwd() / path


def landing_max_age_hours() -> float:
    return float(os.environ.get("SALESOPS_LANDING_MAX_AGE_HOURS") or 36)


def environment_help() -> str:
    width = max(len(name) for name, _, _ in ENVIRONMENT_VARIABLES)
    lines = ["environment variables (default in brackets):"]
    lines += [f"  {name.ljust(width)}  {what} [{default}]" for name, default, what in ENVIRONMENT_VARIABLES]
    return "\n".join(lines)
