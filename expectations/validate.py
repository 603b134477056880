"""Run the Great Expectations suites on the marts of a DuckDB warehouse.

GX's SQL datasource fails on DuckDB, so each table is read (read-only) into a pandas
DataFrame and validated with an ephemeral GX context. ``great_expectations`` is
imported only inside :func:`validate_marts` (the import takes seconds).

Public API: :func:`validate_marts`, :func:`format_results`, :class:`SuiteResult`,
:class:`ExpectationResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from expectations.suites import (
    ERROR,
    WARNING,
    DerivedCheck,
    SuiteDefinition,
    add_derived_columns,
    all_suites,
)
from sources.sql_quoting import quote_identifier, quote_literal

if TYPE_CHECKING:
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations import Expectation

SAMPLE_LIMIT = 5
SAMPLE_CHARS = 200
DOCS_SITE = "local_site"


@dataclass(frozen=True)
class ExpectationResult:
    """Outcome of one expectation (or of a check that could not run)."""

    check: str  # stable name, e.g. "win_rate_between_0_and_1", "months_contiguous"
    expectation_type: str  # GX type, e.g. "expect_column_values_to_be_between"
    column: str | None  # checked column(s), comma-separated; None for table-level checks
    severity: str  # "error" (blocking) or "warning"
    success: bool
    unexpected_count: int | None  # failing rows; None when not row-based or not run
    element_count: int | None  # rows looked at; None when not row-based or not run
    samples: tuple[str, ...]  # a few failing values/rows as text, e.g. "month=2024-03-01, ..."
    message: str  # what is checked and, on failure, what went wrong


@dataclass(frozen=True)
class SuiteResult:
    """Outcome of one suite on one table. ``success`` counts blocking checks only."""

    suite: str
    table: str
    success: bool
    row_count: int | None  # None when the table could not be read
    expectations: tuple[ExpectationResult, ...]

    @property
    def failed_errors(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.success and e.severity == ERROR]

    @property
    def failed_warnings(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.success and e.severity == WARNING]


# ----------------------------------------------------------------------------- reading


def _split_table(table: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    return schema or "main", name


# What a reader returns for a table: (a DataFrame of the columns asked for that the table has,
# every column of the table in order), or a message saying why the table could not be read.
TableRead = tuple[pd.DataFrame, list[str]] | str
TableReader = Callable[[dict[str, list[str]]], dict[str, TableRead]]


def _read_tables(path: Path, columns_by_table: dict[str, list[str]]) -> dict[str, TableRead]:
    """Each table's columns asked for (see TableRead)."""
    if not path.is_file():
        return {t: f"warehouse file {path} does not exist" for t in columns_by_table}
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: _read_table(con, t, columns) for t, columns in columns_by_table.items()}
    finally:
        con.close()


def _read_table(con: Any, table: str, wanted: list[str]) -> TableRead:
    schema, name = _split_table(table)
    read = read_table_columns(lambda sql: con.execute(sql).df(), schema, name, wanted)
    return read if read is not None else f"table {table} does not exist in the warehouse"


def read_table_columns(
    query: Callable[[str], pd.DataFrame], schema: str, name: str, wanted: list[str]
) -> tuple[pd.DataFrame, list[str]] | None:
    """The columns of `wanted` that table schema.name has, in the table's order, and every
    column of the table (see TableRead); None when there is no such table. `query` runs SQL on
    the warehouse (DuckDB here, PostgreSQL in orchestration.warehouse)."""
    columns = list(
        query(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = {quote_literal(schema)} AND table_name = {quote_literal(name)} "
            "ORDER BY ordinal_position"
        )["column_name"]
    )
    if not columns:
        return None
    relation = f"{quote_identifier(schema)}.{quote_identifier(name)}"
    selected = [c for c in columns if c in wanted]
    if not selected:
        rows = query(f"SELECT count(*) AS n FROM {relation}")["n"].iloc[0]
        return pd.DataFrame(index=pd.RangeIndex(int(rows))), columns
    return query(f"SELECT {', '.join(map(quote_identifier, selected))} FROM {relation}"), columns


def _with_unread_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`frame` with the table's other columns, all null, in the table's order: no expectation
    reads their values, but the column-set check must see them. Not reading them halves the
    suites' time on a large fct_opportunities (the text columns dominate the read and GX's
    fingerprint of the frame)."""
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return frame
    empty = pd.arrays.BooleanArray(np.zeros(len(frame), dtype=bool), np.ones(len(frame), dtype=bool))
    placeholders = pd.DataFrame({c: empty for c in missing}, index=frame.index)
    return pd.concat([frame, placeholders], axis=1)[columns]


def columns_read(suite: SuiteDefinition) -> list[str]:
    """The columns whose values the suite's expectations and derived checks read, and its key."""
    derived = suite.derived_by_column()
    columns = list(suite.key_columns)
    for exp in suite.expectations:
        columns += _input_columns(exp, derived)
    return list(dict.fromkeys(columns))


# ----------------------------------------------------------------------------- GX setup


