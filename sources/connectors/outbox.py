"""From a dlt load to one landing folder, atomically, with the cursor never ahead of the landing.

A connector run has two steps:

1. dlt extracts the changed records (its incremental cursors filter them) and loads them, as
   contract-shaped rows, into a local DuckDB *outbox* (one table per contract object). dlt commits
   the rows, the load's entry in `_dlt_loads` and the advanced cursor state together: if the
   extraction fails (a 500 after the last retry, say), no load is committed and the cursor stays.
2. Every load in the outbox not landed yet becomes one landing folder,
   `<landing>/crm/<connector>/<yyyymmddThhmmssffffffZ of the load>/<Object>.csv`. The files are
   written in a staging folder outside `crm/` (the loader ignores it) and the folder is renamed
   into place in one step, so the loader sees all of a run's files or none. Only then is the load
   marked landed and its outbox rows dropped, in one DuckDB transaction.

So a cursor that dlt has advanced always has its records either landed or waiting in the outbox,
and the next run lands them first. A run killed after the rename but before the mark finds its
folder already in place (the name derives from the load id) and only marks it.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dlt
import duckdb
from dlt.extract.resource import DltResource

from sources.connectors.values import EPOCH_CURSOR
from sources.contract import CRM_OBJECTS, LandingObject
from sources.sql_quoting import quote_identifier

log = logging.getLogger(__name__)

CURSOR_COLUMN = "_cursor"  # the source record's modification time, in values.cursor_value form
LANDED_TABLE = "_salesops_landed"
VERSIONS_TABLE = "_salesops_landed_versions"  # the last landed content of each record
STAGING_FOLDER = ".connector-staging"  # under the landing root, outside crm/: never loaded

_OBJECTS_BY_NAME = {o.name: o for o in CRM_OBJECTS}


def landing_row(object_name: str, row: dict[str, str | None], cursor: str) -> object:
    """One contract row for the outbox table of `object_name`, tagged with its record's cursor.

    Every row derived from one API record carries that record's cursor, so dlt's incremental
    filter keeps or drops them together (a deal and its history rows, a contact and its lead).
    """
    if object_name not in _OBJECTS_BY_NAME:
        raise ValueError(f"{object_name} is not a contract CRM object")
    # None becomes "" (both land as an empty field): dlt would not create a column that only
    # ever held nulls, and every column should exist in the outbox from the first load.
    values = {name: "" if value is None else value for name, value in row.items()}
    return dlt.mark.with_table_name({**values, CURSOR_COLUMN: cursor}, object_name)


def lag_seconds() -> float:
    """How far before its cursor each run reads again (SALESOPS_CONNECTOR_LAG_SECONDS, default
    3600). A record changed while a run pages past it gets a modification time below the run's
    final cursor (HubSpot lists by id, not by time; Salesforce stamps a change when its transaction
    starts, not when it becomes visible). Reading again from a bit before the cursor catches it;
    what was landed already is recognised in the outbox and not landed twice. It must exceed the
    longest run."""
    return float(os.environ.get("SALESOPS_CONNECTOR_LAG_SECONDS") or 3600)


ChangedRows = Callable[[str], Iterable[tuple[str, dict[str, str | None], str]]]


def changed_rows_resource(name: str, rows: ChangedRows) -> DltResource:
    """A dlt resource of contract rows with its own incremental cursor (kept between runs).

    `rows(since)` gets the cursor the run starts from (the last run's, less the lag) and yields
    (object name, row, the cursor of the row's source record); dlt keeps only rows whose cursor is
    at or past `since`. Rows an earlier run landed unchanged are dropped at landing.
    """

    lag = lag_seconds()

    def changed(
        modified: dlt.sources.incremental[str] = dlt.sources.incremental(  # noqa: B008
            CURSOR_COLUMN, initial_value=EPOCH_CURSOR, lag=lag
        ),
    ) -> Iterator[object]:
        for object_name, row, cursor in rows(modified.start_value):
            yield landing_row(object_name, row, cursor)

    return dlt.resource(changed, name=name)


@dataclass
class LandedFolder:
    load_id: str
    relative_path: str  # POSIX, relative to the landing folder
    rows_by_object: dict[str, int] = field(default_factory=dict)


@dataclass
class ConnectorReport:
    connector: str
    landed: list[LandedFolder] = field(default_factory=list)

    @property
    def rows_by_object(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for folder in self.landed:
            for name, rows in folder.rows_by_object.items():
                totals[name] = totals.get(name, 0) + rows
        return totals


def _key(column: str) -> str:
    # dlt's snake_case naming turns LastModifiedDate into last_modified_date and MQL_Date__c into
    # mql_date__c; letters and digits alone identify a contract column either way.
    return re.sub(r"[^a-z0-9]", "", column.lower())


def folder_name(load_id: str) -> str:
    """The landing folder of a load: its UTC start time, fixed width, so later loads sort later
    (and after dated export folders such as crm/2024-06-01/, whose names start with a digit)."""
    started = datetime.fromtimestamp(float(load_id), UTC)
    return started.strftime("%Y%m%dT%H%M%S%fZ")


class Outbox:
    """A connector's dlt pipeline and its DuckDB outbox, under `state_dir`."""

    def __init__(self, connector: str, state_dir: Path) -> None:
        os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
        # A loaded package's data files would be a second copy of what is landed: dlt drops them.
        os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
        self.connector = connector
        self.dataset = "outbox"
        self.path = state_dir / f"{connector}.duckdb"
        state_dir.mkdir(parents=True, exist_ok=True)
        self.pipeline = dlt.pipeline(
            pipeline_name=f"salesops_{connector}",
            pipelines_dir=str(state_dir / "pipelines"),
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name=self.dataset,
        )

    def extract(self, resources: Iterable[DltResource]) -> None:
        """Run dlt: changed records into the outbox, cursors advanced with them."""
        schema = dlt.Schema(self.connector)
        # Values stay text as the API sent them; staging types them like any landing file.
        schema.remove_type_detection("iso_timestamp")
        self.pipeline.run(list(resources), schema=schema)

    def land_pending(self, landing_dir: Path) -> list[LandedFolder]:
        """Land every committed load not landed yet, oldest first."""
        if not self.path.exists():
            return []
        landed: list[LandedFolder] = []
        con = duckdb.connect(str(self.path))
        try:
            schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
            if self.dataset not in schemas:
                return []
            ds = quote_identifier(self.dataset)
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {ds}.{LANDED_TABLE} (load_id VARCHAR PRIMARY KEY, "
                "folder VARCHAR, row_count BIGINT, landed_at TIMESTAMP)"
            )
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {ds}.{VERSIONS_TABLE} (object VARCHAR, id VARCHAR, "
                "row_hash VARCHAR, PRIMARY KEY (object, id))"
            )
            pending = [
                r[0]
                for r in con.execute(
                    f"SELECT load_id FROM {ds}._dlt_loads WHERE status = 0 AND load_id NOT IN "
                    f"(SELECT load_id FROM {ds}.{LANDED_TABLE}) ORDER BY load_id"
                ).fetchall()
            ]
            tables = self._object_tables(con)
            for load_id in pending:
                folder = self._land_load(con, load_id, tables, landing_dir)
                if folder.relative_path:  # a load of nothing new lands no folder
                    landed.append(folder)
        finally:
            con.close()
        return landed

    def _object_tables(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Contract object name -> outbox table, for the objects this connector has loaded."""
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [self.dataset]
            ).fetchall()
        }
        by_key = {_key(t): t for t in present}
        return {o.name: by_key[_key(o.name)] for o in CRM_OBJECTS if _key(o.name) in by_key}

    def _rows(
        self, con: duckdb.DuckDBPyConnection, obj: LandingObject, table: str, load_id: str
    ) -> list[list[str | None]]:
        """The load's rows of one object in contract column order; one row per Id (the latest)."""
        relation = f"{quote_identifier(self.dataset)}.{quote_identifier(table)}"
        cursor = con.execute(
            f"SELECT * FROM {relation} WHERE _dlt_load_id = ? ORDER BY {CURSOR_COLUMN}, rowid",
            [load_id],
        )
        names = [d[0] for d in cursor.description]
        by_key = {_key(n): i for i, n in enumerate(names)}
        positions = [by_key.get(_key(c)) for c in obj.columns]
        latest: dict[str, list[str | None]] = {}
        for record in cursor.fetchall():
            row = [None if p is None else record[p] for p in positions]
            # A record changed while its listing was paged can come twice; the later one wins.
            latest[str(row[0])] = row
        return list(latest.values())

    def _new_versions(
        self, con: duckdb.DuckDBPyConnection, object_name: str, rows: list[list[str | None]]
    ) -> list[list[str | None]]:
        """The rows that differ from their record's last landed row (re-read in the lag window,
        or re-extracted after the state was lost, a record lands again only if it changed)."""
        versions = f"{quote_identifier(self.dataset)}.{VERSIONS_TABLE}"
        landed = dict(
            con.execute(
                f"SELECT id, row_hash FROM {versions} WHERE object = ?",
                [object_name],
            ).fetchall()
        )
        return [row for row in rows if landed.get(str(row[0])) != _row_hash(row)]

    def _land_load(
        self,
        con: duckdb.DuckDBPyConnection,
        load_id: str,
        tables: dict[str, str],
        landing_dir: Path,
    ) -> LandedFolder:
        relative = f"crm/{self.connector}/{folder_name(load_id)}"
        target = landing_dir / relative
        result = LandedFolder(load_id=load_id, relative_path=relative)
        rows_by_object = {
            name: self._new_versions(con, name, self._rows(con, _OBJECTS_BY_NAME[name], table, load_id))
            for name, table in tables.items()
        }
        rows_by_object = {name: rows for name, rows in rows_by_object.items() if rows}
        result.rows_by_object = {name: len(rows) for name, rows in rows_by_object.items()}
        if target.exists():
            log.info("%s is already in place (an earlier run stopped before marking it)", relative)
        elif rows_by_object:
            staging = landing_dir / STAGING_FOLDER / self.connector / folder_name(load_id)
            if staging.exists():
                shutil.rmtree(staging)  # left by a run killed while writing
            staging.mkdir(parents=True)
            for name, rows in rows_by_object.items():
                _write_csv(staging / f"{name}.csv", _OBJECTS_BY_NAME[name].columns, rows)
            _fsync_dir(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging, target)
            _fsync_dir(target.parent)
            _remove_empty_parents(staging.parent, landing_dir)
            log.info("landed %s: %s", relative, result.rows_by_object)
        ds = quote_identifier(self.dataset)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"INSERT INTO {ds}.{LANDED_TABLE} VALUES (?, ?, ?, now()::TIMESTAMP)",
                [load_id, relative if rows_by_object else None, sum(result.rows_by_object.values())],
            )
            versions = [
                (name, str(row[0]), _row_hash(row)) for name, rows in rows_by_object.items() for row in rows
            ]
            if versions:
                con.executemany(f"INSERT OR REPLACE INTO {ds}.{VERSIONS_TABLE} VALUES (?, ?, ?)", versions)
            for table in tables.values():
                con.execute(f"DELETE FROM {ds}.{quote_identifier(table)} WHERE _dlt_load_id = ?", [load_id])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if not rows_by_object:
            result.relative_path = ""
        return result


def _row_hash(row: list[str | None]) -> str:
    return hashlib.sha256(json.dumps(row).encode()).hexdigest()


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[str | None]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # RFC 4180
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


class ConnectorBusyError(Exception):
    """Another run of the same connector holds its state folder."""


@contextmanager
def exclusive_run(connector: str, state_dir: Path) -> Iterator[None]:
    """One run per connector and state folder at a time (a schedule and a manual run, say):
    two would share dlt's working folder and the outbox."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / f"{connector}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ConnectorBusyError(f"another {connector} run is using {state_dir}") from exc
        yield


def run_connector(
    connector: str, resources: Iterable[DltResource], landing_dir: Path, state_dir: Path
) -> ConnectorReport:
    """Land what an earlier run left in the outbox, extract the changes, land them."""
    with exclusive_run(connector, state_dir):
        outbox = Outbox(connector, state_dir)
        report = ConnectorReport(connector=connector)
        report.landed += outbox.land_pending(landing_dir)
        outbox.extract(resources)
        report.landed += outbox.land_pending(landing_dir)
        return report
