"""Copy schema `raw` of the local DuckDB load into schema `raw` of the PostgreSQL warehouse.

The landing is parsed once, by the DuckDB loader (sources/load.py), whatever the target: one
set of parsing rules and rejects for every engine. On the server target that DuckDB file is a
local landing cache, and this step ships every table of its schema `raw` to PostgreSQL with
COPY. The tables are enumerated, not listed here, so a raw table the loader adds flows through.

All of it is one PostgreSQL transaction: a copy that fails half-way leaves the previous raw
schema (and everything built on it) as it was.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from sources.postgres_connection import PgSettings
from sources.sql_quoting import quote_identifier

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
BATCH_ROWS = 50_000

# DuckDB type (information_schema.columns.data_type) -> PostgreSQL type. DECIMAL(p,s) keeps its
# precision and scale; anything not listed travels as text (DuckDB casts it to VARCHAR).
_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "INTERVAL": "interval",
    "UUID": "uuid",
}


class CopyError(Exception):
    """The raw copy to PostgreSQL failed; the message names the table."""


@dataclass
class CopyReport:
    target: str
    rows_by_table: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())


def _pg_type(duckdb_type: str) -> tuple[str, bool]:
    """(PostgreSQL type, whether DuckDB must cast the value to VARCHAR first)."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return "numeric" + upper.removeprefix("DECIMAL"), False
    if upper in _TYPES:
        return _TYPES[upper], False
    return "text", True


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Every base table of DuckDB schema raw: table -> [(column, DuckDB type)] in column order."""
    rows = con.execute(
        "select c.table_name, c.column_name, c.data_type from information_schema.columns c "
        "join information_schema.tables t on t.table_catalog = c.table_catalog "
        "and t.table_schema = c.table_schema and t.table_name = c.table_name "
        "where c.table_schema = ? and t.table_type = 'BASE TABLE' "
        "order by c.table_name, c.ordinal_position",
        [RAW_SCHEMA],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _copy_table(
    src: duckdb.DuckDBPyConnection,
    dst: psycopg.Connection,
    table: str,
    columns: list[tuple[str, str]],
) -> int:
    pg_columns = []
    select = []
    for name, duck_type in columns:
        pg_type, as_text = _pg_type(duck_type)
        pg_columns.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type)))
        quoted = quote_identifier(name)
        select.append(f"cast({quoted} as varchar)" if as_text else quoted)
    target = sql.Identifier(RAW_SCHEMA, table)
    dst.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(pg_columns)))

    src.execute(f"select {', '.join(select)} from {RAW_SCHEMA}.{quote_identifier(table)}")
    copied = 0
    column_list = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
    with dst.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(target, column_list)) as copy:
        while batch := src.fetchmany(BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            copied += len(batch)
    landed = dst.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
    if landed != copied:
        raise CopyError(f"raw.{table}: {copied:,} rows sent to PostgreSQL but {landed:,} arrived")
    return copied


def copy_raw_to_postgres(duckdb_path: Path, pg: PgSettings | None = None) -> CopyReport:
    """Replace PostgreSQL schema raw with every table of DuckDB schema raw, in one transaction."""
    pg = pg or PgSettings.from_env()
    started = time.perf_counter()
    report = CopyReport(target=pg.describe())
    with duckdb.connect(str(duckdb_path), read_only=True) as src:
        tables = raw_tables(src)
        if not tables:
            raise CopyError(f"{duckdb_path}: schema {RAW_SCHEMA} has no tables to copy (load first)")
        expected = {t: src.execute(f'select count(*) from {RAW_SCHEMA}."{t}"').fetchone()[0] for t in tables}
        with pg.connect() as dst, dst.transaction():
            # Staging views select from raw: they go with it and dbt recreates them next.
            dst.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(RAW_SCHEMA)))
            dst.execute(sql.SQL("create schema {}").format(sql.Identifier(RAW_SCHEMA)))
            for table, columns in tables.items():
                try:
                    report.rows_by_table[table] = _copy_table(src, dst, table, columns)
                except psycopg.Error as exc:
                    raise CopyError(f"raw.{table}: copy to {pg.describe()} failed: {exc}") from exc
                if report.rows_by_table[table] != expected[table]:
                    raise CopyError(
                        f"raw.{table}: DuckDB holds {expected[table]:,} rows but "
                        f"{report.rows_by_table[table]:,} were copied"
                    )
    report.seconds = time.perf_counter() - started
    log.info("copied %s raw rows in %s tables to %s", report.total_rows, len(tables), report.target)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Copy schema raw of a loaded DuckDB file to PostgreSQL (SALESOPS_PG_* variables)."
    )
    parser.add_argument("warehouse", type=Path, help="the DuckDB file the landing was loaded into")
    args = parser.parse_args(argv)
    report = copy_raw_to_postgres(args.warehouse)
    for table, rows in report.rows_by_table.items():
        print(f"raw.{table}: {rows:,}")
    print(f"copied {report.total_rows:,} rows to {report.target} in {report.seconds:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
