"""`python -m sources.ad_exports EXPORT.csv [...] --out LANDING`: convert report exports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sources.ad_exports.convert import ExportError, convert_export


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sources.ad_exports",
        description="Convert Google Ads / Meta Ads / LinkedIn Ads campaign report exports into "
        "<out>/marketing/ad_spend_<platform>_<name>.csv (the contract's ad spend).",
    )
    parser.add_argument("exports", nargs="+", type=Path, help="export files (.csv)")
    parser.add_argument("--out", required=True, type=Path, help="landing folder to write into")
    parser.add_argument("--day-first", action="store_true", help="dates like 05/03/2024 are 5 March")
    args = parser.parse_args(argv)
    status = 0
    for export in args.exports:
        try:
            result = convert_export(export, args.out, day_first=args.day_first)
        except (ExportError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        print(result.render())
        if not result.reconciliation.balanced:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
