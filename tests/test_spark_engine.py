"""The dbt project on Spark (session mode, the machine's Java 17) gives the DuckDB build's marts.

The hand-made landing (tests/fixtures/small_landing) goes to Spark the way a user sends it
(`python -m sources.spark_raw`, then `dbt build --target spark`); the DuckDB side is the same
landing refreshed by the real CLI (the `small_landing_serving` fixture). Every table of Spark's
`marts` database is then compared with the published DuckDB table of the same name, cell by
cell: same columns in the same order, same rows; NULL only matches NULL; numbers agree within
a relative tolerance of 1e-9 (absolute 1e-9 near zero: Spark keeps one decimal fewer than
DuckDB on amount x probability, 13 instead of 14); everything else is equal.

Spark's tables are read from their Parquet files with DuckDB, so no second JVM is needed (the
embedded Derby metastore admits one at a time).

Slow (a JVM and ~600 dbt nodes, one Spark job each): marked `spark`, run only when
SALESOPS_TEST_SPARK=1 or CI=true.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DBT_PROJECT_DIR, REPO, SMALL_LANDING

pytestmark = pytest.mark.spark
requires_spark_run = pytest.mark.skipif(
    os.environ.get("SALESOPS_TEST_SPARK") != "1" and os.environ.get("CI") != "true",
    reason="Spark engine test: set SALESOPS_TEST_SPARK=1 (CI=true runs it)",
)

BIN = Path(sys.executable).parent
REL_TOL = 1e-9
ABS_TOL = 1e-9
SPARK_TIMEOUT_SECONDS = 2400
# Tables of the serving file that dbt does not build (the publish step writes them).
PUBLISH_ONLY_TABLES = {"refresh_log"}


def _spark_env(spark_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESOPS_")}
    env.update(SALESOPS_TARGET="spark", SALESOPS_SPARK_DIR=str(spark_dir))
    return env


def _run(
    command: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    proc = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=SPARK_TIMEOUT_SECONDS
    )
    return proc, time.perf_counter() - started


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small landing built on Spark: the Spark warehouse folder (one folder per database)."""
    if shutil.which("java") is None:
        pytest.fail("the Spark test needs Java 17 on the PATH (java not found); see docs/engines.md")
    spark_dir = tmp_path_factory.mktemp("spark")
    env = _spark_env(spark_dir)

    proc, raw_seconds = _run([str(BIN / "python"), "-m", "sources.spark_raw", str(SMALL_LANDING)], env, REPO)
    assert proc.returncode == 0, f"sources.spark_raw failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    # Every raw table of the DuckDB load, every row, went to Spark (Spark counted them back).
    with duckdb.connect(str(spark_dir / "landing.duckdb"), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
            ).fetchall()
        ]
        rows = sum(con.execute(f'SELECT count(*) FROM raw."{t}"').fetchone()[0] for t in tables)
    assert f"registered {len(tables)} raw tables in Spark ({rows:,} rows)" in proc.stdout, proc.stdout

    proc, build_seconds = _run(
        [
            str(BIN / "dbt"),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(spark_dir / "dbt_target"),
        ],
        env,
        DBT_PROJECT_DIR,
    )
    summary = [line for line in proc.stdout.splitlines() if "Done. PASS=" in line]
    print(f"\nSpark: raw load {raw_seconds:.0f}s, dbt build {build_seconds:.0f}s, {summary}")
    assert proc.returncode == 0, f"dbt build --target spark failed:\n{proc.stdout[-12000:]}"
    assert summary and "ERROR=0" in summary[0], summary
    return spark_dir / "warehouse"


def _spark_table(warehouse: Path, schema: str, table: str) -> tuple[list[str], list[tuple]]:
    files = sorted((warehouse / f"{schema}.db" / table).glob("*.parquet"))
    assert files, f"Spark wrote no Parquet file for {schema}.{table}"
    with duckdb.connect() as con:
        rel = con.read_parquet([str(f) for f in files])
        return list(rel.columns), rel.fetchall()


