"""Resources shared by the assets."""

from __future__ import annotations

from dagster_dbt import DbtCliResource

from orchestration.dbt_project import salesops_dbt_project
from orchestration.settings import dbt_executable


def build_resources() -> dict[str, object]:
    return {
        "dbt": DbtCliResource(
            project_dir=salesops_dbt_project,
            profiles_dir=str(salesops_dbt_project.profiles_dir),
            dbt_executable=dbt_executable(),
        ),
    }
