"""Load a landing folder into the raw schema of the build warehouse.

DuckDB's own CSV reader does the parsing (RFC 4180 quoting, multi-line fields, parallel
reads), so no row passes through Python and a 10-million-row file loads in bounded memory.
Every value is kept as delivered (VARCHAR); typing is staging's job. Each raw table is rebuilt
from all landing files on every run, which makes the load idempotent.
"""

from __future__ import annotations

import argparse
import csv
import io
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
# Every file read and every row that could not be parsed, rebuilt with the raw tables.
FILES_TABLE = f"{RAW_SCHEMA}._load_files"
REJECTS_TABLE = f"{RAW_SCHEMA}._load_rejects"


class LoadError(Exception):
    """A landing file cannot be loaded; the message names the file (and column)."""


@dataclass
class FileLoad:
    relative_path: str
    object_name: str
    rows: int
    extra_columns: list[str] = field(default_factory=list)
    rows_rejected: int = 0


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

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


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


def _read_csv_sql(path: Path, column_count: int) -> str:
    """DuckDB's reader with the contract's dialect and no guessing.

    The sniffer is off (it gives up on exactly the broken files that must be reported row by
    row); columns are positional (c0, c1, ...) so a repeated header name cannot break the read.
    Rows that do not parse go to DuckDB's rejects tables instead of failing the file.
    """
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(column_count))
    return (
        f"read_csv({_literal(str(path))}, header=true, auto_detect=false, columns={{{columns}}}, "
        "delim=',', quote='\"', escape='\"', encoding='utf-8', "
        f"store_rejects=true, rejects_table='{_REJECTS}', rejects_scan='{_REJECT_SCANS}')"
    )


# DuckDB's temporary tables of rows it could not parse, cleared for every file.
_REJECTS = "_csv_reject_errors"
_REJECT_SCANS = "_csv_reject_scans"


def _read_header(file: LandingFile) -> list[str]:
    """The header row as delivered, read with Python's csv module (first record only)."""
    with file.path.open("rb") as raw:
        head = raw.read(1 << 16)
    if not head:
        raise LoadError(f"{file.relative_path}: the file is empty (not even a header row)")
    if b"\x00" in head:
        raise LoadError(
            f"{file.relative_path}: cannot be read as a UTF-8 CSV file: it holds NUL bytes "
            "(a binary file, e.g. a spreadsheet, not a CSV export)"
        )
    # Only the header is judged here: a bad byte further down is one rejected row, not a bad file.
    text = head.decode("utf-8-sig", errors="replace")
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise LoadError(f"{file.relative_path}: cannot be read as a UTF-8 CSV file: {exc}") from exc
    if header and any("\ufffd" in name for name in header):
        raise LoadError(
            f"{file.relative_path}: cannot be read as a UTF-8 CSV file: the header row is not valid UTF-8"
        )
    if not header:
        raise LoadError(f"{file.relative_path}: the file is empty (not even a header row)")
    return header


def _header_map(file: LandingFile, delivered: list[str]) -> list[str]:
    """Raw column name (lower case) of each delivered header position, refusing duplicates."""
    targets: list[str] = []
    seen: dict[str, str] = {}
    for name in delivered:
        target = name.strip().lower()
        if not target:
            raise LoadError(f"{file.relative_path}: the header has an empty column name")
        if target in seen:
            raise LoadError(
                f"{file.relative_path}: column {name!r} appears twice in the header "
                f"(header names are case-insensitive; also {seen[target]!r})"
            )
        seen[target] = name
        targets.append(target)
    missing = [c for c in file.object.required if c.lower() not in seen]
    if missing:
        raise LoadError(
            f"{file.relative_path}: required column(s) {', '.join(missing)} missing for "
            f"{file.object.name} (header has: {', '.join(delivered)})"
        )
    return targets


def _create_load_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {FILES_TABLE}")
    con.execute(
        f"""CREATE TABLE {FILES_TABLE} (
            file VARCHAR, object_name VARCHAR, raw_table VARCHAR, file_seq INTEGER,
            size_bytes BIGINT, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT,
            extra_columns VARCHAR, loaded_at TIMESTAMP)"""
    )
    con.execute(f"DROP TABLE IF EXISTS {REJECTS_TABLE}")
    con.execute(
        f"""CREATE TABLE {REJECTS_TABLE} (
            file VARCHAR, object_name VARCHAR, file_seq INTEGER, row_number BIGINT,
            field VARCHAR, reason VARCHAR, error_type VARCHAR, raw_line VARCHAR,
            loaded_at TIMESTAMP)"""
    )


