"""The dbt models (staging, intermediate, marts) as Dagster assets, built with `dbt build`."""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, dbt_assets

from orchestration.checks import (
    contract_violations,
    rejected_row_messages,
    start_importing_great_expectations,
)
from orchestration.dbt_project import salesops_dbt_project
from orchestration.dbt_test_checks import dbt_tests_check_results, dbt_tests_check_spec, reported_table
from orchestration.manifest import build_target_path
from orchestration.row_counts import with_row_counts
from orchestration.settings import Settings

DQ_ISSUES_MODEL = "model.salesops.int_data_quality_issues"
REJECTS_MODEL = "model.salesops.int_rejected_rows"
# Models that exist to judge the data, not to report on it: the UI groups them as `quality`,
# with the data-contract checks that read them.
QUALITY_MODELS = {"int_data_quality_issues", "int_rejected_rows", "int_load_reconciliation"}


class SalesOpsTranslator(DagsterDbtTranslator):
    """dbt sources map onto the raw load assets; models are grouped by layer folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["name"] in QUALITY_MODELS:
            return "quality"
        return fqn[1] if len(fqn) > 2 else None

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetCheckSpec | None:
        """One `dbt_tests` check per table with reported tests (orchestration/dbt_test_checks.py).

        dagster-dbt asks once per test of the table; the equal specs collapse into one."""
        table = reported_table(manifest, unique_id)
        if table is None or self.get_asset_key(table) != asset_spec.key:
            return None
        return dbt_tests_check_spec(asset_spec.key)


def dagster_events(invocation: DbtCliInvocation) -> Iterator[Any]:
    """dagster-dbt's events for the models and seeds. Tests are reported per table once dbt
    has finished (dbt_tests_check_results); dagster-dbt would make each test an event of its own,
    with a warning logged for each test that is not a check of its own."""
    manifest = invocation.manifest
    for raw in invocation.stream_raw_events():
        unique_id = raw.raw_event.get("data", {}).get("node_info", {}).get("unique_id", "")
        if unique_id.startswith("test."):
            continue
        yield from raw.to_default_asset_events(
            manifest=manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=invocation.context,
            target_path=invocation.target_path,
            project=invocation.project,
        )


class DbtBuildConfig(dg.Config):
    """dbt vars of metrics.md for this run, as a JSON object.

    For example `{"reporting_timezone": "America/New_York"}`.
    """

    dbt_vars_json: str = "{}"
    # Rebuild the incremental models from every row. Never needed for data (a reloaded raw is
    # noticed by the models themselves); needed after changing an incremental model's SQL.
    full_refresh: bool = False


def dbt_vars_from(config: DbtBuildConfig) -> dict[str, Any]:
    env_vars = json.loads(os.environ.get("SALESOPS_DBT_VARS") or "{}")
    return {**env_vars, **json.loads(config.dbt_vars_json or "{}")}


@dbt_assets(
    manifest=salesops_dbt_project.manifest_path,
    project=salesops_dbt_project,
    dagster_dbt_translator=SalesOpsTranslator(),
)
def salesops_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """`dbt build`: every model, seed and data test, in dependency order.

    dbt's unit tests check the SQL's logic on fixed inputs, not the data: they run in the test
    suite (tests/test_dbt_unit_tests.py), not in every refresh (22 nodes, ~3 s a run)."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    dbt_vars = dbt_vars_from(config)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if config.full_refresh:
        args.append("--full-refresh")
    # A kept target folder per warehouse, so dbt parses only what changed (see build_target_path).
    target = build_target_path(Settings.from_env().warehouse)
    # A dbt that dies before writing its results must not leave the last run's to be reported.
    (target / "run_results.json").unlink(missing_ok=True)
    start_importing_great_expectations()
    invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=target)
    yield from with_row_counts(
        dagster_events(invocation), Settings.from_env().warehouse, salesops_dbt_project.manifest_path
    )
    has_results = (target / "run_results.json").is_file()
    results = invocation.get_artifact("run_results.json").get("results", []) if has_results else []
    yield from dbt_tests_check_results(
        invocation.manifest,
        results,
        invocation.dagster_dbt_translator.get_asset_key,
        set(context.selected_asset_check_keys),
    )
    if not invocation.is_successful():
        failures = [
            f"{r['unique_id']}: {r['status']}: {(r.get('message') or '').strip()}"
            for r in results
            if r["status"] in ("error", "fail")
        ]
        # Only a table this build wrote speaks for this landing; an older one could mislead.
        dq_built = any(r["unique_id"] == DQ_ISSUES_MODEL and r["status"] == "success" for r in results)
        violations = contract_violations("error") if dq_built else []
        rejects_built = any(r["unique_id"] == REJECTS_MODEL and r["status"] == "success" for r in results)
        rejected = rejected_row_messages() if rejects_built else []
        lines = ["dbt build failed; nothing will be published."]
        lines += [f"  rejected: {message}" for message in rejected]
        lines += [f"  data contract: {message}" for _, message in violations]
        lines += [f"  {f}" for f in failures]
        raise dg.Failure(description="\n".join(lines))
