"""Load a landing folder into the raw schema of the build warehouse.

DuckDB's own CSV reader does the parsing (RFC 4180 quoting, multi-line fields, parallel
reads), so no row passes through Python and a 10-million-row file loads in bounded memory.
Every value is kept as delivered (VARCHAR); typing is staging's job.

A load appends only the files it has not loaded before (raw._load_files remembers each file's
path, size and modification time), numbered after the last file loaded, when every new file
sorts after the loaded files of its own object (latest-row-wins reads an object's files in path
order). Anything else (a file changed or removed, a new file sorting before a loaded file of its
object, another landing folder) rebuilds every raw table from all files. Either way the raw
tables hold the same rows in the same order per object; only _file_seq may number the files of
different objects differently (it stays unique and in path order within each object).
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.contract import ALL_OBJECTS, LandingObject
from sources.landing import LandingError, LandingFile, LandingInventory, discover
from sources.sql_quoting import quote_identifier, quote_literal

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
    # "full: <why>" or "incremental: <n> new file(s)"; `files` holds only this run's files.
    mode: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


def _create_raw_table(con: duckdb.DuckDBPyConnection, obj: LandingObject) -> None:
    columns = [f"{quote_identifier(c.lower())} VARCHAR" for c in obj.columns]
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
        f"read_csv({quote_literal(str(path))}, header=true, auto_detect=false, columns={{{columns}}}, "
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
            extra_columns VARCHAR, loaded_at TIMESTAMP, modified_ns BIGINT, landing_dir VARCHAR)"""
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
    field = (
        "CASE column_idx "
        + " ".join(f"WHEN {i + 1} THEN {quote_literal(name)}" for i, name in enumerate(header))
        + " END"
    )
    wrong_count = (
        "'wrong number of fields: ' || replace(replace(error_message, "
        "'Expected Number of Columns: ', 'expected '), ' Found: ', ', found ')"
    )
    con.execute(
        f"""INSERT INTO {REJECTS_TABLE}
        SELECT {quote_literal(file.relative_path)}, {quote_literal(file.object.name)}, {file.sequence},
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
            error_type, csv_line, TIMESTAMP {quote_literal(loaded_at.strftime("%Y-%m-%d %H:%M:%S"))}
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
        con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_identifier(column)} VARCHAR")

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
    select = [f"c{i} AS {quote_identifier(target)}" for i, target in enumerate(targets)]
    select += [
        f"{quote_literal(file.relative_path)} AS _file",
        f"{file.sequence} AS _file_seq",
        f"{row_number} AS _row_number",
        f"TIMESTAMP {quote_literal(loaded_at.strftime('%Y-%m-%d %H:%M:%S'))} AS _loaded_at",
    ]
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT {', '.join(select)} FROM ({landed}) AS landed{numbering}"
    )
    stat = file.path.stat()
    con.execute(
        f"INSERT INTO {FILES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file.relative_path,
            file.object.name,
            file.object.table,
            file.sequence,
            stat.st_size,
            rows + rejected,
            rows,
            rejected,
            ",".join(extra) or None,
            loaded_at,
            stat.st_mtime_ns,
            str(file.path)[: -len(file.relative_path) - 1],
        ],
    )
    con.execute("DROP TABLE _landing_file")
    return FileLoad(file.relative_path, file.object.name, rows, extra, rejected)


def _new_files(
    con: duckdb.DuckDBPyConnection, inventory: LandingInventory
) -> tuple[list[LandingFile] | None, str]:
    """The files to append to what raw holds, or None and the reason a full rebuild is needed."""
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE schema_name = ? AND database_name = current_database()",
            [RAW_SCHEMA],
        ).fetchall()
    }
    needed = {obj.table for obj in ALL_OBJECTS} | {FILES_TABLE.split(".")[1], REJECTS_TABLE.split(".")[1]}
    if not needed <= tables:
        return None, "no complete earlier load in this warehouse"
    columns = {row[0] for row in con.execute(f"DESCRIBE {FILES_TABLE}").fetchall()}
    if not {"modified_ns", "landing_dir"} <= columns:
        return None, "the earlier load did not record file sizes and times"
    loaded = {
        row[0]: row[1:]
        for row in con.execute(
            f"SELECT file, size_bytes, modified_ns, landing_dir, file_seq FROM {FILES_TABLE}"
        ).fetchall()
    }
    current = {f.relative_path: f for f in inventory.files}
    for path, (size, modified_ns, landing_dir, _) in sorted(loaded.items()):
        if landing_dir != str(inventory.root):
            return None, f"the earlier load read another landing folder ({landing_dir})"
        if path not in current:
            return None, f"{path} was loaded before and is gone"
        stat = current[path].path.stat()
        if (stat.st_size, stat.st_mtime_ns) != (size, modified_ns):
            return None, f"{path} changed since it was loaded (size or modification time)"
    # Latest-row-wins reads an object's files in path order: a new file may only come after
    # every loaded file of its object. Files of other objects do not matter.
    last_loaded: dict[str, str] = {}
    for path in loaded:
        name = current[path].object.name
        last_loaded[name] = max(last_loaded.get(name, path), path)
    new = [f for f in inventory.files if f.relative_path not in loaded]
    for file in new:
        last = last_loaded.get(file.object.name)
        if last is not None and file.relative_path < last:
            return None, f"new file {file.relative_path} sorts before the loaded {last}"
    # Sequence numbers go on from the last one used: unique, and in path order within an object.
    next_seq = max((row[3] for row in loaded.values()), default=-1) + 1
    return [replace(f, sequence=next_seq + i) for i, f in enumerate(new)], f"{len(new)} new file(s)"


def load_inventory(
    con: duckdb.DuckDBPyConnection, inventory: LandingInventory, *, full_reload: bool = False
) -> LoadReport:
    """Bring schema raw up to the files of an inventory, in one transaction: append the new
    files when that gives the same tables as a rebuild, else (or if full_reload) rebuild."""
    started = time.perf_counter()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    report = LoadReport(landing_dir=str(inventory.root), ignored=list(inventory.ignored))
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        to_load, why = (None, "requested") if full_reload else _new_files(con, inventory)
        if to_load is None:
            report.mode = f"full: {why}"
            for obj in ALL_OBJECTS:
                _create_raw_table(con, obj)
            _create_load_tables(con)
            to_load = inventory.files
        else:
            report.mode = f"incremental: {why}"
        for file in to_load:
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
    log.info("load (%s): %d file(s) in %.2fs", report.mode, len(report.files), report.seconds)
    return report


def load_landing(landing_dir: Path, warehouse: Path, *, full_reload: bool = False) -> LoadReport:
    """Discover and load a landing folder into `warehouse` (a DuckDB file); see load_inventory."""
    inventory = discover(landing_dir)
    if not any(f.object.is_crm for f in inventory.files):
        raise LandingError(f"landing folder {landing_dir} holds no CRM files (crm/**/<Object>.csv)")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with connect_for_writing(warehouse) as con:
        return load_inventory(con, inventory, full_reload=full_reload)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for the load and dbt (profiles.yml reads the same variable)."""
    return os.environ.get("SALESOPS_DUCKDB_MEMORY_LIMIT") or "6GB"


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
            return duckdb.connect(str(warehouse), config={"memory_limit": duckdb_memory_limit()})
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
    parser.add_argument("--full-reload", action="store_true", help="rebuild raw from every file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    report = load_landing(args.landing_dir, args.warehouse, full_reload=args.full_reload)
    for f in report.files:
        rejected = f"  ({f.rows_rejected:,} rejected)" if f.rows_rejected else ""
        print(f"{f.rows:>10,} rows  {f.relative_path}  -> {f.object_name}{rejected}")
    for table, rows in report.rows_by_table.items():
        print(f"raw.{table}: {rows:,}")
    print(f"loaded {report.total_rows:,} rows from {len(report.files)} files in {report.seconds:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
