"""The build warehouse the checks read, whichever engine dbt built on (SALESOPS_TARGET).

- `duckdb` (default): the DuckDB file SALESOPS_WAREHOUSE, opened read-only.
- `postgres`: the database of the SALESOPS_PG_* variables; dbt builds the marts into the
  private schema `marts__build` there, and the publish step swaps it in as `marts`.

Checks name tables as BI sees them (`marts.sales_metrics_monthly`); `build_relation` says
where that table is before it is published.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pandas as pd

DUCKDB = "duckdb"
POSTGRES = "postgres"
MARTS_SCHEMA = "marts"
# Must match dbt_project/macros/generate_schema_name.sql.
MARTS_BUILD_SCHEMA = "marts__build"

# PostgreSQL type OIDs whose Python values are converted to what DuckDB's .df() gives, so the
# checks see the same DataFrame dtypes on both engines.
_PG_NUMBERS = {20, 21, 23, 700, 701, 1700}  # int8, int2, int4, float4, float8, numeric
_PG_DATES = {1082, 1114}  # date, timestamp
_PG_TIMESTAMPTZ = 1184


def target() -> str:
    """The dbt target a refresh builds on (dbt_project/profiles.yml): duckdb or postgres."""
    return (os.environ.get("SALESOPS_TARGET") or DUCKDB).strip().lower()


def is_postgres() -> bool:
    return target() == POSTGRES


def build_relation(table: str) -> str:
    """`schema.table` as built and audited, before publishing."""
    schema, _, name = table.rpartition(".")
    if schema == MARTS_SCHEMA and is_postgres():
        return f"{MARTS_BUILD_SCHEMA}.{name}"
    return table


def _frame_from_postgres(sql: str) -> pd.DataFrame:
    from sources.postgres_connection import PgSettings

    with PgSettings.from_env().connect() as con, con.cursor() as cur:
        cur.execute(sql)
        columns = [d.name for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=columns)
        for d in cur.description:
            if d.type_code in _PG_NUMBERS:
                # Decimal -> float as DuckDB's .df() does for DECIMAL (NULLs become NaN).
                frame[d.name] = pd.to_numeric(
                    frame[d.name].map(lambda v: float(v) if isinstance(v, Decimal) else v)
                )
            elif d.type_code in _PG_DATES:
                frame[d.name] = pd.to_datetime(frame[d.name])
            elif d.type_code == _PG_TIMESTAMPTZ:
                frame[d.name] = pd.to_datetime(frame[d.name], utc=True)
    return frame


def query_build(sql: str) -> pd.DataFrame:
    """Run a read-only query on the build warehouse; the result as a DataFrame."""
    if is_postgres():
        return _frame_from_postgres(sql)
    import duckdb

    from orchestration.settings import Settings

    with duckdb.connect(str(Settings.from_env().warehouse), read_only=True) as con:
        return con.execute(sql).df()


def read_build_tables(
    columns_by_table: dict[str, list[str]],
) -> dict[str, tuple[pd.DataFrame, list[str]] | str]:
    """Each table (named as BI sees it) as built: (its columns asked for, every column of the
    table), or a message saying why it could not be read (expectations.validate.TableRead)."""
    # Imported here: only the checks step reads tables this way.
    from expectations.validate import read_table_columns

    reads: dict[str, tuple[pd.DataFrame, list[str]] | str] = {}
    for table, wanted in columns_by_table.items():
        relation = build_relation(table)
        schema, _, name = relation.rpartition(".")
        read = read_table_columns(query_build, schema, name, wanted)
        reads[table] = (
            read if read is not None else f"table {relation} does not exist in the {target()} warehouse"
        )
    return reads


def read_serving(serving: Path, queries: dict[str, str]) -> dict[str, pd.DataFrame]:
    """What BI reads (the serving file, or schema marts on PostgreSQL): each query's result,
    all from one connection so they see one published version."""
    if is_postgres():
        return {name: _frame_from_postgres(sql) for name, sql in queries.items()}
    import duckdb

    with duckdb.connect(str(serving), read_only=True) as con:
        return {name: con.execute(sql).df() for name, sql in queries.items()}
