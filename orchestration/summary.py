"""Readable console output of a refresh: what failed, or the headline metrics published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from orchestration.warehouse import is_postgres

HEADLINE_COLUMNS = (
    ("month", "month", "{}"),
    ("won_deals", "won", "{:,}"),
    ("won_amount", "won amount", "{:,.0f}"),
    ("win_rate", "win rate", "{:.1%}"),
    ("avg_sale_value", "avg sale", "{:,.0f}"),
    ("sales_cycle_days_median", "cycle (d, med)", "{:.1f}"),
    ("new_customers", "new cust", "{:,}"),
    ("blended_cac", "blended CAC", "{:,.0f}"),
    ("mrr", "MRR", "{:,.0f}"),
    ("ltv_to_cac", "LTV:CAC", "{:.2f}"),
    ("lead_velocity_rate", "LVR", "{:+.1%}"),
    ("open_pipeline_amount", "open pipeline", "{:,.0f}"),
    ("pipeline_coverage_next_3_months", "coverage 3m", "{:.2f}x"),
    ("quota_attainment", "attainment", "{:.0%}"),
)


def _fmt(value: object, pattern: str) -> str:
    if value is None:
        return "-"
    try:
        return pattern.format(value)
    except (ValueError, TypeError):
        return str(value)


def serving_location(serving: Path) -> str:
    """Where BI reads, in words (no password)."""
    if is_postgres():
        from sources.postgres_connection import PgSettings

        return f"{PgSettings.from_env().describe()} schema marts"
    return str(serving)


def _connect_serving(serving: Path) -> Any:
    """What BI reads: the serving file, or schema marts of the PostgreSQL warehouse."""
    if is_postgres():
        from sources.postgres_connection import PgSettings

        return PgSettings.from_env().connect()
    return duckdb.connect(str(serving), read_only=True)


def headline_table(serving: Path, months: int = 12) -> str:
    """The last `months` rows of marts.sales_metrics_monthly as a fixed-width table."""
    columns = ", ".join(c for c, _, _ in HEADLINE_COLUMNS)
    with _connect_serving(serving) as con:
        rows = con.execute(
            f"select {columns} from marts.sales_metrics_monthly order by month desc limit {int(months)}"
        ).fetchall()
        log = con.execute(
            "select published_at, as_of_date, first_month, last_month, checks_run, checks_passed "
            "from marts.refresh_log order by published_at desc limit 1"
        ).fetchone()
    cells = [[h for _, h, _ in HEADLINE_COLUMNS]]
    for row in reversed(rows):
        cells.append([_fmt(v, p) for v, (_, _, p) in zip(row, HEADLINE_COLUMNS, strict=True)])
    widths = [max(len(r[i]) for r in cells) for i in range(len(HEADLINE_COLUMNS))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    header = (
        f"published {log[0]:%Y-%m-%d %H:%M:%S} UTC; as of {log[1]}; months {log[2]} .. {log[3]}; "
        f"checks passed {log[5]}/{log[4]}"
    )
    return header + "\n\n" + "\n".join(lines)
