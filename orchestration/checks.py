"""Blocking quality checks that run after `dbt build` and gate the publish step.

- the rejected rows (int_rejected_rows): per contract object, at most SALESOPS_MAX_REJECTS
  (default 0) delivered rows may have been rejected;
- the data-contract checks of metrics.md (unknown stage, missing currency rate, contract term
  <= 0 fail the run; a negative sales cycle only warns), read from the one dbt model that
  lists the violations;
- the Great Expectations suites (expectations/), run on DataFrames read from the warehouse.
The dbt data tests are checks too: dagster-dbt reports them on their models.
"""

import importlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg

from orchestration.metadata import violation_rows, violations_markdown
from orchestration.settings import Settings
from orchestration.warehouse import is_postgres, query_build, read_build_tables

REJECTS_ASSET = dg.AssetKey(["intermediate", "int_rejected_rows"])
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
    frame = violation_rows(DQ_TABLE, severity, ("check_name", "message"), "check_name, message")
    return list(frame.itertuples(index=False, name=None))


@dataclass(frozen=True)
class ObjectRejects:
    object_name: str
    rows_read: int
    rows_rejected: int


def rejects_by_object() -> list[ObjectRejects]:
    """Per contract object with files in this load: rows delivered and rows rejected."""
    frame = query_build(
        "select object_name, sum(rows_read) as rows_read, sum(rows_rejected) as rows_rejected "
        "from intermediate.int_load_reconciliation group by object_name order by object_name"
    )
    return [
        ObjectRejects(name, int(read), int(rejected))
        for name, read, rejected in frame.itertuples(index=False)
    ]


def rejected_row_messages(limit: int = MAX_LISTED) -> list[str]:
    """The first rejected rows' one-line messages, in reading order (file, then row)."""
    frame = query_build(
        "select message from intermediate.int_rejected_rows "
        f"order by file_seq, source_row, message limit {int(limit)}"
    )
    return list(frame["message"])


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


@dg.asset_check(
    asset=REJECTS_ASSET,
    name="rejected_rows",
    blocking=True,
    description=(
        "Rows that could not be parsed or break the contract, per object, against the threshold "
        "SALESOPS_MAX_REJECTS (default 0: any rejected row stops the publish)."
    ),
)
def rejected_rows_check() -> dg.AssetCheckResult:
    threshold = Settings.from_env().max_rejects
    objects = rejects_by_object()
    over = [o for o in objects if not threshold.allows(o.rows_rejected, o.rows_read)]
    rejected = sum(o.rows_rejected for o in objects)
    messages = rejected_row_messages() if rejected else []
    table = "\n".join(
        ["| object | rows delivered | rows rejected | within threshold |", "|---|---:|---:|---|"]
        + [
            f"| {o.object_name} | {o.rows_read:,} | {o.rows_rejected:,} | "
            f"{'yes' if o not in over else '**no**'} |"
            for o in objects
        ]
    )
    listed = "\n".join(f"- {m}" for m in messages)
    if rejected > len(messages):
        listed += f"\n- ... and {rejected - len(messages):,} more (intermediate.int_rejected_rows)"
    return dg.AssetCheckResult(
        passed=not over,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{rejected:,} rejected row(s); over the threshold {threshold.text} in "
            + ", ".join(f"{o.object_name} ({o.rows_rejected:,} of {o.rows_read:,})" for o in over)
            if over
            else f"{rejected:,} rejected row(s), within the threshold {threshold.text}"
        ),
        metadata={
            "rejected_rows": rejected,
            "threshold": threshold.text,
            "by_object": dg.MetadataValue.md(table),
            "rejected": dg.MetadataValue.md(listed or "none"),
        },
    )


def _import_great_expectations() -> None:
    importlib.import_module("great_expectations")
    importlib.import_module("expectations.validate")


def start_importing_great_expectations() -> None:
    """Import Great Expectations in a background thread. Called when `dbt build` starts: the
    import takes 3-6 s of CPU, and this process only waits for dbt's subprocess meanwhile, so
    the GX check that follows the build finds it done instead of paying it in line. Python's
    per-module import locks make a concurrent import of the same modules wait, not repeat."""
    threading.Thread(target=_import_great_expectations, name="import-gx", daemon=True).start()


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
    # GX takes seconds to import: only here, where validation runs (or in the background
    # while dbt builds: start_importing_great_expectations).
    from expectations.validate import validate_marts

    settings = Settings.from_env()
    reader = read_build_tables if is_postgres() else None
    results = validate_marts(settings.warehouse, settings.quality_docs_dir, read_tables=reader)
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
