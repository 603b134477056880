"""Where things are: every path and knob comes from an environment variable with a default.

Read at call time (not import time) so the CLI can set them for one run.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The dbt of this environment, so nothing depends on an activated venv or on PATH."""
    for folder in (Path(sys.prefix) / "bin", Path(sys.executable).parent):
        if (folder / "dbt").exists():
            return str(folder / "dbt")
    return shutil.which("dbt") or "dbt"


@dataclass(frozen=True)
class RejectThreshold:
    """How many rejected rows one contract object may have while the run still publishes.

    SALESOPS_MAX_REJECTS: a whole number of rows ("0", the default: any reject stops the
    publish) or a share of the object's delivered rows ("0.5%").
    """

    text: str
    rows: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str) -> RejectThreshold:
        value = text.strip()
        try:
            if value.endswith("%"):
                percent = float(value[:-1])
                if not 0 <= percent <= 100:
                    raise ValueError
                return cls(value, percent=percent)
            rows = int(value)
            if rows < 0:
                raise ValueError
            return cls(value, rows=rows)
        except ValueError:
            raise ValueError(
                f"SALESOPS_MAX_REJECTS={text!r}: expected a whole number of rows (e.g. 0 or 25) "
                "or a percentage of an object's rows (e.g. 0.5%)"
            ) from None

    def allows(self, rejected: int, delivered: int) -> bool:
        if self.rows is not None:
            return rejected <= self.rows
        return rejected <= delivered * (self.percent or 0) / 100


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    serving: Path
    quality_docs_dir: Path
    schedule_timezone: str
    max_rejects: RejectThreshold

    @classmethod
    def from_env(cls) -> Settings:
        def path(var: str, default: str) -> Path:
            value = Path(os.environ.get(var) or default)
            return value if value.is_absolute() else (Path.cwd() / value)

        warehouse = path("SALESOPS_WAREHOUSE", "data/warehouse.duckdb")
        return cls(
            landing_dir=path("SALESOPS_LANDING_DIR", "landing"),
            warehouse=warehouse,
            serving=path("SALESOPS_SERVING", "data/serving.duckdb"),
            quality_docs_dir=path("SALESOPS_QUALITY_DOCS", str(warehouse.parent / "quality_docs")),
            schedule_timezone=os.environ.get("SALESOPS_SCHEDULE_TIMEZONE", "UTC"),
            max_rejects=RejectThreshold.parse(os.environ.get("SALESOPS_MAX_REJECTS") or "0"),
        )
