"""The refresh log BI reads beside the marts (serving.md): one row per publish, one column
list for both engines (PostgreSQL's varchar without a length is its text)."""

from __future__ import annotations

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
