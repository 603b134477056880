"""Connector settings: secrets and where a connector keeps its state, all from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import Settings


class ConnectorConfigError(Exception):
    """A connector cannot start: a setting is missing or wrong (the message names it)."""


def required_env(name: str, purpose: str) -> str:
    """The value of a required environment variable; the error names it, never a value."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConnectorConfigError(f"environment variable {name} is not set ({purpose})")
    return value


@dataclass(frozen=True)
class ConnectorPaths:
    landing_dir: Path
    state_dir: Path  # dlt pipelines and the outbox DuckDB files; kept between runs

    @classmethod
    def from_env(cls) -> ConnectorPaths:
        """Landing folder as the loader's; state beside the warehouse unless
        SALESOPS_CONNECTOR_STATE_DIR says otherwise."""
        settings = Settings.from_env()
        state = os.environ.get("SALESOPS_CONNECTOR_STATE_DIR")
        state_dir = Path(state) if state else settings.warehouse.parent / "connectors"
        if not state_dir.is_absolute():
            state_dir = Path.cwd() / state_dir
        return cls(landing_dir=settings.landing_dir, state_dir=state_dir)
