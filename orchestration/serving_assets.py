"""The publish step as an asset: schema marts to the serving file, only after every blocking
check upstream passed (Dagster skips this asset when one failed)."""

import dagster as dg
import duckdb

from orchestration.checks import DQ_ASSET, GX_CHECKED_ASSETS, REJECTS_ASSET
from orchestration.dbt_assets import salesops_dbt_models
from orchestration.metadata import PREVIEW_MONTHS, latest_metrics_markdown
from orchestration.publish import publish_marts
from orchestration.publish_postgres import publish_marts_postgres
from orchestration.settings import Settings
from orchestration.warehouse import is_postgres
from sources.contract import ALL_OBJECTS

MART_KEYS = sorted(
    (spec.key for spec in salesops_dbt_models.specs if spec.group_name == "marts"),
    key=lambda k: k.to_user_string(),
)
GATE_KEYS = [REJECTS_ASSET, DQ_ASSET, *GX_CHECKED_ASSETS.values()]


def _check_results(context: dg.AssetExecutionContext) -> dict[str, dict[str, object]]:
    records = context.instance.get_records_for_run(
        run_id=context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    results: dict[str, dict[str, object]] = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        results[name] = {"passed": evaluation.passed, "severity": evaluation.severity.value}
    return results


def _raw_row_counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {
            obj.table: con.execute(f"select count(*) from raw.{obj.table}").fetchone()[0]
            for obj in ALL_OBJECTS
        }


@dg.asset(
    key=dg.AssetKey(["serving"]),
    group_name="serving",
    deps=sorted(set(MART_KEYS) | set(GATE_KEYS), key=lambda k: k.to_user_string()),
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    description=(
        "The serving DuckDB file BI tools read (schema marts only, plus marts.refresh_log). "
        "Written to a new file and renamed into place, after every blocking check passed."
    ),
)
def serving(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = Settings.from_env()
    checks = _check_results(context)
    failed = [name for name, c in checks.items() if not c["passed"] and c["severity"] == "ERROR"]
    if failed:
        # Belt and braces: Dagster's blocking checks already skip this step.
        raise dg.Failure(f"not publishing: blocking checks failed: {', '.join(failed)}")
    if is_postgres():
        # The server warehouse: swap the audited build schema in as marts (publish_postgres.py).
        result = publish_marts_postgres(
            run_id=context.run_id,
            landing_dir=str(settings.landing_dir),
            raw_row_counts=_raw_row_counts(settings),
            checks=checks,
        )
        followed: dict[str, int] = {}  # the schema swap replaces every mart
    else:
        result = publish_marts(
            settings.warehouse,
            settings.serving,
            run_id=context.run_id,
            landing_dir=str(settings.landing_dir),
            raw_row_counts=_raw_row_counts(settings),
            checks=checks,
        )
        followed = result.followed
    return dg.MaterializeResult(
        metadata={
            "serving_file": str(result.serving),
            "published_at": str(result.published_at),
            "tables": dg.MetadataValue.md(
                "\n".join(f"- `marts.{t}`: {n:,} rows" for t, n in result.tables.items())
            ),
            # Marts brought up to date in a copy of the last serving file (followed_marts.py):
            # rows replaced in each.
            "followed_marts": dg.MetadataValue.json(followed),
            "checks_run": len(checks),
            f"latest_{PREVIEW_MONTHS}_months": dg.MetadataValue.md(latest_metrics_markdown(result.serving)),
        }
    )
