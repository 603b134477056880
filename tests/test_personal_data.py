"""Personal data never reaches BI: no contact, lead or user name, e-mail or phone in clear in
any published table, and only schema marts in the serving file.

The demo landing has thousands of generated people; every one of their personal values is
looked for in every text column of every published table.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

# Contract fields that identify a person (sources.md): object -> fields.
PERSONAL_FIELDS = {
    "Contact": ("FirstName", "LastName", "Email", "Phone"),
    "Lead": ("FirstName", "LastName", "Email", "Phone"),
    "User": ("Name", "Email"),
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
# Written the way people write phones: a + or a separator between digit groups (a bare run of
# digits is an id, e.g. an ad platform's campaign id; dates are typed, never text).
PHONE = re.compile(r"(\+\d[\d ()./-]{6,}\d|\(?\d{2,4}\)?[ ./-]\d{2,4}[ ./-]\d{3,})")


def _personal_values(landing: Path) -> set[str]:
    values: set[str] = set()
    for object_name, fields in PERSONAL_FIELDS.items():
        for path in (landing / "crm").rglob(f"{object_name}*.csv"):
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    for field in fields:
                        value = (row.get(field) or "").strip()
                        # Short values (initials, "Li") would match by coincidence.
                        if len(value) >= 4:
                            values.add(value.lower())
    return values


def _published_text(serving: Path) -> dict[str, set[str]]:
    """'schema.table.column' -> distinct lower-cased values, for every text column."""
    found: dict[str, set[str]] = {}
    with duckdb.connect(str(serving), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' order by all"
        ).fetchall()
        for schema, table, column in columns:
            rows = con.execute(
                f'select distinct lower("{column}") from "{schema}"."{table}" where "{column}" is not null'
            ).fetchall()
            found[f"{schema}.{table}.{column}"] = {value for (value,) in rows}
    return found


def test_no_personal_value_is_published(demo_serving: Path) -> None:
    personal = _personal_values(demo_serving.parent / "landing")
    assert len(personal) > 1000  # the demo really has people to leak
    published = _published_text(demo_serving)
    assert published, "no text column published at all?"

    leaks = {name: sorted(values & personal)[:5] for name, values in published.items() if values & personal}
    assert leaks == {}
    shaped = {
        name: sorted(v for v in values if EMAIL.search(v) or PHONE.fullmatch(v))[:5]
        for name, values in published.items()
    }
    assert {name: v for name, v in shaped.items() if v} == {}


def test_serving_holds_schema_marts_only(demo_serving: Path) -> None:
    with duckdb.connect(str(demo_serving), read_only=True) as con:
        schemas = {
            schema
            for (schema,) in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
        columns = [
            column
            for (column,) in con.execute(
                "select distinct lower(column_name) from information_schema.columns"
            ).fetchall()
        ]
    assert schemas == {"marts"}
    # A person's contact or name column (a count of e-mails sent, `emails`, is fine).
    identity = re.compile(r"(.*_)?(e_?mail|phone|mobile|first_name|last_name|full_name)(_address|_number)?")
    assert [c for c in columns if identity.fullmatch(c)] == []
