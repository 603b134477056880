"""Shared test helpers: writing landing files, running dbt on a loaded warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO / "dbt_project"
BIN = Path(sys.executable).parent


def write_landing_file(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_dbt(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run dbt against `warehouse`; the target folder is kept apart from the project's own."""
    env = {**os.environ, "SALESOPS_WAREHOUSE": str(warehouse)}
    target = warehouse.parent / "dbt_target"
    return subprocess.run(
        [
            str(BIN / "dbt"),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=DBT_PROJECT_DIR,
    )


def run_salesops(
    landing: Path, workdir: Path, *args: str, command: str = "refresh"
) -> subprocess.CompletedProcess[str]:
    """`salesops refresh` as a user runs it, with its own warehouse and serving file."""
    env = {
        **os.environ,
        "SALESOPS_LANDING_DIR": str(landing),
        "SALESOPS_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "SALESOPS_SERVING": str(workdir / "serving.duckdb"),
    }
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [str(BIN / "salesops"), command, *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=900,
    )


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root
