"""Pure parts of the connectors: value formats and HubSpot's history replay (hand-computed)."""

from __future__ import annotations

import pytest

from sources.connectors import values as v
from sources.hubspot import mapping as m


@pytest.mark.parametrize(
    ("given", "cursor"),
    [
        ("2024-03-05T14:22:10.000+0000", "2024-03-05T14:22:10.000000Z"),  # Salesforce
        ("2024-03-05T14:22:10Z", "2024-03-05T14:22:10.000000Z"),  # HubSpot, no fraction
        ("2024-03-05T16:22:10.5+02:00", "2024-03-05T14:22:10.500000Z"),
        ("2024-03-05T14:22:10", "2024-03-05T14:22:10.000000Z"),  # no offset = UTC
        ("1709648530000", "2024-03-05T14:22:10.000000Z"),  # epoch milliseconds
    ],
)
def test_cursor_values_have_one_form(given: str, cursor: str) -> None:
    assert v.cursor_value(given) == cursor


def test_cursor_strings_order_as_instants() -> None:
    # As delivered these sort wrongly ("...10Z" > "...10.500Z"); as cursors they do not.
    assert v.cursor_value("2024-03-05T14:22:10Z") < v.cursor_value("2024-03-05T14:22:10.500Z")


def test_dates_fall_in_the_account_time_zone() -> None:
    # 2024-03-05T23:30Z is already 2024-03-06 in Paris (UTC+1 in March).
    assert v.landing_date("2024-03-05T23:30:00Z") == "2024-03-05"
    assert v.landing_date("2024-03-05T23:30:00Z", "Europe/Paris") == "2024-03-06"
    assert v.landing_date("2024-03-05") == "2024-03-05"


def test_numbers_booleans_and_percentages() -> None:
    assert (v.text(2500.0), v.text(1500000.5), v.text(True), v.text(None)) == (
        "2500",
        "1500000.5",
        "true",
        None,
    )
    assert (v.percent("0.2"), v.percent("1.0"), v.percent(""), v.boolean("TRUE")) == (
        "20",
        "100",
        None,
        "true",
    )
    with pytest.raises(v.ValueFormatError, match="not a boolean: 'yes'"):
        v.boolean("yes")


STAGES = {
    "a": m.Stage(id="a", label="Stage A", probability="0.1", is_closed=False, display_order=0),
    "b": m.Stage(id="b", label="Stage B", probability="0.5", is_closed=False, display_order=1),
}
T1, T2, T3 = "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"
DEAL = {
    "id": "9",
    "propertiesWithHistory": {
        # HubSpot lists each history newest first.
        "dealstage": [{"value": "b", "timestamp": T3}, {"value": "a", "timestamp": T1}],
        "amount": [{"value": "200", "timestamp": T2}, {"value": "100", "timestamp": T1}],
        "closedate": [{"value": "2024-06-30T00:00:00Z", "timestamp": T1}],
    },
}


def test_history_replays_the_three_properties_as_snapshots() -> None:
    # t1: A, 100 (all three set); t2: amount 200, still A; t3: stage B, amount still 200.
    rows = list(m.deal_history(DEAL, STAGES, "UTC", v.EPOCH_CURSOR))
    assert [(r["Id"], r["StageName"], r["Amount"], r["Probability"], r["CloseDate"]) for r in rows] == [
        ("9-1704067200000", "Stage A", "100", "10", "2024-06-30"),
        ("9-1704153600000", "Stage A", "200", "10", "2024-06-30"),
        ("9-1704240000000", "Stage B", "200", "50", "2024-06-30"),
    ]


def test_history_lands_only_changes_after_the_cursor() -> None:
    rows = list(m.deal_history(DEAL, STAGES, "UTC", v.cursor_value(T2)))
    assert [(r["StageName"], r["Amount"]) for r in rows] == [("Stage B", "200")]
