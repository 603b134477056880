"""The dbt project as Dagster sees it. Kept alone so `dagster-dbt project prepare-and-package
--file orchestration/dbt_project.py` (or `dbt parse`) can prepare the manifest."""

from __future__ import annotations

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

salesops_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is rebuilt from the current SQL; elsewhere it must exist.
salesops_dbt_project.prepare_if_dev()
