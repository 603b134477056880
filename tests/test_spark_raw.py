"""The raw tables handed to Spark (sources/spark_raw.py): the export half, no JVM needed.

The DuckDB load of the small landing is exported to Parquet; each table's Parquet holds exactly
the raw table's rows and values, in Spark-readable types (the loader's naive-UTC _loaded_at as
an instant). A column type without a Spark mapping, or an empty raw schema, is refused by name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from sources.load import load_landing
from sources.spark_raw import SparkRawError, export_raw_tables
from tests.conftest import SMALL_LANDING


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:
    root = tmp_path_factory.mktemp("spark_raw")
    warehouse = root / "landing.duckdb"
    load_landing(SMALL_LANDING, warehouse)
    return warehouse, root / "parquet", export_raw_tables(warehouse, root / "parquet")


def test_every_raw_table_is_exported_with_its_rows(exported) -> None:
    warehouse, parquet_dir, exports = exported
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw_tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
            ).fetchall()
        }
        counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in raw_tables}
    assert {e.name for e in exports} == raw_tables
    # The small landing's opportunities: 28 rows over its files (tests/fixtures/small_landing).
    assert counts["crm_opportunity"] == 28
    for e in exports:
        assert e.rows == counts[e.name]
        assert e.location == (parquet_dir / e.name).as_uri()
        assert (
            duckdb.execute(f"SELECT count(*) FROM '{parquet_dir / e.name}/*.parquet'").fetchone()[0] == e.rows
        )


def test_values_and_types_survive_the_export(exported) -> None:
    warehouse, parquet_dir, exports = exported
    opportunity = next(e for e in exports if e.name == "crm_opportunity")
    spark_types = dict(opportunity.columns)
    assert spark_types["stagename"] == "string"
    assert spark_types["_file_seq"] == "int"
    assert spark_types["_row_number"] == "bigint"
    assert spark_types["_loaded_at"] == "timestamp"

    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        parquet = f"'{parquet_dir / 'crm_opportunity'}/*.parquet'"
        types = dict(
            con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {parquet})").fetchall()
        )
        assert types["_loaded_at"] == "TIMESTAMP WITH TIME ZONE"
        assert types["_file_seq"] == "INTEGER"
        source = con.execute(
            "SELECT * EXCLUDE (_loaded_at), _loaded_at FROM raw.crm_opportunity "
            "ORDER BY _file_seq, _row_number"
        ).fetchall()
        copied = con.execute(
            f"SELECT * EXCLUDE (_loaded_at), _loaded_at FROM {parquet} ORDER BY _file_seq, _row_number"
        ).fetchall()
    assert [row[:-1] for row in copied] == [row[:-1] for row in source]
    # The naive load time (UTC) became the same instant.
    assert [row[-1] for row in copied] == [row[-1].replace(tzinfo=dt.UTC) for row in source]


def test_a_type_without_spark_mapping_is_refused_by_name(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.crm_user (id VARCHAR, score HUGEINT)")
    with pytest.raises(
        SparkRawError, match=r"raw\.crm_user\.score: DuckDB type HUGEINT has no Spark mapping"
    ):
        export_raw_tables(warehouse, tmp_path / "parquet")


def test_an_empty_raw_schema_is_refused(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA raw")
    with pytest.raises(SparkRawError, match="schema raw holds no tables"):
        export_raw_tables(warehouse, tmp_path / "parquet")
