"""The demo landing generator: deterministic, and its output follows the source contract
(../shared/spec/sources.md) and is internally consistent."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from sources.contract import CRM_OBJECTS, FILE_OBJECTS
from sources.demo.__main__ import main
from sources.demo.generator import generate_landing

SCALE = 0.05
FULL_EXPORT = "2025-10-01"
ID_PREFIXES = {
    "User": "005", "Account": "001", "Contact": "003", "Lead": "00Q", "Opportunity": "006",
    "Campaign": "701", "Task": "00T", "Event": "00U", "Territory2": "0MI",
    "UserTerritory2Association": "0R0", "ObjectTerritory2Association": "0R1",
    "DatedConversionRate": "04w", "OpportunityStage": "01J",
}  # fmt: skip


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "landing"
    generate_landing(root, scale=SCALE, seed=7)
    return root


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def crm_rows(root: Path, obj: str) -> list[tuple[str, dict[str, str]]]:
    """(export folder, row) for every row of the object, files in path order."""
    out = []
    for path in sorted((root / "crm").glob(f"*/{obj}.csv"), key=lambda p: p.relative_to(root).as_posix()):
        out += [(path.parent.name, row) for row in read(path)]
    return out


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def current(rows: list[tuple[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    """Each record's row with the greatest LastModifiedDate (on a tie, the later row)."""
    state: dict[str, dict[str, str]] = {}
    for _, row in rows:
        seen = state.get(row["Id"])
        if seen is None or ts(row["LastModifiedDate"]) >= ts(seen["LastModifiedDate"]):
            state[row["Id"]] = row
    return state


def sf_checksum(id15: str) -> str:
    table = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    return "".join(
        table[sum(1 << i for i, ch in enumerate(id15[b * 5 : b * 5 + 5]) if ch.isupper())] for b in range(3)
    )


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = generate_landing(tmp_path / "a", scale=SCALE, seed=11)
    second = generate_landing(tmp_path / "b", scale=SCALE, seed=11)
    assert first == second
    for rel in first:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    other = generate_landing(tmp_path / "c", scale=SCALE, seed=12)
    opp = f"crm/{FULL_EXPORT}/Opportunity.csv"
    assert (tmp_path / "c" / opp).read_bytes() != (tmp_path / "a" / opp).read_bytes()
    assert set(other) == set(first)


def test_returned_counts_match_the_files(landing: Path, tmp_path: Path) -> None:
    written = generate_landing(tmp_path / "again", scale=SCALE, seed=7)
    for rel, rows in written.items():
        assert len(read(tmp_path / "again" / rel)) == rows, rel
        assert (landing / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes()


def test_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "keep.csv").write_text("x\n")
    with pytest.raises(FileExistsError):
        generate_landing(tmp_path / "real", scale=SCALE)
    assert (tmp_path / "real" / "keep.csv").exists()


# --- the contract -----------------------------------------------------------------------------


def test_every_contract_object_has_a_full_export_with_its_required_columns(landing: Path) -> None:
    for obj in CRM_OBJECTS:
        path = landing / "crm" / FULL_EXPORT / f"{obj.name}.csv"
        rows = read(path)
        assert rows, obj.name
        header = {c.lower() for c in rows[0]}
        assert {c.lower() for c in obj.required} <= header, obj.name
        assert all(row["Id"] and row["CreatedDate"] for row in rows), obj.name
    for obj in FILE_OBJECTS:
        files = sorted((landing / obj.folder).glob(f"{obj.name}*.csv"))
        assert files, obj.name
        for path in files:
            rows = read(path)
            assert rows, path
            assert {c.lower() for c in obj.required} <= {c.lower() for c in rows[0]}, path
            for column in obj.required:
                assert all(row[column] != "" for row in rows), (path, column)


