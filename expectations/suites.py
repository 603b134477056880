"""Great Expectations suites for the published marts, defined as code.

Each suite is a :class:`SuiteDefinition`: the table it checks, a list of GX 1.x
expectation objects, and the *derived check columns* some of them validate.

Cross-column rules (``weighted_pipeline_amount <= open_pipeline_amount``, ``win_rate =
won / (won + lost)``, contiguous months, ...) use the derived-column approach: before
validation, :func:`add_derived_columns` computes one nullable boolean column per rule
in pandas (``check__<rule>``: True = row passes, False = row fails, null = rule does
not apply to the row), and the suite expects ``check__<rule>`` to be in ``{True}`` with
``ExpectColumnValuesToBeInSet`` (GX ignores nulls). This keeps tolerances and null
handling explicit and in one place, and the rule still runs in the same GX result
list and shows up in Data Docs (its ``description`` says what it checks).

Severity uses GX's own ``severity`` field: ``critical`` = blocking ("error": stops
publishing), ``warning`` = reported only. ``great_expectations`` is imported inside
the functions (the import takes seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

ERROR = "error"
WARNING = "warning"
CHECK_PREFIX = "check__"
ABS_TOL = 1e-6
REL_TOL = 1e-9

SALES_METRICS_MONTHLY_COLUMNS: tuple[str, ...] = (
    "month", "won_deals", "lost_deals", "won_amount", "win_rate", "avg_sale_value",
    "sales_cycle_days_avg", "sales_cycle_days_median", "new_customers", "paid_media_spend",
    "sm_expenses", "blended_cac", "paid_cac", "mrr", "active_customers", "arpa",
    "churned_customers", "customer_churn_rate", "ltv", "ltv_to_cac", "leads_created",
    "qualified_leads", "lead_velocity_rate", "lead_conversion_rate", "open_deals",
    "open_pipeline_amount", "weighted_pipeline_amount", "pipeline_quality_ratio",
    "pipeline_coverage_next_3_months", "quota_amount", "quota_attainment",
)  # fmt: skip

FCT_OPPORTUNITIES_COLUMNS: tuple[str, ...] = (
    "opportunity_id", "account_id", "owner_id", "opportunity_type", "lead_source",
    "campaign_id", "stage_name", "forecast_category", "created_date", "close_date",
    "close_month", "currency_code", "amount", "amount_reporting", "probability",
    "is_closed", "is_won", "is_lost", "is_open", "contract_term_months", "sales_cycle_days",
)  # fmt: skip

MONTHLY_COUNT_COLUMNS: tuple[str, ...] = (
    "won_deals", "lost_deals", "new_customers", "active_customers", "churned_customers",
    "leads_created", "qualified_leads",
)  # fmt: skip
# Pipeline counts are null in months without OpportunityHistory (metrics.md, pipeline state).
MONTHLY_NULLABLE_COUNT_COLUMNS: tuple[str, ...] = ("open_deals",)
MONTHLY_RATE_COLUMNS: tuple[str, ...] = (
    "win_rate",
    "customer_churn_rate",
    "lead_conversion_rate",
    "pipeline_quality_ratio",
)
MONTHLY_NON_NEGATIVE_AMOUNTS: tuple[str, ...] = (
    "won_amount",
    "paid_media_spend",
    "mrr",
    "open_pipeline_amount",
    "weighted_pipeline_amount",
)

RowCheck = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class DerivedCheck:
    """A row-level rule computed in pandas into column ``check__<name>`` before validation."""

    name: str
    inputs: tuple[str, ...]
    compute: RowCheck
    description: str

    @property
    def column(self) -> str:
        return f"{CHECK_PREFIX}{self.name}"


@dataclass(frozen=True)
class SuiteDefinition:
    """One GX suite over one table (``schema.table``)."""

    name: str
    table: str
    key_columns: tuple[str, ...]
    expectations: list[Expectation]
    derived: tuple[DerivedCheck, ...] = field(default_factory=tuple)

    def derived_by_column(self) -> dict[str, DerivedCheck]:
        return {d.column: d for d in self.derived}


# --------------------------------------------------------------------------- helpers


def _severity(severity: str) -> Any:
    from great_expectations.expectations.metadata_types import FailureSeverity

    return FailureSeverity.WARNING if severity == WARNING else FailureSeverity.CRITICAL


def _expect(cls_name: str, check: str, severity: str = ERROR, **kwargs: Any) -> Expectation:
    """Build a GX expectation tagged with a stable check name and our severity."""
    import great_expectations.expectations as gxe

    cls = getattr(gxe, cls_name)
    meta = {"check": check, "severity": severity}
    return cls(meta=meta, severity=_severity(severity), **kwargs)


def _expect_derived(check: DerivedCheck, severity: str = ERROR) -> Expectation:
    return _expect(
        "ExpectColumnValuesToBeInSet",
        check.name,
        severity,
        column=check.column,
        value_set=[True],
        description=check.description,
    )


def _not_null(column: str, severity: str = ERROR) -> Expectation:
    return _expect("ExpectColumnValuesToNotBeNull", f"{column}_not_null", severity, column=column)


def _between(
    column: str,
    min_value: float | None,
    max_value: float | None = None,
    severity: str = ERROR,
    strict_min: bool = False,
) -> Expectation:
    if max_value is None:
        check = f"{column}_{'gt' if strict_min else 'ge'}_{min_value:g}"
    else:
        check = f"{column}_between_{min_value:g}_and_{max_value:g}"
    return _expect(
        "ExpectColumnValuesToBeBetween",
        check,
        severity,
        column=column,
        min_value=min_value,
        max_value=max_value,
        strict_min=strict_min,
    )


def _columns_present(columns: tuple[str, ...]) -> Expectation:
    return _expect(
        "ExpectTableColumnsToMatchSet",
        "contract_columns_present",
        column_set=list(columns),
        exact_match=False,
    )


def _non_empty() -> Expectation:
    return _expect("ExpectTableRowCountToBeBetween", "table_not_empty", min_value=1)


def _close(a: pd.Series, b: pd.Series) -> pd.Series:
    """Elementwise |a - b| <= ABS_TOL + REL_TOL * |b| on floats (nulls give False)."""
    af, bf = a.astype("float64"), b.astype("float64")
    return (af - bf).abs() <= ABS_TOL + REL_TOL * bf.abs()


def _as_bool(s: pd.Series) -> pd.Series:
    """Nullable boolean: True / False / <NA>."""
    return s.astype("boolean")


def _flag(s: pd.Series) -> pd.Series:
    """True only where the flag is True (null counts as not set)."""
    return s.astype("boolean").fillna(False).astype(bool)


# ------------------------------------------------------------- sales_metrics_monthly rules


def _months_contiguous(df: pd.DataFrame) -> pd.Series:
    """False on a month whose next calendar month is missing (unless it is the last month)."""
    months = pd.to_datetime(df["month"]).dt.to_period("M")
    present = set(months.dropna())
    if not present:
        return pd.Series(pd.NA, index=df.index, dtype="boolean")
    last = max(present)
    ok = months.map(lambda m: pd.NA if pd.isna(m) else (m == last or (m + 1) in present))
    return _as_bool(ok)


def _month_is_first_day(df: pd.DataFrame) -> pd.Series:
    months = pd.to_datetime(df["month"])
    return _as_bool(months.dt.day.eq(1).where(months.notna(), pd.NA))


def _weighted_le_open(df: pd.DataFrame) -> pd.Series:
    weighted = df["weighted_pipeline_amount"].astype("float64")
    open_ = df["open_pipeline_amount"].astype("float64")
    ok = weighted <= open_ + ABS_TOL + REL_TOL * open_.abs()
    return _as_bool(ok.where(weighted.notna() & open_.notna(), pd.NA))


def _ratio_matches(df: pd.DataFrame, ratio: str, numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """ratio == numerator / denominator where denominator > 0, ratio null where it is 0.

    Rows with a null numerator/denominator are not checked.
    """
    num, den = numerator.astype("float64"), denominator.astype("float64")
    value = df[ratio].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = num / den.where(den > 0)
    ok = (den > 0) & _close(value, expected) | (den == 0) & value.isna()
    return _as_bool(ok.where(num.notna() & den.notna(), pd.NA))


def _avg_sale_value_consistent(df: pd.DataFrame) -> pd.Series:
    return _ratio_matches(df, "avg_sale_value", df["won_amount"], df["won_deals"])


def _win_rate_consistent(df: pd.DataFrame) -> pd.Series:
    won = df["won_deals"].astype("float64")
    return _ratio_matches(df, "win_rate", won, won + df["lost_deals"].astype("float64"))


MONTHLY_DERIVED: tuple[DerivedCheck, ...] = (
    DerivedCheck(
        "months_contiguous",
        ("month",),
        _months_contiguous,
        "Months are contiguous: every month between the first and the last is present "
        "(a failing row is the month just before a gap).",
    ),
    DerivedCheck(
        "month_is_first_day",
        ("month",),
        _month_is_first_day,
        "month is the first day of its calendar month.",
    ),
    DerivedCheck(
        "weighted_pipeline_le_open_pipeline",
        ("weighted_pipeline_amount", "open_pipeline_amount"),
        _weighted_le_open,
        f"weighted_pipeline_amount <= open_pipeline_amount (tolerance {ABS_TOL:g} "
        f"+ {REL_TOL:g} x |open|), where both are not null.",
    ),
    DerivedCheck(
        "avg_sale_value_consistent",
        ("avg_sale_value", "won_amount", "won_deals"),
        _avg_sale_value_consistent,
        "avg_sale_value = won_amount / won_deals where won_deals > 0 (tolerance "
        f"{ABS_TOL:g}), and is null where won_deals = 0.",
    ),
    DerivedCheck(
        "win_rate_consistent",
        ("win_rate", "won_deals", "lost_deals"),
        _win_rate_consistent,
        f"win_rate = won_deals / (won_deals + lost_deals) (tolerance {ABS_TOL:g}), "
        "and is null where won_deals + lost_deals = 0.",
    ),
)


def sales_metrics_monthly_suite() -> SuiteDefinition:
    """Suite for ``marts.sales_metrics_monthly`` (one row per month)."""
    exps: list[Expectation] = [
        _columns_present(SALES_METRICS_MONTHLY_COLUMNS),
        _non_empty(),
        _not_null("month"),
        _expect("ExpectColumnValuesToBeUnique", "month_unique", column="month"),
    ]
    for col in MONTHLY_COUNT_COLUMNS:
        exps += [_not_null(col), _between(col, 0)]
    exps += [_between(col, 0) for col in MONTHLY_NULLABLE_COUNT_COLUMNS]
    exps += [_between(col, 0, 1) for col in MONTHLY_RATE_COLUMNS]
    exps += [_between(col, 0) for col in MONTHLY_NON_NEGATIVE_AMOUNTS]
    # sm_expenses is deliberately unchecked for sign: credits make it negative.
    exps += [_expect_derived(check) for check in MONTHLY_DERIVED]
    return SuiteDefinition(
        name="marts.sales_metrics_monthly",
        table="marts.sales_metrics_monthly",
        key_columns=("month",),
        expectations=exps,
        derived=MONTHLY_DERIVED,
    )


# ---------------------------------------------------------------- fct_opportunities rules


def _won_implies_closed(df: pd.DataFrame) -> pd.Series:
    won, closed = _flag(df["is_won"]), _flag(df["is_closed"])
    return _as_bool(~won | closed)


def _exactly_one_outcome(df: pd.DataFrame) -> pd.Series:
    total = _flag(df["is_won"]).astype(int) + _flag(df["is_lost"]).astype(int)
    return _as_bool(total + _flag(df["is_open"]).astype(int) == 1)


def _open_iff_not_closed(df: pd.DataFrame) -> pd.Series:
    return _as_bool(_flag(df["is_open"]) != _flag(df["is_closed"]))


def _won_sales_cycle_non_negative(df: pd.DataFrame) -> pd.Series:
    cycle = df["sales_cycle_days"].astype("float64")
    applies = _flag(df["is_won"]) & cycle.notna()
    return _as_bool((cycle >= 0).where(applies, pd.NA))


FCT_DERIVED: tuple[DerivedCheck, ...] = (
    DerivedCheck(
        "won_implies_closed",
        ("is_won", "is_closed"),
        _won_implies_closed,
        "is_won implies is_closed.",
    ),
    DerivedCheck(
        "exactly_one_outcome",
        ("is_won", "is_lost", "is_open"),
        _exactly_one_outcome,
        "Exactly one of is_won, is_lost, is_open is true (null counts as false).",
    ),
    DerivedCheck(
        "open_iff_not_closed",
        ("is_open", "is_closed"),
        _open_iff_not_closed,
        "is_open = not is_closed.",
    ),
    DerivedCheck(
        "won_sales_cycle_non_negative",
        ("sales_cycle_days", "is_won"),
        _won_sales_cycle_non_negative,
        "Won deals have sales_cycle_days >= 0 (WARNING: a back-dated close is excluded "
        "from the sales-cycle metrics and reported, it does not stop publishing).",
    ),
)
FCT_SEVERITY = {"won_sales_cycle_non_negative": WARNING}


def fct_opportunities_suite() -> SuiteDefinition:
    """Suite for ``marts.fct_opportunities`` (one row per current, non-deleted opportunity)."""
    exps: list[Expectation] = [
        _columns_present(FCT_OPPORTUNITIES_COLUMNS),
        _not_null("opportunity_id"),
        _expect("ExpectColumnValuesToBeUnique", "opportunity_id_unique", column="opportunity_id"),
        _between("probability", 0, 1),
        _not_null("close_date"),
        _between("amount_reporting", 0),
        _between("contract_term_months", 0, strict_min=True),
    ]
    exps += [_expect_derived(c, FCT_SEVERITY.get(c.name, ERROR)) for c in FCT_DERIVED]
    return SuiteDefinition(
        name="marts.fct_opportunities",
        table="marts.fct_opportunities",
        key_columns=("opportunity_id",),
        expectations=exps,
        derived=FCT_DERIVED,
    )


# ------------------------------------------------------- pipeline_movement_monthly rules

PIPELINE_MOVEMENT_TERMS: tuple[tuple[str, int], ...] = (
    ("opening_pipeline", 1),
    ("created_pipeline", 1),
    ("reopened_pipeline", 1),
    ("won_pipeline", -1),
    ("lost_pipeline", -1),
    ("amount_changes", 1),
)
PIPELINE_MOVEMENT_COLUMNS: tuple[str, ...] = (
    "month", *(c for c, _ in PIPELINE_MOVEMENT_TERMS), "closing_pipeline",
)  # fmt: skip


def _movement_adds_up(df: pd.DataFrame) -> pd.Series:
    """opening + created + reopened - won - lost + amount changes = closing (where known)."""
    expected = sum(sign * df[c].astype("float64") for c, sign in PIPELINE_MOVEMENT_TERMS)
    known = df["closing_pipeline"].notna()
    for column, _ in PIPELINE_MOVEMENT_TERMS:
        known &= df[column].notna()
    return _as_bool(_close(df["closing_pipeline"], expected).where(known, pd.NA))


MOVEMENT_DERIVED: tuple[DerivedCheck, ...] = (
    DerivedCheck(
        "movement_adds_up",
        tuple(c for c, _ in PIPELINE_MOVEMENT_TERMS) + ("closing_pipeline",),
        _movement_adds_up,
        "opening + created + reopened - won - lost + amount_changes = closing pipeline",
    ),
)


def pipeline_movement_monthly_suite() -> SuiteDefinition:
    """Suite for ``marts.pipeline_movement_monthly``: the movement must add up every month."""
    exps: list[Expectation] = [
        _columns_present(PIPELINE_MOVEMENT_COLUMNS),
        _non_empty(),
        _not_null("month"),
        _expect("ExpectColumnValuesToBeUnique", "month_unique", column="month"),
    ]
    exps += [_between(c, 0) for c in ("opening_pipeline", "closing_pipeline")]
    exps += [_expect_derived(c) for c in MOVEMENT_DERIVED]
    return SuiteDefinition(
        name="marts.pipeline_movement_monthly",
        table="marts.pipeline_movement_monthly",
        key_columns=("month",),
        expectations=exps,
        derived=MOVEMENT_DERIVED,
    )


def all_suites() -> list[SuiteDefinition]:
    return [sales_metrics_monthly_suite(), fct_opportunities_suite(), pipeline_movement_monthly_suite()]


def add_derived_columns(df: pd.DataFrame, suite: SuiteDefinition) -> tuple[pd.DataFrame, dict[str, str]]:
    """A copy of ``df`` with the suite's ``check__*`` columns, and errors by check column.

    A check whose inputs are missing is skipped silently (the caller reports the missing
    columns); a check whose computation raises (e.g. text in a numeric column) is left
    out and its error message returned.
    """
    out = df.copy()
    errors: dict[str, str] = {}
    for check in suite.derived:
        if not all(col in df.columns for col in check.inputs):
            continue
        try:
            out[check.column] = check.compute(df)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            errors[check.column] = f"could not compute {check.name}: {type(exc).__name__}: {exc}"
    return out, errors
