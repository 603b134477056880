"""CRM API connectors as Dagster assets (group `connectors`): each run lands the records changed
since the last one in landing/crm/<connector>/<run>/, for the next refresh to load.

They are kept out of the full refresh (orchestration/jobs.py): each has its own job and
schedule (orchestration/connector_schedules.py), and runs only when its credentials are set.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition time.
import dagster as dg

from sources.connectors.registry import REQUIRED_ENV, sync
from sources.connectors.settings import ConnectorConfigError, ConnectorPaths

CONNECTORS_GROUP = "connectors"

_DESCRIPTIONS = {
    "hubspot": "HubSpot CRM v3: owners, deal pipelines, companies, contacts, deals (with stage history), "
    "calls, e-mails and meetings, as User, OpportunityStage, Account, Contact, Lead, Opportunity, "
    "OpportunityHistory, Task and Event (docs/connectors/hubspot.md).",
    "salesforce": "Salesforce REST API: every contract object by SOQL queryAll from its last "
    "SystemModstamp, deleted records included (docs/connectors/salesforce.md).",
}


def connector_asset_key(connector: str) -> dg.AssetKey:
    return dg.AssetKey([CONNECTORS_GROUP, connector])


def _connector_asset(connector: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=connector_asset_key(connector),
        group_name=CONNECTORS_GROUP,
        kinds={connector, "dlt"},
        owners=["team:data-engineering"],
        description=f"{_DESCRIPTIONS[connector]} Needs {', '.join(REQUIRED_ENV[connector])}.",
    )
    def _land(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        paths = ConnectorPaths.from_env()
        try:
            report = sync(connector, paths)
        except ConnectorConfigError as exc:
            raise dg.Failure(description=f"the {connector} connector cannot run: {exc}") from exc
        folders = report.landed
        for folder in folders:
            context.log.info(f"landed {folder.relative_path}: {folder.rows_by_object}")
        if not folders:
            context.log.info(f"{connector}: no changes since the last run")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(report.rows_by_object.values()),
                "rows_by_object": dg.MetadataValue.json(report.rows_by_object),
                "landed_folders": dg.MetadataValue.md(
                    "\n".join(f"- {f.relative_path}" for f in folders) or "(no changes)"
                ),
                "landing_dir": str(paths.landing_dir),
                "state_dir": str(paths.state_dir),
            }
        )

    return _land


hubspot_landing = _connector_asset("hubspot")
salesforce_landing = _connector_asset("salesforce")
connector_assets = [hubspot_landing, salesforce_landing]
