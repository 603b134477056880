"""The dbt project as Dagster sees it, kept alone: `@dbt_assets` needs its manifest at import."""

from __future__ import annotations

from dagster_dbt import DbtProject

from orchestration.manifest import ensure_manifest
from orchestration.settings import DBT_PROJECT_DIR

# Re-parse whenever the SQL changed, with this environment's dbt (dagster-dbt's prepare_if_dev
# would run whatever `dbt` is on PATH, and only under `dagster dev`).
ensure_manifest()
salesops_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