def _store_rejects(
    con: duckdb.DuckDBPyConnection, file: LandingFile, header: list[str], loaded_at: datetime
) -> int:
    """Copy DuckDB's rejects of this file into raw._load_rejects, one row per record.

    DuckDB's `line` counts the header as line 1 and a quoted value spanning lines as one line,
    so `line - 1` is the data row number, as _row_number counts loaded rows.
    """
    field = "CASE column_idx " + " ".join(
        f"WHEN {i + 1} THEN {_literal(name)}" for i, name in enumerate(header)
    ) + " END"
    wrong_count = (
        "'wrong number of fields: ' || replace(replace(error_message, "
        "'Expected Number of Columns: ', 'expected '), ' Found: ', ', found ')"
    )
    con.execute(
        f"""INSERT INTO {REJECTS_TABLE}
        SELECT {_literal(file.relative_path)}, {_literal(file.object.name)}, {file.sequence},
            line - 1,
            CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') THEN NULL ELSE {field} END,
            CASE error_type
                WHEN 'MISSING COLUMNS' THEN {wrong_count}
                WHEN 'TOO MANY COLUMNS' THEN {wrong_count}
                WHEN 'INVALID ENCODING' THEN 'not valid UTF-8'
                WHEN 'UNQUOTED VALUE' THEN 'broken quoting (a quote is not closed, or text follows '
                    || 'a closing quote)'
                    || CASE WHEN contains(csv_line, chr(10))
                        THEN '; the rest of the file ('
                            || (length(csv_line) - length(replace(csv_line, chr(10), '')))
                            || ' lines from this row on) was read as this one row'
                        ELSE '' END
                ELSE lower(error_type) || ': ' || error_message
            END,
            error_type, csv_line, TIMESTAMP {_literal(loaded_at.strftime('%Y-%m-%d %H:%M:%S'))}
        FROM {_REJECTS}
        QUALIFY row_number() OVER (PARTITION BY line ORDER BY byte_position, column_idx) = 1"""
    )
    return con.execute(
        f"SELECT count(*) FROM {REJECTS_TABLE} WHERE file_seq = ?", [file.sequence]
    ).fetchone()[0]


def _load_file(con: duckdb.DuckDBPyConnection, file: LandingFile, loaded_at: datetime) -> FileLoad:
    table = f"{RAW_SCHEMA}.{file.object.table}"
    header = _read_header(file)
    targets = _header_map(file, header)
    con.execute(f"DROP TABLE IF EXISTS {_REJECTS}")
    con.execute(f"DROP TABLE IF EXISTS {_REJECT_SCANS}")
    try:
        # A staging copy keeps the file's row order in rowid, which becomes _row_number.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _landing_file AS "
            f"SELECT * FROM {_read_csv_sql(file.path, len(header))}"
        )
    except duckdb.Error as exc:
        # DuckDB's first line says what is wrong; the rest is advice about its own options.
        reason = str(exc).strip().splitlines()[0]
        raise LoadError(f"{file.relative_path}: cannot be read as a UTF-8 CSV file: {reason}") from exc
    rejected = _store_rejects(con, file, header, loaded_at)

    existing = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    extra = [target for target in targets if target not in existing]
    for column in extra:
        con.execute(f"ALTER TABLE {table} ADD COLUMN {_quote(column)} VARCHAR")

    rows = con.execute("SELECT count(*) FROM _landing_file").fetchone()[0]
    # rowids of a fresh table are contiguous in insertion (= file) order, but inside a
    # transaction they start at an offset. Rejected rows leave gaps in the numbering, so the
    # loaded rows take, in order, the row numbers no reject took.
    landed = "SELECT *, rowid - (SELECT min(rowid) FROM _landing_file) + 1 AS _position FROM _landing_file"
    if rejected:
        numbering = (
            " LEFT JOIN (SELECT row_number() OVER (ORDER BY n) AS _position, n AS _row_number"
            f" FROM range(1, {rows + rejected + 1}) AS numbers(n)"
            f" WHERE n NOT IN (SELECT row_number FROM {REJECTS_TABLE} WHERE file_seq = {file.sequence}))"
            " AS numbering USING (_position)"
        )
        row_number = "numbering._row_number"
    else:
        numbering, row_number = "", "_position"
    select = [f"c{i} AS {_quote(target)}" for i, target in enumerate(targets)]
    select += [
        f"{_literal(file.relative_path)} AS _file",
        f"{file.sequence} AS _file_seq",
        f"{row_number} AS _row_number",
        f"TIMESTAMP {_literal(loaded_at.strftime('%Y-%m-%d %H:%M:%S'))} AS _loaded_at",
    ]
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT {', '.join(select)} FROM ({landed}) AS landed{numbering}"
    )
    con.execute(
        f"INSERT INTO {FILES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file.relative_path, file.object.name, file.object.table, file.sequence,
            file.path.stat().st_size, rows + rejected, rows, rejected, ",".join(extra) or None, loaded_at,
        ],
    )
    con.execute("DROP TABLE _landing_file")
    return FileLoad(file.relative_path, file.object.name, rows, extra, rejected)


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
        _create_load_tables(con)
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
        rejected = f"  ({f.rows_rejected:,} rejected)" if f.rows_rejected else ""
        print(f"{f.rows:>10,} rows  {f.relative_path}  -> {f.object_name}{rejected}")
    for table, rows in report.rows_by_table.items():
        print(f"raw.{table}: {rows:,}")
    print(f"loaded {report.total_rows:,} rows from {len(report.files)} files in {report.seconds:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