def test_ids_are_18_character_salesforce_ids_with_the_object_prefix(landing: Path) -> None:
    for obj, prefix in ID_PREFIXES.items():
        ids = [row["Id"] for _, row in crm_rows(landing, obj)]
        assert ids, obj
        for value in ids:
            assert len(value) == 18 and value.startswith(prefix), (obj, value)
            assert value[15:] == sf_checksum(value[:15]), (obj, value)
        full = [row["Id"] for row in read(landing / "crm" / FULL_EXPORT / f"{obj}.csv")]
        assert len(full) == len(set(full)), obj


def test_salesforce_value_formats(landing: Path) -> None:
    rows = [row for _, row in crm_rows(landing, "Opportunity")]
    zulu = [row["CreatedDate"] for row in rows if row["CreatedDate"].endswith("Z")]
    offset = [row["CreatedDate"] for row in rows if row["CreatedDate"].endswith(".000+0000")]
    assert zulu and offset and len(zulu) + len(offset) == len(rows)
    for row in rows:
        ts(row["LastModifiedDate"])
        date.fromisoformat(row["CloseDate"])
        assert row["IsDeleted"] in ("true", "false")
        assert row["IsWon"] in ("true", "false", "")
        if row["Contract_Term_Months__c"]:
            assert int(row["Contract_Term_Months__c"]) in (12, 24, 36)
    assert any(row["IsWon"] == "" for row in rows)
    assert any(row["Probability"] == "" for row in rows)
    assert any(row["Contract_Term_Months__c"] == "" for row in rows)
    assert any(row["AccountId"] == "" for row in rows)


def test_csv_quoting_round_trips_commas_quotes_and_newlines(landing: Path) -> None:
    names = [row["Name"] for row in read(landing / "crm" / FULL_EXPORT / "Account.csv")]
    names += [row["Name"] for row in read(landing / "crm" / FULL_EXPORT / "Opportunity.csv")]
    assert any("," in n for n in names) and any('"' in n for n in names)
    notes = [row["Description"] for row in read(landing / "crm" / FULL_EXPORT / "Task.csv")]
    assert any("\n" in n for n in notes)


# --- consistency ------------------------------------------------------------------------------


def test_stage_names_all_come_from_the_stage_file(landing: Path) -> None:
    stages = read(landing / "crm" / FULL_EXPORT / "OpportunityStage.csv")
    labels = {row["MasterLabel"] for row in stages}
    assert {"Closed Won", "Closed Lost", "Prospecting"} <= labels
    won = [row for row in stages if row["IsWon"] == "true"]
    assert [row["MasterLabel"] for row in won] == ["Closed Won"]
    used = {row["StageName"] for _, row in crm_rows(landing, "Opportunity")}
    used |= {row["StageName"] for _, row in crm_rows(landing, "OpportunityHistory")}
    assert used <= labels
    assert len(used) >= 6  # a pipeline, not just closed deals


def rate_ranges(root: Path) -> dict[str, list[tuple[date, date]]]:
    ranges: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for _, row in crm_rows(root, "DatedConversionRate"):
        ranges[row["IsoCode"]].append(
            (date.fromisoformat(row["StartDate"]), date.fromisoformat(row["NextStartDate"]))
        )
    return ranges


def covered(ranges: dict[str, list[tuple[date, date]]], code: str, day: date) -> bool:
    return sum(start <= day < end for start, end in ranges.get(code, [])) == 1


