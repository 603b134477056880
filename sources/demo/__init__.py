"""Synthetic demo landing: `generate_landing(out_dir, scale=..., seed=...)`, or
`python -m sources.demo OUT_DIR --scale 1 --seed 42`."""

from .generator import generate_landing

__all__ = ["generate_landing"]
