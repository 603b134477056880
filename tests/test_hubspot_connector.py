"""The HubSpot connector against a fake HubSpot API on the loopback address.

The portal and the expected counts are in tests/fakes/hubspot_data.py (counted by hand there).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from sources.connectors import outbox
from sources.connectors.outbox import STAGING_FOLDER
from sources.connectors.registry import sync
from sources.connectors.settings import ConnectorConfigError, ConnectorPaths
from sources.load import load_landing
from tests.conftest import REPO, run_dbt
from tests.connector_helpers import (
    FAST_RETRIES,
    assert_unique_ids,
    counts,
    files_containing,
    read_objects,
    run_folders,
    use_fast_retries,
)
from tests.fakes import hubspot_data
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.server import FakeApiServer

TOKEN = "pat-na1-0f1e2d3c-SECRET-4b5a"


@pytest.fixture
def portal() -> FakeHubSpot:
    fake = FakeHubSpot(page_size=2)
    hubspot_data.seed(fake)
    return fake


@pytest.fixture
def server(portal: FakeHubSpot) -> Iterator[FakeApiServer]:
    api = FakeApiServer(portal.route, TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def paths(tmp_path: Path, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> ConnectorPaths:
    use_fast_retries(monkeypatch)
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    monkeypatch.setenv("HUBSPOT_API_URL", server.url)
    return ConnectorPaths(landing_dir=tmp_path / "landing", state_dir=tmp_path / "state")


def test_first_run_lands_every_record_once_across_pages(paths: ConnectorPaths, server: FakeApiServer) -> None:
    report = sync("hubspot", paths)

    [folder] = run_folders(paths.landing_dir, "hubspot")
    assert counts(folder) == hubspot_data.RUN1_COUNTS
    assert report.rows_by_object == hubspot_data.RUN1_COUNTS
    assert_unique_ids(folder)
    # 5 live companies at 2 a page: 3 pages, then one (empty) archived listing.
    company_calls = server.requests_to("/crm/v3/objects/companies")
    assert [r.query.get("after") for r in company_calls] == [None, "202", "204", None]
    assert not (paths.landing_dir / STAGING_FOLDER).exists()


def test_mapping_of_one_record_per_object(paths: ConnectorPaths) -> None:
    sync("hubspot", paths)
    [folder] = run_folders(paths.landing_dir, "hubspot")
    rows = read_objects(folder)
    by_id = {name: {r["Id"]: r for r in object_rows} for name, object_rows in rows.items()}

    won = by_id["Opportunity"]["401"]
    assert (won["StageName"], won["IsClosed"], won["IsWon"], won["Probability"]) == (
        "Closed Won",
        "true",
        "true",
        "100",
    )
    assert (won["AccountId"], won["OwnerId"], won["Amount"], won["CloseDate"]) == (
        "201",
        "101",
        "1000",
        "2024-03-15",
    )
    assert (won["Type"], won["IsDeleted"], won["LastModifiedDate"]) == (
        "New Business",
        "false",
        "2024-03-15T10:00:00.000Z",
    )
    assert by_id["Opportunity"]["406"]["IsDeleted"] == "true"
    assert by_id["Opportunity"]["406"]["LastModifiedDate"] == "2024-03-20T00:00:00.000Z"

    # 401's history: created at Appointment Scheduled (20 %), won on 2024-03-15 (100 %).
    history = sorted(
        (r for r in rows["OpportunityHistory"] if r["OpportunityId"] == "401"), key=lambda r: r["CreatedDate"]
    )
    assert [(r["StageName"], r["Amount"], r["Probability"], r["CloseDate"]) for r in history] == [
        ("Appointment Scheduled", "1000", "20", "2024-03-15"),
        ("Closed Won", "1000", "100", "2024-03-15"),
    ]
    assert [r["Id"] for r in history] == ["401-1706781600000", "401-1710496800000"]

    stage = by_id["OpportunityStage"]["closedlost"]
    assert (stage["MasterLabel"], stage["DefaultProbability"], stage["IsClosed"], stage["IsWon"]) == (
        "Closed Lost",
        "0",
        "true",
        "false",
    )

    marie = by_id["Lead"]["301"]
    assert (marie["MQL_Date__c"], marie["IsConverted"], marie["ConvertedDate"], marie["Status"]) == (
        "2024-02-10",
        "true",
        "2024-03-01",
        "Closed - Converted",
    )
    assert (marie["ConvertedAccountId"], marie["ConvertedContactId"], marie["ConvertedOpportunityId"]) == (
        "201",
        "301",
        "401",
    )
    assert marie["LeadSource"] == "Organic Search"
    # 303 has no last name: the e-mail stands in; its MQL instant 23:30 UTC is 2024-03-05.
    assert by_id["Lead"]["303"]["LastName"] == "nolastname@example.com"
    assert by_id["Lead"]["303"]["MQL_Date__c"] == "2024-03-05"
    assert by_id["Lead"]["303"]["Company"] == "[not provided]"
    assert by_id["Lead"]["302"]["Status"] == "Working - Contacted"
    assert by_id["Contact"]["301"]["AccountId"] == "201"
    assert by_id["Contact"]["304"]["IsDeleted"] == "true"

    assert by_id["User"]["101"]["Name"] == "Ada Lovelace"
    assert by_id["User"]["103"]["IsActive"] == "false"
    assert by_id["User"]["103"]["IsDeleted"] == "false"
    assert by_id["Account"]["201"]["Type"] == "Customer"
    assert by_id["Account"]["202"]["Type"] == "Prospect"

    call = by_id["Task"]["501"]
    assert (call["TaskSubtype"], call["WhoId"], call["WhatId"], call["ActivityDate"], call["Status"]) == (
        "Call",
        "301",
        "401",
        "2024-02-05",
        "Completed",
    )
    assert by_id["Task"]["502"]["WhatId"] == "202"  # no deal: the company
    assert by_id["Task"]["601"]["Subject"] == 'Proposal, "v2"'  # RFC 4180 quoting survives
    assert by_id["Event"]["701"]["StartDateTime"] == "2024-02-08T14:00:00.000Z"


def test_second_run_lands_only_changes_and_the_warehouse_follows(
    paths: ConnectorPaths, portal: FakeHubSpot, tmp_path: Path
) -> None:
    sync("hubspot", paths)
    hubspot_data.change_for_run2(portal)
    sync("hubspot", paths)
    sync("hubspot", paths)  # nothing changed since: no folder

    first, second = run_folders(paths.landing_dir, "hubspot")
    assert first.name < second.name
    assert counts(second) == hubspot_data.RUN2_COUNTS
    run2 = read_objects(second)
    assert {r["Id"]: (r["Amount"], r["IsDeleted"]) for r in run2["Opportunity"]} == {
        "402": ("2500", "false"),
        "403": ("300", "true"),
    }
    [history] = run2["OpportunityHistory"]
    assert (history["OpportunityId"], history["Amount"], history["CreatedDate"]) == (
        "402",
        "2500",
        "2024-04-01T08:00:00.000Z",
    )

    # The loader and staging see the latest row per Id: 402's new amount, 403 and 406 deleted.
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    report = load_landing(paths.landing_dir, warehouse)
    assert report.rows_by_table["crm_opportunity"] == 6 + 2
    result = run_dbt(
        warehouse,
        "build",
        "--select",
        "+stg_crm__opportunities",
        "+stg_crm__leads",
        "--exclude",
        "test_type:data",
        "test_type:unit",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    opportunities = dict(
        con.execute(
            "SELECT opportunity_id, (is_deleted, amount) FROM staging.stg_crm__opportunities"
        ).fetchall()
    )
    leads = con.execute("SELECT count(*), count(mql_date) FROM staging.stg_crm__leads").fetchone()
    con.close()
    assert len(opportunities) == 6
    assert {k: v for k, v in opportunities.items() if v[0]} == {"403": (True, 300), "406": (True, 600)}
    assert opportunities["402"] == (False, 2500)
    assert leads == (5, 2)


def test_failure_after_retries_lands_nothing_and_keeps_the_cursor(
    paths: ConnectorPaths, server: FakeApiServer
) -> None:
    # Deals page 3 (after=404) fails on every attempt: 3 attempts, then the run fails.
    fault = server.fail(lambda path, q: path.endswith("/deals") and q.get("after") == "404", 500, times=None)
    with pytest.raises(PipelineStepFailed):
        sync("hubspot", paths)
    attempts = [r for r in server.requests_to("/crm/v3/objects/deals") if r.query.get("after") == "404"]
    assert [r.status for r in attempts] == [500, 500, 500]
    assert run_folders(paths.landing_dir, "hubspot") == []
    assert not (paths.landing_dir / STAGING_FOLDER).exists()

    fault.times = 0
    sync("hubspot", paths)
    [folder] = run_folders(paths.landing_dir, "hubspot")
    assert counts(folder) == hubspot_data.RUN1_COUNTS  # owners read before the failure too


def test_rate_limit_and_transient_errors_are_retried(
    paths: ConnectorPaths, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "5")
    server.fail(lambda path, q: path == "/crm/v3/owners", 429, times=1, retry_after="1")
    server.fail(lambda path, q: path.endswith("/contacts") and q.get("after") == "302", 503, times=2)
    started = time.monotonic()
    sync("hubspot", paths)
    elapsed = time.monotonic() - started

    [folder] = run_folders(paths.landing_dir, "hubspot")
    assert counts(folder) == hubspot_data.RUN1_COUNTS
    owners = server.requests_to("/crm/v3/owners")
    assert [r.status for r in owners][:2] == [429, 200]
    contacts = [
        r.status for r in server.requests_to("/crm/v3/objects/contacts") if r.query.get("after") == "302"
    ]
    assert contacts == [503, 503, 200]
    assert elapsed >= 1.0  # Retry-After: 1 was waited for


def test_a_landing_write_that_fails_is_landed_by_the_next_run(
    paths: ConnectorPaths, portal: FakeHubSpot
) -> None:
    # The load reached the outbox (and dlt moved the cursor), but the folder cannot be created.
    (paths.landing_dir / "crm").mkdir(parents=True)
    (paths.landing_dir / "crm" / "hubspot").write_text("in the way")
    with pytest.raises(OSError):
        sync("hubspot", paths)
    (paths.landing_dir / "crm" / "hubspot").unlink()

    hubspot_data.change_for_run2(portal)
    report = sync("hubspot", paths)
    first, second = run_folders(paths.landing_dir, "hubspot")
    assert counts(first) == hubspot_data.RUN1_COUNTS  # the waiting load, landed first
    assert counts(second) == hubspot_data.RUN2_COUNTS
    assert [f.relative_path for f in report.landed] == [
        f"crm/hubspot/{first.name}",
        f"crm/hubspot/{second.name}",
    ]


def test_cursor_survives_a_new_process_and_the_token_is_never_written(
    paths: ConnectorPaths, portal: FakeHubSpot, server: FakeApiServer
) -> None:
    env = {
        **os.environ,
        **FAST_RETRIES,
        "HUBSPOT_TOKEN": TOKEN,
        "HUBSPOT_API_URL": server.url,
        "RUNTIME__LOG_LEVEL": "DEBUG",
    }
    command = [sys.executable, "-m", "sources.hubspot", "--landing-dir", str(paths.landing_dir)]
    command += ["--state-dir", str(paths.state_dir)]
    server.fail(lambda path, q: path.endswith("/deals") and q.get("after") == "402", 500, times=1)
    first = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    hubspot_data.change_for_run2(portal)
    second = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]

    folders = run_folders(paths.landing_dir, "hubspot")
    assert [counts(f) for f in folders] == [hubspot_data.RUN1_COUNTS, hubspot_data.RUN2_COUNTS]
    # The token went to the server on every request, and nowhere else.
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in server.log if r.status != 500)
    output = first.stdout + first.stderr + second.stdout + second.stderr
    assert "Making GET request" in output  # dlt's request log was on
    assert TOKEN not in output
    assert files_containing(paths.landing_dir, TOKEN) == []
    assert files_containing(paths.state_dir, TOKEN) == []


def test_missing_token_is_named(paths: ConnectorPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBSPOT_TOKEN")
    with pytest.raises(ConnectorConfigError, match="HUBSPOT_TOKEN is not set"):
        sync("hubspot", paths)


class Killed(BaseException):
    """Stands for the process dying at that point (not an Exception: nothing handles it)."""


def test_killed_while_writing_files_leaves_no_landing_folder(
    paths: ConnectorPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = outbox._write_csv
    written: list[Path] = []

    def write_then_die(path: Path, header: tuple[str, ...], rows: list[list[str | None]]) -> None:
        if len(written) == 3:
            raise Killed
        real_write(path, header, rows)
        written.append(path)

    monkeypatch.setattr(outbox, "_write_csv", write_then_die)
    with pytest.raises(Killed):
        sync("hubspot", paths)
    assert run_folders(paths.landing_dir, "hubspot") == []
    assert len(list((paths.landing_dir / STAGING_FOLDER).rglob("*.csv"))) == 3  # outside crm/

    monkeypatch.setattr(outbox, "_write_csv", real_write)
    sync("hubspot", paths)
    [folder] = run_folders(paths.landing_dir, "hubspot")
    assert counts(folder) == hubspot_data.RUN1_COUNTS
    assert not (paths.landing_dir / STAGING_FOLDER).exists()


def test_killed_after_the_rename_is_not_landed_twice(
    paths: ConnectorPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    def die(*args: object) -> None:
        raise Killed

    real_cleanup = outbox._remove_empty_parents
    monkeypatch.setattr(outbox, "_remove_empty_parents", die)  # right after the rename
    with pytest.raises(Killed):
        sync("hubspot", paths)
    [folder] = run_folders(paths.landing_dir, "hubspot")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    monkeypatch.setattr(outbox, "_remove_empty_parents", real_cleanup)
    report = sync("hubspot", paths)
    assert run_folders(paths.landing_dir, "hubspot") == [folder]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [f.relative_path for f in report.landed] == [f"crm/hubspot/{folder.name}"]  # only marked


def test_a_process_killed_mid_extraction_loses_nothing(paths: ConnectorPaths, server: FakeApiServer) -> None:
    env = {**os.environ, **FAST_RETRIES, "HUBSPOT_TOKEN": TOKEN, "HUBSPOT_API_URL": server.url}
    command = [sys.executable, "-m", "sources.hubspot", "--landing-dir", str(paths.landing_dir)]
    command += ["--state-dir", str(paths.state_dir)]
    server.stalls.append((lambda path, q: path == "/crm/v3/objects/deals", 30.0))
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not any(r.path.endswith("/contacts") for r in server.log) and time.monotonic() < deadline:
        time.sleep(0.1)  # contacts answered: the run is past owners, stages, companies
    time.sleep(0.5)
    assert process.poll() is None  # still running: waiting for the stalled deals page
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    server.stalls.clear()
    assert run_folders(paths.landing_dir, "hubspot") == []

    sync("hubspot", paths)
    [folder] = run_folders(paths.landing_dir, "hubspot")
    assert counts(folder) == hubspot_data.RUN1_COUNTS


def test_a_bad_value_stops_the_run_naming_record_and_field(
    paths: ConnectorPaths, portal: FakeHubSpot
) -> None:
    portal.objects["deals"]["404"]["properties"]["closedate"] = "end of June"
    expected = r"HubSpot deals record 404: closedate: not an ISO 8601 timestamp: 'end of June'"
    with pytest.raises(PipelineStepFailed, match=expected):
        sync("hubspot", paths)
    assert run_folders(paths.landing_dir, "hubspot") == []


@pytest.mark.parametrize(("lag", "caught"), [("0", False), (None, True)])
def test_a_change_made_while_the_run_pages_past_it_is_caught_by_the_lag(
    lag: str | None,
    caught: bool,
    paths: ConnectorPaths,
    portal: FakeHubSpot,
    server: FakeApiServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Deal 401 is on page 1; while page 2 is asked for, a user changes it. Its new updatedAt,
    # 10 minutes before the run's greatest one (406, archived 2024-03-20T00:00Z), is below the
    # cursor the run ends with: run 2 finds it only by reading again from before the cursor.
    if lag is not None:
        monkeypatch.setenv("SALESOPS_CONNECTOR_LAG_SECONDS", lag)
    server.hooks.append(
        (
            lambda path, q: path == "/crm/v3/objects/deals" and q.get("after") == "402",
            lambda: portal.update("deals", "401", "2024-03-19T23:50:00Z", amount="1111"),
        )
    )
    sync("hubspot", paths)
    [first] = run_folders(paths.landing_dir, "hubspot")
    assert {r["Id"]: r["Amount"] for r in read_objects(first)["Opportunity"]}["401"] == "1000"

    sync("hubspot", paths)
    later = run_folders(paths.landing_dir, "hubspot")[1:]
    if caught:
        [second] = later
        # Only the change lands: what the lag window re-read unchanged (406) does not.
        assert counts(second) == {"Opportunity": 1, "OpportunityHistory": 1}
        assert read_objects(second)["Opportunity"][0]["Amount"] == "1111"
    else:
        assert later == []  # lost: why the lag exists
