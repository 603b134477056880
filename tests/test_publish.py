"""Publishing: a whole new serving file renamed into place, the refresh log carried over,
readers of the old file undisturbed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish_marts


def make_warehouse(path: Path, won: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists staging")
        con.execute(
            "create or replace table marts.sales_metrics_monthly as "
            f"select date '2024-01-01' as month, {won} as won_deals "
            f"union all select date '2024-02-01', {won + 1}"
        )
        con.execute("create or replace table staging.secret as select 'pii' as email")
        # A mart may be a view of an intermediate table (fct_pipeline_month_end on DuckDB).
        con.execute("create schema if not exists intermediate")
        con.execute(f"create or replace table intermediate.states as select {won} as deals")
        con.execute("create or replace view marts.pipeline as select deals from intermediate.states")


def publish(warehouse: Path, serving: Path, run_id: str) -> None:
    publish_marts(
        warehouse,
        serving,
        run_id=run_id,
        landing_dir="landing",
        raw_row_counts={"crm_opportunity": 2},
        checks={"sales_metrics_monthly:great_expectations": {"passed": True, "severity": "ERROR"}},
    )


def test_publish_copies_marts_only_and_logs_each_publish(tmp_path: Path) -> None:
    # A quote in the folder's name: the paths reach SQL (attach) as quoted literals.
    root = tmp_path / "o'brien's"
    root.mkdir()
    warehouse, serving = root / "wh.duckdb", root / "out" / "serving.duckdb"
    make_warehouse(warehouse, won=3)
    publish(warehouse, serving, "run-1")
    make_warehouse(warehouse, won=5)
    publish(warehouse, serving, "run-2")

    with duckdb.connect(str(serving), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables order by all"
        ).fetchall()
        pipeline = con.execute("select deals from marts.pipeline").fetchall()
        won = con.execute("select won_deals from marts.sales_metrics_monthly order by month").fetchall()
        log = con.execute(
            "select run_id, first_month, last_month, checks_run, checks_passed, raw_row_counts "
            "from marts.refresh_log order by published_at"
        ).fetchall()
    # The view's rows arrive as a table; nothing outside schema marts does.
    assert tables == [
        ("marts", "pipeline", "BASE TABLE"),
        ("marts", "refresh_log", "BASE TABLE"),
        ("marts", "sales_metrics_monthly", "BASE TABLE"),
    ]
    assert pipeline == [(5,)]
    assert won == [(5,), (6,)]
    assert [r[0] for r in log] == ["run-1", "run-2"]
    assert str(log[1][1]) == "2024-01-01" and str(log[1][2]) == "2024-02-01"
    assert log[1][3:5] == (1, 1)
    assert '"crm_opportunity": 2' in log[1][5]
    assert [p.name for p in serving.parent.iterdir()] == ["serving.duckdb"]  # no temp file left


def test_stale_temp_file_of_a_killed_run_is_cleared(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse, won=3)
    stale = tmp_path / ".serving.duckdb.99999.tmp"
    stale.write_bytes(b"half-written by a run that was killed")
    (tmp_path / ".serving.duckdb.99999.tmp.wal").write_bytes(b"x")
    publish(warehouse, serving, "run-1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "wh.duckdb"]


def test_reader_of_the_old_file_keeps_its_version(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse, won=3)
    publish(warehouse, serving, "run-1")
    reader = duckdb.connect(str(serving), read_only=True)
    try:
        make_warehouse(warehouse, won=7)
        publish(warehouse, serving, "run-2")  # must not wait for, nor fail because of, the reader
        old = reader.execute("select sum(won_deals) from marts.sales_metrics_monthly").fetchone()
    finally:
        reader.close()
    with duckdb.connect(str(serving), read_only=True) as con:
        new = con.execute("select sum(won_deals) from marts.sales_metrics_monthly").fetchone()
    assert old == (7,) and new == (15,)


def test_failed_publish_leaves_serving_untouched(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse, won=3)
    publish(warehouse, serving, "run-1")
    before = serving.read_bytes()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.sales_metrics_monthly")
        con.execute("drop view marts.pipeline")
    with pytest.raises(RuntimeError, match="no tables to publish"):
        publish(warehouse, serving, "run-2")
    assert serving.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "wh.duckdb"]
