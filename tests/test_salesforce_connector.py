"""The Salesforce connector against a fake Salesforce REST API on the loopback address.

The org and the expected counts are in tests/fakes/salesforce_data.py (counted by hand there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from sources.connectors.outbox import STAGING_FOLDER
from sources.connectors.registry import sync
from sources.connectors.settings import ConnectorConfigError, ConnectorPaths
from sources.load import load_landing
from tests.conftest import run_dbt
from tests.connector_helpers import (
    assert_unique_ids,
    counts,
    files_containing,
    read_objects,
    run_folders,
    use_fast_retries,
)
from tests.fakes import salesforce_data
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.server import FakeApiServer

TOKEN = "00DXX0000001abc!AQ4AQFakeSessionToken"
CLIENT_ID = "3MVG9fake.consumer.key"
CLIENT_SECRET = "F4KE-CONSUMER-SECRET-9d8c"
QUERY_ALL = "/services/data/v61.0/queryAll"


@pytest.fixture
def org() -> FakeSalesforce:
    fake = FakeSalesforce(page_size=2, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token=TOKEN)
    salesforce_data.seed(fake)
    return fake


@pytest.fixture
def server(org: FakeSalesforce) -> Iterator[FakeApiServer]:
    api = FakeApiServer(org.route, TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def paths(tmp_path: Path, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> ConnectorPaths:
    use_fast_retries(monkeypatch)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", server.url)
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", TOKEN)
    return ConnectorPaths(landing_dir=tmp_path / "landing", state_dir=tmp_path / "state")


def _object_queries(org: FakeSalesforce, name: str) -> list[str]:
    return [q for q in org.queries if f" FROM {name} " in q]


def test_first_run_lands_every_record_once_with_deleted_ones(
    paths: ConnectorPaths, org: FakeSalesforce, server: FakeApiServer
) -> None:
    report = sync("salesforce", paths)

    [folder] = run_folders(paths.landing_dir, "salesforce")
    assert counts(folder) == salesforce_data.RUN1_COUNTS
    assert report.rows_by_object == salesforce_data.RUN1_COUNTS
    assert_unique_ids(folder)
    rows = read_objects(folder)
    accounts = {r["Id"]: r for r in rows["Account"]}
    assert accounts["001E"]["IsDeleted"] == "true"  # from queryAll
    assert (accounts["001A"]["Name"], accounts["001A"]["AnnualRevenue"]) == ("Account, A", "1500000.5")
    assert accounts["001A"]["LastModifiedDate"] == "2024-01-02T10:00:00.000+0000"  # as Salesforce wrote it
    assert {r["Id"]: r["MQL_Date__c"] for r in rows["Lead"]} == {"00QA": "2024-01-05", "00QB": ""}
    assert rows["Task"][0]["Subject"] == "Call\nwith notes"
    # Fields this org lacks were dropped one by one; its missing objects were skipped.
    assert "CurrencyIsoCode" not in _object_queries(org, "Opportunity")[-1]
    assert "Contract_Term_Months__c" not in _object_queries(org, "Opportunity")[-1]
    assert rows["Opportunity"][0]["CurrencyIsoCode"] == ""
    assert "Territory2" not in rows and "DatedConversionRate" not in rows
    # 5 accounts at 2 a page: one query, then two nextRecordsUrl pages.
    account_pages = [r for r in server.log if r.path.startswith("/services/data/v61.0/query/")]
    assert len(account_pages) >= 2
    assert all(r.path.startswith(QUERY_ALL) or "/query/" in r.path for r in server.log)


def test_second_run_queries_from_the_cursor_and_the_warehouse_follows(
    paths: ConnectorPaths, org: FakeSalesforce, tmp_path: Path
) -> None:
    sync("salesforce", paths)
    salesforce_data.change_for_run2(org)
    org.queries.clear()
    sync("salesforce", paths)
    run2_queries = list(org.queries)
    sync("salesforce", paths)

    first, second = run_folders(paths.landing_dir, "salesforce")
    assert counts(second) == salesforce_data.RUN2_COUNTS
    run2 = read_objects(second)
    assert [(r["Id"], r["Amount"]) for r in run2["Opportunity"]] == [("006B", "2500")]
    assert [(r["Id"], r["IsDeleted"]) for r in run2["Account"]] == [("001D", "true")]
    # Run 2 asked from run 1's last SystemModstamp (2024-01-05T14:00, 006E) less the default lag of
    # one hour: it read 006D and 006E again, and did not land them again (unchanged).
    # One query per object: the fields the org lacks were remembered from run 1.
    [opportunities] = [q for q in run2_queries if " FROM Opportunity " in q]
    assert opportunities.endswith("WHERE SystemModstamp >= 2024-01-05T13:00:00Z ORDER BY SystemModstamp, Id")
    assert "CurrencyIsoCode" not in opportunities

    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    load_landing(paths.landing_dir, warehouse)
    result = run_dbt(
        warehouse,
        "build",
        "--select",
        "+stg_crm__opportunities",
        "+stg_crm__accounts",
        "--exclude",
        "test_type:data",
        "test_type:unit",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    amounts = dict(
        con.execute("SELECT opportunity_id, amount FROM staging.stg_crm__opportunities").fetchall()
    )
    deleted = con.execute(
        "SELECT account_id FROM staging.stg_crm__accounts WHERE is_deleted ORDER BY 1"
    ).fetchall()
    con.close()
    assert amounts == {"006A": 1000, "006B": 2500, "006C": 3000, "006D": 4000, "006E": 5000}
    assert deleted == [("001D",), ("001E",)]


def test_failure_after_retries_lands_nothing_and_keeps_the_cursor(
    paths: ConnectorPaths, server: FakeApiServer, org: FakeSalesforce
) -> None:
    # The second page of every query fails on every attempt; a first page 503 is retried.
    server.fail(lambda path, q: path == QUERY_ALL and "FROM User " in q.get("q", ""), 503, times=1)
    fault = server.fail(lambda path, q: path.endswith("-2"), 500, times=None)
    with pytest.raises(PipelineStepFailed):
        sync("salesforce", paths)
    assert run_folders(paths.landing_dir, "salesforce") == []
    assert not (paths.landing_dir / STAGING_FOLDER).exists()
    assert [r.status for r in server.log if r.path.endswith("-2")] == [500, 500, 500]

    fault.times = 0
    sync("salesforce", paths)
    [folder] = run_folders(paths.landing_dir, "salesforce")
    assert counts(folder) == salesforce_data.RUN1_COUNTS
    # Nothing was kept from the failed run: every object was queried from the start again.
    assert all(" WHERE " not in q for q in org.queries)


def test_client_credentials_flow_and_no_secret_written(
    paths: ConnectorPaths,
    server: FakeApiServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("SALESFORCE_ACCESS_TOKEN")
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET)
    caplog.set_level("DEBUG")
    sync("salesforce", paths)

    assert [r.status for r in server.log if r.path == "/services/oauth2/token"] == [200]
    [folder] = run_folders(paths.landing_dir, "salesforce")
    assert counts(folder) == salesforce_data.RUN1_COUNTS
    for secret in (TOKEN, CLIENT_SECRET):
        assert secret not in caplog.text
        assert files_containing(paths.landing_dir, secret) == []
        assert files_containing(paths.state_dir, secret) == []


def test_missing_settings_are_named(paths: ConnectorPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALESFORCE_ACCESS_TOKEN")
    with pytest.raises(ConnectorConfigError, match="SALESFORCE_ACCESS_TOKEN is not set"):
        sync("salesforce", paths)
    monkeypatch.delenv("SALESFORCE_INSTANCE_URL")
    with pytest.raises(ConnectorConfigError, match="SALESFORCE_INSTANCE_URL is not set"):
        sync("salesforce", paths)


def test_a_record_without_a_readable_modstamp_stops_the_run(
    paths: ConnectorPaths, org: FakeSalesforce
) -> None:
    org.records["Campaign"]["701A"]["SystemModstamp"] = "yesterday"
    with pytest.raises(
        PipelineStepFailed, match=r"Salesforce Campaign record 701A: SystemModstamp: not an ISO 8601"
    ):
        sync("salesforce", paths)
    assert run_folders(paths.landing_dir, "salesforce") == []
