"""Incremental load: new files are appended, and raw ends up exactly as a full rebuild leaves it.

Fixture (hand-written): day 1 delivers accounts 001A "Acme" and 001B "Beta"; day 2 delivers
001A again as "Acme Corp", 001C "Gamma" and one row with a missing field (rejected). A full load
of both days therefore holds 4 account rows (file_seq 0, 0, 1, 1) and 1 reject (file_seq 1,
row 3 of day 2).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from sources.demo.generator import generate_landing
from sources.load import load_landing
from tests.conftest import run_dbt
from tests.conftest import write_landing_file as write

DAY_1 = "Id,CreatedDate,Name\n001A,2024-01-01,Acme\n001B,2024-01-01,Beta\n"
DAY_2 = "Id,CreatedDate,Name\n001A,2024-01-01,Acme Corp\n001C,2024-01-02,Gamma\n001D,2024-01-02\n"


def raw_snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows, sorted, without the load timestamps (they differ by design)."""
    snapshot: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'"
            ).fetchall()
        ]
        for table in sorted(tables):
            columns = [
                r[0]
                for r in con.execute(f"DESCRIBE raw.{table}").fetchall()
                if r[0] not in ("_loaded_at", "loaded_at")
            ]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM raw.{table}").fetchall()
            snapshot[table] = sorted(rows, key=repr)
    return snapshot


