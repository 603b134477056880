"""Resources shared by the assets."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.dbt_project import salesops_dbt_project


def _dbt_executable() -> str:
    # The dbt next to this interpreter, so the CLI and `dagster dev` work without an activated venv.
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_resources() -> dict[str, object]:
    return {
        "dbt": DbtCliResource(
            project_dir=salesops_dbt_project,
            profiles_dir=str(salesops_dbt_project.profiles_dir),
            dbt_executable=_dbt_executable(),
        ),
    }
