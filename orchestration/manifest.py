"""Keep dbt's manifest (which dagster-dbt reads at import time) in step with the SQL."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, dbt_executable

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCE_DIRS = ("models", "macros", "seeds", "tests")
_SOURCE_FILES = ("dbt_project.yml", "profiles.yml")


def _newest_source_mtime() -> float:
    paths: list[Path] = [DBT_PROJECT_DIR / f for f in _SOURCE_FILES]
    for folder in _SOURCE_DIRS:
        paths += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def build_target_path(warehouse: Path) -> Path:
    """The dbt target folder of builds into `warehouse`, kept between runs.

    dagster-dbt would give every run a new folder, where dbt never finds its
    partial_parse.msgpack and parses the whole project again (seconds per run), and artifacts
    pile up. One folder per warehouse, because the profile (the warehouse path) is part of
    dbt's parse state and two warehouses' builds must not overwrite each other's artifacts.
    """
    key = hashlib.sha1(str(warehouse.resolve()).encode()).hexdigest()[:10]
    return MANIFEST.parent / f"build-{key}"


def ensure_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than any project file."""
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return
    completed = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{completed.stdout}\n{completed.stderr}")


if __name__ == "__main__":
    ensure_manifest()
    print(f"dbt manifest ready: {MANIFEST}")
