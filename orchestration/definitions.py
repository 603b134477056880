"""The one Definitions object: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.checks import data_contract_checks, great_expectations_checks
from orchestration.connector_assets import connector_assets
from orchestration.connector_schedules import connector_jobs, connector_schedules
from orchestration.dbt_assets import salesops_dbt_models
from orchestration.jobs import full_refresh_job
from orchestration.raw_assets import raw_landing
from orchestration.resources import build_resources
from orchestration.schedules import nightly_refresh_schedule
from orchestration.serving_assets import serving

defs = dg.Definitions(
    assets=[raw_landing, salesops_dbt_models, serving, *connector_assets],
    asset_checks=[data_contract_checks, great_expectations_checks],
    jobs=[full_refresh_job, *connector_jobs],
    schedules=[nightly_refresh_schedule, *connector_schedules],
    resources=build_resources(),
)