def test_every_foreign_amount_has_exactly_one_covering_rate(landing: Path) -> None:
    ranges = rate_ranges(landing)
    assert all(covered(ranges, "USD", d) for d in (date(2023, 1, 1), date(2026, 6, 30)))
    currency_of: dict[str, str] = {}
    checked: set[str] = set()
    for _, row in crm_rows(landing, "Opportunity"):
        code = row["CurrencyIsoCode"] or "USD"
        currency_of[row["Id"]] = code
        assert covered(ranges, code, date.fromisoformat(row["CloseDate"])), row
        checked.add(code)
    for _, row in crm_rows(landing, "OpportunityHistory"):
        if row["CloseDate"]:
            assert covered(ranges, currency_of[row["OpportunityId"]], date.fromisoformat(row["CloseDate"]))
    for path in (landing / "marketing").glob("ad_spend*.csv"):
        for row in read(path):
            code = row["currency"] or "USD"
            assert covered(ranges, code, date.fromisoformat(row["date"])), row
            checked.add(code)
    for path in (landing / "finance").glob("sm_expenses*.csv"):
        for row in read(path):
            first = date.fromisoformat(row["month"][:7] + "-01")
            assert covered(ranges, row["currency"] or "USD", first), row
    assert {"EUR", "GBP"} <= checked


def test_incremental_exports_hold_later_changes_only(landing: Path) -> None:
    folders = sorted(p.name for p in (landing / "crm").iterdir())
    assert folders[0] == FULL_EXPORT and len(folders) >= 3
    full = {row["Id"]: row for row in read(landing / "crm" / FULL_EXPORT / "Opportunity.csv")}
    cut = datetime.fromisoformat(FULL_EXPORT + "T23:59:59+00:00")
    changed = new = 0
    previous_end = cut
    for folder in folders[1:]:
        end = datetime.fromisoformat(folder + "T23:59:59+00:00")
        for row in read(landing / "crm" / folder / "Opportunity.csv"):
            modified = ts(row["LastModifiedDate"])
            assert previous_end < modified <= end, (folder, row["Id"])
            if row["Id"] in full:
                assert modified > ts(full[row["Id"]]["LastModifiedDate"])
                changed += 1
            else:
                new += 1
        previous_end = end
    assert changed >= 5 and new >= 1
    assert all(ts(row["LastModifiedDate"]) <= cut for row in full.values())


def test_the_as_of_date_is_the_last_export_date(landing: Path) -> None:
    last = max(p.name for p in (landing / "crm").iterdir())
    latest = max(ts(row["LastModifiedDate"]) for _, row in crm_rows(landing, "Opportunity"))
    latest = max(latest, *(ts(row["LastModifiedDate"]) for _, row in crm_rows(landing, "Lead")))
    spend = max(row["date"] for path in (landing / "marketing").glob("*.csv") for row in read(path))
    assert latest.date().isoformat() <= last == spend


def test_some_open_deals_are_deleted_later(landing: Path) -> None:
    full = {row["Id"]: row for row in read(landing / "crm" / FULL_EXPORT / "Opportunity.csv")}
    deleted = [
        row
        for folder, row in crm_rows(landing, "Opportunity")
        if folder != FULL_EXPORT and row["IsDeleted"] == "true"
    ]
    assert deleted
    for row in deleted:
        before = full[row["Id"]]
        assert before["IsDeleted"] == "false"
        assert before["StageName"] not in ("Closed Won", "Closed Lost")
    assert any(row["IsDeleted"] == "true" for _, row in crm_rows(landing, "Lead"))


def test_history_ends_in_each_opportunitys_current_state(landing: Path) -> None:
    opportunities = current(crm_rows(landing, "Opportunity"))
    history: dict[str, list[dict[str, str]]] = defaultdict(list)
    for _, row in crm_rows(landing, "OpportunityHistory"):
        history[row["OpportunityId"]].append(row)
    assert set(history) == set(opportunities)
    rows = sum(len(h) for h in history.values())
    assert rows >= 3 * len(opportunities)
    for opp_id, opp in opportunities.items():
        rows_of = sorted(history[opp_id], key=lambda r: ts(r["CreatedDate"]))
        last = rows_of[-1]
        assert (last["StageName"], last["Amount"], last["CloseDate"]) == (
            opp["StageName"],
            opp["Amount"],
            opp["CloseDate"],
        ), opp_id
        assert ts(rows_of[0]["CreatedDate"]) == ts(opp["CreatedDate"])
        assert ts(last["CreatedDate"]) <= ts(opp["LastModifiedDate"])
        assert "LastModifiedDate" not in last


