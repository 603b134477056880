"""Bad rows: kept with file, row, field and reason, left out of every model, counted so that
every file reconciles, and held against the threshold that decides whether the run publishes.

The broken landing is the hand-worked fixture (tests/fixtures/small_landing) plus files that
hold only bad rows, each with a new Id. So when the threshold lets the run publish, the marts
must be exactly the fixture's own: nothing of a rejected row may reach them.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import RejectThreshold
from sources.contract import ALL_OBJECTS, LandingObject
from sources.load import load_landing
from tests.conftest import SMALL_LANDING, run_salesops, write_landing_file


@dataclass(frozen=True)
class Expected:
    object_name: str
    file: str
    row: int
    field: str | None
    reason: str  # a fragment of the reason


# A value that passes every rule, per contract column that has a type or an allowed list.
VALID = {
    "CreatedDate": "2024-03-01T09:00:00Z",
    "CloseDate": "2024-03-15",
    "StartDate": "2024-01-01",
    "DefaultProbability": "10",
    "IsClosed": "false",
    "IsWon": "false",
    "SortOrder": "1",
    "IsoCode": "EUR",
    "ConversionRate": "0.9",
    "date": "2024-03-01",
    "spend": "10",
    "month": "2024-03",
    "department": "sales",
    "amount": "10",
    "period_start": "2024-03-01",
    "period": "month",
    "quota_amount": "10",
}


def _folder(obj: LandingObject) -> str:
    return "crm/2024-07-09" if obj.is_crm else obj.folder


def _file_name(obj: LandingObject, suffix: str) -> str:
    return f"{_folder(obj)}/{obj.name}_{suffix}.csv"


def _required_value_files(landing: Path) -> list[Expected]:
    """For every object, one row per required column, with just that column empty."""
    expected = []
    for obj in ALL_OBJECTS:
        header = list(obj.required)
        lines = [",".join(header)]
        for row, blank in enumerate(header, start=1):
            values = [
                "" if column == blank else VALID.get(column, f"BAD-{obj.name}-{blank}-{column}")
                for column in header
            ]
            lines.append(",".join(values))
            expected.append(
                Expected(obj.name, _file_name(obj, "required"), row, blank, "is required but empty")
            )
        write_landing_file(landing, _file_name(obj, "required"), "\n".join(lines) + "\n")
    return expected


OPPORTUNITY_HEADER = "Id,CreatedDate,OwnerId,StageName,CloseDate,Amount,CurrencyIsoCode,Probability,IsWon"
BAD_OPPORTUNITIES = [
    # (row values after Id, field, reason fragment)
    ("2024-03-01T09:00:00Z,005X,Prospecting,2024-02-30,10,USD,10,", "CloseDate", "is not a date"),
    ('2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,"1,200",USD,10,', "Amount", "is not a number"),
    ("2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,-1,USD,10,", "Amount", "must be >= 0"),
    ("2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,1.1234567,USD,10,", "Amount", "would be rounded"),
    (
        "2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,10,EURO,10,",
        "CurrencyIsoCode",
        "not a currency code",
    ),
    ("2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,10,XQZ,10,", "CurrencyIsoCode", "not an ISO 4217"),
    ("2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,10,USD,150,", "Probability", "must be <= 100"),
    ("2024-03-01T09:00:00Z,005X,Prospecting,2024-03-15,10,USD,10,yes", "IsWon", "is not a boolean"),
    ("yesterday,005X,Prospecting,2024-03-15,10,USD,10,", "CreatedDate", "is not a date-time"),
]


def _typed_value_files(landing: Path) -> list[Expected]:
    """Values of the wrong type, out of range or unknown, one per row."""
    expected = []
    name = "crm/2024-07-09/Opportunity_types.csv"
    lines = [OPPORTUNITY_HEADER]
    for row, (values, field, reason) in enumerate(BAD_OPPORTUNITIES, start=1):
        lines.append(f"BAD-OPP-T{row},{values}")
        expected.append(Expected("Opportunity", name, row, field, reason))
    write_landing_file(landing, name, "\n".join(lines) + "\n")

    write_landing_file(
        landing,
        "marketing/ad_spend_bad.csv",
        "date,platform,campaign_id,spend,clicks\n"
        "2024-03-01,google_ads,bad-1,-3,1\n"
        "2024-03-01,google_ads,bad-2,3,2.5\n",
    )
    expected += [
        Expected("ad_spend", "marketing/ad_spend_bad.csv", 1, "spend", "must be >= 0"),
        Expected("ad_spend", "marketing/ad_spend_bad.csv", 2, "clicks", "is not a whole number"),
    ]
    write_landing_file(
        landing, "finance/sm_expenses_bad.csv", "month,department,category,amount\n2024-03,finance,tools,5\n"
    )
    write_landing_file(
        landing, "plan/quotas_bad.csv", "user_id,period_start,period,quota_amount\n005X,2024-03-01,year,5\n"
    )
    expected += [
        Expected(
            "sm_expenses", "finance/sm_expenses_bad.csv", 1, "department", "is not one of sales, marketing"
        ),
        Expected("quotas", "plan/quotas_bad.csv", 1, "period", "is not one of month, quarter"),
    ]
    # One Id twice in one file with different content: neither copy can be trusted.
    name = "crm/2024-07-09/Lead_twice.csv"
    write_landing_file(
        landing,
        name,
        "Id,CreatedDate,LastName,Company,Status\n"
        "BAD-LEAD-1,2024-03-01T09:00:00Z,Doe,Initech,Open\n"
        "BAD-LEAD-1,2024-03-01T09:00:00Z,Doe,Initrode,Open\n",
    )
    expected += [Expected("Lead", name, row, "Id", "appears 2 times in this file") for row in (1, 2)]
    return expected


def _unparseable_files(landing: Path) -> list[Expected]:
    """Records the CSV reader cannot read: fields missing or extra, bad bytes, broken quotes."""
    name = "crm/2024-07-09/Account_broken.csv"
    path = landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"Id,CreatedDate,Name\n"
        b"BAD-ACC-1,2024-03-01T09:00:00Z,Too,many\n"  # row 1
        b"BAD-ACC-2,2024-03-01T09:00:00Z\n"  # row 2
        b'BAD-ACC-3,2024-03-01T09:00:00Z,"A quoted\nname, over two lines"\n'  # row 3 loads
        b"BAD-ACC-4,2024-03-01T09:00:00Z,Caf\xe9\n"  # row 4: Latin-1, not UTF-8
        b'BAD-ACC-5,2024-03-01T09:00:00Z,"never closed\n'  # row 5, to the end of the file
        b"BAD-ACC-6,2024-03-01T09:00:00Z,swallowed\n"
    )
    return [
        Expected("Account", name, 1, None, "wrong number of fields: expected 3, found 4"),
        Expected("Account", name, 2, None, "wrong number of fields: expected 3, found 2"),
        Expected("Account", name, 4, "Name", "not valid UTF-8"),
        Expected("Account", name, 5, "Name", "broken quoting"),
    ]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Expected]]:
    """(landing, workdir with the fixture's clean marts already published, expected rejects)."""
    root = tmp_path_factory.mktemp("rejects")
    landing = root / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    work = root / "work"
    work.mkdir()
    clean = run_salesops(landing, work)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    expected = _required_value_files(landing) + _typed_value_files(landing) + _unparseable_files(landing)
    # The broken file's one good record is a real new account: a later export deletes it, so
    # the marts can be compared with the fixture's own, exactly.
    write_landing_file(
        landing,
        "crm/2024-07-10/Account.csv",
        "Id,CreatedDate,LastModifiedDate,Name,IsDeleted\nBAD-ACC-3,2024-03-01T09:00:00Z,2024-03-02T00:00:00Z,X,true\n",
    )
    return landing, work, expected


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_loader_keeps_unparseable_records_with_row_and_reason(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_landing_file(landing, "crm/User.csv", "Id,CreatedDate,Name\n005A,2024-01-01,A\n")
    expected = _unparseable_files(landing)
    report = load_landing(landing, tmp_path / "wh.duckdb")

    account = next(f for f in report.files if f.object_name == "Account")
    assert (account.rows, account.rows_rejected) == (1, 4)
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        rejects = con.execute(
            "select row_number, field, reason, raw_line from raw._load_rejects order by row_number"
        ).fetchall()
        loaded = con.execute("select id, name, _row_number from raw.crm_account").fetchall()
        files = con.execute(
            "select rows_read, rows_loaded, rows_rejected from raw._load_files where object_name = 'Account'"
        ).fetchall()
    assert [(r[0], r[1]) for r in rejects] == [(e.row, e.field) for e in expected]
    for (_, _, reason, _), e in zip(rejects, expected, strict=True):
        assert e.reason in reason
    # The unclosed quote takes the rest of the file with it, and says so.
    assert "the rest of the file (2 lines from this row on)" in rejects[3][2]
    assert rejects[3][3].endswith("swallowed\n")
    # The one good record keeps its own row number, after two rejected ones.
    assert loaded == [("BAD-ACC-3", "A quoted\nname, over two lines", 3)]
    assert files == [(5, 1, 4)]


def test_bad_rows_stop_the_publish_and_are_named(broken: tuple[Path, Path, list[Expected]]) -> None:
    landing, work, expected = broken
    serving = work / "serving.duckdb"
    before = _sha256(serving)

    result = run_salesops(landing, work)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "NOT published" in output
    assert _sha256(serving) == before
    assert "over the threshold 0" in output
    # The summary names the file, the row and the field of the first rejects (reading order).
    assert (
        "Account row rejected: wrong number of fields: expected 3, found 4 "
        "[crm/2024-07-09/Account_broken.csv, row 1]"
    ) in output
    assert (
        "Account row rejected (Id BAD-Account-Name-Id): Name is required but empty "
        "[crm/2024-07-09/Account_required.csv, row 3, field Name]"
    ) in output

    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        rejected = con.execute(
            "select object_name, source_file, source_row, field_name, reason "
            "from intermediate.int_rejected_rows"
        ).fetchall()
        values = con.execute(
            "select object_name, source_file, source_row, field_name, field_value "
            "from intermediate.int_rejected_rows"
        ).fetchall()
        files = con.execute(
            "select source_file, rows_read, rows_usable, rows_rejected, is_reconciled "
            "from intermediate.int_load_reconciliation"
        ).fetchall()
    by_place = {(o, f, r): (field, reason) for o, f, r, field, reason in rejected}
    assert len(by_place) == len(rejected) == len(expected)
    assert ("Opportunity", "crm/2024-07-09/Opportunity_types.csv", 2, "Amount", "1,200") in {
        (o, f, r, field, value) for o, f, r, field, value in values
    }
    for e in expected:
        field, reason = by_place[(e.object_name, e.file, e.row)]
        assert field == e.field, e
        assert e.reason in reason, (e, reason)
    # Every file reconciles; the fixture's own files lose nothing.
    assert all(reconciled for *_, reconciled in files)
    clean_files = [
        f
        for f in files
        if f[0].startswith(tuple(str(p.relative_to(SMALL_LANDING)) for p in SMALL_LANDING.rglob("*.csv")))
    ]
    assert clean_files and all(
        rejected == 0 and usable == read for _, read, usable, rejected, _ in clean_files
    )
    assert sum(read for _, read, *_ in files) == sum(usable + rejected for _, _, usable, rejected, _ in files)


def test_within_the_threshold_the_rejects_are_left_out(broken: tuple[Path, Path, list[Expected]]) -> None:
    landing, work, expected = broken
    marts_before = _marts(work / "serving.duckdb")

    result = run_salesops(landing, work, env={"SALESOPS_MAX_REJECTS": "100"})

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"{len(expected)} rejected row(s), within the threshold 100" in output
    assert _marts(work / "serving.duckdb") == marts_before


def test_threshold_per_object_as_a_share(broken: tuple[Path, Path, list[Expected]]) -> None:
    landing, work, _ = broken
    before = _sha256(work / "serving.duckdb")
    # Every object given a file of required-value rows has at least a quarter of its rows
    # rejected (Opportunity: 14 of 42); 10% of an object's rows is not enough.
    result = run_salesops(landing, work, env={"SALESOPS_MAX_REJECTS": "10%"})
    assert result.returncode == 1
    assert "over the threshold 10% in" in result.stdout
    assert _sha256(work / "serving.duckdb") == before


def _marts(serving: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_name <> 'refresh_log' order by 1"
            ).fetchall()
        ]
        return {t: sorted(con.execute(f"select * from marts.{t}").fetchall(), key=repr) for t in tables}


@pytest.mark.parametrize(
    ("text", "rejected", "delivered", "allowed"),
    [
        ("0", 0, 10, True),
        ("0", 1, 10, False),
        ("25", 25, 10, True),
        ("10%", 1, 10, True),
        ("10%", 2, 10, False),
    ],
)
def test_threshold_rule(text: str, rejected: int, delivered: int, allowed: bool) -> None:
    assert RejectThreshold.parse(text).allows(rejected, delivered) is allowed


@pytest.mark.parametrize("text", ["-1", "ten", "150%", "1.5"])
def test_threshold_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="SALESOPS_MAX_REJECTS="):
        RejectThreshold.parse(text)
