"""A refresh killed with SIGKILL at random points leaves the serving file as it was (or, if
the kill came after the rename, the complete new version); the next run succeeds with no
manual clean-up, and re-running on the same landing gives identical marts (idempotent)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb

from tests.conftest import BIN, SMALL_LANDING, run_salesops


def marts_snapshot(serving: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_name <> 'refresh_log' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}


def publishes(serving: Path) -> int:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute("select count(*) from marts.refresh_log").fetchone()[0]


def test_sigkill_at_random_points_then_rerun(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    first = run_salesops(SMALL_LANDING, tmp_path)
    assert first.returncode == 0, first.stdout[-3000:]
    reference = marts_snapshot(serving)

    env = {
        **os.environ,
        "SALESOPS_LANDING_DIR": str(SMALL_LANDING),
        "SALESOPS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SALESOPS_SERVING": str(serving),
    }
    env.pop("DAGSTER_HOME", None)
    rng = random.Random(20241127)
    for delay in (rng.uniform(0.5, 6.0), rng.uniform(6.0, 20.0)):
        before_hash = hashlib.sha256(serving.read_bytes()).hexdigest()
        before_publishes = publishes(serving)
        process = subprocess.Popen(
            [str(BIN / "salesops"), "refresh"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)  # the main process only: its dbt child may live on
        process.wait()
        if hashlib.sha256(serving.read_bytes()).hexdigest() != before_hash:
            # Killed after the atomic rename: the new version is complete, never partial.
            assert publishes(serving) == before_publishes + 1, f"killed at {delay:.1f}s"
            assert marts_snapshot(serving) == reference

    rerun = run_salesops(SMALL_LANDING, tmp_path)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert marts_snapshot(serving) == reference  # same landing, same marts
    assert not list(tmp_path.glob(".serving.duckdb.*"))
