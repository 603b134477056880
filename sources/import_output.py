"""What the file converters (ad-platform exports, mapped imports) share: writing contract-shaped
CSVs into a landing folder atomically, and keeping every row they could not use with its reason.

A converter never drops a row silently: each input row is written, rejected (kept in a rejects
CSV beside the output, naming file, line, field, value and reason) or skipped for a stated
reason (a totals row, an exact duplicate, ...), and the counts reconcile.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REJECT_COLUMNS = ("file", "line", "field", "value", "reason")


@dataclass(frozen=True)
class Reject:
    file: str
    line: int  # physical line in the source file (header = 1) where the record starts
    field: str
    value: str
    reason: str

    def as_row(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class Reconciliation:
    """rows_read = rows_written + rows_rejected + sum(skipped.values()), per source file."""

    source: str
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows

    def skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_written + self.rows_rejected + sum(self.skipped.values())

    def render(self) -> str:
        parts = [
            f"{self.rows_read:,} read",
            f"{self.rows_written:,} written",
            f"{self.rows_rejected:,} rejected",
        ]
        parts += [f"{n:,} {reason}" for reason, n in sorted(self.skipped.items())]
        status = "balanced" if self.balanced else "NOT BALANCED"
        return f"{self.source}: " + " = ".join([parts[0], " + ".join(parts[1:])]) + f" ({status})"


def safe_name(text: str) -> str:
    """A file-name fragment: lower case letters, digits and underscores."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "file"


def write_csv_atomic(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> int:
    """Write a UTF-8 CSV (RFC 4180 quoting) to a temp file beside `path`, then rename it over
    `path`, so a reader (the loader) never sees half a file. Returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            count += 1
    os.replace(tmp, path)
    return count


def write_rejects(path: Path, rejects: Sequence[Reject]) -> Path | None:
    """The rejects CSV, written only when there are rejects (an old one is removed otherwise)."""
    if not rejects:
        path.unlink(missing_ok=True)
        return None
    write_csv_atomic(path, REJECT_COLUMNS, (r.as_row() for r in rejects))
    return path
