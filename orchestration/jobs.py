"""Jobs: the full refresh (load, dbt build, checks, publish) over every asset."""

from __future__ import annotations

import dagster as dg

FULL_REFRESH_JOB_NAME = "full_refresh"

full_refresh_job = dg.define_asset_job(
    name=FULL_REFRESH_JOB_NAME,
    # The file imports (group `imports`) and the CRM API connectors (group `connectors`) run in
    # their own jobs, on their own triggers, before a refresh; never inside it.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("imports", "connectors"),
    description="Load the landing folder, build every dbt model, run every check, publish the marts.",
)
