"""The static HTML report built after each publish: the headline metrics over time, by territory
and by channel, with the as-of date and the data-quality status on top.

It reads only the published serving file (read-only, like any BI tool), so it shows exactly what
BI sees. Charts are plotly figures with plotly.js embedded in the page (the report opens offline,
from a file). Every number shown in a table carries its raw value in `data-value`, so a reader
(or the browser test) can trace it back to the mart row it came from.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from orchestration.warehouse import read_serving

# (column of marts.sales_metrics_monthly, label, format) for the headline table.
HEADLINE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("win_rate", "Win rate", "{:.1%}"),
    ("sales_cycle_days_median", "Sales cycle, median (days)", "{:,.1f}"),
    ("avg_sale_value", "Average sale value", "{:,.0f}"),
    ("blended_cac", "Blended CAC", "{:,.0f}"),
    ("ltv", "LTV", "{:,.0f}"),
    ("ltv_to_cac", "LTV : CAC", "{:.2f}"),
    ("open_pipeline_amount", "Open pipeline", "{:,.0f}"),
    ("pipeline_coverage_next_3_months", "Coverage, next 3 months", "{:.2f}x"),
    ("leads_created", "Leads created", "{:,}"),
    ("lead_velocity_rate", "Lead velocity rate", "{:+.1%}"),
    ("won_deals", "Won deals", "{:,}"),
    ("won_amount", "Won amount", "{:,.0f}"),
)
TERRITORY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("won_deals", "Won deals", "{:,}"),
    ("won_amount", "Won amount", "{:,.0f}"),
    ("win_rate", "Win rate", "{:.1%}"),
    ("avg_sale_value", "Average sale value", "{:,.0f}"),
    ("open_pipeline_amount", "Open pipeline", "{:,.0f}"),
)
CHANNEL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("leads_created", "Leads created", "{:,}"),
    ("opportunities_created", "Opportunities created", "{:,}"),
    ("won_deals", "Won deals", "{:,}"),
    ("won_amount", "Won amount", "{:,.0f}"),
    ("paid_media_spend", "Paid media spend", "{:,.0f}"),
)
MAX_TABLE_MONTHS = 24


@dataclass(frozen=True)
class ReportResult:
    path: Path
    months: int
    as_of_date: date | None
    quality_status: str
    size_bytes: int


def _number(value: object) -> float | None:
    """A mart value as a float for plotting; NULL (metric undefined that month) stays None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value)  # type: ignore[arg-type]


def _display(value: object, pattern: str) -> str:
    number = _number(value)
    if number is None:
        return "–"
    if pattern == "{:,}":  # counts
        return f"{round(number):,}"
    return pattern.format(number)


def _data_value(value: object) -> str:
    number = _number(value)
    return "" if number is None else repr(number)


def _read(serving: Path) -> dict[str, pd.DataFrame]:
    return read_serving(
        serving,
        {
            "monthly": "select * from marts.sales_metrics_monthly order by month",
            "territory": (
                "select * from marts.sales_metrics_by_territory_monthly order by month, territory_name"
            ),
            "funnel": "select * from marts.lead_funnel_by_channel_monthly order by month, channel",
            "efficiency": (
                "select * from marts.marketing_efficiency_by_channel_monthly order by month, channel"
            ),
            "log": "select * from marts.refresh_log order by published_at desc limit 1",
        },
    )


def _series(frame: pd.DataFrame, column: str) -> list[float | None]:
    return [_number(v) for v in frame[column].tolist()]


def _months(frame: pd.DataFrame) -> list[str]:
    return [pd.Timestamp(m).strftime("%Y-%m") for m in frame["month"]]


def _line_figure(
    title: str, months: list[str], series: dict[str, list[float | None]], y_format: str
) -> go.Figure:
    figure = go.Figure()
    for name, values in series.items():
        figure.add_trace(go.Scatter(x=months, y=values, name=name, mode="lines+markers", connectgaps=False))
    figure.update_layout(title=title, yaxis_tickformat=y_format, hovermode="x unified")
    return figure


