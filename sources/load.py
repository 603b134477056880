"""Load a landing folder into the raw schema of the build warehouse.

DuckDB's own CSV reader does the parsing (RFC 4180 quoting, multi-line fields, parallel
reads), so no row passes through Python and a 10-million-row file loads in bounded memory.
Every value is kept as delivered (VARCHAR); typing is staging's job. Each raw table is rebuilt
from all landing files on every run, which makes the load idempotent.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.contract import ALL_OBJECTS, LandingObject
from sources.landing import LandingError, LandingFile, LandingInventory, discover

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"


class LoadError(Exception):
    """A landing file cannot be loaded; the message names the file (and column)."""


@dataclass
class FileLoad:
    relative_path: str
    object_name: str
    rows: int
    extra_columns: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    landing_dir: str
    files: list[FileLoad] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rows_by_table: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _create_raw_table(con: duckdb.DuckDBPyConnection, obj: LandingObject) -> None:
    columns = [f"{_quote(c.lower())} VARCHAR" for c in obj.columns]
    columns += [
        "_file VARCHAR",
        "_file_seq INTEGER",
        "_row_number BIGINT",
        "_loaded_at TIMESTAMP",
    ]
    table = f"{RAW_SCHEMA}.{obj.table}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"CREATE TABLE {table} ({', '.join(columns)})")


def _read_csv_sql(path: Path, *, header: bool = True) -> str:
    # Explicit dialect: the sniffer must not guess a delimiter other than the contract's comma.
    return (
        f"read_csv({_literal(str(path))}, header={str(header).lower()}, all_varchar=true, "
        "delim=',', quote='\"', escape='\"', encoding='utf-8')"
    )


def _header_map(file: LandingFile, delivered: list[str | None]) -> dict[str, str]:
    """Delivered header -> raw column name (lower case), refusing duplicates and gaps."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for position, raw_name in enumerate(delivered):
        name = raw_name or ""
        target = name.replace("\ufeff", "").strip().lower()
        if not target:
            raise LoadError(f"{file.relative_path}: the header has an empty column name")
        if target in seen:
            raise LoadError(
                f"{file.relative_path}: column {name!r} appears twice in the header "
                f"(header names are case-insensitive; also {seen[target]!r})"
            )
        seen[target] = name
        mapping[f"{position}:{name}"] = target
    missing = [c for c in file.object.required if c.lower() not in seen]
    if missing:
        raise LoadError(
            f"{file.relative_path}: required column(s) {', '.join(missing)} missing for "
            f"{file.object.name} (header has: {', '.join(delivered)})"
        )
    return mapping


def _load_file(con: duckdb.DuckDBPyConnection, file: LandingFile, loaded_at: datetime) -> FileLoad:
    table = f"{RAW_SCHEMA}.{file.object.table}"
    if file.path.stat().st_size == 0:
        raise LoadError(f"{file.relative_path}: the file is empty (not even a header row)")
    try:
        # A staging copy keeps the file's row order in rowid, which becomes _row_number.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _landing_file AS SELECT * FROM {_read_csv_sql(file.path)}")
    except duckdb.Error as exc:
        # DuckDB's first line says what is wrong; the rest is advice about its own options.
        reason = str(exc).strip().splitlines()[0]
        raise LoadError(f"{file.relative_path}: cannot be read as a UTF-8 CSV file: {reason}") from exc
    # DuckDB de-duplicates repeated header names; the header as delivered is read on its own.
    delivered = list(
        con.execute(f"SELECT * FROM {_read_csv_sql(file.path, header=False)} LIMIT 1").fetchone()
    )
    columns = [row[0] for row in con.execute("DESCRIBE _landing_file").fetchall()]
    mapping = dict(zip(columns, _header_map(file, delivered).values(), strict=True))

    existing = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    extra = [target for target in mapping.values() if target not in existing]
    for column in extra:
        con.execute(f"ALTER TABLE {table} ADD COLUMN {_quote(column)} VARCHAR")

    select = [f"{_quote(src)} AS {_quote(dst)}" for src, dst in mapping.items()]
    select += [
        f"{_literal(file.relative_path)} AS _file",
        f"{file.sequence} AS _file_seq",
        # rowids of a fresh table are contiguous in insertion (= file) order, but inside a
        # transaction they start at an offset.
        "rowid - (SELECT min(rowid) FROM _landing_file) + 1 AS _row_number",
        f"TIMESTAMP {_literal(loaded_at.strftime('%Y-%m-%d %H:%M:%S'))} AS _loaded_at",
    ]
    con.execute(f"INSERT INTO {table} BY NAME SELECT {', '.join(select)} FROM _landing_file")
    rows = con.execute("SELECT count(*) FROM _landing_file").fetchone()[0]
    con.execute("DROP TABLE _landing_file")
    return FileLoad(file.relative_path, file.object.name, rows, extra)


def load_inventory(con: duckdb.DuckDBPyConnection, inventory: LandingInventory) -> LoadReport:
    """Rebuild schema raw from the files of an inventory, in one transaction."""
    started = time.perf_counter()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    report = LoadReport(landing_dir=str(inventory.root), ignored=list(inventory.ignored))
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        for obj in ALL_OBJECTS:
            _create_raw_table(con, obj)
        for file in inventory.files:
            report.files.append(_load_file(con, file, loaded_at))
        for obj in ALL_OBJECTS:
            count = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{obj.table}").fetchone()[0]
            report.rows_by_table[obj.table] = count
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    report.seconds = time.perf_counter() - started
    for name in report.ignored:
        log.warning("ignored landing file (no contract object): %s", name)
    return report


def load_landing(landing_dir: Path, warehouse: Path) -> LoadReport:
    """Discover and load a landing folder into `warehouse` (a DuckDB file)."""
    inventory = discover(landing_dir)
    if not any(f.object.is_crm for f in inventory.files):
        raise LandingError(f"landing folder {landing_dir} holds no CRM files (crm/**/<Object>.csv)")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with connect_for_writing(warehouse) as con:
        return load_inventory(con, inventory)


def connect_for_writing(warehouse: Path, timeout_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the build warehouse read-write, waiting for another process's lock to go.

    A refresh killed mid-build can leave its dbt child running for a while, still holding the
    file; the next run waits for it rather than failing (SALESOPS_LOCK_TIMEOUT, default 300 s).
    """
    limit = (
        timeout_seconds
        if timeout_seconds is not None
        else float(os.environ.get("SALESOPS_LOCK_TIMEOUT", "300"))
    )
    deadline = time.monotonic() + limit
    delay = 0.2
    while True:
        try:
            return duckdb.connect(str(warehouse))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            if delay == 0.2:
                log.warning("%s is locked by another process; waiting up to %ss (%s)", warehouse, limit, exc)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a landing folder into raw.* of a DuckDB file.")
    parser.add_argument("landing_dir", type=Path)
    parser.add_argument("warehouse", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    report = load_landing(args.landing_dir, args.warehouse)
    for f in report.files:
        print(f"{f.rows:>10,} rows  {f.relative_path}  -> {f.object_name}")
    for table, rows in report.rows_by_table.items():
        print(f"raw.{table}: {rows:,}")
    print(f"loaded {report.total_rows:,} rows from {len(report.files)} files in {report.seconds:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
