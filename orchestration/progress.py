"""Progress lines for `salesops refresh|demo`: one line per step started and finished (with its
elapsed time), and dbt's node count while `dbt build` runs, without flooding the terminal.

Two feeds: a Dagster logger (step and check events of the in-process run) and the dbt log lines
that dagster-dbt echoes on stdout (the CLI sends those to a log file through `DbtLogTee`).
"""

from __future__ import annotations

import logging
import re
import time
from typing import TextIO

import dagster as dg

STEP_LABELS = {
    "load_landing": "load the landing files into raw",
    "salesops_dbt_models": "dbt build (models, seeds, tests)",
    "data_contract_checks": "data-contract checks",
    "great_expectations_checks": "Great Expectations suites",
    "serving": "publish the marts to the serving file",
    "sales_report": "HTML report",
}
DBT_RESULT = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b")
DBT_EVERY_SECONDS = 10.0


class ProgressPrinter:
    """Writes progress lines to `stream` (the terminal), each flushed at once."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.step_started: dict[str, float] = {}
        self.step_checks: dict[str, list[bool]] = {}
        self.dbt_done = 0
        self.dbt_total = 0
        self.dbt_problems: dict[str, int] = {}
        self.rows_loaded = 0
        self.raw_tables = 0
        self.followed_marts: dict[str, int] | None = None
        self._dbt_last_print = float("-inf")

    def line(self, text: str) -> None:
        self.stream.write(f"  {text}\n")
        self.stream.flush()

    def on_event(self, event: dg.DagsterEvent) -> None:
        step = event.step_key or ""
        label = STEP_LABELS.get(step, step)
        if event.event_type == dg.DagsterEventType.STEP_START:
            self.step_started[step] = time.perf_counter()
            self.line(f"> {label} ...")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            self.step_checks.setdefault(step, []).append(bool(event.event_specific_data.passed))
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            metadata = event.event_specific_data.materialization.metadata
            rows = metadata.get("dagster/row_count")
            if step == "load_landing" and rows is not None:
                self.rows_loaded += int(rows.value)
                self.raw_tables += 1
            if step == "serving" and "followed_marts" in metadata:
                self.followed_marts = metadata["followed_marts"].value
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            parts = [f"{time.perf_counter() - self.step_started.get(step, time.perf_counter()):.1f}s"]
            if step == "load_landing" and self.raw_tables:
                parts.append(f"{self.rows_loaded:,} rows into {self.raw_tables} raw tables")
            if step == "salesops_dbt_models" and self.dbt_total:
                parts.append(f"{self.dbt_done}/{self.dbt_total} dbt nodes")
                parts += [f"{n} {status}" for status, n in sorted(self.dbt_problems.items())]
            if step == "serving" and self.followed_marts is not None:
                parts += [f"{t}: {n:,} rows replaced in a copy" for t, n in self.followed_marts.items()]
            checks = self.step_checks.get(step, [])
            if checks:
                parts.append(f"{sum(checks)}/{len(checks)} checks passed")
            mark = "ok" if event.event_type == dg.DagsterEventType.STEP_SUCCESS else "FAILED"
            self.line(f"{mark:6} {label} ({', '.join(parts)})")
        elif event.event_type == dg.DagsterEventType.STEP_SKIPPED:
            self.line(f"{'skip':6} {label} (an upstream step or blocking check failed)")

    def on_dbt_line(self, text: str) -> None:
        match = DBT_RESULT.search(text)
        if not match:
            return
        self.dbt_done = max(self.dbt_done, int(match.group(1)))
        self.dbt_total = int(match.group(2))
        status = match.group(3)
        if status in ("WARN", "ERROR", "FAIL", "SKIP"):
            self.dbt_problems[status.lower()] = self.dbt_problems.get(status.lower(), 0) + 1
        now = time.perf_counter()
        if now - self._dbt_last_print >= DBT_EVERY_SECONDS and self.dbt_done < self.dbt_total:
            self._dbt_last_print = now
            self.line(f"       dbt build: {self.dbt_done}/{self.dbt_total} nodes done")


class _ProgressHandler(logging.Handler):
    def __init__(self, printer: ProgressPrinter) -> None:
        super().__init__(level=logging.DEBUG)
        self.printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        event = record.__dict__.get("dagster_event")
        if isinstance(event, dg.DagsterEvent):
            self.printer.on_event(event)


def progress_logger(printer: ProgressPrinter) -> dg.LoggerDefinition:
    """A Dagster logger that feeds the run's events to `printer`."""

    def build(_: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("salesops.progress", level=logging.DEBUG)
        logger.addHandler(_ProgressHandler(printer))
        return logger

    return dg.LoggerDefinition(build, description="salesops CLI progress lines")


class DbtLogTee:
    """A text stream for stdout during the run: everything goes to the log file, and dbt's
    "N of M" result lines also advance the progress printer."""

    def __init__(self, log_file: TextIO, printer: ProgressPrinter) -> None:
        self.log_file = log_file
        self.printer = printer
        self._partial = ""

    def write(self, text: str) -> int:
        self.log_file.write(text)
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.printer.on_dbt_line(line)
        return len(text)

    def flush(self) -> None:
        self.log_file.flush()
