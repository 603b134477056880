"""Incremental dbt builds equal full rebuilds, table by table.

The landing is a generated demo (a seed the other tests do not use, so a landing these models
were not tuned on). Its last nightly export is held back, the rest is loaded and built; then
the export arrives, is appended by the loader and built incrementally (no --full-refresh).
Every table dbt builds (base, intermediate, facts and marts) must then hold exactly the rows
that `dbt build --full-refresh` gives on a copy of the same warehouse (same raw tables, so the
same file numbers; that an appended load equals a full reload is tests/test_incremental_load.py).
A second case reloads raw in full with a file removed (new load times, renumbered files) under
tables that were built incrementally: the next plain build must again equal a full rebuild.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from benchmarks.mixed_export import add_mixed_export, later_file, read_csv, write_csv
from orchestration.table_diff import compare_tables
from sources.demo.generator import generate_landing
from sources.load import load_landing
from tests.conftest import DBT_PROJECT_DIR, run_dbt


def build(warehouse: Path, *args: str, project_dir: Path = DBT_PROJECT_DIR) -> None:
    result = run_dbt(
        warehouse, "build", "--exclude-resource-type", "test", "unit_test", *args, project_dir=project_dir
    )
    assert result.returncode == 0, result.stdout[-3000:]


# When an incremental model (re)built a row (macros/incremental_month_end_states.sql), and the
# staging files it had read then (macros/incremental_opportunity_history.sql): differs between
# any two builds by design.
BUILD_TIME_COLUMNS = (
    "_built_at",
    "_state_built_at",
    "_followed_through",
    "_history_file_seq",
    "_history_loaded_at",
    "_opportunity_file_seq",
    "_opportunity_loaded_at",
    "_ad_spend_file_seq",
    "_ad_spend_loaded_at",
    "_sm_expenses_file_seq",
    "_sm_expenses_loaded_at",
)


def assert_same_tables(built: Path, reference: Path) -> int:
    """Every dbt-built table of `built` holds the rows of `reference`'s (both directions, with
    duplicates). Returns how many tables were compared."""
    diffs = compare_tables(
        built, reference, ("staging", "intermediate", "marts"), ignore_columns=BUILD_TIME_COLUMNS
    )
    assert [d.describe() for d in diffs if not d.same] == []
    return len(diffs)


def compiled_staging_sql(warehouse: Path, model: str) -> str:
    """The SQL the last build ran for a staging model (run_dbt keeps dbt's target beside it)."""
    return (
        warehouse.parent
        / "dbt_target"
        / "compiled"
        / "salesops"
        / "models"
        / "staging"
        / "crm"
        / f"{model}.sql"
    ).read_text(encoding="utf-8")


REPLAYED_SUBJECT = "replayed older copy"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo landing plus, in the last export, an older copy of a task of the first export
    (LastModifiedDate a day before its original's): a record may arrive again in its older
    state, and the newer row must stay current however the files were built."""
    path = tmp_path_factory.mktemp("incremental_build") / "landing"
    generate_landing(path, scale=0.05, seed=11)
    days = sorted((path / "crm").iterdir())
    header, tasks = read_csv(days[0] / "Task.csv")
    task = tasks[0]
    assert task["LastModifiedDate"] > "2022-12-31"
    older = {**task, "Subject": REPLAYED_SUBJECT, "LastModifiedDate": "2022-12-31T00:00:00.000+0000"}
    older["SystemModstamp"] = older["LastModifiedDate"]
    write_csv(days[-1] / "Task_replayed.csv", header, [older])
    return path


def full_rebuild_of(warehouse: Path, tmp_path: Path, *args: str, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """A copy of `warehouse` (raw included) with every dbt table rebuilt from scratch."""
    reference = tmp_path / "reference" / "warehouse.duckdb"
    shutil.rmtree(reference.parent, ignore_errors=True)
    reference.parent.mkdir(parents=True)
    shutil.copy(warehouse, reference)
    build(reference, "--full-refresh", *args, project_dir=project_dir)
    return reference


def rows_rebuilt(
    warehouse: Path, table: str = "int_pipeline_month_end_state", since: datetime.datetime | None = None
) -> tuple[int, int]:
    """(rows written by the last build that wrote any, or by the builds after `since`, rows) of
    an incremental intermediate table with _built_at. Without `since`, a build that wrote
    nothing counts as the one before it: only assert "fewer than all" that way."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        states = f"intermediate.{table}"
        if since is None:
            written = f"_built_at = (SELECT max(_built_at) FROM {states})"
            return con.execute(f"SELECT count(*) FILTER (WHERE {written}), count(*) FROM {states}").fetchone()
        return con.execute(
            f"SELECT count(*) FILTER (WHERE _built_at > ?), count(*) FROM {states}", [since]
        ).fetchone()


def last_built_at(warehouse: Path, table: str) -> datetime.datetime:
    """The stamp of the last build that wrote rows of an incremental intermediate table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT max(_built_at) FROM intermediate.{table}").fetchone()[0]


def keys_rebuilt(con: duckdb.DuckDBPyConnection, table: str, key: str = "opportunity_id") -> set[str]:
    """The keys (opportunities, leads) of the rows of an incremental intermediate table that
    its last build wrote."""
    table = f"intermediate.{table}"
    return {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {key} FROM {table} WHERE _built_at = (SELECT max(_built_at) FROM {table})"
        ).fetchall()
    }


def build_then_append_last_export(
    landing: Path, warehouse: Path, tmp_path: Path, project_dir: Path = DBT_PROJECT_DIR
) -> Path:
    """Loads and builds `landing` without its last CRM export, then appends the export to raw
    (not yet built). Returns the export's folder."""
    last_day = max((landing / "crm").iterdir())
    held_back = tmp_path / "held_back"
    shutil.move(last_day, held_back)
    try:
        load_landing(landing, warehouse)
        build(warehouse, project_dir=project_dir)
    finally:
        shutil.move(held_back, last_day)
    report = load_landing(landing, warehouse)
    assert report.mode.startswith("incremental"), report.mode
    return last_day


def test_a_nightly_export_built_incrementally_equals_a_full_rebuild(landing: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    last_day = build_then_append_last_export(landing, incremental, tmp_path)
    with duckdb.connect(str(incremental), read_only=True) as con:
        validated_before = con.execute(
            "SELECT count(*) FROM staging.base_crm__opportunity_history"
        ).fetchone()[0]
    build(incremental)
    # The nightly build really read only the new files (and did not fall back to a rebuild).
    assert "appended files only" in compiled_staging_sql(incremental, "stg_crm__opportunity_history")
    assert "appended files only" in compiled_staging_sql(incremental, "stg_crm__tasks")

    # The incremental intermediate tables were rebuilt only where something changed: the deals
    # (and their status and movements) of the export, the as-of month (its cutoff moved), the
    # months new to the range, the leads of new activity files.
    for table in (
        "int_opportunity_history",
        "int_pipeline_month_end_state",
        "int_pipeline_month_end_status",
        "int_opportunity_stage_spells",
        "int_lead_first_activity",
        "int_pipeline_movements_monthly",
    ):
        rebuilt, rows = rows_rebuilt(incremental, table)
        assert 0 < rebuilt < rows / 2, (table, rebuilt, rows)

    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60
    with duckdb.connect(str(incremental), read_only=True) as con:
        validated_after = con.execute(
            "SELECT count(*) FROM staging.base_crm__opportunity_history"
        ).fetchone()[0]
        new_rows = con.execute(
            "SELECT sum(rows_loaded) FROM raw._load_files "
            f"WHERE raw_table = 'crm_opportunity_history' AND file LIKE 'crm/{last_day.name}/%'"
        ).fetchone()[0]
        replayed = con.execute(
            "SELECT count(*) FROM staging.stg_crm__tasks WHERE subject = ?", [REPLAYED_SUBJECT]
        ).fetchone()[0]
    # The export really added history rows, and they reached the incrementally kept table.
    assert new_rows > 0
    assert validated_after == validated_before + new_rows
    assert replayed == 0


def test_a_full_reload_under_incremental_tables_equals_a_full_rebuild(landing: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    # A file disappears: the loader rebuilds raw with fresh load times and renumbered files.
    first_day = min((landing / "crm").iterdir())
    removed = next(p for p in sorted(first_day.iterdir()) if p.name.startswith("OpportunityHistory"))
    kept = tmp_path / removed.name
    shutil.move(removed, kept)
    try:
        report = load_landing(landing, incremental)
        assert report.mode.startswith("full"), report.mode
        built_before = last_built_at(incremental, "int_lead_first_activity")
        build(incremental)
        # Under a reloaded raw the incremental tables rebuild themselves from every row.
        assert "appended files only" not in compiled_staging_sql(incremental, "stg_crm__tasks")
        rebuilt, rows = rows_rebuilt(incremental, "int_lead_first_activity", since=built_before)
        assert rebuilt == rows > 0
        reference = full_rebuild_of(incremental, tmp_path)
    finally:
        shutil.move(kept, removed)
    assert assert_same_tables(incremental, reference) > 60


def current_raw_records(warehouse: Path, raw_table: str, ids: list[str]) -> tuple[list[str], list[dict]]:
    """(columns, rows) of the current raw version of records: the landing's columns only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute(
            f"SELECT * FROM raw.{raw_table} WHERE id IN ({', '.join('?' for _ in ids)}) "
            # the current version: the landing may also hold an older copy in a later file
            "QUALIFY row_number() OVER (PARTITION BY id ORDER BY lastmodifieddate DESC, _file_seq DESC) = 1",
            ids,
        )
        names = [d[0] for d in raw.description]
        columns = [name for name in names if not name.startswith("_")]
        rows = [{c: r[names.index(c)] for c in columns} for r in raw.fetchall()]
    assert len(rows) == len(ids), (raw_table, ids)
    return columns, rows


@contextlib.contextmanager
def later_export(landing: Path, records: dict[str, tuple[list[str], list[dict]]]) -> Iterator[None]:
    """New versions of records (modified a second later), per object name `(columns, rows)`, in a
    CRM folder after the landing's last, removed on exit."""
    folder = landing / "crm" / f"{max((landing / 'crm').iterdir()).name}z"
    folder.mkdir()
    try:
        for object_name, (columns, rows) in records.items():
            for row in rows:
                # The record's last-modified instant (sources.md): LastModifiedDate, else
                # SystemModstamp; with neither (history rows may have none), the later file
                # wins the tie on CreatedDate.
                stamps = [c for c in ("lastmodifieddate", "systemmodstamp") if row.get(c)]
                if stamps:
                    modified = datetime.datetime.strptime(row[stamps[0]], "%Y-%m-%dT%H:%M:%S.%f%z")
                    later = (modified + datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000%z")
                    for column in stamps:
                        row[column] = later
            write_csv(folder / f"{object_name}.csv", columns, rows)
        yield
    finally:
        shutil.rmtree(folder)


def test_a_first_activity_moved_or_deleted_rebuilds_the_leads_it_concerns(
    landing: Path, tmp_path: Path
) -> None:
    """int_lead_first_activity finds what changed from the activity rows of new files only.
    A new file moves lead A's first activity to lead B and deletes lead C's: A and C lose
    their first activity (the new rows name B, or nobody), B may gain one; all three must be
    rebuilt, few others, and the table must equal a full rebuild."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        firsts = con.execute(
            "SELECT lead_id, first_activity_id FROM intermediate.int_lead_first_activity "
            "WHERE first_activity_object = 'Task' ORDER BY lead_id LIMIT 2"
        ).fetchall()
        (lead_a, task_a), (lead_c, task_c) = firsts
        lead_b = con.execute(
            "SELECT min(lead_id) FROM intermediate.int_lead_first_activity WHERE lead_id NOT IN (?, ?)",
            [lead_a, lead_c],
        ).fetchone()[0]
    columns, rows = current_raw_records(incremental, "crm_task", [task_a, task_c])
    for row in rows:
        if row["id"] == task_a:
            row["whoid"] = lead_b
        else:
            row["isdeleted"] = "true"
    with later_export(landing, {"Task": (columns, rows)}):
        report = load_landing(landing, incremental)
        assert report.mode.startswith("incremental"), report.mode
        build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        rebuilt = keys_rebuilt(con, "int_lead_first_activity", "lead_id")
        leads = con.execute("SELECT count(*) FROM intermediate.int_lead_first_activity").fetchone()[0]
        moved_to = con.execute(
            "SELECT who_id, is_deleted FROM staging.stg_crm__tasks WHERE task_id = ?", [task_a]
        ).fetchone()
    assert {lead_a, lead_b, lead_c} <= rebuilt
    assert moved_to == (lead_b, False)
    assert len(rebuilt) < leads / 2, (len(rebuilt), leads)
    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60


def test_a_moved_history_row_and_a_new_currency_rebuild_only_the_rows_they_concern(
    landing: Path, tmp_path: Path
) -> None:
    """int_opportunity_history finds what changed from the staging rows of new files only. A
    new file moves one history row of deal A to deal B; another changes deal C's currency, which
    re-prices every history row of C. Exactly the moved row and C's rows are rebuilt (a row does
    not depend on its siblings, so B's other rows hold), and the table equals a full rebuild."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    history = "intermediate.int_opportunity_history"
    with duckdb.connect(str(incremental), read_only=True) as con:
        deal_c = con.execute(
            f"SELECT opportunity_id FROM {history} AS history "
            "JOIN intermediate.int_opportunities USING (opportunity_id) WHERE currency_code = 'EUR' "
            "GROUP BY opportunity_id HAVING count(history.amount) >= 2 "
            "ORDER BY opportunity_id LIMIT 1"
        ).fetchone()[0]
        moved_row, deal_a = con.execute(
            f"SELECT opportunity_history_id, opportunity_id FROM {history} WHERE opportunity_id <> ? "
            "ORDER BY opportunity_history_id LIMIT 1",
            [deal_c],
        ).fetchone()
        deal_b = con.execute(
            f"SELECT min(opportunity_id) FROM {history} WHERE opportunity_id NOT IN (?, ?)", [deal_a, deal_c]
        ).fetchone()[0]
        amounts_of_c = (
            f"SELECT opportunity_history_id, amount_reporting FROM {history} WHERE opportunity_id = ?"
        )
        before = dict(con.execute(amounts_of_c, [deal_c]).fetchall())
    history_columns, history_rows = current_raw_records(incremental, "crm_opportunity_history", [moved_row])
    history_rows[0]["opportunityid"] = deal_b
    deal_columns, deal_rows = current_raw_records(incremental, "crm_opportunity", [deal_c])
    assert deal_rows[0]["currencyisocode"] == "EUR"
    deal_rows[0]["currencyisocode"] = "GBP"
    with later_export(
        landing,
        {"OpportunityHistory": (history_columns, history_rows), "Opportunity": (deal_columns, deal_rows)},
    ):
        report = load_landing(landing, incremental)
        assert report.mode.startswith("incremental"), report.mode
        build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        rebuilt = keys_rebuilt(con, "int_opportunity_history", "opportunity_history_id")
        after = dict(con.execute(amounts_of_c, [deal_c]).fetchall())
        moved_to = con.execute(
            f"SELECT opportunity_id FROM {history} WHERE opportunity_history_id = ?", [moved_row]
        ).fetchone()[0]
    assert rebuilt == set(before) | {moved_row}
    assert moved_to == deal_b
    # Every priced row of C was re-priced (EUR and GBP rates differ).
    assert set(after) == set(before)
    assert all(after[row] != amount for row, amount in before.items() if amount is not None)
    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60


def restate_in_a_later_file(folder: Path, pattern: str, rows_of: Callable[[list[dict]], list[dict]]) -> Path:
    """Writes a file that sorts after every `pattern` file of `folder` (so the loader appends
    it) with the rows `rows_of` makes from the last file's rows."""
    later, files = later_file(folder, pattern, "nightly")
    header, rows = read_csv(files[-1])
    write_csv(later, header, rows_of(rows))
    return later


def test_spend_and_expenses_delivered_again_rebuild_only_their_conversions(
    landing: Path, tmp_path: Path
) -> None:
    """int_currency_conversions follows the ad spend and expense staging rows by a watermark,
    as it follows the deals': a later spend file that restates one day of a campaign and adds a
    new day, and a later expense file that restates one month, rebuild exactly the conversions
    of those three records, and the table equals a full rebuild."""
    copied = tmp_path / "landing"
    shutil.copytree(landing, copied)
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(copied, warehouse)
    build(warehouse)
    built_before = last_built_at(warehouse, "int_currency_conversions")

    def spend_rows(rows: list[dict]) -> list[dict]:
        last_day = datetime.date.fromisoformat(max(row["date"] for row in rows))
        restated = {**rows[0], "spend": f"{float(rows[0]['spend']) * 1.1:.2f}"}
        return [restated, {**rows[0], "date": (last_day + datetime.timedelta(days=1)).isoformat()}]

    def expense_rows(rows: list[dict]) -> list[dict]:
        return [{**rows[0], "amount": f"{float(rows[0]['amount']) * 1.1:.2f}"}]

    restate_in_a_later_file(copied / "marketing", "ad_spend*.csv", spend_rows)
    restate_in_a_later_file(copied / "finance", "sm_expenses*.csv", expense_rows)
    report = load_landing(copied, warehouse)
    assert report.mode.startswith("incremental"), report.mode
    build(warehouse)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rebuilt = set(
            con.execute(
                "SELECT object_name, record_id FROM intermediate.int_currency_conversions "
                "WHERE _built_at > ?",
                [built_before],
            ).fetchall()
        )
        delivered = set(
            con.execute(
                "SELECT 'ad_spend', ad_spend_id FROM staging.stg_marketing__ad_spend "
                "WHERE _file_seq = (SELECT max(_file_seq) FROM staging.stg_marketing__ad_spend) "
                "UNION ALL SELECT 'sm_expenses', sm_expense_id FROM staging.stg_finance__sm_expenses "
                "WHERE _file_seq = (SELECT max(_file_seq) FROM staging.stg_finance__sm_expenses)"
            ).fetchall()
        )
    assert len(delivered) == 3, delivered
    assert rebuilt == delivered
    reference = full_rebuild_of(warehouse, tmp_path)
    assert assert_same_tables(warehouse, reference) > 60


def test_a_deleted_opportunity_leaves_the_pipeline_movements(landing: Path, tmp_path: Path) -> None:
    """A deleted opportunity loses every month-end state, and no state of it is rebuilt, so no
    new status row tells the pipeline movements: they must still drop its rows. The deal is
    one whose movements lie between the range's first month and the as-of month (those two
    months are rebuilt every night anyway)."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    movements = "intermediate.int_pipeline_movements_monthly"
    with duckdb.connect(str(incremental), read_only=True) as con:
        deleted = con.execute(
            f"SELECT opportunity_id FROM {movements} GROUP BY opportunity_id "
            "HAVING min(month) > (SELECT range_start_month FROM intermediate.int_reporting_calendar) "
            "AND max(month) < (SELECT as_of_month FROM intermediate.int_reporting_calendar) "
            "ORDER BY opportunity_id LIMIT 1"
        ).fetchone()[0]
    columns, rows = current_raw_records(incremental, "crm_opportunity", [deleted])
    rows[0]["isdeleted"] = "true"
    with later_export(landing, {"Opportunity": (columns, rows)}):
        report = load_landing(landing, incremental)
        assert report.mode.startswith("incremental"), report.mode
        build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        left = con.execute(
            f"SELECT count(*) FROM {movements} WHERE opportunity_id = ?", [deleted]
        ).fetchone()[0]
        states = con.execute(
            "SELECT count(*) FROM intermediate.int_pipeline_month_end_status WHERE opportunity_id = ?",
            [deleted],
        ).fetchone()[0]
    assert (left, states) == (0, 0)
    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60


def test_a_mixed_delivery_built_incrementally_equals_a_full_rebuild(landing: Path, tmp_path: Path) -> None:
    """A delivery that changes every kind of input (benchmarks/mixed_export.py: changed leads,
    accounts, users, activities, deletions, late older copies, restated rates, spend, expenses
    and quotas), appended and built without --full-refresh, gives every table a full rebuild
    gives. benchmarks/verify_incremental.py compares the published marts of the same delivery;
    this compares every table dbt builds, intermediate ones included."""
    copied = tmp_path / "landing"
    shutil.copytree(landing, copied)
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(copied, incremental)
    build(incremental)
    export = add_mixed_export(copied, fraction=0.05)
    assert {"Opportunity", "Lead", "Task", "DatedConversionRate", "ad spend"} <= set(export.changed)
    report = load_landing(copied, incremental)
    assert report.mode.startswith("incremental"), report.mode
    build(incremental)
    for table in ("int_pipeline_month_end_state", "int_lead_first_activity"):
        rebuilt, rows = rows_rebuilt(incremental, table)
        assert 0 < rebuilt < rows / 2, (table, rebuilt, rows)
    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60


def test_moving_the_as_of_date_rebuilds_the_months_it_changes(landing: Path, tmp_path: Path) -> None:
    """The as-of month's states are cut off at the as-of date, other months' at their end: when
    the as-of date moves to a later month, the old as-of month becomes an ordinary month and a
    new month enters the range; when it moves back, months leave the range."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        as_of = con.execute("SELECT as_of_date FROM intermediate.int_reporting_calendar").fetchone()[0]
    earlier = as_of.replace(day=10) - datetime.timedelta(days=62)  # two months before, mid-month
    for moved_to in (earlier, earlier + datetime.timedelta(days=31), earlier - datetime.timedelta(days=93)):
        dbt_vars = ("--vars", f"{{as_of_date: '{moved_to.isoformat()}'}}")
        build(incremental, *dbt_vars)
        rebuilt, states = rows_rebuilt(incremental)
        assert 0 < rebuilt < states, (moved_to, rebuilt, states)
        reference = full_rebuild_of(incremental, tmp_path, *dbt_vars)
        assert assert_same_tables(incremental, reference) > 60, moved_to


@pytest.mark.parametrize("move", ["later", "earlier"])
def test_moving_the_range_start_rebuilds_the_movements_it_changes(
    landing: Path, tmp_path: Path, move: str
) -> None:
    """The range starts at the month of the first activity (int_reporting_calendar). When it
    starts later, the movements of its new first month lose their previous month; when it
    starts earlier, the old first month gains one. Ad spend also starts the range, so this
    landing drops the first year's spend files first. A later CRM file then deletes every
    opportunity and lead created in the first month ("later"), or adds an opportunity created
    the month before it ("earlier"); the plain build must equal a full rebuild."""
    copied = tmp_path / "landing"
    shutil.copytree(landing, copied)
    first_spend = sorted((copied / "marketing").glob("ad_spend_*.csv"), key=lambda f: f.stem[-4:])[0].stem[
        -4:
    ]
    for spend in (copied / "marketing").glob(f"ad_spend_*_{first_spend}.csv"):
        spend.unlink()
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(copied, warehouse)
    build(warehouse)
    range_start = "SELECT range_start_month FROM intermediate.int_reporting_calendar"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        first_month = con.execute(range_start).fetchone()[0]
        second_month = (first_month + datetime.timedelta(days=31)).replace(day=1)
        assert (
            con.execute("SELECT min(spend_date) FROM staging.stg_marketing__ad_spend").fetchone()[0]
            >= second_month
        )
        created_first = "SELECT {key} FROM staging.{table} WHERE NOT is_deleted AND created_at < ? ORDER BY 1"
        opportunities = [
            r[0]
            for r in con.execute(
                created_first.format(key="opportunity_id", table="stg_crm__opportunities"), [second_month]
            ).fetchall()
        ]
        leads = [
            r[0]
            for r in con.execute(
                created_first.format(key="lead_id", table="stg_crm__leads"), [second_month]
            ).fetchall()
        ]
    assert opportunities and leads
    records: dict[str, tuple[list[str], list[dict]]] = {}
    if move == "later":
        for object_name, raw_table, ids in (
            ("Opportunity", "crm_opportunity", opportunities),
            ("Lead", "crm_lead", leads),
        ):
            columns, rows = current_raw_records(warehouse, raw_table, ids)
            records[object_name] = (columns, [{**row, "isdeleted": "true"} for row in rows])
    else:
        columns, rows = current_raw_records(warehouse, "crm_opportunity", opportunities[:1])
        created = datetime.datetime.combine(first_month - datetime.timedelta(days=15), datetime.time(9))
        backdated = {
            **rows[0],
            "id": rows[0]["id"][:-3] + "ZZZ",
            "createddate": f"{created:%Y-%m-%dT%H:%M:%S}.000+0000",
        }
        records["Opportunity"] = (columns, [backdated])
    with later_export(copied, records):
        report = load_landing(copied, warehouse)
        assert report.mode.startswith("incremental"), report.mode
        build(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        moved_to = con.execute(range_start).fetchone()[0]
    assert moved_to > first_month if move == "later" else moved_to < first_month, (first_month, moved_to)
    reference = full_rebuild_of(warehouse, tmp_path)
    assert assert_same_tables(warehouse, reference) > 60


def test_moving_the_as_of_date_within_its_month_rebuilds_only_the_deals_dated_in_between(
    landing: Path, tmp_path: Path
) -> None:
    """A state at one cutoff holds at another unless its deal has a history row dated in
    between: when the as-of date moves within its month (every night, in production), only
    those deals are rebuilt (with the as-of month's 'current' rows), in every month; the other
    as-of rows are kept and stamped with the new cutoff."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        as_of = con.execute("SELECT as_of_date FROM intermediate.int_reporting_calendar").fetchone()[0]
    earlier = as_of.replace(day=1)
    assert earlier < as_of
    for moved_to in (earlier, as_of):  # back within the month, then forward again
        dbt_vars = ("--vars", f"{{as_of_date: '{moved_to.isoformat()}'}}")
        build(incremental, *dbt_vars)
        with duckdb.connect(str(incremental), read_only=True) as con:
            states = "intermediate.int_pipeline_month_end_state"
            rebuilt = keys_rebuilt(con, "int_pipeline_month_end_state")
            spells_rebuilt = keys_rebuilt(con, "int_opportunity_stage_spells")
            with_spells = {
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT opportunity_id FROM intermediate.int_opportunity_stage_spells"
                ).fetchall()
            }
            dated_between = {
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT opportunity_id FROM intermediate.int_opportunity_history "
                    "WHERE created_date > ? AND created_date <= ?",
                    [earlier, as_of],
                ).fetchall()
            }
            current = {
                r[0]
                for r in con.execute(
                    f"SELECT opportunity_id FROM {states} WHERE state_source = 'current'"
                ).fetchall()
            }
            present = {r[0] for r in con.execute(f"SELECT DISTINCT opportunity_id FROM {states}").fetchall()}
            as_of_rows = con.execute(f"SELECT count(*) FROM {states} WHERE is_as_of_month").fetchone()[0]
        assert dated_between, "the landing has no history dated between the two as-of dates"
        # (A deal whose first history row is dated after the earlier date has no state then.)
        assert rebuilt == (dated_between | current) & present, moved_to
        # The spells of the other deals are kept, their last spell re-dated.
        assert spells_rebuilt == dated_between & with_spells, moved_to
        assert len(dated_between) < as_of_rows / 2, (len(dated_between), as_of_rows)
        reference = full_rebuild_of(incremental, tmp_path, *dbt_vars)
        assert assert_same_tables(incremental, reference) > 60, moved_to


def test_tables_built_before_the_bookkeeping_columns_are_rebuilt(landing: Path, tmp_path: Path) -> None:
    """A warehouse built before the month-end states were incremental holds them as plain
    tables without _build_hash and the other bookkeeping columns: the next plain build (no
    --full-refresh) rebuilds them with the columns."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    with duckdb.connect(str(incremental)) as con:
        for table, columns in (
            ("int_pipeline_month_end_state", ("_inputs_hash", "_build_hash", "_built_at")),
            ("int_pipeline_month_end_status", ("_state_built_at", "_build_hash", "_built_at")),
            (
                "int_opportunity_stage_spells",
                ("_as_of_date", "_inputs_hash", "_stages_hash", "_build_hash", "_built_at"),
            ),
            ("int_lead_first_activity", ("_lead_hash", "_task_file_seq", "_build_hash", "_built_at")),
            (
                "int_pipeline_movements_monthly",
                ("_followed_through", "_status_build_hash", "_build_hash", "_built_at"),
            ),
            ("int_opportunity_history", ("_history_file_seq", "_rates_hash", "_build_hash", "_built_at")),
        ):
            for column in columns:
                con.execute(f"ALTER TABLE intermediate.{table} DROP COLUMN {column}")
    build(incremental)
    for table in (
        "int_pipeline_month_end_state",
        "int_pipeline_month_end_status",
        "int_opportunity_stage_spells",
        "int_lead_first_activity",
        "int_pipeline_movements_monthly",
        "int_opportunity_history",
    ):
        rebuilt, rows = rows_rebuilt(incremental, table)
        assert rebuilt == rows > 0, table
    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60


def test_tables_whose_bookkeeping_columns_were_renamed_are_rebuilt(landing: Path, tmp_path: Path) -> None:
    """A table built by an older version of its model whose bookkeeping columns had other names
    (the first activities' watermark was `_activity_file_seq` until the tasks and events got
    one each): its build hash differs, so the first pre-hook deletes every row; the hooks after
    it must not read the new columns, which the build adds only after them. Each table here has
    a hook that runs after the delete; the next plain build rebuilds every row."""
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, incremental)
    build(incremental)
    renamed = {
        "int_lead_first_activity": ("_task_file_seq", "_activity_file_seq"),
        "int_opportunity_stage_spells": ("_as_of_date", "_dated_at"),
        "int_pipeline_month_end_state": ("_cutoff_date", "_held_at"),
    }
    with duckdb.connect(str(incremental)) as con:
        for table, (column, older_name) in renamed.items():
            con.execute(f"ALTER TABLE intermediate.{table} RENAME COLUMN {column} TO {older_name}")
            con.execute(f"UPDATE intermediate.{table} SET _build_hash = 'an older version'")
    build(incremental)
    with duckdb.connect(str(incremental), read_only=True) as con:
        for table, (column, older_name) in renamed.items():
            columns = {row[0] for row in con.execute(f"DESCRIBE intermediate.{table}").fetchall()}
            assert column in columns and older_name not in columns, (table, columns)
    for table in renamed:
        rebuilt, rows = rows_rebuilt(incremental, table)
        assert rebuilt == rows > 0, table
    reference = full_rebuild_of(incremental, tmp_path)
    assert assert_same_tables(incremental, reference) > 60


def project_copy(tmp_path: Path) -> Path:
    """A copy of the dbt project to edit (without its target, logs and packages)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return project


def build_edit_and_count_rebuilt(
    landing: Path, tmp_path: Path, edit: Callable[[Path], None]
) -> dict[str, tuple[int, int]]:
    """Build, apply `edit` to a copy of the dbt project, build again with no new file: the
    (rows rebuilt, rows) of the conversions, the history states and the first activities."""
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, warehouse)
    build(warehouse)
    tables = ("int_currency_conversions", "int_opportunity_history", "int_lead_first_activity")
    built_before = {table: last_built_at(warehouse, table) for table in tables}
    project = project_copy(tmp_path)
    edit(project)

    build(warehouse, project_dir=project)

    return {table: rows_rebuilt(warehouse, table, since=built_before[table]) for table in tables}


def test_a_build_with_nothing_new_rebuilds_none_of_their_rows(landing: Path, tmp_path: Path) -> None:
    """The other side of the edit tests below: with no new file, no edit and the same as-of
    date, a second build keeps every row of the incremental tables whose rows depend on no
    clock. (Until build_hash read the model's macros from the parsed graph, the hash a build
    stored in int_currency_conversions differed from the one its next pre-hook computed, so
    every night converted all 5.8M records again at 1M opportunities.)"""
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, warehouse)
    build(warehouse)
    tables = (
        "int_currency_conversions",
        "int_opportunity_history",
        "int_lead_first_activity",
        "int_opportunity_stage_spells",
    )
    built_before = {table: last_built_at(warehouse, table) for table in tables}

    build(warehouse)

    rebuilt = {table: rows_rebuilt(warehouse, table, since=built_before[table]) for table in tables}
    assert all(rows > 0 for _, rows in rebuilt.values()), rebuilt
    assert {table: written for table, (written, _) in rebuilt.items()} == dict.fromkeys(tables, 0)


def test_an_edit_of_a_model_they_read_rebuilds_the_incremental_tables(landing: Path, tmp_path: Path) -> None:
    """build_hash covers the SQL of the models an incremental model reads: after an edit of
    int_currency_rates (a comment is enough), a plain build with no new file rebuilds every row
    of the models that read it (the conversions, and the history states, which hash the
    rates), and nothing of the first activities, which do not read it."""

    def edit(project: Path) -> None:
        rates = project / "models" / "intermediate" / "int_currency_rates.sql"
        rates.write_text(rates.read_text(encoding="utf-8") + "-- edited\n", encoding="utf-8")

    rebuilt = build_edit_and_count_rebuilt(landing, tmp_path, edit)

    assert rebuilt["int_currency_conversions"][0] == rebuilt["int_currency_conversions"][1] > 0
    assert rebuilt["int_opportunity_history"][0] == rebuilt["int_opportunity_history"][1] > 0
    assert rebuilt["int_lead_first_activity"][0] == 0 < rebuilt["int_lead_first_activity"][1]


def test_an_edit_of_a_macro_they_call_rebuilds_the_incremental_tables(landing: Path, tmp_path: Path) -> None:
    """build_hash covers the macros a model and its parents call, and the macros those call:
    after an edit of duckdb__row_set_hash (a Jinja comment in its body is enough), which the
    conversions and the history states reach only through row_set_hash's dispatch (the rates
    hash), a plain build with no new file rebuilds every row of both, and nothing of the first
    activities, which never call it."""

    def edit(project: Path) -> None:
        macros = project / "macros" / "incremental_month_end_states.sql"
        text = macros.read_text(encoding="utf-8")
        body = "    bit_xor(hash({{ columns | join(', ') }}))"
        assert text.count(body) == 1, "duckdb__row_set_hash's body moved: update this test"
        macros.write_text(text.replace(body, "    {# edited #}" + body.lstrip()), encoding="utf-8")

    rebuilt = build_edit_and_count_rebuilt(landing, tmp_path, edit)

    assert rebuilt["int_currency_conversions"][0] == rebuilt["int_currency_conversions"][1] > 0
    assert rebuilt["int_opportunity_history"][0] == rebuilt["int_opportunity_history"][1] > 0
    assert rebuilt["int_lead_first_activity"][0] == 0 < rebuilt["int_lead_first_activity"][1]


def test_an_edit_of_a_staging_or_base_model_rebuilds_its_rows_of_every_file(
    landing: Path, tmp_path: Path
) -> None:
    """The file-incremental staging tables hash their SQL into the rows' _rules_hash: a base
    (validation) model's build_hash is part of its rules (macros/row_rejection.sql), a
    current-row staging model appends its own (staging_rules_hash,
    macros/incremental_current_rows.sql). After an edit of stg_crm__accounts (account names
    upper-cased) and of base_crm__contacts (a comment), a plain build with no new file rebuilds
    the rows of every file, not only of new ones: every account name is upper case, every
    contact file is validated again. Every table then equals a --full-refresh build of the
    edited project."""
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, warehouse)
    build(warehouse)
    not_upper = "SELECT count(*) FROM staging.stg_crm__accounts WHERE account_name <> upper(account_name)"
    contact_rules = "SELECT _rules_hash, count(*) FROM staging.base_crm__contacts GROUP BY ALL"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(not_upper).fetchone()[0] > 0
        rules_before = con.execute(contact_rules).fetchall()
    project = project_copy(tmp_path)
    model = project / "models" / "staging" / "crm" / "stg_crm__accounts.sql"
    text = model.read_text(encoding="utf-8")
    name = "{{ clean_string('name') }} as account_name"
    assert text.count(name) == 1, "stg_crm__accounts' account_name moved: update this test"
    model.write_text(text.replace(name, f"upper({name.split(' as ')[0]}) as account_name"), encoding="utf-8")
    base = project / "models" / "staging" / "crm" / "base" / "base_crm__contacts.sql"
    base.write_text(base.read_text(encoding="utf-8") + "-- edited\n", encoding="utf-8")

    build(warehouse, project_dir=project)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(not_upper).fetchone()[0] == 0
        rules_after = con.execute(contact_rules).fetchall()
    assert len(rules_before) == len(rules_after) == 1
    assert rules_after[0][0] != rules_before[0][0] and rules_after[0][1] == rules_before[0][1]
    assert assert_same_tables(warehouse, full_rebuild_of(warehouse, tmp_path, project_dir=project)) > 0


def rows_changed(con: duckdb.DuckDBPyConnection, table: str, before: str) -> int:
    """How many rows `table` and its copy `before` do not share (both ways, with duplicates)."""
    return con.execute(
        f"SELECT count(*) FROM ((FROM {table} EXCEPT ALL FROM {before}) "
        f"UNION ALL (FROM {before} EXCEPT ALL FROM {table}))"
    ).fetchone()[0]


def test_a_build_that_writes_a_key_twice_fails_and_leaves_the_table_as_it_was(
    landing: Path, tmp_path: Path
) -> None:
    """The key guard (macros/duplicate_key_guard.sql) in place of a unique test over the whole
    table: a build whose rows repeat a key fails, names the table and the key, and its
    transaction is rolled back. The duplicate is forced the way a bookkeeping bug would make
    it: month M's states are deleted (so the build rebuilds M) while the month spine, which the
    build reads, holds M twice (so every opportunity of M is built twice)."""
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    load_landing(landing, warehouse)
    build(warehouse)
    states = "intermediate.int_pipeline_month_end_state"
    with duckdb.connect(str(warehouse)) as con:
        month = con.execute(f"SELECT min(month) FROM {states}").fetchone()[0]
        con.execute(
            "CREATE OR REPLACE TABLE intermediate.int_month_spine AS "
            "SELECT * FROM intermediate.int_month_spine "
            "UNION ALL SELECT * FROM intermediate.int_month_spine WHERE month = ?",
            [month],
        )
        con.execute(f"DELETE FROM {states} WHERE month = ?", [month])
        con.execute(f"CREATE TABLE main.states_before AS SELECT * FROM {states}")

    result = run_dbt(warehouse, "run", "--select", "int_pipeline_month_end_state")

    assert result.returncode != 0
    assert "int_pipeline_month_end_state" in result.stdout
    assert "rows hold the key (month, opportunity_id)" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        changed = rows_changed(con, states, "main.states_before")
        rows, month_rows = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE month = ?) FROM {states}", [month]
        ).fetchone()
    assert (changed, month_rows) == (0, 0)
    assert rows > 0


def test_a_staging_build_that_writes_a_key_twice_fails_and_leaves_the_table_as_it_was(
    landing: Path, tmp_path: Path
) -> None:
    """The key guard of the incremental current-row staging models: a nightly build whose rows
    repeat a key fails, names the table and the key, and is rolled back; so does a full
    refresh. The duplicate is forced by a copy of the project whose stg_crm__tasks repeats one
    of the rows it writes when a test var is set (a bug in latest_row_per_key would do the
    same). The whole warehouse is built with that copy first: an edit of a staging model
    makes the next build read every file (staging_rules_hash), and the nightly build must
    append. Its guard reads the keys it wrote from dbt-duckdb's temporary table, not the whole
    table: if dbt-duckdb renamed it, the guard would still be right but as slow as the unique
    test."""
    project = project_copy(tmp_path)
    model = project / "models" / "staging" / "crm" / "stg_crm__tasks.sql"
    sql = model.read_text(encoding="utf-8")
    assert sql.rstrip().endswith("from current_rows")
    repeated = "(select * from current_rows union all (select * from current_rows limit 1))"
    model.write_text(
        sql.rstrip().removesuffix("from current_rows")
        + "{% if var('repeat_a_task_row', false) %}"
        + f"from {repeated} as current_rows"
        + "{% else %}from current_rows{% endif %}\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "incremental" / "warehouse.duckdb"
    build_then_append_last_export(landing, warehouse, tmp_path, project_dir=project)
    tasks = "staging.stg_crm__tasks"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"CREATE TABLE main.tasks_before AS SELECT * FROM {tasks}")

    for args in ((), ("--full-refresh",)):
        result = run_dbt(
            warehouse,
            "run",
            "--select",
            "+stg_crm__tasks",
            "--vars",
            json.dumps({"repeat_a_task_row": True}),
            *args,
            project_dir=project,
        )

        assert result.returncode != 0, args
        assert "stg_crm__tasks" in result.stdout
        assert "rows hold the key (task_id)" in result.stdout
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert rows_changed(con, tasks, "main.tasks_before") == 0, args
        if not args:
            assert "appended files only" in compiled_staging_sql(warehouse, "stg_crm__tasks")
            log = (project / "logs" / "dbt.log").read_text(encoding="utf-8")
            assert re.search(r'from "stg_crm__tasks__dbt_tmp\d+" as written', log), log[-3000:]


def test_every_key_test_left_out_on_duckdb_is_guarded_by_the_build(tmp_path: Path) -> None:
    """A unique test disabled on DuckDB (its yml: `enabled: target.type != 'duckdb'`) is
    replaced by the model's key guard on the same columns; for a view, by the guard of the one
    model it reads. So no key goes unchecked, and the two declarations of a key agree."""
    target = tmp_path / "dbt_target"
    result = run_dbt(tmp_path / "warehouse.duckdb", "parse")
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"]

    def guarded_key(model_id: str) -> list[str] | None:
        model = nodes[model_id]
        for hook in model["config"]["post-hook"]:
            found = re.search(r"refuse_duplicate_(?:keys|current_rows)\((\[.*?\])\)", hook["sql"])
            if found:
                return json.loads(found.group(1))
        parents = [p for p in model["depends_on"]["nodes"] if p.startswith("model.")]
        if model["config"]["materialized"] == "view" and len(parents) == 1:
            return guarded_key(parents[0])
        return None

    left_out = {}
    for versions in manifest["disabled"].values():
        for test in versions:
            meta = test.get("test_metadata") or {}
            if meta.get("name") == "unique_combination":
                left_out[test["attached_node"]] = list(meta["kwargs"]["columns"])
            elif meta.get("name") == "unique":
                left_out[test["attached_node"]] = [test["column_name"]]
    assert set(left_out) >= {
        "model.salesops.fct_pipeline_month_end",
        "model.salesops.int_pipeline_month_end_status",
        "model.salesops.int_opportunity_stage_spells",
        "model.salesops.int_lead_first_activity",
        "model.salesops.int_pipeline_movements_monthly",
        "model.salesops.stg_crm__tasks",
        "model.salesops.stg_crm__opportunity_history",
        "model.salesops.int_opportunity_history",
    }
    assert {model: guarded_key(model) for model in left_out} == left_out
