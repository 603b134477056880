"""dbt's data tests reach Dagster as one `dbt_tests` check per table (dbt_test_checks.py).

The manifest below is made by hand: a mart with three tests (one of them warning-level), a
staging model with an error-level test (not reported: not a mart, not a warning) and a
warning-level one (reported), and a relationships test attached to the mart."""

from __future__ import annotations

from typing import Any

import dagster as dg

from orchestration.dbt_test_checks import DBT_TESTS_CHECK, dbt_tests_check_results, is_reported_test


def _model(name: str, layer: str) -> dict[str, Any]:
    return {"name": name, "resource_type": "model", "fqn": ["salesops", layer, name], "config": {}}


def _test(name: str, attached: str, severity: str = "ERROR") -> dict[str, Any]:
    return {
        "name": name,
        "resource_type": "test",
        "attached_node": attached,
        "config": {"severity": severity},
    }


MANIFEST: dict[str, Any] = {
    "nodes": {
        "model.p.fct_deals": _model("fct_deals", "marts"),
        "model.p.stg_deals": _model("stg_deals", "staging"),
        "test.p.unique_fct_deals_id": _test("unique_fct_deals_id", "model.p.fct_deals"),
        "test.p.not_null_fct_deals_amount": _test("not_null_fct_deals_amount", "model.p.fct_deals"),
        "test.p.range_fct_deals_amount": _test("range_fct_deals_amount", "model.p.fct_deals", "warn"),
        "test.p.unique_stg_deals_id": _test("unique_stg_deals_id", "model.p.stg_deals"),
        "test.p.late_stg_deals": _test("late_stg_deals", "model.p.stg_deals", "warn"),
    }
}


def key_of(node: dict[str, Any]) -> dg.AssetKey:
    return dg.AssetKey([node["fqn"][1], node["name"]])


FCT = dg.AssetKey(["marts", "fct_deals"])
STG = dg.AssetKey(["staging", "stg_deals"])
SELECTED = {dg.AssetCheckKey(FCT, DBT_TESTS_CHECK), dg.AssetCheckKey(STG, DBT_TESTS_CHECK)}


def result(
    unique_id: str, status: str, failures: int | None = 0, message: str | None = None
) -> dict[str, Any]:
    return {"unique_id": unique_id, "status": status, "failures": failures, "message": message}


def test_reported_tests_are_the_marts_and_the_warnings() -> None:
    reported = {
        uid for uid in MANIFEST["nodes"] if uid.startswith("test.") and is_reported_test(MANIFEST, uid)
    }
    assert reported == {
        "test.p.unique_fct_deals_id",
        "test.p.not_null_fct_deals_amount",
        "test.p.range_fct_deals_amount",
        "test.p.late_stg_deals",
    }


def test_all_passing_gives_one_passed_check_per_table() -> None:
    results = [
        result("model.p.fct_deals", "success", None),
        result("test.p.unique_fct_deals_id", "pass"),
        result("test.p.not_null_fct_deals_amount", "pass"),
        result("test.p.range_fct_deals_amount", "pass"),
        result("test.p.unique_stg_deals_id", "fail", 2),  # not reported: staging, error-level
        result("test.p.late_stg_deals", "pass"),
    ]
    checks = {c.asset_key: c for c in dbt_tests_check_results(MANIFEST, results, key_of, SELECTED)}
    assert set(checks) == {FCT, STG}
    assert checks[FCT].passed and checks[STG].passed
    assert checks[FCT].metadata["tests"].value == 3
    assert checks[STG].metadata["tests"].value == 1


def test_a_warning_warns_and_a_failure_fails_with_the_test_named() -> None:
    results = [
        result("test.p.unique_fct_deals_id", "fail", 4, "Got 4 results, configured to fail if != 0"),
        result("test.p.not_null_fct_deals_amount", "pass"),
        result("test.p.range_fct_deals_amount", "warn", 7, "Got 7 results, configured to warn if != 0"),
        result("test.p.late_stg_deals", "warn", 1, "Got 1 result, configured to warn if != 0"),
    ]
    checks = {c.asset_key: c for c in dbt_tests_check_results(MANIFEST, results, key_of, SELECTED)}
    fct, stg = checks[FCT], checks[STG]
    assert not fct.passed and fct.severity == dg.AssetCheckSeverity.ERROR
    assert fct.metadata["failed"].value == 1 and fct.metadata["warned"].value == 1
    assert "unique_fct_deals_id: Got 4 results" in (fct.description or "")
    assert "| unique_fct_deals_id | fail | 4 |" in str(fct.metadata["results"].value)
    # Only a warning on the staging table: it warns, it does not block.
    assert not stg.passed and stg.severity == dg.AssetCheckSeverity.WARN
    assert (stg.description or "").startswith("late_stg_deals: Got 1 result")


def test_skipped_tests_and_unselected_checks_give_no_result() -> None:
    results = [
        result("test.p.unique_fct_deals_id", "skipped"),
        result("test.p.not_null_fct_deals_amount", "skipped"),
        result("test.p.late_stg_deals", "pass"),
    ]
    only_fct = {dg.AssetCheckKey(FCT, DBT_TESTS_CHECK)}
    assert list(dbt_tests_check_results(MANIFEST, results, key_of, only_fct)) == []
    assert [c.asset_key for c in dbt_tests_check_results(MANIFEST, results, key_of, SELECTED)] == [STG]
