"""Helpers shared by the connector tests: fast retry settings and reading what was landed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

FAST_RETRIES = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "RUNTIME__REQUEST_MAX_ATTEMPTS": "3",
    "RUNTIME__REQUEST_BACKOFF_FACTOR": "0.01",
    "RUNTIME__REQUEST_MAX_RETRY_DELAY": "0.05",
}


def use_fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_RETRIES.items():
        monkeypatch.setenv(name, value)


def run_folders(landing: Path, connector: str) -> list[Path]:
    """The connector's landed run folders, in the loader's reading order."""
    root = landing / "crm" / connector
    return sorted(p for p in root.iterdir()) if root.is_dir() else []


def read_objects(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Object name -> rows of one run folder."""
    objects = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            objects[path.stem] = list(csv.DictReader(handle))
    return objects


def counts(folder: Path) -> dict[str, int]:
    return {name: len(rows) for name, rows in read_objects(folder).items()}


def assert_unique_ids(folder: Path) -> None:
    for name, rows in read_objects(folder).items():
        ids = [r["Id"] for r in rows]
        assert len(ids) == len(set(ids)), f"{folder.name}/{name}.csv repeats an Id"


def files_containing(root: Path, secret: str) -> list[Path]:
    """Every file under `root` whose bytes contain `secret`."""
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]
