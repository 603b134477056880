"""Shared helpers: the timeline, time as integer seconds/days, Salesforce Ids, CSV output.

Times are int64 seconds since 1970-01-01 UTC, dates int64 days since then; `NEVER` marks an
event that does not happen. Every generator works on numpy arrays, never on Python lists of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sources.contract import LandingObject

DAY = 86_400
EPOCH = date(1970, 1, 1)
NEVER = np.int64(2**62)
CURRENCIES = ("USD", "EUR", "GBP", "CAD")
USD, EUR, GBP, CAD = range(4)


def to_days(d: date) -> int:
    return (d - EPOCH).days


def from_days(days: int) -> date:
    return EPOCH + timedelta(days=int(days))


def month_index(days: np.ndarray | int) -> np.ndarray:
    """Months since 1970-01 of day numbers."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")


def month_start(months: np.ndarray | int) -> np.ndarray:
    """Day number of the first day of month indices."""
    return np.asarray(months, dtype="int64").astype("datetime64[M]").astype("datetime64[D]").astype("int64")


def add_months(d: date, n: int) -> date:
    """The first day of the month n months after d's month."""
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True)
class Timeline:
    """The simulated period and the export dates.

    Records are created from `start` to the as-of date (the last incremental export). The full
    CRM export is dated the first day of the month before the as-of month; the incremental exports
    are the first `n_incrementals` days of the as-of month (the first one catching up on the
    month since the full export). Plans (close dates, quotas) reach to `window_end` and beyond.
    """

    start: date
    window_end: date  # first day after the `months` months starting with start's month
    full_export: date
    incrementals: tuple[date, ...]

    @property
    def as_of(self) -> date:
        return self.incrementals[-1]

    @property
    def export_dates(self) -> tuple[date, ...]:
        return (self.full_export, *self.incrementals)

    @property
    def cuts(self) -> np.ndarray:
        """Last second included in each export (end of its date, UTC)."""
        return np.array([(to_days(d) + 1) * DAY - 1 for d in self.export_dates], dtype="int64")

    @property
    def start_sec(self) -> int:
        return to_days(self.start) * DAY

    @property
    def as_of_sec(self) -> int:
        return int(self.cuts[-1])

    @property
    def first_month(self) -> int:
        return int(month_index(to_days(self.start)))

    @property
    def as_of_month(self) -> int:
        return int(month_index(to_days(self.as_of)))


def make_timeline(start: date, months: int, n_incrementals: int = 5) -> Timeline:
    if months < 4:
        raise ValueError("months must be at least 4")
    as_of_month = add_months(start, months - 2)
    return Timeline(
        start=start,
        window_end=add_months(start, months),
        full_export=add_months(start, months - 3),
        incrementals=tuple(as_of_month + timedelta(days=i) for i in range(n_incrementals)),
    )


# --- Salesforce Ids ---------------------------------------------------------------------------

_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)
_BLOCK = 10**10  # Id numbers reserved per generation block (chunk)


class IdFactory:
    """18-character Salesforce Ids: key prefix, 2-character pod, '0', 9 base-62 digits, checksum.

    Numbers are sequential per prefix from a seed-derived base, so Ids are deterministic from the
    seed, look like a real org's and never collide between chunks (each chunk has its own block).
    """

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng([seed, 77])
        self._pod = _B62[rng.integers(0, 62, size=2)]
        self._seed = seed

    def _base(self, prefix: str) -> int:
        rng = np.random.default_rng([self._seed, int.from_bytes(prefix.encode(), "big")])
        return int(rng.integers(62**5, 62**6))

    def make(self, prefix: str, index: np.ndarray | int, block: int = 0) -> np.ndarray:
        nums = np.asarray(index, dtype="int64") + self._base(prefix) + block * _BLOCK
        nums = np.atleast_1d(nums)
        out = np.empty((nums.size, 18), dtype=np.uint8)
        out[:, 0:3] = np.frombuffer(prefix.encode(), np.uint8)
        out[:, 3:5] = self._pod
        out[:, 5] = ord("0")
        rest = nums.copy()
        for pos in range(14, 5, -1):
            out[:, pos] = _B62[rest % 62]
            rest //= 62
        upper = (out[:, :15] >= ord("A")) & (out[:, :15] <= ord("Z"))
        weights = 1 << np.arange(5)
        for b in range(3):
            out[:, 15 + b] = _SUFFIX[(upper[:, 5 * b : 5 * b + 5] * weights).sum(axis=1)]
        return out.view("S18").ravel().astype("U18")


