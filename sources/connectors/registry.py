"""The connectors by name, and one run of one: what the CLI and the Dagster assets call."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from sources.connectors.settings import ConnectorPaths

# dlt (~0.6 s to import) only when a connector runs: every refresh imports this module.
if TYPE_CHECKING:
    from dlt.extract.resource import DltResource

    from sources.connectors.outbox import ConnectorReport


def _hubspot() -> list[DltResource]:
    from sources.hubspot.source import hubspot_client, hubspot_resources

    return hubspot_resources(hubspot_client(), os.environ.get("HUBSPOT_TIMEZONE") or "UTC")


def _salesforce() -> list[DltResource]:
    from sources.salesforce.source import salesforce_client, salesforce_resources

    return salesforce_resources(salesforce_client())


CONNECTORS: dict[str, Callable[[], list[DltResource]]] = {"hubspot": _hubspot, "salesforce": _salesforce}

# What each connector needs in the environment (the Dagster assets name them when missing).
REQUIRED_ENV: dict[str, tuple[str, ...]] = {
    "hubspot": ("HUBSPOT_TOKEN",),
    "salesforce": ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN or SALESFORCE_CLIENT_ID"),
}


def sync(connector: str, paths: ConnectorPaths | None = None) -> ConnectorReport:
    """One run of `connector`: land pending loads, extract changes, land them."""
    from sources.connectors.outbox import run_connector

    paths = paths or ConnectorPaths.from_env()
    return run_connector(connector, CONNECTORS[connector](), paths.landing_dir, paths.state_dir)
