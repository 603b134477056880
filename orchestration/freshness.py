"""Freshness checks: a landing feed that stopped arriving, and a nightly load that did not happen.

- landing folders (observed by the landing sensor): the newest file must be younger than
  SALESOPS_LANDING_MAX_AGE_HOURS (default 36 h: a daily export plus slack);
- raw tables: loaded by 04:00 (schedule time zone) each day, i.e. the 02:00 nightly ran.
Both warn (they do not block a publish: stale data is still consistent data); the freshness
sensor evaluates them every 10 minutes under the Dagster daemon.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from orchestration.landing_assets import LANDING_FOLDERS, landing_asset_key
from orchestration.raw_assets import raw_asset_key
from orchestration.settings import Settings, landing_max_age_hours
from sources.contract import ALL_OBJECTS

# Dagster 1.13 marks these factories superseded by FreshnessPolicy; we keep them because they are
# asset checks (a result with the overdue time on the asset's Checks tab, in the CLI summary) and
# they read the observed `dagster/last_updated_timestamp` of the external landing assets.
warnings.filterwarnings("ignore", message=".*build_.*freshness_checks.*superseded", category=Warning)

landing_freshness_checks = dg.build_last_update_freshness_checks(
    assets=[landing_asset_key(folder) for folder in LANDING_FOLDERS],
    lower_bound_delta=timedelta(hours=landing_max_age_hours()),
    severity=dg.AssetCheckSeverity.WARN,
)

raw_freshness_checks = dg.build_last_update_freshness_checks(
    assets=[raw_asset_key(obj.table) for obj in ALL_OBJECTS],
    deadline_cron="0 4 * * *",
    lower_bound_delta=timedelta(hours=2),
    timezone=Settings.from_env().schedule_timezone,
    severity=dg.AssetCheckSeverity.WARN,
)

FRESHNESS_CHECKS = [*landing_freshness_checks, *raw_freshness_checks]

freshness_checks_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=FRESHNESS_CHECKS,
    minimum_interval_seconds=600,
    name="freshness_checks_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
