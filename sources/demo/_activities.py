"""Sales activities of one chunk: Tasks (calls, emails) and Events (meetings).

Reps log calls and emails on their deals (with the deal's contact) while the deal is alive and
book meetings; SDRs work their leads, the first touch measuring the lead response time. Open
deals have a few scheduled, not yet done, next steps.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ._common import DAY, NEVER
from ._deals import Deals, World
from ._lifecycle import DELETE, TERMINAL, Lifecycle
from ._people import Leads

WHO_NONE, WHO_LEAD, WHO_CONTACT = range(3)
WHAT_NONE, WHAT_ACCOUNT, WHAT_DEAL = range(3)
TASK_TYPES = ("Call", "Email", "Other")
TASK_SUBTYPES = ("Call", "Email", "Task")
TASK_SUBJECTS = (
    ("Call", "Discovery call", "Follow-up call", "Left voicemail"),
    ("Email", "Email: proposal follow-up", "Email: intro", "Email: pricing, terms & next steps"),
    ("Send contract", "Update mutual action plan", "Prepare QBR deck", "Check references"),
)
MEETING_SUBJECTS = (
    "Discovery meeting",
    "Product demo",
    "Pricing review",
    "Executive briefing",
    "Onsite workshop",
)
NOTES = (
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "Left voicemail, will retry on Tuesday",
    'Asked about "enterprise" pricing',
    "Notes:\nbudget approved; waiting on legal",
)


@dataclass
class Activities:
    """Tasks or events: who (lead/contact), what (account/deal), when."""

    owner: np.ndarray
    who_kind: np.ndarray
    who: np.ndarray
    what_kind: np.ndarray
    what: np.ndarray
    type: np.ndarray  # TASK_TYPES index (tasks); unused for events
    subject: np.ndarray
    when: np.ndarray  # seconds: due/activity time (tasks) or start (events)
    created: np.ndarray
    done: np.ndarray
    note: np.ndarray

    def __len__(self) -> int:
        return len(self.created)

    @staticmethod
    def concat(parts: list[Activities]) -> Activities:
        merged = Activities(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Activities)}
        )
        order = np.argsort(merged.created, kind="stable")
        return Activities(**{f.name: getattr(merged, f.name)[order] for f in fields(Activities)})


def deal_life(deals: Deals, lc: Lifecycle, w: World) -> tuple[np.ndarray, np.ndarray]:
    """Per deal, the end of its active life (closing, deletion or the as-of date) and whether
    it is still open at the as-of date."""
    as_of = w.tl.as_of_sec
    closing = np.where((lc.kind == TERMINAL) & (lc.ts <= as_of), lc.ts, NEVER).min(axis=1)
    last_seen = np.where(lc.valid & (lc.ts <= as_of), lc.ts, 0).max(axis=1)
    deleted = lc.kind[:, -1] == DELETE
    end = np.where(closing < NEVER, closing, np.where(deleted, last_seen, as_of))
    end = np.where(deals.backdated, deals.created + 600, end)
    open_now = (closing == NEVER) & ~deleted & ~deals.backdated
    return end, open_now


def make_tasks(
    rng: np.random.Generator,
    deals: Deals,
    lc: Lifecycle,
    contact: np.ndarray,
    leads: Leads,
    w: World,
) -> Activities:
    end, open_now = deal_life(deals, lc, w)
    life_days = np.maximum(end - deals.created, 0) / DAY
    rate = w.staff.activity[deals.owner] * np.clip(1.5 + life_days / 10, 1.5, 14)
    done = _deal_activities(rng, deals, contact, rng.poisson(rate), deals.created, end, w)
    done.type = rng.choice(3, len(done), p=[0.45, 0.45, 0.1])
    done.subject = _subjects(rng, done.type)
    planned = _next_steps(rng, deals, contact, open_now, w, share=0.5, horizon_days=14)
    planned.type = rng.choice(3, len(planned), p=[0.4, 0.3, 0.3])
    planned.subject = _subjects(rng, planned.type)
    return Activities.concat([done, planned, _lead_touches(rng, leads, w)])


def make_events(
    rng: np.random.Generator,
    deals: Deals,
    lc: Lifecycle,
    contact: np.ndarray,
    leads: Leads,
    w: World,
) -> Activities:
    end, open_now = deal_life(deals, lc, w)
    life_days = np.maximum(end - deals.created, 0) / DAY
    rate = w.staff.activity[deals.owner] * np.clip(0.5 + life_days / 25, 0.5, 6)
    met = _deal_activities(rng, deals, contact, rng.poisson(rate), deals.created, end, w)
    booked = met.when - rng.integers(3600, 7 * DAY, len(met))
    met.created = np.maximum(booked, deals.created[met.what] + 60)
    upcoming = _next_steps(rng, deals, contact, open_now, w, share=0.3, horizon_days=21)
    parts = [met, upcoming, _lead_meetings(rng, leads, w)]
    for part in parts:
        part.subject = np.array(MEETING_SUBJECTS, dtype=object)[
            rng.integers(0, len(MEETING_SUBJECTS), len(part))
        ]
    return Activities.concat(parts)


def _deal_activities(
    rng: np.random.Generator,
    deals: Deals,
    contact: np.ndarray,
    counts: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    w: World,
) -> Activities:
    deal = np.repeat(np.arange(len(deals)), counts)
    n = len(deal)
    span = np.maximum(end[deal] - start[deal], 1)
    when = start[deal] + (rng.random(n) * span).astype("int64")
    on_account = (rng.random(n) < 0.1) & (deals.account[deal] >= 0)
    who = contact[deal]
    with_contact = (who >= 0) & (rng.random(n) < 0.85)
    return Activities(
        owner=w.staff.active_owner(deals.owner[deal], when),
        who_kind=np.where(with_contact, WHO_CONTACT, WHO_NONE),
        who=np.where(with_contact, who, -1),
        what_kind=np.where(on_account, WHAT_ACCOUNT, WHAT_DEAL),
        what=np.where(on_account, deals.account[deal], deal),
        type=np.zeros(n, dtype="int64"),
        subject=np.full(n, "", dtype=object),
        when=when,
        created=when,
        done=np.ones(n, dtype=bool),
        note=np.array(NOTES, dtype=object)[rng.integers(0, len(NOTES), n)],
    )


def _next_steps(
    rng: np.random.Generator,
    deals: Deals,
    contact: np.ndarray,
    open_now: np.ndarray,
    w: World,
    share: float,
    horizon_days: int,
) -> Activities:
    """Scheduled activities of open deals, due after the as-of date, booked before it."""
    chosen = open_now & (rng.random(len(deals)) < share)
    counts = chosen.astype("int64")
    as_of = w.tl.as_of_sec
    start = np.full(len(deals), as_of + DAY)
    acts = _deal_activities(rng, deals, contact, counts, start, start + horizon_days * DAY, w)
    deal = np.flatnonzero(chosen)
    booked = as_of - rng.integers(600, 5 * DAY, len(deal))
    acts.created = np.maximum(booked, deals.created[deal] + 60)
    acts.done = np.zeros(len(deal), dtype=bool)
    return acts


def _lead_touches(rng: np.random.Generator, leads: Leads, w: World) -> Activities:
    """The SDR's first touch when the lead was contacted, then up to two follow-ups."""
    touched = np.flatnonzero(leads.contacted < NEVER)
    follow_ups = rng.choice(3, len(touched), p=[0.4, 0.4, 0.2])
    lead = np.concatenate([touched, np.repeat(touched, follow_ups)])
    n = len(lead)
    first = np.arange(n) < len(touched)
    when = leads.contacted[lead] + np.where(first, 0, rng.integers(DAY, 10 * DAY, n))
    typ = rng.choice(2, n)
    return Activities(
        owner=leads.owner[lead],
        who_kind=np.full(n, WHO_LEAD),
        who=lead,
        what_kind=np.full(n, WHAT_NONE),
        what=np.full(n, -1),
        type=typ,
        subject=_subjects(rng, typ),
        when=when,
        created=when,
        done=np.ones(n, dtype=bool),
        note=np.array(NOTES, dtype=object)[rng.integers(0, len(NOTES), n)],
    )


def _lead_meetings(rng: np.random.Generator, leads: Leads, w: World) -> Activities:
    lead = np.flatnonzero((leads.contacted < NEVER) & (rng.random(len(leads)) < 0.06))
    n = len(lead)
    when = leads.contacted[lead] + rng.integers(DAY, 14 * DAY, n)
    return Activities(
        owner=leads.owner[lead],
        who_kind=np.full(n, WHO_LEAD),
        who=lead,
        what_kind=np.full(n, WHAT_NONE),
        what=np.full(n, -1),
        type=np.zeros(n, dtype="int64"),
        subject=np.full(n, "", dtype=object),
        when=when,
        created=np.maximum(when - rng.integers(3600, 3 * DAY, n), leads.contacted[lead]),
        done=np.ones(n, dtype=bool),
        note=np.full(n, "", dtype=object),
    )


def _subjects(rng: np.random.Generator, typ: np.ndarray) -> np.ndarray:
    table = np.array(TASK_SUBJECTS, dtype=object)
    return table[typ, rng.integers(0, table.shape[1], len(typ))]
