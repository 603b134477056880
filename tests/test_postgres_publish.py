"""The PostgreSQL raw copy and schema-swap publish, on a real server, without dbt (fast).

Needs a server: `.ci/run` starts one; locally `eval "$(bash .ci/postgres.sh)"` (else skipped).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration import publish_postgres
from orchestration.publish_postgres import publish_marts_postgres
from sources.postgres_connection import PgSettings
from sources.postgres_copy import CopyError, copy_raw_to_postgres
from tests.postgres_support import admin_settings, fresh_database


@pytest.fixture(scope="module")
def pg() -> Iterator[PgSettings]:
    yield from fresh_database(admin_settings(), "publish")


def fetch(pg: PgSettings, query: str) -> list[tuple]:
    with pg.connect() as con:
        return con.execute(query).fetchall()


# --------------------------------------------------------------------------- raw copy

TRICKY_TEXT = [
    ("o1", None, "plain"),
    ("o2", "", "empty string, not NULL"),
    ("o3", 'quote " and comma, here', "multi\nline\r\nfield"),
    ("o4", "back\\slash \\N tab\there", "unicode: Zoë, 東京, €"),
]


def make_landing_cache(path: Path, *, extra_rows: int = 0, poison: bool = False) -> None:
    """A DuckDB file shaped like the loader's output, plus a raw table the copy has never heard of."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.crm_opportunity (id varchar, stagename varchar, description varchar, "
            "_file varchar, _file_seq integer, _row_number bigint, _loaded_at timestamp)"
        )
        con.executemany(
            "insert into raw.crm_opportunity values (?, ?, ?, 'crm/a/Opportunity.csv', 1, ?, "
            "timestamp '2024-01-31 10:00:00')",
            [(*row, i + 1) for i, row in enumerate(TRICKY_TEXT)],
        )
        con.execute(
            "create table raw._load_rejects (file varchar, row_number bigint, reason varchar, "
            "amount decimal(10, 2), is_fatal boolean, seen_on date, fields varchar[])"
        )
        con.execute(
            "insert into raw._load_rejects select 'crm/a/Lead.csv', i, 'bad date', i * 1.25, i % 2 = 0, "
            "date '2024-02-01' + cast(i as integer), ['a', 'b'] from range(?) t(i)",
            [2 + extra_rows],
        )
        if poison:
            # PostgreSQL text cannot hold a NUL character: the copy of this table fails.
            con.execute("insert into raw.crm_opportunity (id, stagename) values ('o9', chr(0))")
        con.execute("create view raw.not_a_table as select 1 as x")


def test_copy_brings_every_raw_table_value_for_value(pg: PgSettings, tmp_path: Path) -> None:
    cache = tmp_path / "cache.duckdb"
    make_landing_cache(cache)
    report = copy_raw_to_postgres(cache, pg)
    assert report.rows_by_table == {"_load_rejects": 2, "crm_opportunity": 4}

    rows = fetch(
        pg,
        "select id, stagename, description, _file_seq, _row_number, _loaded_at "
        "from raw.crm_opportunity order by id",
    )
    assert [r[:3] for r in rows] == TRICKY_TEXT  # NULL stays NULL, '' stays '', text byte for byte
    assert rows[0][3:] == (1, 1, dt.datetime(2024, 1, 31, 10, 0))
    rejects = fetch(
        pg, "select row_number, amount, is_fatal, seen_on, fields from raw._load_rejects order by 1"
    )
    assert rejects == [
        (0, Decimal("0.00"), True, dt.date(2024, 2, 1), "[a, b]"),
        (1, Decimal("1.25"), False, dt.date(2024, 2, 2), "[a, b]"),
    ]
    types = dict(
        fetch(
            pg,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = '_load_rejects'",
        )
    )
    assert types["amount"] == "numeric" and types["row_number"] == "bigint" and types["fields"] == "text"
    tables = fetch(
        pg, "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
    )
    assert tables == [("_load_rejects",), ("crm_opportunity",)]  # the view is not a raw table


