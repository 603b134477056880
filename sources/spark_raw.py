"""Raw tables for the Spark target, from the same load as the DuckDB warehouse.

The landing is not parsed a second time: `sources.load` loads it into a DuckDB file (all its
rules and refusals apply), every table of that file's `raw` schema is exported to Parquet, and
the Parquet folders are registered as external tables of Spark database `raw` by a dbt
operation (`register_spark_raw_tables`), so Spark is configured in one place, the dbt profile.
That runs in its own dbt process before `dbt build --target spark`: the embedded Derby
metastore admits one JVM at a time.

    python -m sources.spark_raw LANDING_DIR      # then: cd dbt_project && dbt build --target spark
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources.landing import LandingError
from sources.load import RAW_SCHEMA, LoadError, load_landing
from sources.sql_quoting import quote_identifier

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO / "dbt_project"
DEFAULT_SPARK_DIR = REPO / "data" / "spark"

# DuckDB column type -> (Spark SQL type, the select expression that exports it).
# The loader's timestamps are UTC wall-clock times: exported as instants, so Spark reads them
# as `timestamp` whatever its session time zone.
_EXPORTS: dict[str, tuple[str, str]] = {
    "VARCHAR": ("string", "{column}"),
    "INTEGER": ("int", "{column}"),
    "BIGINT": ("bigint", "{column}"),
    "TIMESTAMP": ("timestamp", "timezone('UTC', {column})"),
    "TIMESTAMP WITH TIME ZONE": ("timestamp", "{column}"),
}


class SparkRawError(Exception):
    """The raw schema cannot be handed to Spark; the message names the table (and column)."""


@dataclass
class RawTableExport:
    name: str
    location: str  # file: URI of the table's Parquet folder
    columns: list[tuple[str, str]]  # (name, Spark type), in the raw table's order
    rows: int


def spark_dir() -> Path:
    """Where the Spark target keeps everything (SALESOPS_SPARK_DIR, default data/spark/)."""
    return Path(os.environ.get("SALESOPS_SPARK_DIR", DEFAULT_SPARK_DIR)).resolve()


def export_raw_tables(warehouse: Path, parquet_dir: Path) -> list[RawTableExport]:
    """Write every table of the DuckDB file's raw schema to <parquet_dir>/<table>/ (one file)."""
    if "'" in str(parquet_dir):
        raise SparkRawError(f"{parquet_dir}: a path with a single quote cannot be a Spark table location")
    exports: list[RawTableExport] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise SparkRawError(f"{warehouse}: schema {RAW_SCHEMA} holds no tables (was the landing loaded?)")
        for table in tables:
            described = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [RAW_SCHEMA, table],
            ).fetchall()
            columns: list[tuple[str, str]] = []
            select: list[str] = []
            for column, duckdb_type in described:
                if duckdb_type not in _EXPORTS:
                    raise SparkRawError(
                        f"{RAW_SCHEMA}.{table}.{column}: DuckDB type {duckdb_type} has no Spark mapping "
                        f"(known: {', '.join(_EXPORTS)})"
                    )
                spark_type, expression = _EXPORTS[duckdb_type]
                columns.append((column, spark_type))
                quoted = quote_identifier(column)
                select.append(f"{expression.format(column=quoted)} AS {quoted}")
            folder = parquet_dir / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.execute(
                f"COPY (SELECT {', '.join(select)} FROM {RAW_SCHEMA}.{quote_identifier(table)}) "
                f"TO '{folder / 'part-0.parquet'}' (FORMAT parquet)"
            )
            rows = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{quote_identifier(table)}").fetchone()[0]
            exports.append(RawTableExport(table, folder.as_uri(), columns, rows))
    return exports


def register_in_spark(exports: list[RawTableExport], *, target: str = "spark") -> None:
    """Replace Spark database raw with the exported tables (a dbt operation on `target`);
    it fails, naming the table, unless Spark reads back every exported row."""
    args = {
        "tables": [
            {"name": e.name, "location": e.location, "columns": e.columns, "rows": e.rows} for e in exports
        ]
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [
        str(dbt),
        "run-operation",
        "register_spark_raw_tables",
        "--args",
        json.dumps(args),
        "--target",
        target,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    env = {**os.environ, "SALESOPS_SPARK_DIR": str(spark_dir())}
    result = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SparkRawError(
            f"registering the raw tables in Spark failed (dbt run-operation, exit {result.returncode}):\n"
            + result.stdout[-4000:]
            + result.stderr[-2000:]
        )


def prepare_spark_raw(landing_dir: Path) -> list[RawTableExport]:
    """Load `landing_dir` (into <spark dir>/landing.duckdb), export raw to Parquet, register it in Spark."""
    root = spark_dir()
    # Not "raw.duckdb": a catalog named raw would clash with the schema raw.
    warehouse = root / "landing.duckdb"
    warehouse.unlink(missing_ok=True)
    report = load_landing(landing_dir, warehouse)
    log.info("loaded %s rows from %s files into %s", report.total_rows, len(report.files), warehouse)
    exports = export_raw_tables(warehouse, root / "raw_parquet")
    register_in_spark(exports)
    return exports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Load a landing folder and register its raw tables in Spark (target `spark`). "
        "Everything is written under SALESOPS_SPARK_DIR (default data/spark/)."
    )
    parser.add_argument("landing_dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    started = time.perf_counter()
    try:
        exports = prepare_spark_raw(args.landing_dir)
    except (LandingError, LoadError, SparkRawError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for e in exports:
        print(f"{e.rows:>10,} rows  raw.{e.name}")
    print(
        f"registered {len(exports)} raw tables in Spark ({sum(e.rows for e in exports):,} rows) "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
