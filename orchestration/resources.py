"""Resources shared by the assets."""

from __future__ import annotations

import sys
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.dbt_project import salesops_dbt_project
from orchestration.settings import dbt_executable


class SalesOpsDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two costs paid before every `dbt build` starts.

    - `dbt --version` in a subprocess (~2 s) to learn the dbt version: the dbt that runs is this
      environment's (settings.dbt_executable), so its package metadata says the same.
    - An in-process dbt adapter (~3 s: dbt's imports, profile and project): dagster-dbt uses it
      only for `fetch_row_counts()` and column metadata, which this project does not use
      (row_counts.py counts rows itself, after dbt released the warehouse).
    """

    @property
    def _cli_version(self) -> version.Version:  # type: ignore[override]
        if Path(self.dbt_executable).parent == Path(sys.prefix) / "bin":
            return version.parse(installed_version("dbt-core"))
        return DbtCliResource._cli_version.func(self)  # another dbt: ask it

    def _initialize_dbt_core_adapter(self, args: Any) -> None:  # type: ignore[override]
        return None


def build_resources() -> dict[str, object]:
    return {
        "dbt": SalesOpsDbtCliResource(
            project_dir=salesops_dbt_project,
            profiles_dir=str(salesops_dbt_project.profiles_dir),
            dbt_executable=dbt_executable(),
        ),
    }
