"""The one Definitions object: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.checks import data_contract_checks, great_expectations_checks
from orchestration.dbt_assets import salesops_dbt_models
from orchestration.freshness import FRESHNESS_CHECKS, freshness_checks_sensor
from orchestration.jobs import full_refresh_job
from orchestration.landing_assets import LANDING_SPECS
from orchestration.raw_assets import raw_landing
from orchestration.report_asset import sales_report
from orchestration.resources import build_resources
from orchestration.schedules import nightly_refresh_schedule
from orchestration.sensors import landing_files_sensor
from orchestration.serving_assets import serving

defs = dg.Definitions(
    assets=[raw_landing, salesops_dbt_models, serving, sales_report, *LANDING_SPECS],
    asset_checks=[data_contract_checks, great_expectations_checks, *FRESHNESS_CHECKS],
    jobs=[full_refresh_job],
    schedules=[nightly_refresh_schedule],
    sensors=[landing_files_sensor, freshness_checks_sensor],
    resources=build_resources(),
)
