"""BI readers and publishing: readers in other processes query the serving file continuously,
through the exact read-only connection a BI tool uses, while publishes replace it. No query
fails, no publish waits, and every query sees one whole version (never a mix of two)."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import duckdb

from orchestration.bi_connection import sqlalchemy_url
from orchestration.publish import publish_marts

VERSIONS = 6
ROWS = 20_000


def build_version(warehouse: Path, version: int) -> None:
    """A warehouse whose two marts both carry `version`: a reader that mixed two publishes
    would see different versions in one query."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.sales_metrics_monthly as select "
            f"date '2024-01-01' + to_months(cast(i % 24 as integer)) as month, {version} as version "
            f"from range({ROWS}) t(i)"
        )
        con.execute(
            f"create or replace table marts.fct_opportunities as select i as id, {version} as version "
            f"from range({ROWS}) t(i)"
        )


def reader(serving: str, stop_at: float, queue: mp.Queue) -> None:
    """Query through SQLAlchemy + duckdb-engine, read-only, as Superset/Metabase-style tools do."""
    import sqlalchemy as sa

    queries, errors, mixed, versions = 0, [], 0, set()
    while time.monotonic() < stop_at:
        try:
            engine = sa.create_engine(sqlalchemy_url(serving))  # the string docs/bi.md prints
            with engine.connect() as conn:
                row = conn.execute(
                    sa.text(
                        "select (select min(version) from marts.sales_metrics_monthly), "
                        "(select max(version) from marts.sales_metrics_monthly), "
                        "(select min(version) from marts.fct_opportunities), "
                        "(select max(version) from marts.fct_opportunities), "
                        "(select count(*) from marts.refresh_log)"
                    )
                ).one()
            engine.dispose()
            queries += 1
            if len({row[0], row[1], row[2], row[3]}) != 1:
                mixed += 1
            versions.add(row[0])
        except Exception as exc:  # noqa: BLE001 - every failure is what this test counts
            errors.append(repr(exc))
    queue.put((queries, errors, mixed, sorted(versions)))


def test_readers_never_fail_nor_block_publishing(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving.duckdb"
    build_version(warehouse, 0)
    publish_marts(warehouse, serving, run_id="v0", landing_dir="-", raw_row_counts={}, checks={})

    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    stop_at = time.monotonic() + 12
    readers = [ctx.Process(target=reader, args=(str(serving), stop_at, queue)) for _ in range(3)]
    for process in readers:
        process.start()
    time.sleep(2)  # let the readers get going (spawned interpreters import SQLAlchemy first)

    # A reader's lock would make a publish raise (DuckDB does not wait for locks): each
    # publish returning is the proof that readers do not block it.
    for version in range(1, VERSIONS + 1):
        build_version(warehouse, version)
        publish_marts(warehouse, serving, run_id=f"v{version}", landing_dir="-", raw_row_counts={}, checks={})
        time.sleep(0.5)

    results = [queue.get(timeout=60) for _ in readers]
    for process in readers:
        process.join(timeout=30)

    total_queries = sum(r[0] for r in results)
    errors = [e for r in results for e in r[1]]
    assert errors == [], errors[:3]
    assert sum(r[2] for r in results) == 0, "a query saw two versions at once"
    assert total_queries > 30, f"readers barely ran ({total_queries} queries)"
    seen = set().union(*(set(r[3]) for r in results))
    assert len(seen) >= 3, f"readers saw too few versions to prove anything: {sorted(seen)}"
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.refresh_log").fetchone()[0] == VERSIONS + 1
