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


def run_dbt(
    warehouse: Path, *args: str, project_dir: Path = DBT_PROJECT_DIR
) -> subprocess.CompletedProcess[str]:
    """Run dbt against `warehouse`; the target folder is kept apart from the project's own."""
    env = {**os.environ, "SALESOPS_WAREHOUSE": str(warehouse)}
    target = warehouse.parent / "dbt_target"
    return subprocess.run(
        [
            str(BIN / "dbt"),
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=project_dir,
    )


def run_salesops(
    landing: Path,
    workdir: Path,
    *args: str,
    command: str = "refresh",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`salesops refresh` as a user runs it, with its own warehouse and serving file."""
    env = {
        **os.environ,
        "SALESOPS_LANDING_DIR": str(landing),
        "SALESOPS_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "SALESOPS_SERVING": str(workdir / "serving.duckdb"),
        **(env or {}),
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


SMALL_LANDING = REPO / "tests" / "fixtures" / "small_landing"


def _publish(landing: Path, workdir: Path, *args: str) -> Path:
    result = run_salesops(landing, workdir, *args)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return workdir / "serving.duckdb"


@pytest.fixture(scope="session")
def small_landing_serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made fixture landing (tests/fixtures/small_landing), refreshed once (UTC):
    the published serving file. Read it with duckdb.connect(path, read_only=True)."""
    return _publish(SMALL_LANDING, tmp_path_factory.mktemp("small_landing_run"))


@pytest.fixture(scope="session")
def demo_serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated demo landing (scale 0.3, seed 7: realistic volumes of every object,
    activities included), refreshed once: the published serving file."""
    from sources.demo.generator import generate_landing

    root = tmp_path_factory.mktemp("demo_run")
    generate_landing(root / "landing", scale=0.3, seed=7)
    return _publish(root / "landing", root)
