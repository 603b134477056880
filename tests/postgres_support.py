"""Helpers for the tests that need a PostgreSQL server (tests/test_postgres_*.py).

The server comes from the SALESOPS_PG_* (or PG*) variables; `.ci/run` starts one and exports
them (`eval "$(bash .ci/postgres.sh)"` does the same on a developer's machine). Each test
session works in databases of its own, created here and dropped afterwards, so runs never see
each other's schemas. Without a server the tests are skipped locally but fail under CI=true.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import secrets
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from sources.postgres_connection import PgSettings

HOW_TO_START = 'start one with: eval "$(bash .ci/postgres.sh)"'
# Doubles (ratios, averages, medians) may differ in the last bits between engines: each adds up
# in its own order. 1e-12 relative is far below any digit a report shows; Decimals (money,
# counts) must match exactly.
DOUBLE_REL_TOL = 1e-12


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but PostgreSQL is unavailable: {reason}")
    pytest.skip(f"PostgreSQL tests need a server ({reason}); {HOW_TO_START}")


def admin_settings() -> PgSettings:
    """The configured server, checked reachable; skips (or fails under CI) otherwise."""
    if not (os.environ.get("SALESOPS_PG_HOST") or os.environ.get("PGHOST")):
        _unavailable("SALESOPS_PG_HOST / PGHOST is not set")
    settings = PgSettings.from_env()
    try:
        with settings.connect(connect_timeout=5) as con:
            con.execute("select 1")
    except psycopg.Error as exc:
        _unavailable(f"cannot connect to {settings.describe()}: {exc}")
    return settings


def create_database(admin: PgSettings, label: str) -> PgSettings:
    name = f"salesops_test_{label}_{secrets.token_hex(4)}"
    with admin.connect(autocommit=True) as con:
        con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return replace(admin, dbname=name)


def drop_database(admin: PgSettings, database: PgSettings) -> None:
    with admin.connect(autocommit=True) as con:
        con.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database.dbname))
        )


def fresh_database(admin: PgSettings, label: str) -> Iterator[PgSettings]:
    database = create_database(admin, label)
    try:
        yield database
    finally:
        drop_database(admin, database)


def pg_env(database: PgSettings) -> dict[str, str]:
    """Environment pointing a `salesops` process at `database` (target postgres)."""
    return {
        "SALESOPS_TARGET": "postgres",
        "SALESOPS_PG_HOST": database.host,
        "SALESOPS_PG_PORT": str(database.port),
        "SALESOPS_PG_USER": database.user,
        "SALESOPS_PG_PASSWORD": database.password,
        "SALESOPS_PG_DBNAME": database.dbname,
    }


# --------------------------------------------------------------------------- comparing tables


def _sort_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return f"{float(value):.9e}"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


def sorted_rows(rows: list[tuple]) -> list[tuple]:
    """Rows in an order both engines agree on, whatever order each returned them in."""
    return sorted(rows, key=lambda r: tuple(_sort_text(v) for v in r))


def cells_equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b  # exact: 100.0 and 100.00 are equal, 0.1 and 0.1000001 are not
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        return Decimal(a) == Decimal(b)
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return math.isclose(fa, fb, rel_tol=DOUBLE_REL_TOL, abs_tol=1e-12)
    return a == b


def table_differences(
    name: str, columns_a: list[str], rows_a: list[tuple], columns_b: list[str], rows_b: list[tuple]
) -> list[str]:
    """Every difference between two versions of a table, as readable lines (a = left, b = right)."""
    if columns_a != columns_b:
        return [f"{name}: columns differ:\n    {columns_a}\n    {columns_b}"]
    if len(rows_a) != len(rows_b):
        return [f"{name}: {len(rows_a)} rows vs {len(rows_b)} rows"]
    problems = []
    for i, column in enumerate(columns_a):
        # The same type for BI on both engines (e.g. a sum of integers is bigint, not numeric).
        kinds_a = {type(r[i]).__name__ for r in rows_a if r[i] is not None}
        kinds_b = {type(r[i]).__name__ for r in rows_b if r[i] is not None}
        if kinds_a != kinds_b:
            problems.append(f"{name} column {column}: values of type {kinds_a} vs {kinds_b}")
    for i, (ra, rb) in enumerate(zip(sorted_rows(rows_a), sorted_rows(rows_b), strict=True)):
        for column, a, b in zip(columns_a, ra, rb, strict=True):
            if not cells_equal(a, b):
                problems.append(f"{name} row {i} column {column}: {a!r} vs {b!r}")
    return problems
