"""The semantic layer answers with the marts' numbers.

What is compared: the fixture landing (tests/fixtures/small_landing, hand-verified mart values
in tests/fixtures/small_landing_expected) is refreshed once in UTC, as of 2024-06-20 (the
latest date in the data). MetricFlow queries the build warehouse of that run (the profile's
SALESOPS_WAREHOUSE, where dbt built the facts and the time spine); the mart is read from the
serving file the same run published. For every MetricFlow metric that has a column in
marts.sales_metrics_monthly, its value by metric_time__month must equal the column in each
month of the mart's range (2024-01 .. 2024-06); months outside the range are not compared.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from scripts.metric_glossary import DOC_REF, MART_ONLY_MARKER, docs_blocks
from scripts.metric_glossary import main as glossary_main
from tests.conftest import BIN, DBT_PROJECT_DIR, REPO

METRICS_YML = DBT_PROJECT_DIR / "models" / "semantic" / "_metrics.yml"


def _mart(serving: Path) -> dict[str, dict[str, float | None]]:
    """{column: {month: value}} of marts.sales_metrics_monthly."""
    with duckdb.connect(str(serving), read_only=True) as con:
        cursor = con.execute("select * from marts.sales_metrics_monthly order by month")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return {
        name: {row[0].isoformat(): None if row[i] is None else float(row[i]) for row in rows}
        for i, name in enumerate(names)
        if name != "month"
    }


def _same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    # Money is exact in the mart and double in MetricFlow's products (amount x probability).
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def _env(project: Path, warehouse: Path) -> dict[str, str]:
    return {**os.environ, "SALESOPS_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project)}


def _query_metricflow(project: Path, warehouse: Path, grain: str, metrics: list[str]) -> dict:
    result = subprocess.run(
        [str(BIN / "python"), str(REPO / "tests" / "metricflow_by_period.py"), str(project), grain, *metrics],
        env=_env(project, warehouse),
        capture_output=True,
        text=True,
        cwd=project,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def semantic_project(
    small_landing_serving: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """A copy of the dbt project, parsed (target/semantic_manifest.json, which `mf` reads from
    the project folder), pointing at the fixture run's build warehouse."""
    project = tmp_path_factory.mktemp("semantic") / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    warehouse = small_landing_serving.parent / "warehouse.duckdb"
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--project-dir", str(project), "--profiles-dir", str(project)],
        env=_env(project, warehouse),
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert parsed.returncode == 0, parsed.stdout[-4000:] + parsed.stderr[-4000:]
    return project, warehouse


