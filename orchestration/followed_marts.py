"""Marts the publish follows instead of copying: a mart that is a view of a large table whose
rows carry the stamp of the build that wrote them gets, in a copy of the last serving file,
only the rows of builds the serving file has not seen.

fct_pipeline_month_end is the case: a view of int_pipeline_month_end_state (17.6M rows at 1M
opportunities), of which a nightly run rebuilds about 1% and stamps each rebuilt row with
_built_at (macros/incremental_month_end_states.sql). Copying it whole was most of the
publish (~9.5 s of ~17 s at 1M). The status follows the states the same way.

What the serving file holds is recorded beside the warehouse (`followed_state_path`): the
identity of the publish that wrote it (serving path, published_at, run_id) and, per followed
mart, the view's SQL, its columns and the stamps its rows were built under. Anything that does
not match (another serving file, a serving file restored from a backup, the view edited, no
record) makes the publish copy the mart whole, as it did before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from sources.sql_quoting import quote_identifier

# Past this share of rows rebuilt, rewriting the table is cheaper than a delete and insert
# (a full refresh rebuilds every row), and it leaves no deleted rows in the file.
MAX_FOLLOWED_SHARE = 0.5


@dataclass(frozen=True)
class FollowedMart:
    mart: str
    source_schema: str
    source_table: str
    key: tuple[str, ...]
    stamp: str

    @property
    def source(self) -> str:
        return f"wh.{quote_identifier(self.source_schema)}.{quote_identifier(self.source_table)}"


FOLLOWED_MARTS = (
    FollowedMart(
        mart="fct_pipeline_month_end",
        source_schema="intermediate",
        source_table="int_pipeline_month_end_state",
        key=("month", "opportunity_id"),
        stamp="_built_at",
    ),
)


def followed_state_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.published.json")


@dataclass(frozen=True)
class MartShape:
    """What a followed mart is, as the build warehouse defines it: if either changes, the
    rows in the serving file were made by other SQL."""

    view_sql: str
    columns: list[list[str]]


def mart_shape(con: duckdb.DuckDBPyConnection, mart: FollowedMart, marts_schema: str) -> MartShape | None:
    """The view's SQL and columns in the attached warehouse `wh`; None unless it is a view of a
    source table that has the stamp column."""
    view = con.execute(
        "select sql from duckdb_views() where database_name = 'wh' and schema_name = ? and view_name = ?",
        [marts_schema, mart.mart],
    ).fetchone()
    has_stamp = con.execute(
        "select count(*) from duckdb_columns() where database_name = 'wh' and schema_name = ? "
        "and table_name = ? and column_name = ?",
        [mart.source_schema, mart.source_table, mart.stamp],
    ).fetchone()[0]
    if view is None or not has_stamp:
        return None
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'wh' "
        "and schema_name = ? and table_name = ? order by column_index",
        [marts_schema, mart.mart],
    ).fetchall()
    return MartShape(view_sql=view[0], columns=[list(c) for c in columns])


def source_stamps(con: duckdb.DuckDBPyConnection, mart: FollowedMart) -> list[str]:
    rows = con.execute(
        f"select distinct {quote_identifier(mart.stamp)} from {mart.source} order by 1"
    ).fetchall()
    return [r[0].isoformat() for r in rows if r[0] is not None]


def read_followed_state(
    path: Path, serving: Path, last_publish: tuple[datetime, str] | None
) -> dict[str, dict]:
    """The followed marts' record, if it describes the serving file as it is (the same path and
    the same last publish); otherwise nothing can be followed."""
    if last_publish is None or not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    published_at, run_id = last_publish
    if (
        state.get("serving") != str(serving.resolve())
        or state.get("published_at") != published_at.isoformat()
        or state.get("run_id") != run_id
    ):
        return {}
    return state.get("marts", {})


def write_followed_state(
    path: Path, serving: Path, published_at: datetime, run_id: str, marts: dict[str, dict]
) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "serving": str(serving.resolve()),
                "published_at": published_at.isoformat(),
                "run_id": run_id,
                "marts": marts,
            },
            indent=1,
        )
    )
    tmp.replace(path)


def follow(
    con: duckdb.DuckDBPyConnection,
    mart: FollowedMart,
    target: str,
    view: str,
    previous_stamps: list[str],
) -> int | None:
    """Bring `target` (the mart's table in the copied serving file) up to `view` (the mart in
    the warehouse) by replacing the rows of keys whose source row carries a stamp the serving
    file has not seen. Returns the number of rows replaced, or None (the caller copies the
    mart whole) when too many changed to be worth it or the row counts still disagree after
    the vanished keys were deleted.

    Why that is enough: a source row that still carries a seen stamp is unchanged since the
    serving file was written (the source only deletes and inserts rows, and each insert is
    stamped with its build's start; the status relies on the same), so its row in the serving
    file is right. Keys that vanished from the source are found by the row count, and only
    then by an anti-join over every row."""
    key = ", ".join(quote_identifier(k) for k in mart.key)
    matches = " and ".join(f"t.{quote_identifier(k)} = n.{quote_identifier(k)}" for k in mart.key)
    con.execute("create or replace temp table followed_seen_stamps (stamp timestamp)")
    con.executemany("insert into followed_seen_stamps values (?)", [[s] for s in previous_stamps])
    con.execute(
        f"create or replace temp table followed_new_keys as select {key} from {mart.source} "
        # A row without a stamp cannot be known to be unchanged: it counts as new.
        f"where {quote_identifier(mart.stamp)} is null "
        f"or {quote_identifier(mart.stamp)} not in (select stamp from followed_seen_stamps)"
    )
    changed, total = con.execute(
        f"select (select count(*) from followed_new_keys), (select count(*) from {view})"
    ).fetchone()
    if changed > MAX_FOLLOWED_SHARE * total:
        return None
    con.execute(f"delete from {target} as t using followed_new_keys as n where {matches}")
    con.execute(
        f"insert into {target} select t.* from {view} as t semi join followed_new_keys as n on {matches}"
    )
    if con.execute(f"select count(*) from {target}").fetchone()[0] != total:
        con.execute(f"delete from {target} as t where not exists (select 1 from {view} as n where {matches})")
        if con.execute(f"select count(*) from {target}").fetchone()[0] != total:
            return None
    return changed