def test_new_files_are_appended_and_match_a_full_reload(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/2024-01-01/Account.csv", DAY_1)
    incremental = tmp_path / "incremental.duckdb"
    first = load_landing(landing, incremental)
    assert first.mode.startswith("full: no complete earlier load")

    write(landing, "crm/2024-01-02/Account.csv", DAY_2)
    second = load_landing(landing, incremental)
    assert second.mode == "incremental: 1 new file(s)"
    assert [f.relative_path for f in second.files] == ["crm/2024-01-02/Account.csv"]
    assert second.rows_by_table["crm_account"] == 4

    rebuilt = tmp_path / "rebuilt.duckdb"
    assert load_landing(landing, rebuilt, full_reload=True).mode == "full: requested"
    snapshot = raw_snapshot(incremental)
    assert snapshot == raw_snapshot(rebuilt)
    with duckdb.connect(str(incremental), read_only=True) as con:
        accounts = con.execute(
            "SELECT id, name, _file_seq, _row_number FROM raw.crm_account ORDER BY 3, 4"
        ).fetchall()
        rejects = con.execute("SELECT file_seq, row_number FROM raw._load_rejects").fetchall()
    assert accounts == [
        ("001A", "Acme", 0, 1),
        ("001B", "Beta", 0, 2),
        ("001A", "Acme Corp", 1, 1),
        ("001C", "Gamma", 1, 2),
    ]
    assert rejects == [(1, 3)]

    third = load_landing(landing, incremental)
    assert third.mode == "incremental: 0 new file(s)"
    assert raw_snapshot(incremental) == snapshot


def test_a_new_file_sorting_before_a_loaded_one_forces_a_full_reload(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/2024-01-02/Account.csv", DAY_2)
    warehouse = tmp_path / "wh.duckdb"
    load_landing(landing, warehouse)
    write(landing, "crm/2024-01-01/Account.csv", DAY_1)
    report = load_landing(landing, warehouse)
    assert report.mode == (
        "full: new file crm/2024-01-01/Account.csv sorts before the loaded crm/2024-01-02/Account.csv"
    )
    rebuilt = tmp_path / "rebuilt.duckdb"
    load_landing(landing, rebuilt, full_reload=True)
    assert raw_snapshot(warehouse) == raw_snapshot(rebuilt)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Day 2 is now the second file: its rows (and reject) carry file_seq 1.
        assert con.execute("SELECT file_seq FROM raw._load_rejects").fetchall() == [(1,)]


def test_a_changed_or_removed_file_forces_a_full_reload(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/2024-01-01/Account.csv", DAY_1)
    write(landing, "crm/2024-01-02/Account.csv", DAY_2)
    warehouse = tmp_path / "wh.duckdb"
    load_landing(landing, warehouse)

    day_1 = landing / "crm/2024-01-01/Account.csv"
    stat = day_1.stat()
    os.utime(day_1, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    report = load_landing(landing, warehouse)
    assert (
        report.mode
        == "full: crm/2024-01-01/Account.csv changed since it was loaded (size or modification time)"
    )

    day_1.unlink()
    report = load_landing(landing, warehouse)
    assert report.mode == "full: crm/2024-01-01/Account.csv was loaded before and is gone"
    assert report.rows_by_table["crm_account"] == 2  # day 2 only: Acme Corp and Gamma


def test_a_new_file_before_another_objects_file_is_appended(tmp_path: Path) -> None:
    """Path order: 2024-01-01/Account (loaded), 2024-01-02/Account (new), 2024-01-03/User
    (loaded). Only an object's own files order its rows, so the new Account file is appended:
    numbered 2 (after the User file's 1), where a full rebuild numbers it 1 and the User file 2."""
    landing = tmp_path / "landing"
    write(landing, "crm/2024-01-01/Account.csv", DAY_1)
    write(landing, "crm/2024-01-03/User.csv", "Id,CreatedDate,Name\n005A,2024-01-01,Ann\n")
    warehouse = tmp_path / "wh.duckdb"
    load_landing(landing, warehouse)
    write(landing, "crm/2024-01-02/Account.csv", DAY_2)
    assert load_landing(landing, warehouse).mode == "incremental: 1 new file(s)"

    rebuilt = tmp_path / "rebuilt.duckdb"
    load_landing(landing, rebuilt, full_reload=True)

    def without_file_seq(snapshot: dict[str, list[tuple]], warehouse: Path) -> dict[str, list[tuple]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            kept: dict[str, list[tuple]] = {}
            for table in snapshot:
                names = [r[0] for r in con.execute(f"DESCRIBE raw.{table}").fetchall()]
                names = [n for n in names if n not in ("_loaded_at", "loaded_at")]
                drop = {i for i, n in enumerate(names) if n in ("_file_seq", "file_seq")}
                kept[table] = sorted(
                    (tuple(v for i, v in enumerate(row) if i not in drop) for row in snapshot[table]),
                    key=repr,
                )
        return kept

    assert without_file_seq(raw_snapshot(warehouse), warehouse) == without_file_seq(
        raw_snapshot(rebuilt), rebuilt
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = con.execute("SELECT file, file_seq FROM raw._load_files ORDER BY file_seq").fetchall()
        rejects = con.execute("SELECT file_seq, row_number FROM raw._load_rejects").fetchall()
    assert files == [
        ("crm/2024-01-01/Account.csv", 0),
        ("crm/2024-01-03/User.csv", 1),
        ("crm/2024-01-02/Account.csv", 2),
    ]
    assert rejects == [(2, 3)]


def test_incremental_and_full_loads_build_identical_marts(tmp_path: Path) -> None:
    """The demo landing without its last nightly export is loaded, then the export arrives and
    is appended; dbt builds the marts on that warehouse and on a full reload of the same
    landing, and every mart table holds the same rows in both."""
    landing = tmp_path / "landing"
    generate_landing(landing, scale=0.05, seed=3)
    last_day = max((landing / "crm").iterdir())
    held_back = tmp_path / "held_back"
    shutil.move(last_day, held_back)
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    shutil.move(held_back, last_day)
    report = load_landing(landing, incremental)
    assert report.mode == f"incremental: {len(list(last_day.iterdir()))} new file(s)"
    rebuilt = tmp_path / "rebuilt" / "warehouse.duckdb"
    load_landing(landing, rebuilt, full_reload=True)

    for warehouse in (incremental, rebuilt):
        result = run_dbt(warehouse, "build", "--exclude-resource-type", "test", "unit_test")
        assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(incremental), read_only=True) as con:
        con.execute(f"ATTACH '{rebuilt}' AS rebuilt (READ_ONLY)")
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                "AND database_name = current_database()"
            ).fetchall()
        ]
        assert len(marts) > 10
        for table in marts:
            for left, right in (("marts", "rebuilt.marts"), ("rebuilt.marts", "marts")):
                differing = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {left}.{table} "
                    f"EXCEPT ALL SELECT * FROM {right}.{table})"
                ).fetchone()[0]
                assert differing == 0, f"marts.{table}: {differing} row(s) of {left} not in {right}"
