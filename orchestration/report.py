"""What a refresh did, in plain words: loaded, checked, failed, published."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.manifest import build_target_path
from orchestration.settings import Settings
from orchestration.summary import headline_table, serving_location


@dataclass
class RunReport:
    published: bool
    loaded: list[str] = field(default_factory=list)
    checks_passed: int = 0
    check_failures: list[str] = field(default_factory=list)
    check_warnings: list[str] = field(default_factory=list)
    step_failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    checks_by_kind: dict[str, int] = field(default_factory=dict)
    dbt_tests: str = ""
    report_file: str | None = None

    @classmethod
    def from_result(cls, result: dg.ExecuteInProcessResult) -> RunReport:
        materialized = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
        report = cls(published="serving" in materialized)
        for key, event in sorted(materialized.items()):
            if key.startswith("raw/"):
                rows = event.materialization.metadata.get("dagster/row_count")
                report.loaded.append(f"{key.removeprefix('raw/')}: {rows.value if rows else '?':,}")
                drift = event.materialization.metadata.get("columns_outside_contract")
                if drift is not None and str(drift.value) != "(none)":
                    report.new_columns += str(drift.value).splitlines()
        if "sales_report" in materialized:
            path = materialized["sales_report"].materialization.metadata.get("path")
            report.report_file = str(path.value) if path else None
        for evaluation in result.get_asset_check_evaluations():
            name = f"{evaluation.asset_key.to_user_string()} · {evaluation.check_name}"
            kind = _check_kind(evaluation.check_name)
            report.checks_by_kind[kind] = report.checks_by_kind.get(kind, 0) + 1
            if evaluation.check_name == "rejected_rows":
                # Said whether or not it passed: rows left out within the threshold still matter.
                report.rejected.append(evaluation.description or "")
                listed = evaluation.metadata.get("rejected")
                if listed is not None and str(listed.value) != "none":
                    report.rejected += [f"  {line}" for line in str(listed.value).splitlines()]
            if evaluation.passed:
                report.checks_passed += 1
                continue
            detail = evaluation.description or _metadata_text(evaluation.metadata)
            line = f"{name}: {detail}" if detail else name
            if evaluation.severity == dg.AssetCheckSeverity.WARN:
                report.check_warnings.append(line)
            else:
                report.check_failures.append(line)
        for event in result.get_step_failure_events():
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                message = data.user_failure_data.description
            else:
                message = _innermost_error(data.error)
            report.step_failures.append(f"step {event.step_key}: {message}")
        for event in result.all_events:
            if event.event_type == dg.DagsterEventType.STEP_SKIPPED:
                report.skipped.append(event.step_key)
        dbt_ran = any(
            event.step_key == "salesops_dbt_models"
            and event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
            for event in result.all_events
        )
        if dbt_ran:
            run_results = build_target_path(Settings.from_env().warehouse) / "run_results.json"
            report.dbt_tests = dbt_test_summary(run_results)
        return report

    def render(self, seconds: float) -> str:
        lines = [""]
        if self.loaded:
            lines.append("loaded: " + "; ".join(self.loaded))
        if self.new_columns:
            lines.append("columns outside the contract (kept in raw, ignored downstream):")
            lines += [f"  {line}" for line in self.new_columns]
        if self.rejected:
            lines.append("rejected: " + "\n".join(self.rejected))
        if self.dbt_tests:
            lines.append(self.dbt_tests)
        lines.append(
            f"checks: {self.checks_passed} passed, {len(self.check_failures)} failed, "
            f"{len(self.check_warnings)} warnings"
            + (f" ({', '.join(f'{n} {k}' for k, n in sorted(self.checks_by_kind.items()))})")
        )
        lines += [f"  WARNING {w}" for w in self.check_warnings]
        lines += [f"  FAILED  {f}" for f in self.check_failures]
        lines += [f"ERROR {f}" for f in self.step_failures]
        if self.skipped:
            lines.append(f"skipped: {', '.join(self.skipped)}")
        serving = Settings.from_env().serving
        where = serving_location(serving)
        if self.published:
            lines.append(f"published {where} in {seconds:.1f}s")
            if self.report_file:
                lines.append(f"report:    {self.report_file}")
            lines.append("")
            lines.append(headline_table(serving))
        else:
            lines.append(
                f"NOT published: {where} was left as it was ({seconds:.1f}s). "
                "Fix the errors above and run again."
            )
        return "\n".join(lines)


def dbt_test_summary(run_results: Path) -> str:
    """One line on every test `dbt build` ran: the Dagster checks report only the marts' tests
    and the warnings, one check per table (orchestration/dbt_test_checks.py)."""
    if not run_results.exists():
        return ""
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    statuses: Counter[str] = Counter()
    data_tests = unit_tests = 0
    for r in results:
        if r["unique_id"].startswith("test."):
            data_tests += 1
        elif r["unique_id"].startswith("unit_test."):
            unit_tests += 1
        else:
            continue
        statuses[r["status"]] += 1
    if not data_tests + unit_tests:
        return ""
    outcome = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    kinds = f"{data_tests} data tests" + (f" and {unit_tests} unit tests" if unit_tests else "")
    return f"dbt tests: {kinds} ({outcome})"


def _check_kind(check_name: str) -> str:
    if check_name == "rejected_rows":
        return "rejected rows"
    if check_name.startswith("data_contract") or check_name.startswith("data_quality"):
        return "data contract"
    if check_name == "great_expectations":
        return "Great Expectations"
    return "dbt tests"


def _metadata_text(metadata: dict[str, dg.MetadataValue]) -> str:
    parts = []
    for key in ("details", "failures", "error"):
        if key in metadata:
            parts.append(str(metadata[key].value).replace("\n", " "))
    return " ".join(parts)


def _innermost_error(error: object) -> str:
    """The root cause's message: Dagster wraps user errors in its own."""
    if error is None:
        return "failed"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip()
