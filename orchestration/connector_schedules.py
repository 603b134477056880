"""One job and one schedule per CRM API connector, hourly (SALESOPS_SCHEDULE_TIMEZONE).

A schedule starts running by default only when its connector's credentials are set where
Dagster loads the definitions; otherwise it is listed, stopped, and can be turned on in the UI.
"""

from __future__ import annotations

import os

import dagster as dg

from orchestration.connector_assets import connector_asset_key
from orchestration.settings import Settings

# Off the hour, so a sync finishes before the nightly refresh at 02:00 reads the landing.
_CRON = {"hubspot": "15 * * * *", "salesforce": "45 * * * *"}
_CREDENTIALS = {"hubspot": ("HUBSPOT_TOKEN",), "salesforce": ("SALESFORCE_INSTANCE_URL",)}


def _job(connector: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name=f"{connector}_sync",
        selection=dg.AssetSelection.assets(connector_asset_key(connector)),
        description=f"Land the {connector} records changed since the last sync.",
    )


def _schedule(connector: str, job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    configured = all(os.environ.get(name) for name in _CREDENTIALS[connector])
    return dg.ScheduleDefinition(
        name=f"{connector}_hourly",
        job=job,
        cron_schedule=_CRON[connector],
        execution_timezone=Settings.from_env().schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING if configured else dg.DefaultScheduleStatus.STOPPED,
        description=f"Sync {connector} every hour at minute {_CRON[connector].split()[0]}.",
    )


hubspot_sync_job = _job("hubspot")
salesforce_sync_job = _job("salesforce")
connector_jobs = [hubspot_sync_job, salesforce_sync_job]
connector_schedules = [_schedule("hubspot", hubspot_sync_job), _schedule("salesforce", salesforce_sync_job)]
