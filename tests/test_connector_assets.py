"""The connector assets in Dagster: their own group, jobs and schedules, out of the full refresh;
a materialization lands data from a fake HubSpot; missing credentials fail by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.connector_assets import hubspot_landing, salesforce_landing
from orchestration.manifest import ensure_manifest
from tests.connector_helpers import counts, run_folders, use_fast_retries
from tests.fakes import hubspot_data
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.server import FakeApiServer

TOKEN = "pat-eu1-dagster-SECRET"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    ensure_manifest()
    from orchestration.definitions import defs

    return defs


@pytest.fixture
def hubspot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    fake = FakeHubSpot()
    hubspot_data.seed(fake)
    server = FakeApiServer(fake.route, TOKEN).start()
    use_fast_retries(monkeypatch)
    monkeypatch.setenv("HUBSPOT_API_URL", server.url)
    monkeypatch.setenv("SALESOPS_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("SALESOPS_CONNECTOR_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "landing"
    server.stop()


def test_connectors_have_their_own_jobs_and_schedules(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for connector, cron in (("hubspot", "15 * * * *"), ("salesforce", "45 * * * *")):
        key = dg.AssetKey(["connectors", connector])
        assert graph.get(key).group_name == "connectors"
        schedule = defs.resolve_schedule_def(f"{connector}_hourly")
        assert (schedule.cron_schedule, schedule.job_name) == (cron, f"{connector}_sync")
        assert defs.resolve_job_def(f"{connector}_sync").asset_layer.selected_asset_keys == {key}
    refresh_keys = defs.resolve_job_def("full_refresh").asset_layer.selected_asset_keys
    assert not any(k.path[0] == "connectors" for k in refresh_keys)
    assert dg.AssetKey(["serving"]) in refresh_keys


def test_materializing_hubspot_lands_a_run(hubspot_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    result = dg.materialize([hubspot_landing])
    assert result.success
    [folder] = run_folders(hubspot_env, "hubspot")
    assert counts(folder) == hubspot_data.RUN1_COUNTS
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["dagster/row_count"].value == sum(hubspot_data.RUN1_COUNTS.values())  # 37
    assert metadata["rows_by_object"].value == hubspot_data.RUN1_COUNTS


@pytest.mark.parametrize(
    ("asset", "variable"),
    [(hubspot_landing, "HUBSPOT_TOKEN"), (salesforce_landing, "SALESFORCE_INSTANCE_URL")],
)
def test_missing_credentials_fail_naming_the_variable(
    asset: dg.AssetsDefinition, variable: str, hubspot_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "HUBSPOT_TOKEN",
        "SALESFORCE_INSTANCE_URL",
        "SALESFORCE_ACCESS_TOKEN",
        "SALESFORCE_CLIENT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    result = dg.materialize([asset], raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert f"environment variable {variable} is not set" in str(failure.step_failure_data.error)
    assert run_folders(hubspot_env, "hubspot") == []