def _duckdb_table(serving: Path, schema: str, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rel = con.table(f"{schema}.{table}")
        return list(rel.columns), rel.fetchall()


def _normal(value: object) -> object:
    """One representation per value across the engines' Python types (Spark's Parquet
    timestamps come back naive UTC, DuckDB's timestamptz aware)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _sort_key(row: tuple) -> tuple:
    # Numbers rounded for ordering only, so rows differing in the last digits still pair up.
    return tuple(
        (0, "") if v is None else (1, f"{float(v):.6g}" if _is_number(v) else str(_normal(v))) for v in row
    )


def compare_tables(
    name: str, spark: tuple[list[str], list[tuple]], duck: tuple[list[str], list[tuple]]
) -> list[str]:
    """Every difference between the Spark and the DuckDB table, as readable messages."""
    (s_cols, s_rows), (d_cols, d_rows) = spark, duck
    if s_cols != d_cols:
        return [f"{name}: columns differ\n  spark:  {s_cols}\n  duckdb: {d_cols}"]
    if len(s_rows) != len(d_rows):
        return [f"{name}: {len(s_rows)} rows on Spark, {len(d_rows)} on DuckDB"]
    problems: list[str] = []
    pairs = zip(sorted(s_rows, key=_sort_key), sorted(d_rows, key=_sort_key), strict=True)
    for i, (s_row, d_row) in enumerate(pairs):
        for col, s, d in zip(s_cols, s_row, d_row, strict=True):
            s, d = _normal(s), _normal(d)
            if s is None or d is None:
                same = s is None and d is None
            elif _is_number(s) and _is_number(d):
                same = math.isclose(float(s), float(d), rel_tol=REL_TOL, abs_tol=ABS_TOL)
            else:
                same = s == d
            if not same:
                problems.append(f"{name} row {i} ({d_row[0]!r}), column {col}: spark {s!r}, duckdb {d!r}")
    return problems


def test_comparison_reports_differences() -> None:
    """The comparison itself: equal within tolerance passes, a real difference is reported."""
    cols = ["month", "amount", "rate", "flag"]
    jan, feb = dt.date(2024, 1, 1), dt.date(2024, 2, 1)
    duck = (cols, [(jan, Decimal("10.00000000000001"), 0.5, True), (feb, None, 1.0, False)])
    # Rows in another order, one decimal fewer (Spark's scale): equal.
    spark = (cols, [(feb, None, 1.0, False), (jan, Decimal("10.0000000000000"), 0.5, True)])
    assert compare_tables("t", spark, duck) == []
    off = (cols, [(jan, Decimal("10.01"), 0.5, True), (feb, 0, 1.0, False)])
    assert compare_tables("t", off, duck) == [
        f"t row 0 ({jan!r}), column amount: spark Decimal('10.01'), duckdb Decimal('10.00000000000001')",
        f"t row 1 ({feb!r}), column amount: spark 0, duckdb None",
    ]
    assert compare_tables("t", (cols[:3], []), duck)[0].startswith("t: columns differ")


@requires_spark_run
def test_spark_marts_match_duckdb(spark_build: Path, small_landing_serving: Path) -> None:
    with duckdb.connect(str(small_landing_serving), read_only=True) as con:
        duckdb_marts = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        } - PUBLISH_ONLY_TABLES
    spark_marts = {p.name for p in (spark_build / "marts.db").iterdir() if p.is_dir()}
    assert spark_marts == duckdb_marts
    assert "sales_metrics_monthly" in spark_marts

    problems: list[str] = []
    compared_cells = 0
    for table in sorted(spark_marts):
        spark = _spark_table(spark_build, "marts", table)
        duck = _duckdb_table(small_landing_serving, "marts", table)
        problems += compare_tables(table, spark, duck)
        compared_cells += len(duck[0]) * len(duck[1])
    print(f"\ncompared {len(spark_marts)} marts, {compared_cells} cells")
    assert not problems, "\n".join(problems[:50])
