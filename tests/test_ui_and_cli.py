"""The pieces around the pipeline that people look at: the landing sensor, dbt row counts, the
Markdown shown in the Dagster UI, the CLI's progress lines and its help. All fast: no refresh."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli import build_parser
from orchestration.landing_assets import LANDING_FOLDERS
from orchestration.metadata import markdown_table
from orchestration.progress import DbtLogTee, ProgressPrinter
from orchestration.row_counts import with_row_counts
from orchestration.sensors import landing_files_sensor, snapshot_landing
from orchestration.settings import ENVIRONMENT_VARIABLES
from tests.conftest import REPO, write_landing_file

DAY = 24 * 3600
T0 = 1_717_000_000  # 2024-05-29 16:26:40 UTC, a fixed file time


def _landing(root: Path) -> None:
    opportunity = write_landing_file(root, "crm/2024-05-31/Opportunity.csv", "Id,CreatedDate\n1,2024-05-01\n")
    spend = write_landing_file(root, "marketing/ad_spend.csv", "date,platform\n2024-05-01,x\n")
    hidden = write_landing_file(root, "crm/.partial/Opportunity.csv", "being copied")
    os.utime(opportunity, (T0, T0))
    os.utime(spend, (T0 - 3 * DAY, T0 - 3 * DAY))
    os.utime(hidden, (T0 + DAY, T0 + DAY))


def _tick(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
    return landing_files_sensor(dg.build_sensor_context(cursor=cursor))


def test_sensor_records_a_baseline_then_requests_a_refresh_per_new_landing(
    landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESOPS_LANDING_DIR", str(landing))
    _landing(landing)

    first = _tick(None)
    assert isinstance(first, dg.SensorResult)
    assert first.run_requests == []  # what is there already is not "new"
    baseline = first.cursor
    observed = {e.asset_key.path[1]: e.metadata for e in first.asset_events}
    assert set(observed) == set(LANDING_FOLDERS)
    # The newest visible file of each folder; the hidden half-copied file does not count.
    assert observed["crm"]["dagster/last_updated_timestamp"].value == T0
    assert observed["crm"]["files"].value == 1
    assert observed["marketing"]["dagster/last_updated_timestamp"].value == T0 - 3 * DAY
    assert "dagster/last_updated_timestamp" not in observed["finance"]

    unchanged = _tick(baseline)
    assert isinstance(unchanged, dg.SkipReason)

    new_file = write_landing_file(landing, "crm/2024-06-30/Opportunity.csv", "Id,CreatedDate\n2,2024-06-01\n")
    os.utime(new_file, (T0 + 30 * DAY, T0 + 30 * DAY))
    changed = _tick(baseline)
    assert isinstance(changed, dg.SensorResult)
    assert [r.run_key for r in changed.run_requests] == [changed.cursor]
    assert changed.cursor != baseline
    assert changed.run_requests[0].job_name in (None, "full_refresh")

    # A file rewritten in place (same name, new content) is a change too.
    new_file.write_text("Id,CreatedDate\n2,2024-06-02\n3,2024-06-03\n", encoding="utf-8")
    assert snapshot_landing(landing).fingerprint != changed.cursor


def test_sensor_skips_when_the_landing_folder_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESOPS_LANDING_DIR", str(tmp_path / "nowhere"))
    result = _tick(None)
    assert isinstance(result, dg.SkipReason)
    assert "nowhere" in (result.skip_message or "")


def test_dbt_tables_get_row_counts_views_do_not(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_things as select range as id from range(3)")
        con.execute("create view marts.v_things as select * from marts.fct_things")
    manifest = tmp_path / "manifest.json"
    node = {"resource_type": "model", "schema": "marts"}
    manifest.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.p.fct_things": {**node, "name": "fct_things", "config": {"materialized": "table"}},
                    "model.p.v_things": {**node, "name": "v_things", "config": {"materialized": "view"}},
                }
            }
        )
    )
    events = [
        dg.Output(None, output_name="marts__fct_things", metadata={"unique_id": "model.p.fct_things"}),
        dg.AssetMaterialization(asset_key="v_things", metadata={"unique_id": "model.p.v_things"}),
        dg.AssetCheckResult(asset_key="v_things", check_name="not_null", passed=True),
    ]
    out = list(with_row_counts(iter(events), warehouse, manifest))
    assert [type(e) for e in out] == [type(e) for e in events]
    assert out[0].metadata["dagster/row_count"].value == 3
    assert out[0].metadata["unique_id"].value == "model.p.fct_things"
    assert "dagster/row_count" not in out[1].metadata


def test_markdown_table_caps_rows_and_escapes_pipes() -> None:
    rows = [(i, f"a|b {i}") for i in range(30)]
    text = markdown_table(["n", "value"], rows, limit=25)
    lines = text.splitlines()
    assert lines[0] == "| n | value |"
    assert lines[2] == "| 0 | a\\|b 0 |"
    assert sum(1 for line in lines if line.startswith("| ") and line[2].isdigit()) == 25
    assert lines[-1] == "... and 5 more rows"
    assert markdown_table(["n"], [], limit=5) == "none"


def test_progress_counts_dbt_nodes_without_flooding() -> None:
    terminal = io.StringIO()
    printer = ProgressPrinter(terminal)
    log = io.StringIO()
    tee = DbtLogTee(log, printer)
    # One result line split across writes, as a stream may deliver it.
    tee.write("05:08:01  1 of 4 OK created sql table model marts.a ")
    tee.write("[OK in 0.1s]\n05:08:01  2 of 4 START sql table model marts.b\n")
    tee.write("05:08:02  2 of 4 ERROR creating sql table model marts.b\n")
    tee.write("05:08:02  3 of 4 PASS not_null_a_id\n05:08:02  4 of 4 WARN some_test\n")
    assert log.getvalue().count("\n") == 5  # everything reaches the log file
    assert (printer.dbt_done, printer.dbt_total) == (4, 4)
    assert printer.dbt_problems == {"error": 1, "warn": 1}
    # Within 10 s only the first result prints a line, and never the last (the step line says it).
    assert terminal.getvalue().splitlines() == ["         dbt build: 1/4 nodes done"]


def _env_vars_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for folder in ("orchestration", "sources", "expectations"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            names |= set(re.findall(r"os\.environ(?:\.get)?[\[(]\"((?:SALESOPS|DAGSTER)_[A-Z_]+)\"", text))
    return names


def test_help_names_every_environment_variable_the_code_reads() -> None:
    documented = {name for name, _, _ in ENVIRONMENT_VARIABLES}
    read = _env_vars_read_by_the_code() - {"DAGSTER_DISABLE_TELEMETRY"}  # set by the CLI, not read
    assert read, "found no environment variable reads: the pattern is out of date"
    assert read <= documented, f"read but not documented: {sorted(read - documented)}"
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    for help_text in [parser.format_help(), *(p.format_help() for p in subcommands.values())]:
        for name in documented:
            assert name in help_text


def test_every_asset_is_grouped_by_layer_described_and_owned() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    # The refresh's layers, and in front of them the connectors that write landing files.
    layers = {
        "raw",
        "staging",
        "intermediate",
        "reference",
        "marts",
        "quality",
        "serving",
        "imports",
        "connectors",
    }
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.group_name in layers, name
        # dagster-dbt falls back to the model's SQL when the yml has no description.
        description = (node.description or "").strip().lower()
        assert description and not description.startswith(("select", "with", "{{")), name
        assert node.owners, name
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == layers
    for model in ("int_data_quality_issues", "int_rejected_rows", "int_load_reconciliation"):
        assert graph.get(dg.AssetKey(["intermediate", model])).group_name == "quality"
    landing = {k for k in graph.get_all_asset_keys() if k.path[0] == "landing"}
    assert {k.path[1] for k in landing} == set(LANDING_FOLDERS)
    # Each landing folder has a freshness check; the raw tables hang below their folder.
    checks = {k.asset_key for k in graph.asset_check_keys if "freshness" in k.name}
    assert landing <= checks
    assert dg.AssetKey(["landing", "crm"]) in graph.get(dg.AssetKey(["raw", "crm_opportunity"])).parent_keys
