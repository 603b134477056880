"""Publish: copy schema `marts` of the build warehouse into a new serving file, then rename it
over the serving path. Readers see the old file or the new one, whole (serving.md). The new
file is either written from scratch or a copy of the last one in which the followed marts
(followed_marts.py) only get the rows of builds they have not seen."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.followed_marts import (
    FOLLOWED_MARTS,
    follow,
    followed_state_path,
    mart_shape,
    read_followed_state,
    source_stamps,
    write_followed_state,
)
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
    # Followed marts brought up to date in a copy of the last file: rows replaced.
    followed: dict[str, int] = field(default_factory=dict)
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
    `serving` atomically. The followed marts (followed_marts.py) are brought up to date in a
    copy of the last serving file when it can be; every other mart is copied whole."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    # A run killed mid-publish leaves its temp file behind; only one refresh runs at a time
    # (it holds the warehouse's write lock), so any such file is stale.
    for leftover in serving.parent.glob(f".{serving.name}.*.tmp*"):
        leftover.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    result = PublishResult(serving=serving, published_at=published_at)
    state_path = followed_state_path(warehouse)
    followed_state: dict[str, dict] = {}

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
        shapes = {m.mart: mart_shape(con, m, MARTS_SCHEMA) for m in FOLLOWED_MARTS if m.mart in tables}
        seen = read_followed_state(state_path, serving, _last_publish(con, serving))
        followable = {
            mart: seen[mart]["stamps"]
            for mart, shape in shapes.items()
            if shape is not None and mart in seen and seen[mart].get("shape") == asdict(shape)
        }
        if followable:
            _start_from_last_file(con, serving, tmp, keep=set(followable))
        else:
            _start_new_file(con, serving, tmp)

        by_key = {m.mart: m for m in FOLLOWED_MARTS}
        for table in tables:
            if table == REFRESH_LOG:
                continue
            name = quote_identifier(table)
            target, source = f"snap.{MARTS_SCHEMA}.{name}", f"wh.{MARTS_SCHEMA}.{name}"
            replaced = None
            if table in followable:
                replaced = follow(con, by_key[table], target, source, followable[table])
                if replaced is None:
                    con.execute(f"drop table {target}")
            if replaced is None:
                con.execute(f"create table {target} as select * from {source}")
            else:
                result.followed[table] = replaced
            count = con.execute(f"select count(*) from {target}").fetchone()
            result.tables[table] = count[0]
            if shapes.get(table) is not None:
                followed_state[table] = {
                    "shape": asdict(shapes[table]),
                    "stamps": source_stamps(con, by_key[table]),
                }

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
    # After the rename: a publish that dies in between leaves the record of the previous
    # file, which names another publish, so the next one copies every mart.
    write_followed_state(state_path, serving, published_at, run_id, followed_state)
    return result


def _start_new_file(con: duckdb.DuckDBPyConnection, serving: Path, tmp: Path) -> None:
    """Attach `tmp` as snap: a new file holding the refresh log of the last one."""
    con.execute(f"attach {quote_literal(str(tmp))} as snap (storage_version '{SERVING_STORAGE_VERSION}')")
    con.execute(f"create schema snap.{MARTS_SCHEMA}")
    con.execute(REFRESH_LOG_DDL)
    if serving.exists():
        _carry_refresh_log(con, serving)


def _start_from_last_file(con: duckdb.DuckDBPyConnection, serving: Path, tmp: Path, keep: set[str]) -> None:
    """Attach `tmp` as snap: a copy of the last serving file with its refresh log and the
    marts in `keep`, every other mart dropped."""
    shutil.copyfile(serving, tmp)
    con.execute(f"attach {quote_literal(str(tmp))} as snap")
    for (table,) in con.execute(
        "select table_name from information_schema.tables where table_catalog = 'snap' "
        "and table_schema = ? and table_name <> ?",
        [MARTS_SCHEMA, REFRESH_LOG],
    ).fetchall():
        if table not in keep:
            con.execute(f"drop table snap.{MARTS_SCHEMA}.{quote_identifier(table)}")
    # Blocks freed by the drops are reused only after a checkpoint; without it the file grew
    # by the other marts' size at each publish (471 to 655 MB at 1M opportunities).
    con.execute("checkpoint snap")


def _last_publish(con: duckdb.DuckDBPyConnection, serving: Path) -> tuple[datetime, str] | None:
    """(published_at, run_id) of the serving file's latest refresh log row."""
    if not serving.exists():
        return None
    con.execute(f"attach {quote_literal(str(serving))} as previous (read_only)")
    try:
        return con.execute(
            f"select published_at, run_id from previous.{MARTS_SCHEMA}.{REFRESH_LOG} "
            "order by published_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    finally:
        con.execute("detach previous")


def _carry_refresh_log(con: duckdb.DuckDBPyConnection, serving: Path) -> None:
    """Carry the history over from the file being replaced."""
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
