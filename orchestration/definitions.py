"""The one Definitions object: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.checks import data_contract_checks, great_expectations_checks, rejected_rows_check
from orchestration.connector_assets import connector_assets
from orchestration.connector_schedules import connector_jobs, connector_schedules
from orchestration.dbt_assets import salesops_dbt_models
from orchestration.freshness import FRESHNESS_CHECKS, freshness_checks_sensor
from orchestration.import_assets import IMPORT_ASSETS, IMPORT_SENSORS, import_files_job
from orchestration.jobs import full_refresh_job
from orchestration.landing_assets import LANDING_SPECS
from orchestration.raw_assets import raw_landing
from orchestration.report_asset import sales_report
from orchestration.resources import build_resources
from orchestration.schedules import nightly_refresh_schedule
from orchestration.sensors import landing_files_sensor
from orchestration.serving_assets import serving

# The refresh (raw -> dbt -> checks -> serving), and in front of it the connectors that write
# landing files: file imports (group `imports`) and CRM APIs (group `connectors`), each with
# its own job and trigger.
defs = dg.Definitions(
    assets=[
        raw_landing,
        salesops_dbt_models,
        serving,
        sales_report,
        *LANDING_SPECS,
        *IMPORT_ASSETS,
        *connector_assets,
    ],
    asset_checks=[rejected_rows_check, data_contract_checks, great_expectations_checks, *FRESHNESS_CHECKS],
    jobs=[full_refresh_job, import_files_job, *connector_jobs],
    schedules=[nightly_refresh_schedule, *connector_schedules],
    sensors=[landing_files_sensor, freshness_checks_sensor, *IMPORT_SENSORS],
    resources=build_resources(),
)
