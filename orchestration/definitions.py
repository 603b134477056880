"""The one Definitions object: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.checks import data_contract_checks, great_expectations_checks, rejected_rows_check
from orchestration.dbt_assets import salesops_dbt_models
from orchestration.import_assets import IMPORT_ASSETS, IMPORT_SENSORS, import_files_job
from orchestration.jobs import full_refresh_job
from orchestration.raw_assets import raw_landing
from orchestration.resources import build_resources
from orchestration.schedules import nightly_refresh_schedule
from orchestration.serving_assets import serving

defs = dg.Definitions(
    assets=[raw_landing, salesops_dbt_models, serving],
    asset_checks=[rejected_rows_check, data_contract_checks, great_expectations_checks],
    jobs=[full_refresh_job],
    schedules=[nightly_refresh_schedule],
    resources=build_resources(),
)

# File connectors (group `imports`): their own job and sensors, outside the full refresh.
defs = dg.Definitions.merge(
    defs, dg.Definitions(assets=IMPORT_ASSETS, jobs=[import_files_job], sensors=IMPORT_SENSORS)
)
