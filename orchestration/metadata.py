"""Metadata shown in the Dagster UI beside the assets: previews of what was published."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.settings import Settings
from orchestration.summary import HEADLINE_COLUMNS, _fmt

PREVIEW_MONTHS = 3


def latest_metrics_markdown(serving: Path, months: int = PREVIEW_MONTHS) -> str:
    """The latest `months` of marts.sales_metrics_monthly as a Markdown table (newest last)."""
    columns = ", ".join(c for c, _, _ in HEADLINE_COLUMNS)
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            f"select {columns} from marts.sales_metrics_monthly order by month desc limit ?", [months]
        ).fetchall()
    header = "| " + " | ".join(h for _, h, _ in HEADLINE_COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in HEADLINE_COLUMNS) + "|"
    body = [
        "| " + " | ".join(_fmt(v, p) for v, (_, _, p) in zip(row, HEADLINE_COLUMNS, strict=True)) + " |"
        for row in reversed(rows)
    ]
    return "\n".join([header, rule, *body])


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


def violations_markdown(table: str, severity: str, limit: int = MAX_VIOLATION_ROWS) -> str:
    """The failing rows of the data-contract table (one per violating record), as a Markdown table."""
    with duckdb.connect(str(Settings.from_env().warehouse), read_only=True) as con:
        rows = con.execute(
            f"select {', '.join(VIOLATION_COLUMNS)} from {table} where severity = ? "
            "order by check_name, source_file, source_row, record_id",
            [severity],
        ).fetchall()
    return markdown_table(list(VIOLATION_COLUMNS), rows, limit)
