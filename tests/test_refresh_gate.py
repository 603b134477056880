"""Write, audit, publish: a refresh that fails a blocking check publishes nothing, says why,
and leaves the serving file byte for byte as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_salesops, write_landing_file

USERS = "Id,CreatedDate,Name\n005A,2024-01-01T00:00:00Z,Rep A\n"
ACCOUNTS = "Id,CreatedDate,Name\n001A,2024-01-01T00:00:00Z,Acme\n"
OPPORTUNITIES = (
    "Id,CreatedDate,LastModifiedDate,AccountId,OwnerId,StageName,Amount,CurrencyIsoCode,CloseDate\n"
    "006A,2024-01-05T10:00:00Z,2024-02-10T10:00:00Z,001A,005A,Closed Won,1000,,2024-02-10\n"
    "006B,2024-01-06T10:00:00Z,2024-02-11T10:00:00Z,001A,005A,Prospecting,500,,2024-04-30\n"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landing refreshed and published once; each case works on a copy of it."""
    root = tmp_path_factory.mktemp("gate")
    landing = root / "landing"
    write_landing_file(landing, "crm/2024-02-11/User.csv", USERS)
    write_landing_file(landing, "crm/2024-02-11/Account.csv", ACCOUNTS)
    write_landing_file(landing, "crm/2024-02-11/Opportunity.csv", OPPORTUNITIES)
    work = root / "work"
    work.mkdir()
    first = run_salesops(landing, work)
    assert first.returncode == 0, first.stdout + first.stderr
    with duckdb.connect(str(work / "serving.duckdb"), read_only=True) as con:
        won = con.execute("select sum(won_deals) from marts.sales_metrics_monthly").fetchone()[0]
    assert won == 1
    return root


@pytest.fixture
def published(published_once: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(landing, workdir): a private copy of the published state."""
    shutil.copytree(published_once, tmp_path / "copy")
    return tmp_path / "copy" / "landing", tmp_path / "copy" / "work"


@pytest.mark.parametrize(
    ("incremental", "named", "field"),
    [
        (
            # An unknown stage name fails the run and is named.
            "Id,CreatedDate,LastModifiedDate,OwnerId,StageName,CloseDate\n"
            "006B,2024-01-06T10:00:00Z,2024-02-12T10:00:00Z,005A,Verbal Commit,2024-04-30\n",
            "'Verbal Commit'",
            "StageName",
        ),
        (
            # A currency with no conversion rate fails the run and is named.
            "Id,CreatedDate,LastModifiedDate,OwnerId,StageName,Amount,CurrencyIsoCode,CloseDate\n"
            "006B,2024-01-06T10:00:00Z,2024-02-12T10:00:00Z,005A,Prospecting,500,EUR,2024-04-30\n",
            "EUR",
            "CurrencyIsoCode",
        ),
        (
            # A contract term <= 0 on a won deal fails the run and names the deal.
            "Id,CreatedDate,LastModifiedDate,OwnerId,AccountId,StageName,Amount,CloseDate,Contract_Term_Months__c\n"
            "006B,2024-01-06T10:00:00Z,2024-02-12T10:00:00Z,005A,001A,Closed Won,500,2024-02-12,0\n",
            "006B",
            "Contract_Term_Months__c",
        ),
    ],
    ids=["unknown-stage", "missing-rate", "zero-term"],
)
def test_blocking_failure_leaves_serving_untouched(
    published: tuple[Path, Path], incremental: str, named: str, field: str
) -> None:
    landing, work = published
    serving = work / "serving.duckdb"
    before = sha256(serving)
    write_landing_file(landing, "crm/2024-02-12/Opportunity.csv", incremental)

    result = run_salesops(landing, work)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert named in output
    assert f"[crm/2024-02-12/Opportunity.csv, row 1, field {field}]" in output
    assert "NOT published" in output
    assert sha256(serving) == before
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".serving")) == []