def test_mf_query_cli_win_rate_matches_the_mart(
    semantic_project: tuple[Path, Path], small_landing_serving: Path
) -> None:
    """The issue's own command, through the `mf` CLI."""
    project, warehouse = semantic_project
    out = project / "win_rate.csv"
    result = subprocess.run(
        [
            str(BIN / "mf"),
            "query",
            "--metrics",
            "win_rate",
            "--group-by",
            "metric_time__month",
            "--csv",
            str(out),
            "--quiet",
        ],
        env=_env(project, warehouse),
        capture_output=True,
        text=True,
        cwd=project,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    with out.open() as handle:
        answered = {row["metric_time__month"][:10]: row["win_rate"] for row in csv.DictReader(handle)}
    mart = _mart(small_landing_serving)["win_rate"]
    assert list(mart) == [date(2024, m, 1).isoformat() for m in range(1, 7)]
    for month, expected in mart.items():
        got = answered[month]
        assert _same(float(got) if got else None, expected), (month, got, expected)
    # Hand-checked (small_landing_expected): Feb 1 won / 2 closed, Apr 0 won / 1 closed.
    assert float(answered["2024-02-01"]) == 0.5 and float(answered["2024-04-01"]) == 0.0


def test_every_metricflow_metric_equals_its_mart_column(
    semantic_project: tuple[Path, Path], small_landing_serving: Path
) -> None:
    project, warehouse = semantic_project
    mart = _mart(small_landing_serving)
    metric_names = [m["name"] for m in yaml.safe_load(METRICS_YML.read_text())["metrics"]]
    compared = [name for name in metric_names if name in mart]
    assert len(compared) == 27, compared
    answered = _query_metricflow(project, warehouse, "month", compared)
    mismatches = [
        (metric, month, answered[metric].get(month), expected)
        for metric in compared
        for month, expected in mart[metric].items()
        if not _same(answered[metric].get(month), expected)
    ]
    assert mismatches == []
    # Not a vacuous match: the fixture has non-zero, non-null values to agree on.
    assert answered["sales_cycle_days_median"]["2024-03-01"] == 44.0
    assert answered["lead_velocity_rate"]["2024-04-01"] == pytest.approx(-2 / 3)
    assert answered["customer_churn_rate"]["2024-03-01"] == pytest.approx(1 / 3)
    assert answered["blended_cac"]["2024-02-01"] is None  # no new customer: null, not 0


def test_longer_periods_add_flows_and_take_the_last_month_of_states(
    semantic_project: tuple[Path, Path], small_landing_serving: Path
) -> None:
    """By quarter, as docs/metrics.md says: counts and amounts add up the months, ratios divide
    the quarter's sums (never average the months' ratios), month-end states (mrr, customers,
    pipeline) take the quarter's last month. The fixture's range is exactly Q1 and Q2 2024."""
    project, warehouse = semantic_project
    mart = _mart(small_landing_serving)
    flows = ["won_deals", "lost_deals", "won_amount", "leads_created", "paid_media_spend"]
    states = ["mrr", "active_customers", "open_deals", "open_pipeline_amount"]
    answered = _query_metricflow(project, warehouse, "quarter", [*flows, *states, "win_rate", "arpa"])
    quarters = {
        "2024-01-01": ["2024-01-01", "2024-02-01", "2024-03-01"],
        "2024-04-01": ["2024-04-01", "2024-05-01", "2024-06-01"],
    }
    for quarter, months in quarters.items():
        for metric in flows:
            assert _same(answered[metric][quarter], sum(mart[metric][m] for m in months)), (metric, quarter)
        for metric in states:
            assert _same(answered[metric][quarter], mart[metric][months[-1]]), (metric, quarter)
        won = sum(mart["won_deals"][m] for m in months)
        closed = won + sum(mart["lost_deals"][m] for m in months)
        assert _same(answered["win_rate"][quarter], won / closed), quarter
        assert _same(answered["arpa"][quarter], mart["arpa"][months[-1]]), quarter
    # Hand-checked from small_landing_expected: Q1 won 1+1+4 of 1+2+4 closed; Q2 0+1+1 of 1+1+2.
    assert answered["win_rate"]["2024-01-01"] == pytest.approx(6 / 7)
    assert answered["win_rate"]["2024-04-01"] == pytest.approx(2 / 4)


def test_every_mart_metric_is_in_metricflow_or_says_why_not() -> None:
    blocks = docs_blocks()
    metric_names = {m["name"] for m in yaml.safe_load(METRICS_YML.read_text())["metrics"]}
    mart_only = {name for name, text in blocks.items() if MART_ONLY_MARKER in text}
    assert mart_only == {"ltv", "ltv_to_cac", "pipeline_coverage_next_3_months"}
    assert set(blocks) - mart_only <= metric_names
    assert not mart_only & metric_names


def test_glossary_page_is_generated_from_the_docs_blocks() -> None:
    assert glossary_main(["--check"]) == 0, "run: .venv/bin/python scripts/metric_glossary.py"


def test_dbt_docs_show_one_definition_for_column_and_metric(semantic_project: tuple[Path, Path]) -> None:
    project, warehouse = semantic_project
    target = project.parent / "docs_target"
    result = subprocess.run(
        [
            str(BIN / "dbt"),
            "docs",
            "generate",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(target),
        ],
        env=_env(project, warehouse),
        capture_output=True,
        text=True,
        cwd=project,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (target / "catalog.json").exists() and (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    columns = manifest["nodes"]["model.salesops.sales_metrics_monthly"]["columns"]
    blocks = docs_blocks()
    for name, text in blocks.items():
        column_text = " ".join(columns[name]["description"].split())
        assert column_text == text and not DOC_REF.search(column_text), name
        metric = manifest["metrics"].get(f"metric.salesops.{name}")
        if metric is not None:
            assert " ".join(metric["description"].split()) == text, name
    assert re.search(r"Mart only:", columns["ltv"]["description"])
