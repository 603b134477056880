"""`python -m sources.hubspot` / `python -m sources.salesforce`: one connector run from a shell."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from dlt.pipeline.exceptions import PipelineStepFailed

from sources.connectors.registry import sync
from sources.connectors.settings import ConnectorConfigError, ConnectorPaths


def main(connector: str, argv: list[str] | None = None) -> int:
    defaults = ConnectorPaths.from_env()
    parser = argparse.ArgumentParser(
        prog=f"python -m sources.{connector}",
        description=f"Land the {connector} records changed since the last run as contract CSV files.",
    )
    parser.add_argument("--landing-dir", type=Path, default=defaults.landing_dir)
    parser.add_argument(
        "--state-dir", type=Path, default=defaults.state_dir, help="dlt pipeline state and the outbox"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    try:
        report = sync(connector, ConnectorPaths(landing_dir=args.landing_dir, state_dir=args.state_dir))
    except ConnectorConfigError as exc:
        print(f"{connector}: {exc}", file=sys.stderr)
        return 2
    except PipelineStepFailed as exc:
        # dlt's message holds the failing request (URL, status); credentials travel in headers.
        print(f"{connector}: the run failed, nothing new landed, the cursor kept: {exc}", file=sys.stderr)
        return 1
    for folder in report.landed:
        print(f"landed {folder.relative_path}: {folder.rows_by_object}")
    if not report.landed:
        print(f"{connector}: no changes since the last run")
    return 0
