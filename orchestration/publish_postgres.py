"""Publish on the PostgreSQL warehouse: the schema swap of ../shared/spec/serving.md.

dbt builds the marts into the private schema `marts__build`; the checks audit them there. Then
one transaction appends the refresh log, renames `marts` away, renames `marts__build` to
`marts` and grants the BI role read on it. A reader's statement sees the old marts or the new
ones, whole: the renames become visible together at commit. The old schema is dropped after
the commit, in its own transaction, so the swap never waits for a long BI query on the old
tables (a drop that cannot get its locks in time is left to the next publish).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from orchestration.bi_role import bi_role_name, grant_marts_read, role_exists
from orchestration.refresh_log import (
    REFRESH_LOG,
    REFRESH_LOG_NAMES,
    refresh_log_columns_sql,
    refresh_log_row,
)
from orchestration.warehouse import MARTS_BUILD_SCHEMA, MARTS_SCHEMA
from sources.postgres_connection import PgSettings

log = logging.getLogger(__name__)

PREVIOUS_SCHEMA = "marts__previous"
DROP_LOCK_TIMEOUT = "10s"


@dataclass
class PgPublishResult:
    serving: str  # where BI reads: postgresql://user@host:port/db, schema marts
    tables: dict[str, int] = field(default_factory=dict)
    published_at: datetime | None = None


def _schema_exists(con: psycopg.Connection, schema: str) -> bool:
    return con.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone() is not None


def _tables(con: psycopg.Connection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = %s "
        "and table_type = 'BASE TABLE' order by table_name",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def _metric_span(con: psycopg.Connection) -> tuple[object, object, object]:
    """(first month, last month, as-of date) of the headline mart, when it exists."""
    first = last = as_of = None
    tables = set(_tables(con, MARTS_BUILD_SCHEMA))
    if "sales_metrics_monthly" in tables:
        first, last = con.execute(
            sql.SQL("select min(month), max(month) from {}").format(
                sql.Identifier(MARTS_BUILD_SCHEMA, "sales_metrics_monthly")
            )
        ).fetchone()
    if "int_reporting_calendar" in _tables(con, "intermediate"):
        row = con.execute("select as_of_date from intermediate.int_reporting_calendar limit 1").fetchone()
        as_of = row[0] if row else None
    return first, last, as_of


def drop_build_schema(pg: PgSettings | None = None) -> None:
    """Forget the marts of a build that was never published, so the next build starts clean."""
    pg = pg or PgSettings.from_env()
    with pg.connect() as con:
        con.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(MARTS_BUILD_SCHEMA)))


def _drop_previous(pg: PgSettings) -> None:
    try:
        with pg.connect() as con, con.transaction():
            con.execute(f"set local lock_timeout = '{DROP_LOCK_TIMEOUT}'")
            con.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(PREVIOUS_SCHEMA)))
    except psycopg.errors.LockNotAvailable:
        log.warning("schema %s is still being read; it will be dropped by the next publish", PREVIOUS_SCHEMA)


def publish_marts_postgres(
    *,
    run_id: str,
    landing_dir: str,
    raw_row_counts: dict[str, int],
    checks: dict[str, dict[str, object]],
    pg: PgSettings | None = None,
    bi_role: str | None = None,
) -> PgPublishResult:
    """Swap the audited build schema in as `marts`, in one transaction, and log the publish."""
    pg = pg or PgSettings.from_env()
    role = bi_role or bi_role_name()
    published_at = datetime.now(UTC).replace(tzinfo=None)
    result = PgPublishResult(serving=f"{pg.describe()} schema {MARTS_SCHEMA}", published_at=published_at)
    build, marts, previous = (sql.Identifier(s) for s in (MARTS_BUILD_SCHEMA, MARTS_SCHEMA, PREVIOUS_SCHEMA))
    log_table = sql.Identifier(MARTS_BUILD_SCHEMA, REFRESH_LOG)
    with pg.connect() as con:
        with con.transaction():
            tables = [t for t in _tables(con, MARTS_BUILD_SCHEMA) if t != REFRESH_LOG]
            if not tables:
                raise RuntimeError(f"{pg.describe()}: schema {MARTS_BUILD_SCHEMA} has no tables to publish")
            for table in tables:
                count = con.execute(
                    sql.SQL("select count(*) from {}").format(sql.Identifier(MARTS_BUILD_SCHEMA, table))
                ).fetchone()[0]
                result.tables[table] = count

            con.execute(sql.SQL("drop table if exists {}").format(log_table))
            con.execute(sql.SQL("create table {} ({})").format(log_table, sql.SQL(refresh_log_columns_sql())))
            if REFRESH_LOG in _tables(con, MARTS_SCHEMA):
                # Carry the history over from the marts being replaced.
                names = sql.SQL(", ").join(sql.Identifier(n) for n in REFRESH_LOG_NAMES)
                con.execute(
                    sql.SQL("insert into {} ({}) select {} from {}").format(
                        log_table, names, names, sql.Identifier(MARTS_SCHEMA, REFRESH_LOG)
                    )
                )
            row = refresh_log_row(
                published_at, run_id, _metric_span(con), landing_dir, raw_row_counts, result.tables, checks
            )
            placeholders = sql.SQL(", ").join(sql.Placeholder() for _ in row)
            con.execute(sql.SQL("insert into {} values ({})").format(log_table, placeholders), row)

            # The swap: both renames become visible to readers at commit, together.
            con.execute(sql.SQL("drop schema if exists {} cascade").format(previous))
            if _schema_exists(con, MARTS_SCHEMA):
                con.execute(sql.SQL("alter schema {} rename to {}").format(marts, previous))
            con.execute(sql.SQL("alter schema {} rename to {}").format(build, marts))
            if role_exists(con, role):
                grant_marts_read(con, role)
            else:
                log.warning("BI role %s does not exist: run `salesops pg-grant-bi-role` to create it", role)
    _drop_previous(pg)
    return result
