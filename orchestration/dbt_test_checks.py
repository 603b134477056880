"""dbt's data tests as Dagster checks: one check, `dbt_tests`, per table, not one per test.

Every data test runs in `dbt build`, and a failing error-level test fails the dbt step (its
failure lists every failing test). What Dagster shows as checks are the tests of what BI reads
(the marts) and every warning-level test, grouped per table: each check's metadata lists its
tests and their outcome. One check per test (dagster-dbt's default) cost three event-log writes
each per run: 229 checks were ~10 s of every refresh, at any scale (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

DBT_TESTS_CHECK = "dbt_tests"
# dbt's statuses for a data test that ran; "skipped" (an upstream model failed) is not a result.
FAILED_STATUSES = ("fail", "error")
TEST_STATUSES = ("pass", "warn", *FAILED_STATUSES)


def is_reported_test(manifest: Mapping[str, Any], test_unique_id: str) -> bool:
    """A test of a mart, or any warning-level test: these are what Dagster shows."""
    test = manifest["nodes"][test_unique_id]
    if str(test["config"].get("severity", "")).lower() == "warn":
        return True
    attached = manifest["nodes"].get(test.get("attached_node") or "", {})
    return attached.get("fqn", [None, None])[1] == "marts"


def reported_table(manifest: Mapping[str, Any], test_unique_id: str) -> Mapping[str, Any] | None:
    """The manifest node of the table whose `dbt_tests` check reports this test, if any."""
    if not is_reported_test(manifest, test_unique_id):
        return None
    return manifest["nodes"].get(manifest["nodes"][test_unique_id].get("attached_node") or "")


def dbt_tests_check_spec(asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=DBT_TESTS_CHECK,
        asset=asset_key,
        # Blocks only on ERROR severity, i.e. an error-level test failed; warnings do not.
        blocking=True,
        description=(
            "The dbt data tests on this table in this run's `dbt build` (the metadata lists each). "
            "Fails when an error-level test fails; warns when only warning-level tests do."
        ),
    )


@dataclass(frozen=True)
class TestOutcome:
    name: str
    status: str
    failures: int | None
    message: str


def _outcome(manifest: Mapping[str, Any], result: Mapping[str, Any]) -> TestOutcome:
    return TestOutcome(
        name=manifest["nodes"][result["unique_id"]]["name"],
        status=result["status"],
        failures=result.get("failures"),
        message=" ".join((result.get("message") or "").split()),
    )


def _check_result(asset_key: dg.AssetKey, outcomes: list[TestOutcome]) -> dg.AssetCheckResult:
    failed = [o for o in outcomes if o.status in FAILED_STATUSES]
    warned = [o for o in outcomes if o.status == "warn"]
    table = "\n".join(
        ["| test | status | failing rows |", "|---|---|---:|"]
        + [f"| {o.name} | {o.status} | {'' if o.failures is None else o.failures} |" for o in outcomes]
    )
    not_passed = failed + warned
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=DBT_TESTS_CHECK,
        passed=not not_passed,
        severity=dg.AssetCheckSeverity.ERROR if failed else dg.AssetCheckSeverity.WARN,
        description=(
            "; ".join(f"{o.name}: {o.message or o.status}" for o in not_passed)
            if not_passed
            else f"{len(outcomes)} dbt test(s) passed"
        ),
        metadata={
            "tests": len(outcomes),
            "failed": len(failed),
            "warned": len(warned),
            "results": dg.MetadataValue.md(table),
        },
    )


def dbt_tests_check_results(
    manifest: Mapping[str, Any],
    run_results: list[Mapping[str, Any]],
    asset_key_of: Callable[[Mapping[str, Any]], dg.AssetKey],
    selected: set[dg.AssetCheckKey],
) -> Iterator[dg.AssetCheckResult]:
    """One result per selected `dbt_tests` check whose table had tests run in this build.

    A table whose tests were all skipped (its model failed or was skipped) gets no result: the
    dbt step's failure says why."""
    by_asset: dict[dg.AssetKey, list[TestOutcome]] = {}
    for result in run_results:
        unique_id = result["unique_id"]
        if not unique_id.startswith("test.") or result["status"] not in TEST_STATUSES:
            continue
        table = reported_table(manifest, unique_id) if unique_id in manifest["nodes"] else None
        if table is None:
            continue
        key = asset_key_of(table)
        if dg.AssetCheckKey(key, DBT_TESTS_CHECK) in selected:
            by_asset.setdefault(key, []).append(_outcome(manifest, result))
    for key in sorted(by_asset, key=lambda k: k.to_user_string()):
        yield _check_result(key, sorted(by_asset[key], key=lambda o: o.name))
