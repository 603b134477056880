"""A nightly delivery that changes every kind of input the warehouse accepts.

The benchmark's nightly export (`run_benchmark.add_nightly_export`) changes opportunities and
their history only, which is what a nightly mostly is, but it leaves most of the incremental
paths idle. This one, for `verify_incremental.py`, also sends in a new dated `crm/` folder:
changed leads, accounts, contacts, users, campaigns, territory assignments and conversion
rates, deleted opportunities, leads and activities, new and changed tasks and events, and
older copies of opportunities that must not win (their LastModifiedDate is older than the
current row's); and, in new files that sort after the loaded ones, re-delivered ad spend rows
and a new day of spend, restated operating expenses and restated quotas (sources.md: the later
file wins).

Changes take a group of columns from another record of the same file ("donor"), so every value
is one the landing already holds and the delivery stays valid under the contract. Records come
from the first file of each object, stamped with the new export's time, so the export is a
plausible delivery whatever state the later exports left them in.
"""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

from sources.landing import crm_object_for

# Groups of columns that change together (taken from one donor row). A group whose columns the
# file does not deliver is skipped; a group missing some of them takes those it has.
CHANGED_COLUMNS: dict[str, list[list[str]]] = {
    "Opportunity": [
        ["StageName", "IsClosed", "IsWon", "Probability", "ForecastCategoryName"],
        ["Amount", "CurrencyIsoCode"],
        ["CloseDate"],
        ["OwnerId"],
        ["AccountId"],
        ["Type", "LeadSource", "CampaignId"],
    ],
    "Lead": [["Status"], ["LeadSource"], ["OwnerId"], ["MQL_Date__c"], ["Industry", "Country"]],
    "Account": [["Type"], ["Industry"], ["OwnerId"], ["BillingCountry", "BillingState"]],
    "Contact": [["AccountId"], ["LeadSource"], ["OwnerId"]],
    "User": [["ManagerId"], ["Title"]],
    "Task": [["Status"], ["WhoId"], ["WhatId"], ["ActivityDate"], ["OwnerId"], ["Type", "TaskSubtype"]],
    "Event": [["WhoId"], ["WhatId"], ["StartDateTime"], ["OwnerId"], ["Type", "TaskSubtype"]],
    "Campaign": [["ActualCost", "BudgetedCost"], ["Status"]],
    "UserTerritory2Association": [["Territory2Id"]],
    "ObjectTerritory2Association": [["Territory2Id"]],
}
# Objects whose records the export also deletes. Accounts, users and contacts stay: records that
# name them would then break the contract's relationships, which is a different test.
DELETED_OBJECTS = ("Opportunity", "Lead", "Task", "Event")
# Objects that also get new records (copies of existing ones with a new Id, dated the new day).
NEW_RECORD_DATES = {"Task": "ActivityDate", "Event": "StartDateTime"}
# Per kind of file outside crm/: folder, file pattern, the value restated, a label, the key a
# re-delivered row replaces (sources.md).
FLAT_FILES = (
    ("marketing", "ad_spend*.csv", "spend", "ad spend", ("date", "platform", "campaign_id")),
    ("finance", "sm_expenses*.csv", "amount", "operating expenses", ("month", "department", "category")),
    ("plan", "quotas*.csv", "quota_amount", "quotas", ("user_id", "period_start", "period", "quota_type")),
)
OLDER_THAN_ANY = "2000-01-01T00:00:00.000+0000"


@dataclass
class MixedExport:
    folder: Path
    changed: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def describe(self) -> str:
        counts = ", ".join(f"{name} {count:,}" for name, count in self.changed.items())
        return f"mixed export {self.folder.name}: {counts}; {len(self.files)} files"


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a landing CSV file."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _first_file(folders: list[Path], obj: str) -> Path | None:
    """The first file of a CRM object, in the loader's order (`User.csv`, `User_agents.csv`...)."""
    for folder in folders:
        for path in sorted(folder.iterdir()):
            found = crm_object_for(path.name)
            if path.is_file() and found is not None and found.name == obj:
                return path
    return None


def _stamped(row: dict[str, str], header: list[str], stamp: str) -> dict[str, str]:
    return {**row, **{c: stamp for c in ("LastModifiedDate", "SystemModstamp") if c in header}}


def _next_export_folder(crm: Path) -> tuple[Path, datetime.date]:
    folders = sorted(p for p in crm.iterdir() if p.is_dir())
    try:
        day = datetime.date.fromisoformat(folders[-1].name) + datetime.timedelta(days=1)
        return crm / day.isoformat(), day
    except ValueError:
        return crm / f"{folders[-1].name}_mixed", datetime.date.today() + datetime.timedelta(days=1)


