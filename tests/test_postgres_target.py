"""The PostgreSQL server-warehouse target, end to end on a real server (issue 7).

- `salesops refresh` with SALESOPS_TARGET=postgres on the hand-worked fixture landing publishes
  `marts.sales_metrics_monthly` equal to the hand-worked values (tests/fixtures/
  small_landing_expected/, compared by tests/test_fixture_metrics.py's own comparison), and every
  published mart equal, cell by cell, to what the DuckDB target publishes from the same landing;
- a refresh whose audit fails leaves the published marts exactly as they were;
- the read-only BI role can read marts and nothing else, and still can after a publish.

Needs a server: `.ci/run` starts one; locally `eval "$(bash .ci/postgres.sh)"` (else skipped).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import sql

from orchestration.publish_postgres import publish_marts_postgres
from sources.postgres_connection import PgSettings
from tests.postgres_support import admin_settings, fresh_database, pg_env, table_differences
from tests.test_fixture_metrics import EXPECTED_DIR, FIXTURE_LANDING, compare_metrics, read_expected

SALESOPS = Path(sys.executable).parent / "salesops"
REFRESH_TIMEOUT_SECONDS = 1200


def run_refresh(
    database: PgSettings, landing: Path, workdir: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOPS_", "PG"))}
    env.pop("DAGSTER_HOME", None)
    env.update(pg_env(database))
    env.update(
        SALESOPS_LANDING_DIR=str(landing),
        SALESOPS_WAREHOUSE=str(workdir / "landing_cache.duckdb"),
        SALESOPS_SERVING=str(workdir / "serving.duckdb"),
    )
    env.update(extra_env or {})
    return subprocess.run(
        [str(SALESOPS), *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=REFRESH_TIMEOUT_SECONDS,
    )


@pytest.fixture(scope="module")
def pg_admin() -> PgSettings:
    return admin_settings()


@pytest.fixture(scope="module")
def pg_published(pg_admin: PgSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgSettings]:
    """A fresh database, refreshed once from the fixture landing by the real CLI (UTC)."""
    for database in fresh_database(pg_admin, "e2e"):
        workdir = tmp_path_factory.mktemp("pg_refresh")
        proc = run_refresh(database, FIXTURE_LANDING, workdir, "refresh")
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
        assert not (workdir / "serving.duckdb").exists(), "the postgres target must not write a serving file"
        assert database.password == "" or database.password not in proc.stdout + proc.stderr
        yield database


def fetch(database: PgSettings, query: str) -> tuple[list[str], list[tuple]]:
    with database.connect() as con, con.cursor() as cur:
        cur.execute(query)
        return [d.name for d in cur.description], cur.fetchall()


def schemas(database: PgSettings) -> set[str]:
    _, rows = fetch(database, "select nspname from pg_namespace where nspname not like 'pg\\_%'")
    return {r[0] for r in rows}


def mart_tables_pg(database: PgSettings) -> list[str]:
    _, rows = fetch(
        database,
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "and table_type = 'BASE TABLE' order by table_name",
    )
    return [r[0] for r in rows]


# --------------------------------------------------------------------------- the published numbers


def test_sales_metrics_monthly_on_postgres_matches_hand_worked_values(pg_published: PgSettings) -> None:
    columns, rows = fetch(pg_published, "select * from marts.sales_metrics_monthly order by month")
    header, expected = read_expected(EXPECTED_DIR / "expected_utc.csv")
    problems = compare_metrics(columns, rows, header, expected)
    assert not problems, "PostgreSQL marts.sales_metrics_monthly differs from expected_utc.csv:\n  " + (
        "\n  ".join(problems)
    )


def test_every_mart_on_postgres_equals_duckdb(pg_published: PgSettings, small_landing_serving: Path) -> None:
    with duckdb.connect(str(small_landing_serving), read_only=True) as con:
        duck_tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by table_name"
            ).fetchall()
        ]
        duck = {}
        for table in duck_tables:
            cur = con.execute(f'select * from marts."{table}"')
            duck[table] = ([d[0] for d in cur.description], cur.fetchall())
    pg_tables = mart_tables_pg(pg_published)
    assert pg_tables == duck_tables
    assert len(pg_tables) > 20 and "sales_metrics_monthly" in pg_tables

    problems: list[str] = []
    compared_cells = 0
    for table in duck_tables:
        if table == "refresh_log":  # when and by which run: differs by design
            continue
        pg_columns, pg_rows = fetch(pg_published, f'select * from marts."{table}"')
        duck_columns, duck_rows = duck[table]
        problems += table_differences(table, duck_columns, duck_rows, pg_columns, pg_rows)
        compared_cells += len(duck_rows) * len(duck_columns)
    assert compared_cells > 1000
    assert not problems, f"{len(problems)} cell(s) differ between DuckDB and PostgreSQL:\n  " + "\n  ".join(
        problems[:50]
    )


def test_raw_on_postgres_is_the_duckdb_load_and_only_marts_published(pg_published: PgSettings) -> None:
    _, log = fetch(pg_published, "select raw_row_counts, checks_run, checks_passed from marts.refresh_log")
    # checks: a dbt_tests check per mart (26) and per table with warning tests, and the gates
    assert len(log) == 1 and log[0][1] > 30 and log[0][2] <= log[0][1]
    _, opps = fetch(pg_published, "select count(*), count(distinct _file) from raw.crm_opportunity")
    # 28 Opportunity rows in 5 files of tests/fixtures/small_landing/crm/*/Opportunity.csv
    assert opps == [(28, 5)]
    assert '"crm_opportunity": 28' in log[0][0]
    # the build schema was swapped in, the previous marts dropped
    assert {"marts", "raw", "staging", "intermediate"} <= schemas(pg_published)
    assert not {"marts__build", "marts__previous"} & schemas(pg_published)


# --------------------------------------------------------------------------- a failed audit


def test_failed_audit_leaves_published_marts_unchanged(pg_published: PgSettings, tmp_path: Path) -> None:
    before = fetch(pg_published, "select * from marts.sales_metrics_monthly order by month")
    log_before = fetch(pg_published, "select * from marts.refresh_log")
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURE_LANDING, landing)
    # An open deal in a stage the contract does not know: a blocking data-contract check fails.
    header = (FIXTURE_LANDING / "crm" / "2024-07-02" / "Opportunity.csv").read_text(encoding="utf-8")
    (landing / "crm" / "2024-07-03").mkdir()
    (landing / "crm" / "2024-07-03" / "Opportunity.csv").write_text(
        header.splitlines()[0] + "\n"
        "0065e00000OPP99,false,0015e00000ACC02,Pigeon Deal,Signed By Carrier Pigeon,1000,USD,50,"
        "2024-06-30,New Business,false,false,0055e00000USR01,12,"
        "2024-06-01T10:00:00.000+0000,2024-07-03T10:00:00.000+0000\n",
        encoding="utf-8",
    )
    proc = run_refresh(pg_published, landing, tmp_path, "refresh")
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "Signed By Carrier Pigeon" in proc.stdout and "NOT published" in proc.stdout
    assert fetch(pg_published, "select * from marts.sales_metrics_monthly order by month") == before
    assert fetch(pg_published, "select * from marts.refresh_log") == log_before
    # the failed build stays in the private schema for inspection, out of BI's reach
    assert "marts__build" in schemas(pg_published)
    # raw did take the new landing: the marts are what BI sees, and they did not move
    _, opps = fetch(pg_published, "select count(*) from raw.crm_opportunity")
    assert opps == [(29,)]


# --------------------------------------------------------------------------- the BI role


@pytest.fixture
def bi_role(pg_published: PgSettings) -> Iterator[tuple[str, str]]:
    role, password = f"salesops_bi_test_{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    yield role, password
    with pg_published.connect(autocommit=True) as con:
        exists = con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
        if exists:
            con.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
            con.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))


def _as_role(database: PgSettings, role: str, password: str) -> psycopg.Connection:
    return replace(database, user=role, password=password).connect(autocommit=True)


def _refused(con: psycopg.Connection, statement: str) -> str:
    """The error class of a statement that must fail (run in a read-write transaction, so what
    stops it is the privileges, not the role's read-only default)."""
    try:
        with con.transaction():
            con.execute("set transaction read write")
            con.execute(statement)
    except psycopg.Error as exc:
        return type(exc).__name__
    return "ACCEPTED"


def test_bi_role_reads_marts_only_before_and_after_a_publish(
    pg_published: PgSettings, bi_role: tuple[str, str], tmp_path: Path
) -> None:
    role, password = bi_role
    bi_env = {"SALESOPS_PG_BI_ROLE": role, "SALESOPS_PG_BI_PASSWORD": password}
    for _ in range(2):  # idempotent: the second run only resets
        proc = run_refresh(pg_published, FIXTURE_LANDING, tmp_path, "pg-grant-bi-role", extra_env=bi_env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert password not in proc.stdout + proc.stderr
    assert "password reset" in proc.stdout

    def check_rights() -> None:
        with _as_role(pg_published, role, password) as con:
            rows = con.execute("select count(*) from marts.sales_metrics_monthly").fetchone()[0]
            assert rows == 6
            assert con.execute("select count(*) from marts.refresh_log").fetchone()[0] >= 1
            refused = {
                statement: _refused(con, statement)
                for statement in (
                    "select count(*) from raw.crm_opportunity",
                    "select count(*) from staging.stg_crm__opportunities",
                    "select count(*) from intermediate.int_data_quality_issues",
                    "select count(*) from reference.channel_mapping",
                    "insert into marts.sales_metrics_monthly (month) values (date '2030-01-01')",
                    "delete from marts.refresh_log",
                    "create table marts.bi_scratch (x int)",
                    "create table public.bi_scratch (x int)",
                    "create schema bi_scratch",
                    "drop table marts.sales_metrics_monthly",
                )
            }
            assert all(error == "InsufficientPrivilege" for error in refused.values()), refused
            # and by default its sessions are read-only
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                con.execute("create temporary table t (x int)")

    check_rights()
    # A publish swaps in a new schema: the role must be able to read the new marts too.
    with pg_published.connect() as con:
        # (the failed-audit test left its unpublished build behind: a refresh clears it first)
        con.execute("drop schema if exists marts__build cascade")
        con.execute("create schema marts__build")
        for table in ("sales_metrics_monthly", "fct_opportunities"):
            con.execute(f"create table marts__build.{table} as select * from marts.{table}")
    publish_marts_postgres(
        run_id="bi-role-test",
        landing_dir="landing",
        raw_row_counts={},
        checks={},
        pg=pg_published,
        bi_role=role,
    )
    assert mart_tables_pg(pg_published) == ["fct_opportunities", "refresh_log", "sales_metrics_monthly"]
    check_rights()
