"""Metadata shown in the Dagster UI beside the assets: previews of what was published."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.summary import HEADLINE_COLUMNS, _fmt
from orchestration.warehouse import query_build, read_serving

PREVIEW_MONTHS = 3


def latest_metrics_markdown(serving: Path, months: int = PREVIEW_MONTHS) -> str:
    """The latest `months` of marts.sales_metrics_monthly as a Markdown table (newest last)."""
    columns = ", ".join(c for c, _, _ in HEADLINE_COLUMNS)
    latest = f"select {columns} from marts.sales_metrics_monthly order by month desc limit {int(months)}"
    frame = read_serving(serving, {"latest": latest})["latest"]
    rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]
    header = "| " + " | ".join(h for _, h, _ in HEADLINE_COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in HEADLINE_COLUMNS) + "|"
    body = [
        "| " + " | ".join(_fmt(v, p) for v, (_, _, p) in zip(row, HEADLINE_COLUMNS, strict=True)) + " |"
        for row in reversed(rows)
    ]
    return "\n".join([header, rule, *body])


def _plain(value: object) -> object:
    """A DataFrame cell as the database gave it: NaN/NaT as None, a midnight Timestamp as a date."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() and value.tz is None else value.to_pydatetime()
    return value


def markdown_table(columns: list[str], rows: list[tuple[object, ...]], limit: int) -> str:
    """Rows as a Markdown table, at most `limit` of them, saying how many were left out."""
    if not rows:
        return "none"

    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n... and {len(rows) - limit} more rows")
    return "\n".join(lines)


VIOLATION_COLUMNS = (
    "check_name",
    "object_name",
    "record_id",
    "field_name",
    "field_value",
    "source_file",
    "source_row",
)
MAX_VIOLATION_ROWS = 25


def violation_rows(table: str, severity: str, columns: tuple[str, ...], order_by: str) -> pd.DataFrame:
    """The data-contract table's violations of one severity (`error` or `warn`), as dbt last
    built them: the one reader of that table."""
    if severity not in ("error", "warn"):
        raise ValueError(f"unknown severity {severity!r}")
    return query_build(
        f"select {', '.join(columns)} from {table} where severity = '{severity}' order by {order_by}"
    )


def violations_markdown(table: str, severity: str, limit: int = MAX_VIOLATION_ROWS) -> str:
    """The failing rows of the data-contract table (one per violating record), as a Markdown table."""
    frame = violation_rows(
        table, severity, tuple(VIOLATION_COLUMNS), "check_name, source_file, source_row, record_id"
    )
    rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]
    return markdown_table(list(VIOLATION_COLUMNS), rows, limit)