def _make_context(docs_dir: Path | None) -> AbstractDataContext:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_gx(
    context: AbstractDataContext,
    suite: SuiteDefinition,
    frame: pd.DataFrame,
    expectations: list[Expectation],
) -> list[ExpectationValidationResult]:
    import great_expectations as gx

    asset_name = suite.table.replace(".", "__")
    asset = context.data_sources.add_pandas(f"ds__{asset_name}").add_dataframe_asset(asset_name)
    batch = asset.add_batch_definition_whole_dataframe("whole_table")
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
    )
    keys = [k for k in suite.key_columns if k in frame.columns]
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": SAMPLE_LIMIT,
        "return_unexpected_index_query": False,
    }
    if keys:
        result_format["unexpected_index_column_names"] = keys
    run = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    return list(run.results)


# ----------------------------------------------------------------------------- results


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return "null"
    if isinstance(value, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        value = value.item()  # numpy scalar -> python
    return str(value)


def _row_text(row: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={_text(v)}" for k, v in row.items())
    return text[:SAMPLE_CHARS]


def _meta(exp: Expectation) -> tuple[str, str]:
    meta = exp.meta or {}
    return str(meta.get("check", exp.expectation_type)), str(meta.get("severity", ERROR))


def _domain_columns(exp: Expectation) -> list[str]:
    cols: list[str] = []
    for attr in ("column", "column_A", "column_B"):
        if isinstance(getattr(exp, attr, None), str):
            cols.append(getattr(exp, attr))
    cols += list(getattr(exp, "column_list", None) or [])
    return cols


def _input_columns(exp: Expectation, derived: dict[str, DerivedCheck]) -> list[str]:
    cols: list[str] = []
    for col in _domain_columns(exp):
        cols += list(derived[col].inputs) if col in derived else [col]
    return cols


def _column_label(exp: Expectation, derived: dict[str, DerivedCheck]) -> str | None:
    cols = _input_columns(exp, derived)
    return ", ".join(cols) if cols else None


def _not_run(
    exp: Expectation, derived: dict[str, DerivedCheck], table: str, reason: str
) -> ExpectationResult:
    check, severity = _meta(exp)
    return ExpectationResult(
        check=check,
        expectation_type=exp.expectation_type,
        column=_column_label(exp, derived),
        severity=severity,
        success=False,
        unexpected_count=None,
        element_count=None,
        samples=(),
        message=f"not run on {table}: {reason}",
    )


def _derived_samples(frame: pd.DataFrame, suite: SuiteDefinition, check: DerivedCheck) -> list[str]:
    failing = frame[frame[check.column].eq(False).fillna(False).astype(bool)]
    cols = [k for k in suite.key_columns if k in frame.columns and k not in check.inputs]
    rows = failing[cols + list(check.inputs)].head(SAMPLE_LIMIT)
    return [_row_text(r) for r in rows.to_dict(orient="records")]


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _gx_samples(result: dict[str, Any]) -> list[str]:
    if result.get("partial_unexpected_index_list"):
        rows = result["partial_unexpected_index_list"][:SAMPLE_LIMIT]
        return _unique([_row_text(r) if isinstance(r, dict) else _text(r) for r in rows])
    if result.get("partial_unexpected_list"):
        return _unique([_text(v) for v in result["partial_unexpected_list"][:SAMPLE_LIMIT]])
    details = result.get("details") or {}
    if "mismatched" in details:
        missing = (details["mismatched"] or {}).get("missing") or []
        return [f"missing column {c}" for c in missing]
    if "observed_value" in result:
        return [f"observed {_text(result['observed_value'])}"]
    return []


def _failure_message(res: ExpectationValidationResult, table: str) -> str:
    exc = res.exception_info or {}
    messages = [exc.get("exception_message")] if "raised_exception" in exc else []
    messages += [v.get("exception_message") for v in exc.values() if isinstance(v, dict)]
    messages = [m for m in messages if m]
    if messages:
        return f"error while checking {table}: {messages[0]}"
    count = res.result.get("unexpected_count")
    total = res.result.get("element_count")
    if count is not None and total is not None:
        return f"{count} of {total} rows of {table} unexpected"
    return f"failed on {table}"


def _description(exp: Expectation, derived: dict[str, DerivedCheck]) -> str:
    if exp.description:
        return exp.description
    args = {k: v for k, v in exp.configuration.kwargs.items() if k not in ("batch_id",)}
    return f"{exp.expectation_type}({', '.join(f'{k}={v}' for k, v in args.items())})"


def _convert(
    res: ExpectationValidationResult,
    exp: Expectation,
    suite: SuiteDefinition,
    frame: pd.DataFrame,
) -> ExpectationResult:
    derived = suite.derived_by_column()
    check, severity = _meta(exp)
    column = getattr(exp, "column", None)
    samples: list[str] = []
    message = _description(exp, derived)
    if not res.success:
        samples = (
            _derived_samples(frame, suite, derived[column])
            if column in derived and column in frame.columns
            else _gx_samples(res.result)
        )
        message = f"{_failure_message(res, suite.table)}; checks: {message}"
    return ExpectationResult(
        check=check,
        expectation_type=exp.expectation_type,
        column=_column_label(exp, derived),
        severity=severity,
        success=bool(res.success),
        unexpected_count=res.result.get("unexpected_count"),
        element_count=res.result.get("element_count"),
        samples=tuple(samples),
        message=message,
    )


def _suite_result(
    suite: SuiteDefinition, row_count: int | None, results: list[ExpectationResult]
) -> SuiteResult:
    ok = all(r.success for r in results if r.severity == ERROR)
    return SuiteResult(suite.name, suite.table, ok, row_count, tuple(results))


def _table_missing(suite: SuiteDefinition, reason: str) -> SuiteResult:
    result = ExpectationResult(
        check="table_exists",
        expectation_type="table_exists",
        column=None,
        severity=ERROR,
        success=False,
        unexpected_count=None,
        element_count=None,
        samples=(),
        message=reason,
    )
    return _suite_result(suite, None, [result])


def _cannot_run_reason(
    exp: Expectation,
    derived: dict[str, DerivedCheck],
    df: pd.DataFrame,
    derive_errors: dict[str, str],
) -> str | None:
    missing = [c for c in _input_columns(exp, derived) if c not in df.columns]
    if missing:
        return f"missing column(s) {', '.join(dict.fromkeys(missing))}"
    errors = [derive_errors[c] for c in _domain_columns(exp) if c in derive_errors]
    return errors[0] if errors else None


def _validate_suite(context: AbstractDataContext, suite: SuiteDefinition, df: pd.DataFrame) -> SuiteResult:
    frame, derive_errors = add_derived_columns(df, suite)
    derived = suite.derived_by_column()
    runnable: list[Expectation] = []
    results: dict[int, ExpectationResult] = {}
    for i, exp in enumerate(suite.expectations):
        reason = _cannot_run_reason(exp, derived, df, derive_errors)
        if reason:
            results[i] = _not_run(exp, derived, suite.table, reason)
        else:
            runnable.append(exp)
    if runnable:
        by_check = {_meta(e)[0]: (i, e) for i, e in enumerate(suite.expectations)}
        for res in _run_gx(context, suite, frame, runnable):
            i, exp = by_check[res.expectation_config.meta["check"]]
            results[i] = _convert(res, exp, suite, frame)
    ordered = [results[i] for i in sorted(results)]
    return _suite_result(suite, len(df), ordered)


# ----------------------------------------------------------------------------- public API


def validate_marts(
    warehouse_path: str | Path | None,
    docs_dir: Path | None = None,
    *,
    read_tables: TableReader | None = None,
) -> list[SuiteResult]:
    """Validate every mart suite on the DuckDB file at ``warehouse_path`` (opened read-only),
    or on the frames ``read_tables`` returns (another engine; see TableRead). Only the columns
    the suites read are read; the others are passed to GX as null columns.

    Returns one :class:`SuiteResult` per suite; a suite's ``success`` is False when any
    blocking (severity ``error``) check failed, including a missing table or column.
    Warnings never affect ``success``. When ``docs_dir`` is given, GX Data Docs are
    built there (``docs_dir/index.html``).
    """
    suites = all_suites()
    columns_by_table = {s.table: columns_read(s) for s in suites}
    reads = (
        read_tables(columns_by_table) if read_tables else _read_tables(Path(warehouse_path), columns_by_table)
    )
    context = _make_context(Path(docs_dir) if docs_dir is not None else None)
    results = []
    for suite in suites:
        read = reads[suite.table]
        if isinstance(read, str):
            results.append(_table_missing(suite, read))
        else:
            results.append(_validate_suite(context, suite, _with_unread_columns(*read)))
    if docs_dir is not None:
        Path(docs_dir).mkdir(parents=True, exist_ok=True)
        context.build_data_docs(site_names=[DOCS_SITE])
    return results


def _format_failure(suite: SuiteResult, res: ExpectationResult) -> str:
    where = f"{suite.table}.{res.column}" if res.column else suite.table
    count = f" ({res.unexpected_count} row(s))" if res.unexpected_count else ""
    samples = f" e.g. {' | '.join(res.samples)}" if res.samples else ""
    return (
        f"  {res.severity.upper():7} {where}: {res.check} [{res.expectation_type}]"
        f"{count}{samples} -- {res.message}"
    )


def format_results(results: list[SuiteResult]) -> str:
    """Console summary: one header per suite, one line per failing expectation."""
    lines: list[str] = []
    for suite in results:
        status = "PASSED" if suite.success else "FAILED"
        rows = "table not read" if suite.row_count is None else f"{suite.row_count} rows"
        lines.append(
            f"{status} {suite.suite} ({rows}): {len(suite.expectations)} checks, "
            f"{len(suite.failed_errors)} blocking failure(s), "
            f"{len(suite.failed_warnings)} warning(s)"
        )
        lines += [_format_failure(suite, r) for r in suite.failed_errors + suite.failed_warnings]
    return "\n".join(lines)