def test_a_handful_of_closes_are_back_dated(landing: Path) -> None:
    opportunities = current(crm_rows(landing, "Opportunity")).values()
    back = [o for o in opportunities if date.fromisoformat(o["CloseDate"]) < ts(o["CreatedDate"]).date()]
    assert 1 <= len(back) <= max(3, len(opportunities) // 100)


def test_references_point_to_existing_records(landing: Path) -> None:
    ids = {obj: {row["Id"] for _, row in crm_rows(landing, obj)} for obj in ID_PREFIXES}
    opportunities = current(crm_rows(landing, "Opportunity")).values()
    assert all(o["OwnerId"] in ids["User"] for o in opportunities)
    assert all(o["AccountId"] in ids["Account"] for o in opportunities if o["AccountId"])
    assert all(o["CampaignId"] in ids["Campaign"] for o in opportunities if o["CampaignId"])
    leads = current(crm_rows(landing, "Lead")).values()
    converted = [lead for lead in leads if lead["IsConverted"] == "true"]
    assert converted
    for lead in converted:
        assert lead["ConvertedAccountId"] in ids["Account"]
        assert lead["ConvertedContactId"] in ids["Contact"]
        assert lead["ConvertedOpportunityId"] in ids["Opportunity"] | {""}
        assert lead["ConvertedDate"] >= lead["CreatedDate"][:10]
    users = current(crm_rows(landing, "User"))
    assert any(u["ManagerId"] for u in users.values())
    assert all(u["ManagerId"] in users for u in users.values() if u["ManagerId"])


def test_redelivered_rows_replace_earlier_ones(landing: Path) -> None:
    def key(row: dict[str, str]) -> tuple[str, str, str]:
        return row["date"], row["platform"], row["campaign_id"]

    spend = sorted((landing / "marketing").glob("ad_spend*.csv"))
    redelivered = [p for p in spend if p.stem.endswith("_restated")]
    assert len(redelivered) == 1
    earlier = {key(r): r["spend"] for p in spend if p not in redelivered for r in read(p)}
    again = read(redelivered[0])
    assert again and all(key(r) in earlier for r in again)
    assert any(earlier[key(r)] != r["spend"] for r in again)
    assert all(p.as_posix() < redelivered[0].as_posix() for p in spend if p not in redelivered)
    expenses = [row for p in sorted((landing / "finance").glob("*.csv")) for row in read(p)]
    assert any(float(row["amount"]) < 0 for row in expenses)
    assert any(len(row["month"]) == 10 for row in expenses)
    keys = [(row["month"][:7], row["department"].lower(), row["category"]) for row in expenses]
    assert len(keys) == len(set(keys)) + 1


def test_quotas_cover_the_period_and_two_more_quarters(landing: Path) -> None:
    rows = [row for p in sorted((landing / "plan").glob("quotas*.csv")) for row in read(p)]
    users = current(crm_rows(landing, "User"))
    assert all(row["user_id"] in users for row in rows)
    assert {row["period"] for row in rows} == {"month", "quarter"}
    assert {row["quota_type"] for row in rows} >= {"individual", "team", ""}
    starts = [date.fromisoformat(row["period_start"]) for row in rows]
    assert all(d.day == 1 for d in starts)
    quarterly = [d for d, row in zip(starts, rows, strict=True) if row["period"] == "quarter"]
    assert all(d.month in (1, 4, 7, 10) for d in quarterly)
    assert min(starts) == date(2023, 1, 1)
    assert max(starts) >= date(2026, 4, 1)
    assert all(float(row["quota_amount"]) > 0 for row in rows)


def test_cli_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "cli"), "--scale", str(SCALE), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert f"crm/{FULL_EXPORT}/Opportunity.csv" in printed and "files" in printed
    assert (tmp_path / "cli" / "crm" / FULL_EXPORT / "Opportunity.csv").exists()