def test_failed_copy_leaves_the_previous_raw_intact(pg: PgSettings, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.duckdb", tmp_path / "bad.duckdb"
    make_landing_cache(good)
    make_landing_cache(bad, extra_rows=5, poison=True)
    copy_raw_to_postgres(good, pg)
    before = fetch(pg, "select * from raw.crm_opportunity order by id") + fetch(
        pg, "select * from raw._load_rejects order by row_number"
    )
    with pytest.raises(CopyError, match=r"raw\.crm_opportunity"):
        copy_raw_to_postgres(bad, pg)
    after = fetch(pg, "select * from raw.crm_opportunity order by id") + fetch(
        pg, "select * from raw._load_rejects order by row_number"
    )
    assert after == before and len(before) == 6


# --------------------------------------------------------------------------- the schema swap

ROWS = 5_000


def build_version(pg: PgSettings, version: int) -> None:
    """A build schema whose two marts both carry `version`: a reader that mixed two publishes
    would see two versions in one statement."""
    with pg.connect() as con:
        con.execute("drop schema if exists marts__build cascade")
        con.execute("create schema marts__build")
        con.execute(
            "create table marts__build.sales_metrics_monthly as select "
            f"(date '2024-01-01' + make_interval(months => i % 24))::date as month, {version} as version "
            f"from generate_series(0, {ROWS - 1}) i"
        )
        con.execute(
            f"create table marts__build.fct_opportunities as select i as id, {version} as version "
            f"from generate_series(0, {ROWS - 1}) i"
        )


def publish(pg: PgSettings, run_id: str) -> None:
    publish_marts_postgres(
        run_id=run_id,
        landing_dir="landing",
        raw_row_counts={"crm_opportunity": 4},
        checks={"marts/sales_metrics_monthly:great_expectations": {"passed": True, "severity": "ERROR"}},
        pg=pg,
        bi_role="salesops_bi_role_that_does_not_exist",
    )


def test_readers_see_old_or_new_marts_whole_while_publishes_swap(pg: PgSettings) -> None:
    build_version(pg, 0)
    publish(pg, "v0")
    stop = threading.Event()
    seen: list[tuple] = []
    errors: list[str] = []

    def reader() -> None:
        with pg.connect(autocommit=True) as con:
            while not stop.is_set():
                try:
                    seen.append(
                        con.execute(
                            "select (select min(version) from marts.sales_metrics_monthly), "
                            "(select max(version) from marts.sales_metrics_monthly), "
                            "(select min(version) from marts.fct_opportunities), "
                            "(select max(version) from marts.fct_opportunities), "
                            "(select count(*) from marts.fct_opportunities)"
                        ).fetchone()
                    )
                except psycopg.Error as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for version in range(1, 6):
            build_version(pg, version)
            started = time.monotonic()
            publish(pg, f"v{version}")
            assert time.monotonic() - started < 5, "a publish waited for the readers"
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[:5]
    mixed = [row for row in seen if len(set(row[:4])) != 1 or row[4] != ROWS]
    assert not mixed, mixed[:5]
    assert len({row[0] for row in seen}) >= 3, "the readers should have seen several publishes"
    assert fetch(pg, "select max(version) from marts.fct_opportunities") == [(5,)]
    log = fetch(
        pg, "select run_id, first_month, last_month, checks_run from marts.refresh_log order by published_at"
    )
    assert [r[0] for r in log][-6:] == ["v0", "v1", "v2", "v3", "v4", "v5"]
    assert log[-1][1:] == (dt.date(2024, 1, 1), dt.date(2025, 12, 1), 1)
    schemas = {r[0] for r in fetch(pg, "select nspname from pg_namespace where nspname like 'marts%'")}
    assert schemas == {"marts"}


def test_publish_without_a_build_leaves_marts_unchanged(pg: PgSettings) -> None:
    build_version(pg, 7)
    publish(pg, "v7")
    before = fetch(pg, "select * from marts.refresh_log order by published_at")
    with pytest.raises(RuntimeError, match="no tables to publish"):
        publish(pg, "v8")  # no build since the last publish
    with pg.connect() as con:
        con.execute("create schema marts__build")  # a build that produced no table
    with pytest.raises(RuntimeError, match="no tables to publish"):
        publish(pg, "v9")
    assert fetch(pg, "select * from marts.refresh_log order by published_at") == before
    assert fetch(pg, "select max(version) from marts.fct_opportunities") == [(7,)]


def test_a_long_reader_of_the_old_marts_does_not_block_the_swap(
    pg: PgSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish_postgres, "DROP_LOCK_TIMEOUT", "500ms")
    build_version(pg, 10)
    publish(pg, "v10")
    with pg.connect() as reader:  # one open transaction holding the old tables
        assert reader.execute("select max(version) from marts.fct_opportunities").fetchone() == (10,)
        build_version(pg, 11)
        started = time.monotonic()
        publish(pg, "v11")
        assert time.monotonic() - started < 5
        # the swap is done; the old schema waits for its reader
        assert fetch(pg, "select max(version) from marts.fct_opportunities") == [(11,)]
        assert fetch(pg, "select count(*) from pg_namespace where nspname = 'marts__previous'") == [(1,)]
        # the reader's open transaction still reads the version it started with, whole
        assert reader.execute("select max(version) from marts__previous.fct_opportunities").fetchone() == (
            10,
        )
    build_version(pg, 12)
    publish(pg, "v12")  # the leftover goes now that nobody reads it
    assert fetch(pg, "select count(*) from pg_namespace where nspname = 'marts__previous'") == [(0,)]
