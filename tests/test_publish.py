"""Publishing: a whole new serving file renamed into place, the refresh log carried over,
readers of the old file undisturbed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import PublishResult, publish_marts


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


def publish(warehouse: Path, serving: Path, run_id: str) -> PublishResult:
    return publish_marts(
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
    # Beside the warehouse: the record of what the serving file holds (followed_marts.py).
    record = ".wh.duckdb.published.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == [record, "serving.duckdb", "wh.duckdb"]


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
    record = ".wh.duckdb.published.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == [record, "serving.duckdb", "wh.duckdb"]


# Following: fct_pipeline_month_end is a view of int_pipeline_month_end_state, whose rows carry
# the start of the build that wrote them (_built_at). Seven deals over two months:
#   build 1 (stamp 01:00): A, B, C, E, F and G in January and February, 'Prospecting';
#   build 2 (stamp 02:00): B rebuilt (every month, stage 'Won'), C deleted (no new row),
#                          D new in February.
# After build 2 the view holds A, E, F, G x2, B x2 ('Won'), D x1: 11 rows, 3 stamped 02:00
# (under half, MAX_FOLLOWED_SHARE: more would be copied whole).
STATES_DDL = (
    "create table intermediate.int_pipeline_month_end_state "
    "(month date, opportunity_id varchar, stage_name varchar, _built_at timestamp)"
)
FCT_VIEW = (
    "create or replace view marts.fct_pipeline_month_end as "
    "select month, opportunity_id, stage_name from intermediate.int_pipeline_month_end_state"
)


def make_states_warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.execute("create table marts.sales_metrics_monthly as select date '2024-01-01' as month, 1 as won")
        con.execute(STATES_DDL)
        con.execute(
            "insert into intermediate.int_pipeline_month_end_state "
            "select month, opp, 'Prospecting', timestamp '2024-03-01 01:00' "
            "from unnest([date '2024-01-01', date '2024-02-01']) as m(month), "
            "unnest(['A', 'B', 'C', 'E', 'F', 'G']) as o(opp)"
        )
        con.execute(FCT_VIEW)


def second_build(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "delete from intermediate.int_pipeline_month_end_state where opportunity_id in ('B', 'C')"
        )
        con.execute(
            "insert into intermediate.int_pipeline_month_end_state values "
            "('2024-01-01', 'B', 'Won', '2024-03-02 02:00'), ('2024-02-01', 'B', 'Won', '2024-03-02 02:00'), "
            "('2024-02-01', 'D', 'Prospecting', '2024-03-02 02:00')"
        )


def pipeline_rows(database: Path) -> list[tuple]:
    """fct_pipeline_month_end as the serving file holds it, or as the warehouse's view reads."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select * from marts.fct_pipeline_month_end order by all").fetchall()


def test_the_followed_mart_gets_only_the_rows_of_new_builds(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    make_states_warehouse(warehouse)
    first = publish(warehouse, serving, "run-1")
    assert first.followed == {}  # nothing recorded yet: copied whole
    second_build(warehouse)
    second = publish(warehouse, serving, "run-2")
    # B's two rows and D's: the rows stamped 02:00. C's rows went by the row count.
    assert second.followed == {"fct_pipeline_month_end": 3}
    assert second.tables["fct_pipeline_month_end"] == 11
    assert pipeline_rows(serving) == pipeline_rows(warehouse)
    assert ("2024-01-01", "B", "Won") in [(str(m), o, s) for m, o, s in pipeline_rows(serving)]
    # Nothing new: nothing replaced, the same rows.
    third = publish(warehouse, serving, "run-3")
    assert third.followed == {"fct_pipeline_month_end": 0}
    assert pipeline_rows(serving) == pipeline_rows(warehouse)
    with duckdb.connect(str(serving), read_only=True) as con:
        log = con.execute("select run_id from marts.refresh_log order by published_at").fetchall()
        schemas = con.execute("select distinct table_schema from information_schema.tables").fetchall()
    assert log == [("run-1",), ("run-2",), ("run-3",)]
    assert schemas == [("marts",)]


def test_a_serving_file_the_record_does_not_describe_is_not_followed(tmp_path: Path) -> None:
    # The serving file restored from a backup taken before a build that rebuilt B as 'Won'.
    # The record names build 2's stamp as seen, so following the backup would keep B
    # 'Prospecting', and the row count could not tell.
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    backup = tmp_path / "backup.duckdb"
    make_states_warehouse(warehouse)
    publish(warehouse, serving, "run-1")
    backup.write_bytes(serving.read_bytes())
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update intermediate.int_pipeline_month_end_state "
            "set stage_name = 'Won', _built_at = timestamp '2024-03-02 02:00' where opportunity_id = 'B'"
        )
    assert publish(warehouse, serving, "run-2").followed == {"fct_pipeline_month_end": 2}
    serving.write_bytes(backup.read_bytes())
    restored = publish(warehouse, serving, "run-3")
    assert restored.followed == {}
    assert pipeline_rows(serving) == pipeline_rows(warehouse)
    assert ("B", "Won") in [(o, s) for _, o, s in pipeline_rows(serving)]


def test_an_edited_view_is_copied_whole(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    make_states_warehouse(warehouse)
    publish(warehouse, serving, "run-1")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(FCT_VIEW.replace("stage_name from", "lower(stage_name) as stage_name from"))
    edited = publish(warehouse, serving, "run-2")
    assert edited.followed == {}
    assert [s for _, _, s in pipeline_rows(serving)] == ["prospecting"] * 12


def test_rows_without_a_stamp_are_always_replaced(tmp_path: Path) -> None:
    # A row with no stamp cannot be known to be unchanged since the last publish.
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    make_states_warehouse(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update intermediate.int_pipeline_month_end_state set _built_at = null where opportunity_id = 'A'"
        )
    publish(warehouse, serving, "run-1")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update intermediate.int_pipeline_month_end_state set stage_name = 'Won' "
            "where opportunity_id = 'A'"
        )
    assert publish(warehouse, serving, "run-2").followed == {"fct_pipeline_month_end": 2}
    assert ("A", "Won") in [(o, s) for _, o, s in pipeline_rows(serving)]
