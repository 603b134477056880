"""Row-by-row comparison of the tables of two DuckDB files.

The proof that an incremental build equals a full rebuild (tests/test_incremental_build.py)
and that incremental refreshes publish the marts a refresh from scratch publishes
(benchmarks/verify_incremental.py). Rows are compared on every column, by name, in both
directions and with duplicates counted (EXCEPT ALL), so a row missing, added, repeated or
changed in any cell shows up.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources.sql_quoting import quote_literal


@dataclass(frozen=True)
class TableDiff:
    schema: str
    table: str
    rows: int  # rows of the table on the left (0 when it is missing there)
    only_left: int  # rows of the left table the right one does not hold (duplicates counted)
    only_right: int
    problem: str = ""  # a table or column missing on one side

    @property
    def same(self) -> bool:
        return not self.problem and self.only_left == 0 and self.only_right == 0

    def describe(self) -> str:
        if self.problem:
            return f"{self.schema}.{self.table}: {self.problem}"
        return (
            f"{self.schema}.{self.table}: {self.rows:,} rows, {self.only_left:,} only on the left, "
            f"{self.only_right:,} only on the right"
        )


def _tables(con: duckdb.DuckDBPyConnection, database: str, schemas: Sequence[str]) -> set[tuple[str, str]]:
    return {
        (schema, table)
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = ? AND list_contains(?, schema_name)",
            [database, list(schemas)],
        ).fetchall()
    }


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [database, schema, table],
        ).fetchall()
    ]


def compare_tables(
    left: Path,
    right: Path,
    schemas: Sequence[str],
    *,
    skip_tables: Collection[str] = ("refresh_log",),
    ignore_columns: Collection[str] = (),
) -> list[TableDiff]:
    """One TableDiff per table of `schemas` in either file (but `skip_tables`), sorted by name,
    on every column but `ignore_columns` (bookkeeping such as when a row was built)."""
    with duckdb.connect(":memory:") as con:
        con.execute(f"ATTACH {quote_literal(str(left))} AS lhs (READ_ONLY)")
        con.execute(f"ATTACH {quote_literal(str(right))} AS rhs (READ_ONLY)")
        on_left, on_right = _tables(con, "lhs", schemas), _tables(con, "rhs", schemas)
        diffs: list[TableDiff] = []
        for schema, table in sorted(on_left | on_right):
            if table in skip_tables:
                continue
            if (schema, table) not in on_right or (schema, table) not in on_left:
                side = "right" if (schema, table) not in on_right else "left"
                diffs.append(TableDiff(schema, table, 0, 0, 0, f"missing on the {side}"))
                continue
            columns = [c for c in _columns(con, "lhs", schema, table) if c not in ignore_columns]
            right_columns = [c for c in _columns(con, "rhs", schema, table) if c not in ignore_columns]
            if sorted(columns) != sorted(right_columns):
                problem = f"columns differ: {sorted(set(columns) ^ set(right_columns))}"
                diffs.append(TableDiff(schema, table, 0, 0, 0, problem))
                continue
            select = ", ".join(f'"{c}"' for c in columns)
            lhs, rhs = f'lhs."{schema}"."{table}"', f'rhs."{schema}"."{table}"'
            rows, only_left, only_right = con.execute(
                f"SELECT (SELECT count(*) FROM {lhs}), "
                f"(SELECT count(*) FROM (SELECT {select} FROM {lhs} EXCEPT ALL SELECT {select} FROM {rhs})), "
                f"(SELECT count(*) FROM (SELECT {select} FROM {rhs} EXCEPT ALL SELECT {select} FROM {lhs}))"
            ).fetchone()
            diffs.append(TableDiff(schema, table, rows, only_left, only_right))
    return diffs
