"""The refresh log BI reads beside the marts (serving.md): one row per publish, one column
list for both engines (PostgreSQL's varchar without a length is its text)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

REFRESH_LOG = "refresh_log"

# (name, type, what it holds)
REFRESH_LOG_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("published_at", "timestamp", "UTC"),
    ("run_id", "varchar", "the Dagster run"),
    ("as_of_date", "date", "the data's as-of date"),
    ("first_month", "date", "first month of the reporting range"),
    ("last_month", "date", "last month of the reporting range"),
    ("landing_dir", "varchar", "the landing folder loaded"),
    ("raw_row_counts", "varchar", "JSON: raw table -> rows loaded"),
    ("mart_row_counts", "varchar", "JSON: published table -> rows"),
    ("checks_run", "integer", "checks evaluated before publishing"),
    ("checks_passed", "integer", "of which passed"),
    ("checks", "varchar", "JSON: check -> passed / severity"),
)
REFRESH_LOG_NAMES = [name for name, _, _ in REFRESH_LOG_COLUMNS]


def refresh_log_columns_sql() -> str:
    """The column definitions of a CREATE TABLE."""
    return ",\n".join(f"    {name} {type_}" for name, type_, _ in REFRESH_LOG_COLUMNS)


def refresh_log_row(
    published_at: Any,
    run_id: str,
    span: tuple[object, object, object],
    landing_dir: str,
    raw_row_counts: Mapping[str, int],
    mart_row_counts: Mapping[str, int],
    checks: Mapping[str, Mapping[str, Any]],
) -> list[object]:
    """One publish's row, in REFRESH_LOG_COLUMNS order. `span` is (first month, last month,
    as-of date) of the headline mart."""
    first, last, as_of = span
    return [
        published_at,
        run_id,
        as_of,
        first,
        last,
        landing_dir,
        json.dumps(raw_row_counts, sort_keys=True),
        json.dumps(mart_row_counts, sort_keys=True),
        len(checks),
        sum(1 for c in checks.values() if c.get("passed")),
        json.dumps(checks, sort_keys=True, default=str),
    ]