def _crm_changes(
    folders: list[Path], out: Path, day: datetime.date, every: int, rng: random.Random
) -> dict[str, int]:
    stamp = f"{day.isoformat()}T03:00:00.000+0000"
    changed: dict[str, int] = {}
    history: list[dict[str, str]] = []
    for obj, groups in CHANGED_COLUMNS.items():
        source = _first_file(folders, obj)
        if source is None:
            continue
        header, rows = read_csv(source)
        if len(rows) < 2:
            continue
        delivered: list[dict[str, str]] = []
        # A file of its own: one Id twice in a file with different content is a reject.
        late: list[dict[str, str]] = []
        for i, row in enumerate(rows[::every]):
            new = _stamped(row, header, stamp)
            donor = rng.choice(rows)
            for group in rng.sample(groups, k=min(2, len(groups))):
                new.update({c: donor[c] for c in group if c in header})
            if obj in DELETED_OBJECTS and "IsDeleted" in header and i % 7 == 3:
                new["IsDeleted"] = "true"
            delivered.append(new)
            if obj == "Opportunity" and new.get("IsDeleted") != "true":
                history.append(new)
            if obj == "Opportunity" and i % 5 == 1:
                # An older copy delivered late: it must never replace the current row.
                older = {c: OLDER_THAN_ANY for c in ("LastModifiedDate", "SystemModstamp") if c in header}
                late.append({**row, **older, **{c: donor[c] for c in ("Amount",) if c in header}})
        if obj in NEW_RECORD_DATES and NEW_RECORD_DATES[obj] in header:
            date_column = NEW_RECORD_DATES[obj]
            when = day.isoformat()
            if date_column == "StartDateTime":
                when += "T10:00:00.000+0000"
            for n, row in enumerate(rows[1::every]):
                delivered.append(
                    {
                        **_stamped(row, header, stamp),
                        "Id": f"{row['Id'][:3]}MIX{day:%Y%m%d}{n:06d}",
                        "CreatedDate": stamp,
                        date_column: when,
                    }
                )
        write_csv(out / f"{obj}.csv", header, delivered)
        changed[obj] = len(delivered)
        if late:
            write_csv(out / f"{obj}_late.csv", header, late)
            changed[f"{obj} (late older copies)"] = len(late)

    rates_file = _first_file(folders, "DatedConversionRate")
    if rates_file is not None:
        header, rows = read_csv(rates_file)
        # A restated rate of a past period: every amount dated in it converts anew.
        restated = [
            {**_stamped(row, header, stamp), "ConversionRate": f"{float(row['ConversionRate']) * 1.01:.6f}"}
            for row in rows[::every]
            if row.get("ConversionRate") and float(row["ConversionRate"]) != 1.0
        ]
        if restated:
            write_csv(out / "DatedConversionRate.csv", header, restated)
            changed["DatedConversionRate"] = len(restated)

    history_file = _first_file(folders, "OpportunityHistory")
    if history and history_file is not None:
        header, _ = read_csv(history_file)
        carried = {"Amount": "Amount", "Probability": "Probability", "CloseDate": "CloseDate"}
        carried["ForecastCategory"] = "ForecastCategoryName"
        rows = [
            {
                "Id": f"008MIX{day:%Y%m%d}{n:07d}",
                "CreatedDate": stamp,
                "OpportunityId": opp["Id"],
                "StageName": opp["StageName"],
                **{c: stamp for c in ("SystemModstamp",) if c in header},
                **{c: "false" for c in ("IsDeleted",) if c in header},
                **{c: opp.get(o, "") for c, o in carried.items() if c in header},
            }
            for n, opp in enumerate(history)
        ]
        write_csv(out / "OpportunityHistory.csv", header, rows)
        changed["OpportunityHistory"] = len(rows)
    return changed


def later_file(folder: Path, pattern: str, label: str) -> tuple[Path, list[Path]]:
    """A new file matching `pattern` that sorts after every file of the folder (`_` sorts after
    the `.` of `.csv`), so the loader appends it and its rows win; and the files it follows."""
    files = sorted(folder.glob(pattern))
    return files[-1].with_name(f"{files[-1].stem}_{label}.csv"), files


def _flat_file_changes(landing: Path, day: datetime.date, every: int) -> dict[str, tuple[Path, int]]:
    """Re-delivered rows (the later file wins) and, for ad spend, a new day: per kind of file,
    the file written and its rows."""
    written: dict[str, tuple[Path, int]] = {}
    for folder, pattern, value_column, label, key in FLAT_FILES:
        if not any((landing / folder).glob(pattern)):
            continue
        target, files = later_file(landing / folder, pattern, f"nightly_{day.isoformat()}")
        # Rows of every file, so restatements reach back past the last file; the new file takes
        # the last file's header (field order is free, sources.md).
        header = read_csv(files[-1])[0]
        # The current row per key (the later file wins), so the new file names each key once.
        current = {tuple(row.get(c, "") for c in key): row for path in files for row in read_csv(path)[1]}
        rows = list(current.values())
        restated = [
            {**{c: row.get(c, "") for c in header}, value_column: f"{float(row[value_column]) * 1.1:.2f}"}
            for row in rows[every // 2 :: every]
            if row.get(value_column)
        ]
        if folder == "marketing" and rows:
            last = max(row["date"] for row in rows)
            restated += [
                {**{c: row.get(c, "") for c in header}, "date": day.isoformat()}
                for row in rows
                if row["date"] == last
            ]
        write_csv(target, header, restated)
        written[label] = (target, len(restated))
    return written


def add_mixed_export(landing: Path, *, fraction: float = 0.05, seed: int = 11) -> MixedExport:
    """Write the delivery into `landing` (see the module's docstring); ~`fraction` of each file's
    records change."""
    crm = landing / "crm"
    folders = sorted(p for p in crm.iterdir() if p.is_dir())
    out, day = _next_export_folder(crm)
    every = max(1, round(1 / fraction))
    export = MixedExport(out)
    export.changed = _crm_changes(folders, out, day, every, random.Random(seed))
    export.files = sorted(out.iterdir())
    for label, (path, rows) in _flat_file_changes(landing, day, every).items():
        export.changed[label] = rows
        export.files.append(path)
    return export
