"""The read-only connection string BI tools use for the serving file. docs/bi.md prints it
and the tests open the serving file through it, so the documented string is the tested one."""

from __future__ import annotations

from pathlib import Path

# duckdb-engine passes URL query parameters to duckdb.connect(config=...): access_mode=read_only
# lets any number of readers share the file and never blocks a publish (a rename).
SQLALCHEMY_URL_TEMPLATE = "duckdb:///{path}?access_mode=read_only"


def sqlalchemy_url(serving: Path | str) -> str:
    """`duckdb:////abs/path/serving.duckdb?access_mode=read_only` (four slashes: an absolute path)."""
    return SQLALCHEMY_URL_TEMPLATE.format(path=Path(serving).resolve())
