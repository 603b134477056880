-- Sales forecast for the calendar quarter holding the as-of date and the next quarter.
-- One row per quarter. As of the end of the as-of date:
--   closed_won_to_date     won deals (int_opportunities' deal status) with CloseDate in the
--                          quarter and on or before the as-of date, amount (null = 0)
--   open pipeline          deals open in the as-of month's pipeline state (the end of the
--                          as-of date, int_pipeline_month_end_state) whose close date in
--                          that state falls in the quarter (a past-due close date in an
--                          earlier quarter, or none, counts in no quarter)
--   forecast_amount        closed_won_to_date + weighted_open_pipeline
--   commit / best case     cumulative, unweighted, by the state's forecast category
--                          (int_pipeline_month_end_status)

with

calendar as (
    select
        as_of_date,
        cast({{ dbt.date_trunc('quarter', 'as_of_date') }} as {{ type_date() }}) as current_quarter
    from {{ ref('int_reporting_calendar') }}
),

quarters as (
    select
        current_quarter as quarter,
        0 as quarters_ahead,
        as_of_date
    from calendar

    union all

    select
        {{ add_months('current_quarter', 3) }} as quarter,
        1 as quarters_ahead,
        as_of_date
    from calendar
),

quarter_bounds as (
    select
        quarter,
        {{ month_end(add_months('quarter', 2)) }} as quarter_end_date,
        quarters_ahead,
        as_of_date
    from quarters
),

won_deals as (
    select
        quarter_bounds.quarter,
        count(*) as closed_won_deals,
        sum(coalesce(opportunities.amount_reporting, 0)) as closed_won_to_date
    from quarter_bounds
    inner join {{ ref('int_opportunities') }} as opportunities
        on opportunities.close_date >= quarter_bounds.quarter
        and opportunities.close_date <= quarter_bounds.quarter_end_date
        and opportunities.close_date <= quarter_bounds.as_of_date
    where opportunities.is_won
    group by quarter_bounds.quarter
),

as_of_open_deals as (
    select status.*
    from {{ ref('int_pipeline_month_end_status') }} as status
    inner join {{ ref('int_month_spine') }} as spine
        on status.month = spine.month
    where spine.is_as_of_month
        and status.is_open_at_month_end
),

open_pipeline as (
    select
        quarter_bounds.quarter,
        count(*) as open_deals,
        sum(coalesce(as_of_open_deals.amount_reporting, 0)) as pipeline_amount,
        sum(as_of_open_deals.weighted_amount_reporting) as weighted_open_pipeline,
        sum(case when as_of_open_deals.forecast_category = 'Commit'
            then coalesce(as_of_open_deals.amount_reporting, 0) else 0 end) as open_commit_amount,
        sum(case when as_of_open_deals.forecast_category = 'Best Case'
            then coalesce(as_of_open_deals.amount_reporting, 0) else 0 end) as open_best_case_amount
    from quarter_bounds
    inner join as_of_open_deals
        on as_of_open_deals.close_date >= quarter_bounds.quarter
        and as_of_open_deals.close_date <= quarter_bounds.quarter_end_date
    group by quarter_bounds.quarter
),

forecast as (
    select
        quarter_bounds.quarter,
        quarter_bounds.quarter_end_date,
        quarter_bounds.quarters_ahead,
        quarter_bounds.as_of_date,
        coalesce(won_deals.closed_won_deals, 0) as closed_won_deals,
        coalesce(won_deals.closed_won_to_date, 0) as closed_won_to_date,
        coalesce(open_pipeline.open_deals, 0) as open_deals,
        coalesce(open_pipeline.weighted_open_pipeline, 0) as weighted_open_pipeline,
        coalesce(open_pipeline.pipeline_amount, 0) as pipeline_amount,
        coalesce(open_pipeline.open_commit_amount, 0) as open_commit_amount,
        coalesce(open_pipeline.open_best_case_amount, 0) as open_best_case_amount
    from quarter_bounds
    left join won_deals on quarter_bounds.quarter = won_deals.quarter
    left join open_pipeline on quarter_bounds.quarter = open_pipeline.quarter
)

select
    quarter,
    quarter_end_date,
    quarters_ahead = 0 as is_current_quarter,
    as_of_date,
    closed_won_deals,
    cast(closed_won_to_date as numeric(38, 6)) as closed_won_to_date,
    open_deals,
    cast(weighted_open_pipeline as numeric(38, 14)) as weighted_open_pipeline,
    cast(closed_won_to_date + weighted_open_pipeline as numeric(38, 14)) as forecast_amount,
    cast(open_commit_amount as numeric(38, 6)) as open_commit_amount,
    cast(open_best_case_amount as numeric(38, 6)) as open_best_case_amount,
    cast(closed_won_to_date + open_commit_amount as numeric(38, 6)) as commit_amount,
    cast(closed_won_to_date + open_commit_amount + open_best_case_amount as numeric(38, 6))
        as best_case_amount,
    cast(pipeline_amount as numeric(38, 6)) as pipeline_amount
from forecast
order by quarter