def _figures(frames: dict[str, pd.DataFrame]) -> list[tuple[str, go.Figure]]:
    monthly = frames["monthly"]
    months = _months(monthly)
    figures: list[tuple[str, go.Figure]] = [
        ("win-rate", _line_figure("Win rate", months, {"win rate": _series(monthly, "win_rate")}, ".0%")),
        (
            "sales-cycle",
            _line_figure(
                "Sales cycle (days from creation to close, won deals)",
                months,
                {
                    "median": _series(monthly, "sales_cycle_days_median"),
                    "average": _series(monthly, "sales_cycle_days_avg"),
                },
                ",.0f",
            ),
        ),
        (
            "average-sale",
            _line_figure(
                "Average sale value",
                months,
                {"average sale value": _series(monthly, "avg_sale_value")},
                ",.0f",
            ),
        ),
        (
            "cac-ltv",
            _line_figure(
                "Customer acquisition cost vs lifetime value",
                months,
                {
                    "blended CAC": _series(monthly, "blended_cac"),
                    "paid CAC": _series(monthly, "paid_cac"),
                    "LTV": _series(monthly, "ltv"),
                },
                ",.0f",
            ),
        ),
    ]

    pipeline = make_subplots(specs=[[{"secondary_y": True}]])
    pipeline.add_trace(go.Bar(x=months, y=_series(monthly, "open_pipeline_amount"), name="open pipeline"))
    pipeline.add_trace(
        go.Bar(x=months, y=_series(monthly, "weighted_pipeline_amount"), name="weighted pipeline")
    )
    pipeline.add_trace(
        go.Scatter(
            x=months,
            y=_series(monthly, "pipeline_coverage_next_3_months"),
            name="coverage, next 3 months",
            mode="lines+markers",
        ),
        secondary_y=True,
    )
    pipeline.update_layout(
        title="Pipeline (month end) and coverage of the next 3 months' quota", barmode="group"
    )
    pipeline.update_yaxes(title_text="amount", tickformat=",.0f", secondary_y=False)
    pipeline.update_yaxes(title_text="coverage (x quota)", tickformat=".2f", secondary_y=True)
    figures.append(("pipeline-coverage", pipeline))

    leads = make_subplots(specs=[[{"secondary_y": True}]])
    leads.add_trace(go.Bar(x=months, y=_series(monthly, "leads_created"), name="leads created"))
    leads.add_trace(go.Bar(x=months, y=_series(monthly, "qualified_leads"), name="qualified leads"))
    leads.add_trace(
        go.Scatter(
            x=months,
            y=_series(monthly, "lead_velocity_rate"),
            name="lead velocity rate",
            mode="lines+markers",
        ),
        secondary_y=True,
    )
    leads.update_layout(title="Leads and lead velocity rate (month over month)", barmode="group")
    leads.update_yaxes(tickformat="+.0%", secondary_y=True)
    figures.append(("lead-velocity", leads))

    territory = frames["territory"]
    won_by_territory = go.Figure()
    win_rate_by_territory = go.Figure()
    for name, rows in territory.groupby("territory_name", sort=True):
        x = _months(rows)
        won_by_territory.add_trace(go.Bar(x=x, y=_series(rows, "won_amount"), name=str(name)))
        win_rate_by_territory.add_trace(
            go.Scatter(x=x, y=_series(rows, "win_rate"), name=str(name), mode="lines+markers")
        )
    won_by_territory.update_layout(title="Won amount by territory", barmode="stack", yaxis_tickformat=",.0f")
    win_rate_by_territory.update_layout(title="Win rate by territory", yaxis_tickformat=".0%")
    figures += [("territory-won", won_by_territory), ("territory-win-rate", win_rate_by_territory)]

    funnel = frames["funnel"]
    efficiency = frames["efficiency"]
    leads_by_channel = go.Figure()
    for name, rows in funnel.groupby("channel", sort=True):
        leads_by_channel.add_trace(go.Bar(x=_months(rows), y=_series(rows, "leads_created"), name=str(name)))
    leads_by_channel.update_layout(title="Leads created by channel", barmode="stack")
    spend_by_channel = go.Figure()
    for name, rows in efficiency.groupby("channel", sort=True):
        spend_by_channel.add_trace(go.Bar(x=_months(rows), y=_series(rows, "spend"), name=str(name)))
    spend_by_channel.update_layout(
        title="Paid media spend by channel", barmode="stack", yaxis_tickformat=",.0f"
    )
    figures += [("channel-leads", leads_by_channel), ("channel-spend", spend_by_channel)]
    for _, figure in figures:
        figure.update_layout(template="plotly_white", height=360, margin={"l": 60, "r": 30, "t": 60, "b": 40})
    return figures


