"""Query MetricFlow's Python API (the engine behind `mf query`) for each metric by
metric_time at one grain, one query per metric, and print {metric: {period start: value}}
as JSON.

Run in its own process, from a dbt project whose target/ holds semantic_manifest.json:
    python tests/metricflow_by_period.py PROJECT_DIR GRAIN METRIC [METRIC ...]
(GRAIN: month, quarter, ...). One query per metric because one query for all 30 metrics
joins them all on the time spine and took ~5 minutes here; one each takes under a second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest


def query_by_period(project_dir: Path, grain: str, metrics: list[str]) -> dict[str, dict[str, float | None]]:
    config = CLIConfiguration()
    config.setup(dbt_profiles_path=project_dir, dbt_project_path=project_dir, configure_file_logging=False)
    group_by = f"metric_time__{grain}"
    results: dict[str, dict[str, float | None]] = {}
    for metric in metrics:
        request = MetricFlowQueryRequest.create(metric_names=[metric], group_by_names=[group_by])
        frame = config.mf.query(mf_request=request).result_df
        period_at = frame.column_names.index(group_by)
        value_at = frame.column_names.index(metric)
        results[metric] = {
            row[period_at].date().isoformat(): None if row[value_at] is None else float(row[value_at])
            for row in frame.rows
        }
    return results


if __name__ == "__main__":
    print(json.dumps(query_by_period(Path(sys.argv[1]), sys.argv[2], sys.argv[3:])))
