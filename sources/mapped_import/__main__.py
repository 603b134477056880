"""`python -m sources.mapped_import --mapping M.yml --input DIR --out LANDING` (= `salesops import`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sources.mapped_import.engine import run_mapping
from sources.mapped_import.schema import MappingError, load_mapping


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mapping", required=True, type=Path, help="mapping file (sources/mappings/*.yml)")
    parser.add_argument("--input", required=True, type=Path, help="folder holding the files to import")
    parser.add_argument("--out", required=True, type=Path, help="landing folder to write into")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a mapping parameter, e.g. --param year=2019",
    )


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, str] = {}
    for pair in args.param:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            print(f"error: --param expects NAME=VALUE, got {pair!r}", file=sys.stderr)
            return 2
        overrides[name.strip()] = value
    try:
        mapping = load_mapping(args.mapping, overrides)
        result = run_mapping(mapping, args.input.resolve(), args.out.resolve())
    except MappingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.render())
    dbt_vars = result.dbt_vars()
    if dbt_vars:
        flags = " ".join(f"--var {k}={v}" for k, v in dbt_vars.items())
        print(f"next: salesops refresh --landing-dir {result.out_dir} {flags}")
        print(f"      (or SALESOPS_DBT_VARS='{json.dumps(dbt_vars)}')")
    return 0 if result.balanced else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sources.mapped_import",
        description="Convert CSV exports into contract-shaped landing files with a YAML mapping.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
