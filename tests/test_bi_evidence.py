"""The Evidence recipe of docs/bi.md, run for real: Evidence's DuckDB source plugin (npm
@evidence-dev/duckdb, pinned in tests/fixtures/evidence_source/package.json) reads the
serving file through the connection.yaml and the symbolic link the page prints. It opens
the file read-only, and sees a new publish (a rename) at its next query."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.publish import publish_marts
from tests.conftest import REPO

PLUGIN_FIXTURE = REPO / "tests" / "fixtures" / "evidence_source"
BI_DOC = REPO / "docs" / "bi.md"


def _evidence_section() -> str:
    text = BI_DOC.read_text(encoding="utf-8")
    return text.split("\n## Evidence\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin installed from the npm registry into a scratch folder (~5 s, cached by npm)."""
    npm = shutil.which("npm")
    assert npm and shutil.which("node"), "Node.js and npm are needed to check the Evidence recipe"
    folder = tmp_path_factory.mktemp("evidence_plugin")
    for name in ("package.json", "run_query.cjs"):
        shutil.copy(PLUGIN_FIXTURE / name, folder / name)
    installed = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return folder


def _publish(warehouse: Path, serving: Path, won_deals: tuple[int, int]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.sales_metrics_monthly as "
            "select * from (values "
            f"(date '2024-01-01', {won_deals[0]}), (date '2024-02-01', {won_deals[1]})) "
            "t(month, won_deals)"
        )
    publish_marts(warehouse, serving, run_id=f"v{won_deals}", landing_dir="-", raw_row_counts={}, checks={})


def _query(plugin: Path, source: Path, options: dict[str, str], sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(plugin / "run_query.cjs"), str(source), json.dumps(options), sql],
        cwd=plugin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_evidence_reads_the_serving_file_read_only_and_follows_publishes(
    plugin_dir: Path, tmp_path: Path
) -> None:
    section = _evidence_section()
    connection = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1))
    assert connection["type"] == "duckdb"
    link = re.search(r"`ln -s (\S+) (\S+)`", section)
    assert link and link.group(1) == "/srv/salesops/data/serving.duckdb"

    # The page's layout with this test's serving file in place of /srv/salesops/data.
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "data" / "serving.duckdb"
    serving.parent.mkdir()
    project = tmp_path / "evidence_project"
    linked = project / link.group(2)
    linked.parent.mkdir(parents=True)
    linked.symlink_to(serving)
    source = project / "sources" / connection["name"]
    assert linked.parent == source and linked.name == connection["options"]["filename"]

    _publish(warehouse, serving, (3, 5))
    first = _query(
        plugin_dir,
        source,
        connection["options"],
        "select won_deals from marts.sales_metrics_monthly order by month",
    )
    assert first.returncode == 0, first.stderr
    assert [row["won_deals"] for row in json.loads(first.stdout)] == [3, 5]

    refused = _query(
        plugin_dir, source, connection["options"], "create table marts.scribble as select 1 as x"
    )
    assert refused.returncode != 0 and "read-only" in refused.stderr.lower(), refused.stderr

    _publish(warehouse, serving, (4, 6))  # a new file renamed over the old one
    second = _query(
        plugin_dir,
        source,
        connection["options"],
        "select won_deals from marts.sales_metrics_monthly order by month",
    )
    assert second.returncode == 0, second.stderr
    assert [row["won_deals"] for row in json.loads(second.stdout)] == [4, 6]