def _table(
    table_id: str,
    frame: pd.DataFrame,
    key_columns: tuple[tuple[str, str], ...],
    columns: tuple[tuple[str, str, str], ...],
) -> str:
    """An HTML table whose cells keep the mart's value in data-value (traceable numbers)."""
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in key_columns)
    head += "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in columns)
    body = []
    for row in frame.to_dict("records"):
        keys = {column: row[column] for column, _ in key_columns}
        key_cells = "".join(f"<th scope='row'>{html.escape(_key_text(v))}</th>" for v in keys.values())
        attributes = " ".join(
            f"data-{c.replace('_', '-')}='{html.escape(_key_text(v))}'" for c, v in keys.items()
        )
        cells = "".join(
            f"<td data-column='{column}' data-value='{_data_value(row[column])}'>"
            f"{html.escape(_display(row[column], pattern))}</td>"
            for column, _, pattern in columns
        )
        body.append(f"<tr {attributes}>{key_cells}{cells}</tr>")
    return f"<table id='{table_id}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _key_text(value: object) -> str:
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def _quality(log: pd.DataFrame) -> tuple[str, str, list[str]]:
    """(status word, one-line summary, checks that did not pass) from the latest refresh_log row."""
    if log.empty:
        return ("unknown", "no publish recorded in marts.refresh_log", [])
    row = log.iloc[0]
    checks = json.loads(row["checks"] or "{}")
    not_passed = sorted(
        f"{name} ({result.get('severity', '?')})"
        for name, result in checks.items()
        if not result.get("passed")
    )
    run, passed = int(row["checks_run"]), int(row["checks_passed"])
    status = "passed" if passed == run else "passed with warnings"
    return (status, f"{passed} of {run} checks passed; every blocking check passed", not_passed)


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SalesOps report, as of {as_of}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; }}
header {{ border-bottom: 1px solid #ddd; margin-bottom: 1rem; }}
.status {{ display: inline-block; padding: .1rem .5rem; border-radius: .3rem; }}
.status-passed {{ background: #d9f2dd; }} .status-passed-with-warnings {{ background: #fff0c2; }}
.status-unknown {{ background: #eee; }}
.charts {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
table {{ border-collapse: collapse; font-size: .85rem; margin: .5rem 0 1.5rem; }}
th, td {{ border: 1px solid #ddd; padding: .2rem .5rem; }} td {{ text-align: right; }}
th[scope=row] {{ white-space: nowrap; text-align: left; }}
thead th {{ background: #f4f4f4; position: sticky; top: 0; }}
</style>
</head>
<body>
<header>
<h1>SalesOps report</h1>
<p>As of <strong id="as-of-date">{as_of}</strong> (months {first_month} to {last_month}),
published <span id="published-at">{published_at}</span> UTC from <code>{serving}</code>.</p>
<p>Data quality: <span id="quality-status" class="status status-{status_class}">{status}</span>
<span id="quality-summary">{quality_summary}</span></p>
{not_passed}
</header>
<h2>Headline metrics over time</h2>
<div class="charts">{headline_charts}</div>
<h2>By territory</h2>
<div class="charts">{territory_charts}</div>
<h2>By channel</h2>
<div class="charts">{channel_charts}</div>
<h2>The numbers</h2>
<h3>Headline metrics (marts.sales_metrics_monthly, latest {table_months} months)</h3>
{headline_table}
<h3>By territory, {last_month} (marts.sales_metrics_by_territory_monthly)</h3>
{territory_table}
<h3>By channel, {last_month} (marts.lead_funnel_by_channel_monthly)</h3>
{channel_table}
</body>
</html>
"""


def build_report(serving: Path, out: Path) -> ReportResult:
    """Write the report for the published `serving` file to `out` (a new file renamed into place)."""
    frames = _read(serving)
    monthly = frames["monthly"]
    log = frames["log"]
    status, summary, not_passed = _quality(log)
    figures = _figures(frames)
    rendered: dict[str, str] = {}
    for index, (name, figure) in enumerate(figures):
        rendered[name] = figure.to_html(
            full_html=False,
            include_plotlyjs=index == 0,  # plotly.js once, inline: no CDN, the page works offline
            div_id=f"chart-{name}",
            config={"displaylogo": False, "responsive": True},
        )
    last_month_value = monthly["month"].max() if not monthly.empty else None
    territory_latest = frames["territory"][frames["territory"]["month"] == last_month_value]
    channel_latest = frames["funnel"][frames["funnel"]["month"] == last_month_value]
    recent = monthly.sort_values("month", ascending=False).head(MAX_TABLE_MONTHS)
    as_of = log.iloc[0]["as_of_date"] if not log.empty else None
    page = PAGE.format(
        as_of=html.escape(_key_text(as_of)) if as_of is not None else "unknown",
        first_month=_key_text(monthly["month"].min()) if not monthly.empty else "-",
        last_month=_key_text(last_month_value) if last_month_value is not None else "-",
        published_at=html.escape(f"{pd.Timestamp(log.iloc[0]['published_at']):%Y-%m-%d %H:%M:%S}")
        if not log.empty
        else "-",
        serving=html.escape(str(serving)),
        status=html.escape(status),
        status_class=status.replace(" ", "-"),
        quality_summary=html.escape(summary),
        not_passed=(
            "<details><summary>Checks that did not pass (warnings)</summary><ul>"
            + "".join(f"<li>{html.escape(n)}</li>" for n in not_passed)
            + "</ul></details>"
        )
        if not_passed
        else "",
        headline_charts="".join(
            f"<div>{rendered[n]}</div>"
            for n in (
                "win-rate",
                "sales-cycle",
                "average-sale",
                "cac-ltv",
                "pipeline-coverage",
                "lead-velocity",
            )
        ),
        territory_charts="".join(
            f"<div>{rendered[n]}</div>" for n in ("territory-won", "territory-win-rate")
        ),
        channel_charts="".join(f"<div>{rendered[n]}</div>" for n in ("channel-leads", "channel-spend")),
        table_months=len(recent),
        headline_table=_table("headline-metrics", recent, (("month", "Month"),), HEADLINE_COLUMNS),
        territory_table=_table(
            "territory-metrics", territory_latest, (("territory_name", "Territory"),), TERRITORY_COLUMNS
        ),
        channel_table=_table("channel-metrics", channel_latest, (("channel", "Channel"),), CHANNEL_COLUMNS),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return ReportResult(
        path=out,
        months=len(monthly),
        as_of_date=pd.Timestamp(as_of).date() if as_of is not None else None,
        quality_status=status,
        size_bytes=out.stat().st_size,
    )


if __name__ == "__main__":
    from orchestration.settings import Settings, report_path

    settings = Settings.from_env()
    result = build_report(settings.serving, report_path(settings))
    print(
        f"report: {result.path} ({result.size_bytes / 1e6:.1f} MB, {result.months} months, "
        f"data quality {result.quality_status})"
    )
