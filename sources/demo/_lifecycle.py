"""Opportunity life cycles as change events, one row of a (deal x event) matrix per deal.

Each deal gets a creation event, stage moves, close-date slips, amount changes, an untracked
edit (no history row), the closing event and, for a few, a deletion. Events are sorted in time
per row and the opportunity's state (stage, amount, close date, probability) is carried forward
across them, so any export cut-off reads a consistent state and OpportunityHistory is exactly
the tracked events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _vocab as V
from ._common import DAY, NEVER
from ._deals import CLOSE_CAP_DAYS, Deals, World

CREATE, STAGE, SLIP, AMOUNT, TOUCH, TERMINAL, DELETE, NONE = range(8)
TRACKED = (CREATE, STAGE, SLIP, AMOUNT, TERMINAL)
MAX_SLIPS, MAX_AMOUNTS = 3, 2
# Columns: create, 8 stage moves, slips, amount changes, touch, terminal, deletion.
_C_STAGE = 1
_C_SLIP = _C_STAGE + V.N_OPEN_STAGES
_C_AMOUNT = _C_SLIP + MAX_SLIPS
_C_TOUCH = _C_AMOUNT + MAX_AMOUNTS
_C_TERMINAL = _C_TOUCH + 1
N_COLUMNS = _C_TERMINAL + 2  # + a spare column for deletions


@dataclass
class Lifecycle:
    ts: np.ndarray  # (deal, event) seconds, sorted per row; NEVER where no event
    kind: np.ndarray
    stage: np.ndarray  # state after the event
    close: np.ndarray  # days
    amount: np.ndarray  # NaN: empty
    probability: np.ndarray  # 0-100, -1: empty
    blank_flags: np.ndarray  # per deal: IsClosed/IsWon left empty in exports
    blank_probability: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return self.kind != NONE

    def final_column(self, cut: int) -> np.ndarray:
        """Per deal, the column of its latest event at or before cut (0 if none)."""
        return np.where(self.ts <= cut, self.ts, -1).argmax(axis=1)


def simulate(rng: np.random.Generator, d: Deals, w: World) -> Lifecycle:
    n = len(d)
    ts = np.full((n, N_COLUMNS), NEVER, dtype="int64")
    kind = np.full((n, N_COLUMNS), NONE, dtype="int8")
    stage = np.zeros((n, N_COLUMNS), dtype="int8")
    value = np.zeros((n, N_COLUMNS))  # close-date days, slip offsets or amount factors
    live = ~d.backdated
    dur = np.maximum(d.close - d.created, DAY).astype("float64")
    start = _start_stage(rng, d)
    top = _top_stage(rng, d, start)

    ts[:, 0], kind[:, 0] = d.created, CREATE
    stage[:, 0] = np.where(live, start, V.WON)
    value[:, 0] = np.where(live, _initial_close(rng, d, w), d.close // DAY)

    fracs = np.sort(rng.uniform(0.03, 0.97, (n, V.N_OPEN_STAGES)), axis=1)
    steps = np.arange(V.N_OPEN_STAGES)
    moves = (steps > start[:, None]) & (steps <= top[:, None])
    moves &= (rng.random((n, V.N_OPEN_STAGES)) < 0.55) | (steps == top[:, None])
    moves &= live[:, None]
    _place(ts, kind, d.created, dur, fracs, moves, _C_STAGE, STAGE)
    stage[:, _C_STAGE:_C_SLIP] = steps

    n_slips = _slip_counts(rng, d, value[:, 0], live)
    slip_fracs = np.sort(rng.uniform(0.05, 0.95, (n, MAX_SLIPS)), axis=1)
    _place(ts, kind, d.created, dur, slip_fracs, np.arange(MAX_SLIPS) < n_slips[:, None], _C_SLIP, SLIP)
    value[:, _C_SLIP:_C_AMOUNT] = rng.integers(14, 61, (n, MAX_SLIPS))

    n_amounts = rng.choice(3, n, p=[0.62, 0.3, 0.08])
    no_amount = live & (rng.random(n) < 0.06)
    n_amounts = np.where(no_amount & (rng.random(n) < 0.85), np.maximum(n_amounts, 1), n_amounts)
    n_amounts = np.where(live, n_amounts, 0)
    amount_fracs = np.sort(rng.uniform(0.05, 0.95, (n, MAX_AMOUNTS)), axis=1)
    _place(
        ts, kind, d.created, dur, amount_fracs, np.arange(MAX_AMOUNTS) < n_amounts[:, None], _C_AMOUNT, AMOUNT
    )
    value[:, _C_AMOUNT:_C_TOUCH] = np.exp(rng.normal(0, 0.18, (n, MAX_AMOUNTS)))

    touched = (rng.random(n) < 0.3)[:, None]
    _place(ts, kind, d.created, dur, rng.uniform(0.02, 1.25, (n, 1)), touched, _C_TOUCH, TOUCH)

    ts[live, _C_TERMINAL], kind[live, _C_TERMINAL] = d.close[live], TERMINAL
    stage[:, _C_TERMINAL] = np.where(d.won, V.WON, V.LOST)
    value[:, _C_TERMINAL] = d.close // DAY
    discount = np.where(d.won & (rng.random(n) < 0.25), rng.uniform(0.85, 1.0, n), 1.0)

    order = np.argsort(ts, axis=1, kind="stable")
    ts, kind, stage, value = (np.take_along_axis(a, order, 1) for a in (ts, kind, stage, value))
    first_amount = np.where(no_amount, np.nan, d.amount)
    close, amount = _carry_forward(ts, kind, stage, value, first_amount, d.amount, discount, w)
    offset = np.where(rng.random(n) < 0.15, rng.choice([-10, -5, 5, 10], n), 0)
    probability = np.clip(V.STAGE_PROBABILITY[stage] + offset[:, None], 5, 95)
    probability = np.where(V.STAGE_CLOSED[stage], V.STAGE_PROBABILITY[stage], probability)
    blank_probability = rng.random(n) < 0.1
    probability = np.where(blank_probability[:, None], -1, probability)
    return Lifecycle(
        ts=ts,
        kind=kind,
        stage=stage,
        close=close,
        amount=amount,
        probability=probability,
        blank_flags=rng.random(n) < 0.15,
        blank_probability=blank_probability,
    )


def _start_stage(rng: np.random.Generator, d: Deals) -> np.ndarray:
    fresh = rng.choice(3, len(d), p=[0.6, 0.3, 0.1])
    known = rng.choice([1, 2, 3], len(d), p=[0.3, 0.5, 0.2])
    return np.where(d.type == V.NEW_BUSINESS, fresh, known)


def _top_stage(rng: np.random.Generator, d: Deals, start: np.ndarray) -> np.ndarray:
    """The furthest open stage reached before closing."""
    n = len(d)
    won_top = np.where(rng.random(n) < 0.8, 7, 6)
    lost_top = np.minimum(start + rng.geometric(0.45, n) - 1, 7)
    return np.maximum(np.where(d.won, won_top, lost_top), start)


def _initial_close(rng: np.random.Generator, d: Deals, w: World) -> np.ndarray:
    """The rep's first close-date estimate, optimistic, often the end of a month."""
    created_day = d.created // DAY
    estimate = (d.close // DAY - created_day) * rng.uniform(0.35, 1.05, len(d))
    day = created_day + np.maximum(estimate.astype("int64"), 7)
    month_end = (day.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(
        "int64"
    ) - 1
    day = np.where(rng.random(len(d)) < 0.4, month_end, day)
    return np.minimum(day, w.as_of_day + CLOSE_CAP_DAYS)


def _slip_counts(
    rng: np.random.Generator, d: Deals, first_estimate: np.ndarray, live: np.ndarray
) -> np.ndarray:
    late_days = d.close // DAY - first_estimate
    slips = np.minimum(1 + late_days // 45, MAX_SLIPS)
    return np.where(live & (late_days > 10) & (rng.random(len(d)) < 0.85), slips, 0)


def _place(
    ts: np.ndarray,
    kind: np.ndarray,
    created: np.ndarray,
    dur: np.ndarray,
    fracs: np.ndarray,
    mask: np.ndarray,
    col: int,
    event: int,
) -> None:
    width = fracs.shape[1]
    at = created[:, None] + (fracs * dur[:, None]).astype("int64")
    ts[:, col : col + width] = np.where(mask, at, NEVER)
    kind[:, col : col + width] = np.where(mask, event, NONE)


def _carry_forward(
    ts: np.ndarray,
    kind: np.ndarray,
    stage: np.ndarray,
    value: np.ndarray,
    first_amount: np.ndarray,
    planned_amount: np.ndarray,
    discount: np.ndarray,
    w: World,
) -> tuple[np.ndarray, np.ndarray]:
    """Make times strictly increasing per deal and carry stage, close date and amount forward.
    Updates ts and stage in place; returns close dates and amounts per event."""
    n, width = ts.shape
    close = np.zeros((n, width), dtype="int64")
    amount = np.full((n, width), np.nan)
    cap = w.as_of_day + CLOSE_CAP_DAYS
    for j in range(width):
        k = kind[:, j]
        if j == 0:
            cur_t, cur_stage = ts[:, 0].copy(), stage[:, 0].copy()
            cur_close, cur_amount = value[:, 0].astype("int64"), first_amount.copy()
        else:
            valid = k != NONE
            ts[:, j] = np.where(valid, np.maximum(ts[:, j], cur_t + 1), NEVER)
            cur_t = np.where(valid, ts[:, j], cur_t)
            moved = (k == STAGE) | (k == TERMINAL)
            cur_stage = np.where(moved, stage[:, j], cur_stage)
            slipped_to = ts[:, j] // DAY + value[:, j].astype("int64")
            pushed = np.minimum(np.maximum(slipped_to, cur_close + 7), cap)
            cur_close = np.where(k == SLIP, pushed, cur_close)
            cur_close = np.where(k == TERMINAL, value[:, j].astype("int64"), cur_close)
            changed = np.where(np.isnan(cur_amount), planned_amount, np.round(cur_amount * value[:, j], -2))
            cur_amount = np.where(k == AMOUNT, np.maximum(changed, 100.0), cur_amount)
            closing = np.round(cur_amount * discount, -2)
            cur_amount = np.where((k == TERMINAL) & ~np.isnan(cur_amount), closing, cur_amount)
        stage[:, j], close[:, j], amount[:, j] = cur_stage, cur_close, cur_amount
    return close, amount


def delete_some(rng: np.random.Generator, lc: Lifecycle, d: Deals, w: World) -> np.ndarray:
    """Delete a few deals that were open at the full export, during the incremental window.
    Returns the indices of the deleted deals."""
    cut0, as_of = int(w.tl.cuts[0]), w.tl.as_of_sec
    closed = ((lc.kind == TERMINAL) & (lc.ts <= as_of)).any(axis=1)
    pool = np.flatnonzero((d.created <= cut0) & ~closed & ~d.backdated & ~d.from_lead)
    k = min(len(pool), max(1, round(len(d) * 0.006)))
    chosen = np.sort(rng.choice(pool, k, replace=False)) if k else pool[:0]
    when = rng.integers(cut0 + 1, as_of - 60, k)
    for row, t in zip(chosen, when, strict=True):
        keep = lc.ts[row] < t
        last = int(np.flatnonzero(keep & (lc.kind[row] != NONE))[-1])
        drop = ~keep
        lc.ts[row, drop], lc.kind[row, drop] = NEVER, NONE
        col = N_COLUMNS - 1
        lc.ts[row, col], lc.kind[row, col] = t, DELETE
        for arr in (lc.stage, lc.close, lc.amount, lc.probability):
            arr[row, col] = arr[row, last]
    return chosen
