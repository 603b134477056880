"""Publish: copy schema `marts` of the build warehouse into a new serving file, then rename it
over the serving path. Readers see the old file or the new one, whole (serving.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.refresh_log import REFRESH_LOG, refresh_log_columns_sql, refresh_log_row
from sources.sql_quoting import quote_identifier, quote_literal

MARTS_SCHEMA = "marts"
# DuckDB 2.x writes a storage format that DuckDB 1.x cannot open; BI drivers (Evidence's
# plugin, the Metabase plugin, the ODBC driver) embed DuckDB 1.x. v1.2.0 opens in DuckDB >= 1.2.
SERVING_STORAGE_VERSION = "v1.2.0"

REFRESH_LOG_DDL = (
    f"create table if not exists snap.{MARTS_SCHEMA}.{REFRESH_LOG} (\n{refresh_log_columns_sql()}\n)"
)


@dataclass
class PublishResult:
    serving: Path
    tables: dict[str, int] = field(default_factory=dict)
    published_at: datetime | None = None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_marts(
    warehouse: Path,
    serving: Path,
    *,
    run_id: str,
    landing_dir: str,
    raw_row_counts: dict[str, int],
    checks: dict[str, dict[str, object]],
) -> PublishResult:
    """Write every table and view of schema marts, as tables, plus the refresh log, to
    `serving` atomically."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    # A run killed mid-publish leaves its temp file behind; only one refresh runs at a time
    # (it holds the warehouse's write lock), so any such file is stale.
    for leftover in serving.parent.glob(f".{serving.name}.*.tmp*"):
        leftover.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    result = PublishResult(serving=serving, published_at=published_at)

    # An in-memory session with the warehouse attached read-only and the new file read-write.
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(str(warehouse))} as wh (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                # Views too: a mart may be a view of an intermediate table in the build
                # warehouse (fct_pipeline_month_end); the serving file gets its rows.
                "select table_name from information_schema.tables where table_catalog = 'wh' "
                "and table_schema = ? and table_type in ('BASE TABLE', 'VIEW') order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise RuntimeError(f"{warehouse}: schema {MARTS_SCHEMA} has no tables to publish")
        con.execute(f"attach {quote_literal(str(tmp))} as snap (storage_version '{SERVING_STORAGE_VERSION}')")
        con.execute(f"create schema snap.{MARTS_SCHEMA}")
        for table in tables:
            if table == REFRESH_LOG:
                continue
            name = quote_identifier(table)
            con.execute(f"create table snap.{MARTS_SCHEMA}.{name} as select * from wh.{MARTS_SCHEMA}.{name}")
            count = con.execute(f"select count(*) from snap.{MARTS_SCHEMA}.{name}").fetchone()
            result.tables[table] = count[0]

        con.execute(REFRESH_LOG_DDL)
        if serving.exists():
            # Carry the history over from the file being replaced.
            con.execute(f"attach {quote_literal(str(serving))} as previous (read_only)")
            has_log = con.execute(
                "select count(*) from information_schema.tables where table_catalog = 'previous' "
                "and table_schema = ? and table_name = ?",
                [MARTS_SCHEMA, REFRESH_LOG],
            ).fetchone()[0]
            if has_log:
                con.execute(
                    f"insert into snap.{MARTS_SCHEMA}.{REFRESH_LOG} by name "
                    f"select * from previous.{MARTS_SCHEMA}.{REFRESH_LOG}"
                )
            con.execute("detach previous")

        row = refresh_log_row(
            published_at, run_id, _metric_span(con), landing_dir, raw_row_counts, result.tables, checks
        )
        placeholders = ", ".join("?" for _ in row)
        con.execute(f"insert into snap.{MARTS_SCHEMA}.{REFRESH_LOG} values ({placeholders})", row)
        con.execute("checkpoint snap")
        con.execute("detach snap")
        con.execute("detach wh")
    except BaseException:
        con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(tmp)
    os.replace(tmp, serving)
    _fsync(serving.parent)
    return result


def _metric_span(con: duckdb.DuckDBPyConnection) -> tuple[object, object, object]:
    """(first month, last month, as-of date) of the headline mart, when it exists."""
    try:
        first, last = con.execute(
            f"select min(month), max(month) from wh.{MARTS_SCHEMA}.sales_metrics_monthly"
        ).fetchone()
    except duckdb.Error:
        return (None, None, None)
    try:
        as_of = con.execute(
            "select as_of_date from wh.intermediate.int_reporting_calendar limit 1"
        ).fetchone()
        as_of_date = as_of[0] if as_of else None
    except duckdb.Error:
        as_of_date = None
    return (first, last, as_of_date)
