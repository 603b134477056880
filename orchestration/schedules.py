"""The nightly refresh at 02:00 in SALESOPS_SCHEDULE_TIMEZONE (default UTC)."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import full_refresh_job
from orchestration.settings import Settings

nightly_refresh_schedule = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=full_refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone=Settings.from_env().schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Full refresh every night at 02:00.",
)
