"""The read-only BI role on the PostgreSQL warehouse: it may read schema `marts`, nothing else.

`salesops pg-grant-bi-role` creates it (or resets its password and rights): idempotent, run it
once after the first refresh or any time. Each publish re-grants read on the new `marts`
(the swapped-in schema is a new object, so rights on the old one do not carry over).

  SALESOPS_PG_BI_ROLE       role name (default salesops_bi)
  SALESOPS_PG_BI_PASSWORD   its password (required to create or update the role)
"""

from __future__ import annotations

import os

import psycopg
from psycopg import sql

from sources.postgres_connection import PgSettings

DEFAULT_BI_ROLE = "salesops_bi"
MARTS_SCHEMA = "marts"


def bi_role_name() -> str:
    return os.environ.get("SALESOPS_PG_BI_ROLE") or DEFAULT_BI_ROLE


def role_exists(con: psycopg.Connection, role: str) -> bool:
    return con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone() is not None


def grant_marts_read(con: psycopg.Connection, role: str, schema: str = MARTS_SCHEMA) -> None:
    """Usage on `schema` and select on each of its tables and views, for `role`."""
    con.execute(
        sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), sql.Identifier(role))
    )
    con.execute(
        sql.SQL("grant select on all tables in schema {} to {}").format(
            sql.Identifier(schema), sql.Identifier(role)
        )
    )


def ensure_bi_role(pg: PgSettings, role: str, password: str) -> list[str]:
    """Create or update the BI role: login, read-only by default, select on marts only.

    Returns what was done, in words (never the password).
    """
    if not password:
        raise ValueError("SALESOPS_PG_BI_PASSWORD is not set: the BI role needs a password to log in")
    done: list[str] = []
    ident = sql.Identifier(role)
    with pg.connect() as con, con.transaction():
        if role_exists(con, role):
            con.execute(sql.SQL("alter role {} login password {}").format(ident, sql.Literal(password)))
            done.append(f"role {role} exists: password reset")
        else:
            con.execute(
                sql.SQL(
                    "create role {} login nosuperuser nocreatedb nocreaterole noinherit password {}"
                ).format(ident, sql.Literal(password))
            )
            done.append(f"role {role} created")
        # Belt and braces under the privileges: its sessions start read-only.
        con.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(ident))
        con.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(pg.dbname), ident))
        # Only marts: make sure no earlier grant lets it into another layer.
        other = con.execute(
            "select nspname from pg_namespace where nspname in ('raw', 'staging', 'intermediate', "
            "'reference', 'marts__build', 'public')"
        ).fetchall()
        for (schema,) in other:
            con.execute(
                sql.SQL("revoke all on all tables in schema {} from {}").format(sql.Identifier(schema), ident)
            )
            con.execute(sql.SQL("revoke all on schema {} from {}").format(sql.Identifier(schema), ident))
        has_marts = con.execute("select 1 from pg_namespace where nspname = %s", [MARTS_SCHEMA]).fetchone()
        if has_marts:
            grant_marts_read(con, role)
            done.append(f"granted usage on schema {MARTS_SCHEMA} and select on its tables")
        else:
            done.append(f"schema {MARTS_SCHEMA} not published yet: each publish grants read on it")
    return done
