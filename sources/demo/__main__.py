"""CLI: python -m sources.demo OUT_DIR [--scale 1] [--seed 42] [--start 2023-01-01] [--months 36]"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from .generator import generate_landing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sources.demo",
        description="Write a synthetic demo landing (Salesforce exports, ad spend, expenses, "
        "quotas). Same seed and scale, same files.",
    )
    parser.add_argument("out_dir", type=Path, help="landing folder to write (empty or a demo)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = ~3,000 opportunities")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2023, 1, 1),
        help="first day of the data (default 2023-01-01)",
    )
    parser.add_argument("--months", type=int, default=36, help="length of the period in months")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        written = generate_landing(
            args.out_dir, scale=args.scale, seed=args.seed, start=args.start, months=args.months
        )
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    width = max(len(p) for p in written)
    for path, rows in written.items():
        print(f"{path:<{width}}  {rows:>10,}")
    print(f"{len(written)} files, {sum(written.values()):,} rows in {args.out_dir} ({elapsed:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
