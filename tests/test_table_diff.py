"""orchestration/table_diff.py finds every kind of difference the incremental checks rely on."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.table_diff import compare_tables


def make(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        for statement in statements:
            con.execute(statement)
    return path


def test_compare_tables_reports_each_kind_of_difference(tmp_path: Path) -> None:
    shared = [
        "CREATE TABLE marts.same AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(id, v)",
        # Column order differs between the files: columns are matched by name.
        "CREATE TABLE marts.reordered AS SELECT 1 AS id, 'a' AS v",
        "CREATE TABLE marts.refresh_log AS SELECT now() AS published_at",
    ]
    left = make(
        tmp_path / "left.duckdb",
        [
            *shared,
            # One cell changed: the row is on each side only once.
            "CREATE TABLE marts.changed AS SELECT * FROM (VALUES (1, 10.00), (2, 20.00)) t(id, amount)",
            # A row repeated on the left: EXCEPT ALL counts the extra copy.
            "CREATE TABLE marts.duplicated AS SELECT * FROM (VALUES (1), (1), (2)) t(id)",
            "CREATE TABLE marts.only_here AS SELECT 1 AS id",
            "CREATE TABLE marts.columns AS SELECT 1 AS id, 2 AS extra",
        ],
    )
    right = make(
        tmp_path / "right.duckdb",
        [
            *shared[:1],
            "CREATE TABLE marts.reordered AS SELECT 'a' AS v, 1 AS id",
            "CREATE TABLE marts.refresh_log AS SELECT now() - INTERVAL 1 DAY AS published_at",
            "CREATE TABLE marts.changed AS SELECT * FROM (VALUES (1, 10.00), (2, 20.01)) t(id, amount)",
            "CREATE TABLE marts.duplicated AS SELECT * FROM (VALUES (1), (2)) t(id)",
            "CREATE TABLE marts.columns AS SELECT 1 AS id",
        ],
    )

    diffs = {d.table: d for d in compare_tables(left, right, ("marts",))}

    assert sorted(diffs) == ["changed", "columns", "duplicated", "only_here", "reordered", "same"]
    assert diffs["same"].same and diffs["same"].rows == 2
    assert diffs["reordered"].same
    assert (diffs["changed"].only_left, diffs["changed"].only_right) == (1, 1)
    assert (diffs["duplicated"].rows, diffs["duplicated"].only_left, diffs["duplicated"].only_right) == (
        3,
        1,
        0,
    )
    assert diffs["only_here"].problem == "missing on the right"
    assert diffs["columns"].problem == "columns differ: ['extra']"
    assert not any(d.same for name, d in diffs.items() if name not in ("same", "reordered"))
    # Bookkeeping columns can be left out: `extra` is then the only difference of `columns`.
    ignoring = {d.table: d for d in compare_tables(left, right, ("marts",), ignore_columns=("extra",))}
    assert ignoring["columns"].same and not ignoring["changed"].same
