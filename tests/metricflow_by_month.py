"""Query MetricFlow's Python API (the engine behind `mf query`) for each metric by
metric_time__month, one query per metric, and print {metric: {month: value}} as JSON.

Run in its own process, from a dbt project whose target/ holds semantic_manifest.json:
    python tests/metricflow_by_month.py PROJECT_DIR METRIC [METRIC ...]
One query per metric because one query for all 30 metrics joins them all on the time spine
and took ~5 minutes here; one each takes well under a second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest


def query_by_month(project_dir: Path, metrics: list[str]) -> dict[str, dict[str, float | None]]:
    config = CLIConfiguration()
    config.setup(dbt_profiles_path=project_dir, dbt_project_path=project_dir, configure_file_logging=False)
    results: dict[str, dict[str, float | None]] = {}
    for metric in metrics:
        request = MetricFlowQueryRequest.create(metric_names=[metric], group_by_names=["metric_time__month"])
        frame = config.mf.query(mf_request=request).result_df
        month_at = frame.column_names.index("metric_time__month")
        value_at = frame.column_names.index(metric)
        results[metric] = {
            row[month_at].date().isoformat(): None if row[value_at] is None else float(row[value_at])
            for row in frame.rows
        }
    return results


if __name__ == "__main__":
    print(json.dumps(query_by_month(Path(sys.argv[1]), sys.argv[2:])))
