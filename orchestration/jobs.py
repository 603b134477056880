"""Jobs: the full refresh (load, dbt build, checks, publish) over every asset."""

from __future__ import annotations

import dagster as dg

from orchestration.freshness import FRESHNESS_CHECKS

FULL_REFRESH_JOB_NAME = "full_refresh"

full_refresh_job = dg.define_asset_job(
    name=FULL_REFRESH_JOB_NAME,
    # The file imports (group `imports`) and the CRM API connectors (group `connectors`) run in
    # their own jobs, on their own triggers, before a refresh; never inside it. Freshness checks
    # judge the instance's history, not this run's data: their own sensor runs them.
    selection=(
        dg.AssetSelection.all()
        - dg.AssetSelection.groups("imports", "connectors")
        - dg.AssetSelection.checks(*FRESHNESS_CHECKS)
    ),
    description="Load the landing folder, build every dbt model, run every check, publish the marts.",
    # The refresh is idempotent (it rebuilds everything from the landing): a run that dies (worker
    # lost, machine restarted) is retried by the daemon; failed checks are not (dagster.yaml).
    tags={"dagster/max_retries": "2", "dagster/retry_strategy": "ALL_STEPS"},
)
