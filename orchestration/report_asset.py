"""The HTML report as an asset (group serving): rebuilt from the serving file after each publish."""

import time

import dagster as dg

from orchestration.html_report import build_report
from orchestration.settings import Settings, report_path

REPORT_KEY = dg.AssetKey(["sales_report"])


@dg.asset(
    key=REPORT_KEY,
    group_name="serving",
    deps=[dg.AssetKey(["serving"])],
    kinds={"html", "plotly"},
    owners=["team:sales-ops"],
    description=(
        "A static HTML page (plotly charts, opens offline) of the published marts: headline metrics "
        "over time, by territory and by channel, with the as-of date and the data-quality status. "
        "Path: SALESOPS_REPORT (default report.html beside the serving file)."
    ),
)
def sales_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = Settings.from_env()
    started = time.perf_counter()
    result = build_report(settings.serving, report_path(settings))
    context.log.info(f"report written to {result.path} in {time.perf_counter() - started:.1f}s")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "months": result.months,
            "as_of_date": str(result.as_of_date),
            "data_quality": result.quality_status,
            "size_mb": round(result.size_bytes / 1e6, 2),
        }
    )
