"""Blocking quality checks that run after `dbt build` and gate the publish step.

- the data-contract checks of metrics.md (unknown stage, missing currency rate, contract term
  <= 0 fail the run; a negative sales cycle only warns), read from the one dbt model that
  lists the violations;
- the Great Expectations suites (expectations/), run on DataFrames read from the warehouse.
The dbt data tests are checks too: dagster-dbt reports them on their models.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from orchestration.metadata import violations_markdown
from orchestration.settings import Settings

DQ_ASSET = dg.AssetKey(["intermediate", "int_data_quality_issues"])
DQ_TABLE = "intermediate.int_data_quality_issues"
GX_CHECKED_ASSETS = {
    "marts.sales_metrics_monthly": dg.AssetKey(["marts", "sales_metrics_monthly"]),
    "marts.fct_opportunities": dg.AssetKey(["marts", "fct_opportunities"]),
    "marts.pipeline_movement_monthly": dg.AssetKey(["marts", "pipeline_movement_monthly"]),
}
MAX_LISTED = 20


def contract_violations(severity: str) -> list[tuple[str, str]]:
    """(check, message) of the data-contract violations of a severity, as dbt last built them."""
    with duckdb.connect(str(Settings.from_env().warehouse), read_only=True) as con:
        return con.execute(
            f"select check_name, message from {DQ_TABLE} where severity = ? order by check_name, message",
            [severity],
        ).fetchall()


def _count_by_check(rows: list[tuple[str, str]]) -> str:
    counts: dict[str, int] = {}
    for check, _ in rows:
        counts[check] = counts.get(check, 0) + 1
    return ", ".join(f"{check}: {n}" for check, n in sorted(counts.items()))


def _markdown(rows: list[tuple[str, str]]) -> str:
    lines = [f"- **{check}**: {message}" for check, message in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines.append(f"- ... and {len(rows) - MAX_LISTED} more")
    return "\n".join(lines) or "none"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name="data_contract_errors",
            asset=DQ_ASSET,
            blocking=True,
            description="Unknown stage names, missing currency rates, contract terms <= 0.",
        ),
        dg.AssetCheckSpec(
            name="data_contract_warnings",
            asset=DQ_ASSET,
            description="Won deals closing before they were created (excluded from sales cycle).",
        ),
    ],
)
def data_contract_checks() -> Iterator[dg.AssetCheckResult]:
    errors = contract_violations("error")
    warnings = contract_violations("warn")
    yield dg.AssetCheckResult(
        asset_key=DQ_ASSET,
        check_name="data_contract_errors",
        passed=not errors,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "violations": len(errors),
            "details": dg.MetadataValue.md(_markdown(errors)),
            "failing_rows": dg.MetadataValue.md(violations_markdown(DQ_TABLE, "error")),
        },
        description="; ".join(m for _, m in errors[:MAX_LISTED]) or None,
    )
    yield dg.AssetCheckResult(
        asset_key=DQ_ASSET,
        check_name="data_contract_warnings",
        passed=not warnings,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "warnings": len(warnings),
            "details": dg.MetadataValue.md(_markdown(warnings)),
            "failing_rows": dg.MetadataValue.md(violations_markdown(DQ_TABLE, "warn")),
        },
        description=_count_by_check(warnings) or None,
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name="great_expectations",
            asset=key,
            blocking=True,
            description=f"Great Expectations suite on {table}.",
        )
        for table, key in GX_CHECKED_ASSETS.items()
    ],
)
def great_expectations_checks() -> Iterator[dg.AssetCheckResult]:
    # GX takes seconds to import: only here, where validation runs.
    from expectations.validate import validate_marts

    settings = Settings.from_env()
    results = validate_marts(settings.warehouse, settings.quality_docs_dir)
    by_table = {r.table: r for r in results}
    for table, key in GX_CHECKED_ASSETS.items():
        result = by_table.get(table)
        if result is None:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="great_expectations",
                passed=False,
                metadata={"error": f"no suite ran for {table}"},
            )
            continue
        failed = [e for e in result.expectations if not e.success]
        details = "\n".join(
            f"- **{e.severity}** `{e.check}` on `{e.column or '(table)'}`: {e.message}"
            + (f" e.g. {'; '.join(e.samples)}" if e.samples else "")
            for e in failed
        )
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name="great_expectations",
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(f"{e.check}: {e.message}" for e in result.failed_errors) or None,
            metadata={
                "expectations": len(result.expectations),
                "failed": len(failed),
                "failures": dg.MetadataValue.md(details or "none"),
                "data_docs": str(settings.quality_docs_dir),
            },
        )