# --- formatting -------------------------------------------------------------------------------


def fmt_datetime(sec: np.ndarray, zulu: np.ndarray | None = None) -> np.ndarray:
    """Salesforce datetimes: 2024-03-05T14:22:10.000+0000 (or ...Z where zulu)."""
    base = np.datetime_as_string(np.asarray(sec, dtype="int64").astype("datetime64[s]"), unit="s")
    out = np.char.add(base, ".000+0000")
    if zulu is not None:
        out = np.where(zulu, np.char.add(base, ".000Z"), out)
    return out.astype(object)


def fmt_date(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    days = np.asarray(days, dtype="int64")
    if missing is not None:
        days = np.where(missing, 0, days)
    out = np.datetime_as_string(days.astype("datetime64[D]")).astype(object)
    return _blank(out, missing)


def fmt_month(months: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(months, dtype="int64").astype("datetime64[M]")).astype(object)


def fmt_number(values: np.ndarray, decimals: int = 2) -> np.ndarray:
    """Plain decimals with '.', empty for NaN."""
    values = np.asarray(values, dtype="float64")
    missing = np.isnan(values)
    out = np.char.mod(f"%.{decimals}f", np.where(missing, 0.0, values)).astype(object)
    return _blank(out, missing)


def fmt_int(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    return _blank(np.asarray(values, dtype="int64").astype(str).astype(object), missing)


def fmt_bool(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    return _blank(np.where(values, "true", "false").astype(object), missing)


def pick(labels: tuple[str, ...] | list[str], index: np.ndarray) -> np.ndarray:
    """labels[index] as an object array, '' where index < 0."""
    arr = np.array(list(labels) + [""], dtype=object)
    index = np.asarray(index, dtype="int64")
    return arr[np.where(index < 0, len(labels), index)]


def pick_ids(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    """ids[index] as an object array, '' where index < 0."""
    index = np.asarray(index, dtype="int64")
    table = np.append(np.asarray(ids, dtype=object), "")
    return table[np.where(index < 0, len(ids), index)]


def _blank(out: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    if missing is not None:
        out = np.where(missing, "", out).astype(object)
    return out


def changed_rows(ts: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Records with an event in (lo, hi]: their indices, the column of their latest event at or
    before hi (the state an export at hi shows) and its time (their LastModifiedDate).
    ts is (record,) or (record, event), NEVER where no event."""
    ts = ts.reshape(len(ts), -1)
    upto = np.where(ts <= hi, ts, -1)
    col = upto.argmax(axis=1)
    last = np.take_along_axis(upto, col[:, None], 1)[:, 0]
    rows = np.flatnonzero(last > lo)
    return rows, col[rows], last[rows]


def zulu_rows(rows: np.ndarray) -> np.ndarray:
    """A deterministic ~3% of rows written with a 'Z' offset instead of '+0000'."""
    return (np.asarray(rows, dtype="int64") * 2_654_435_761 + 40_503) % 1_000 < 30


# --- output -----------------------------------------------------------------------------------


def object_frame(
    obj: LandingObject, data: dict[str, np.ndarray], extras: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A frame of the generated columns in contract order, then `extras` (non-contract columns a
    real export carries too). A missing required column or an unknown key is a programming error."""
    missing = [c for c in obj.required if c not in data]
    unknown = set(data) - set(obj.columns) - set(extras)
    if missing or unknown:
        raise KeyError(f"{obj.name}: missing {missing}, not in the contract {sorted(unknown)}")
    columns = [c for c in obj.columns if c in data] + [c for c in extras if c in data]
    return pd.DataFrame({c: data[c] for c in columns})


@dataclass
class LandingWriter:
    """Appends frames to CSV files below root (header on the first write) and counts rows."""

    root: Path
    rows: dict[str, int] = field(default_factory=dict)

    def write(self, rel_path: str, frame: pd.DataFrame) -> None:
        path = self.root / rel_path
        first = rel_path not in self.rows
        if first:
            path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(
            path,
            mode="w" if first else "a",
            header=first,
            index=False,
            lineterminator="\n",
            encoding="utf-8",
        )
        self.rows[rel_path] = self.rows.get(rel_path, 0) + len(frame)
