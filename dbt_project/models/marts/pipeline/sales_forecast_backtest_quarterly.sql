-- Backtest of the quarterly forecast: one row per calendar quarter overlapping the
-- reporting range, the current quarter (holding the as-of date) included and flagged.
-- The forecast "as it stood at the quarter's start" is the weighted open pipeline at the
-- end of the last day of the month before the quarter (reporting time zone), i.e. the
-- pipeline state of int_pipeline_month_end_state / marts.fct_pipeline_month_end at month =
-- quarter - 1 month (forecast_state_month): sum of amount x probability (nulls -> 0) over
-- the deals open then whose close date then falls in the quarter. Nothing was closed won in
-- the quarter yet at that instant, so no closed-won term.
-- actual_bookings: won deals (int_opportunities) with CloseDate in the quarter, on or
-- before the as-of date, amount (null = 0); actual_bookings_from_start_pipeline: the part
-- won by deals open at the forecast instant (whatever their close date then), the rest
-- being deals created during the quarter or reopened.
-- The first quarter's forecast_state_month lies before the range, where no opportunity
-- existed yet (the range starts at the earliest CreatedDate): its forecast is 0. Without any
-- OpportunityHistory in the landing the pipeline cannot be rebuilt: forecast and errors
-- are null.

with

calendar as (
    select as_of_date, has_opportunity_history
    from {{ ref('int_reporting_calendar') }}
),

range_months as (
    select month
    from {{ ref('int_month_spine') }}
    where is_in_range
),

quarters as (
    select distinct
        cast({{ dbt.date_trunc('quarter', 'month') }} as {{ type_date() }}) as quarter
    from range_months
),

quarter_bounds as (
    select
        quarters.quarter,
        {{ month_end(add_months('quarters.quarter', 2)) }} as quarter_end_date,
        {{ add_months('quarters.quarter', -1) }} as forecast_state_month,
        calendar.as_of_date,
        calendar.has_opportunity_history
    from quarters
    cross join calendar
),

start_pipeline as (
    select
        quarter_bounds.quarter,
        count(*) as forecast_open_deals,
        sum(coalesce(status.amount_reporting, 0)) as forecast_pipeline_amount,
        sum(status.weighted_amount_reporting) as forecast_amount
    from quarter_bounds
    inner join {{ ref('int_pipeline_month_end_status') }} as status
        on status.month = quarter_bounds.forecast_state_month
        and status.close_date >= quarter_bounds.quarter
        and status.close_date <= quarter_bounds.quarter_end_date
    where status.is_open_at_month_end
    group by quarter_bounds.quarter
),

start_open_deals as (
    select status.month, status.opportunity_id
    from {{ ref('int_pipeline_month_end_status') }} as status
    where status.is_open_at_month_end
),

bookings as (
    select
        quarter_bounds.quarter,
        count(*) as actual_won_deals,
        sum(coalesce(opportunities.amount_reporting, 0)) as actual_bookings,
        sum(case when start_open_deals.opportunity_id is not null
            then coalesce(opportunities.amount_reporting, 0) else 0 end)
            as actual_bookings_from_start_pipeline
    from quarter_bounds
    inner join {{ ref('int_opportunities') }} as opportunities
        on opportunities.close_date >= quarter_bounds.quarter
        and opportunities.close_date <= quarter_bounds.quarter_end_date
        and opportunities.close_date <= quarter_bounds.as_of_date
    left join start_open_deals
        on start_open_deals.month = quarter_bounds.forecast_state_month
        and start_open_deals.opportunity_id = opportunities.opportunity_id
    where opportunities.is_won
    group by quarter_bounds.quarter
),

backtest as (
    select
        quarter_bounds.quarter,
        quarter_bounds.quarter_end_date,
        quarter_bounds.forecast_state_month,
        {{ month_end('quarter_bounds.forecast_state_month') }} as forecast_state_date,
        quarter_bounds.quarter_end_date <= quarter_bounds.as_of_date as is_complete,
        quarter_bounds.as_of_date >= quarter_bounds.quarter
            and quarter_bounds.as_of_date <= quarter_bounds.quarter_end_date as is_current_quarter,
        case when quarter_bounds.has_opportunity_history
            then coalesce(start_pipeline.forecast_open_deals, 0) end as forecast_open_deals,
        case when quarter_bounds.has_opportunity_history
            then coalesce(start_pipeline.forecast_pipeline_amount, 0) end as forecast_pipeline_amount,
        case when quarter_bounds.has_opportunity_history
            then coalesce(start_pipeline.forecast_amount, 0) end as forecast_amount,
        coalesce(bookings.actual_won_deals, 0) as actual_won_deals,
        coalesce(bookings.actual_bookings, 0) as actual_bookings,
        case when quarter_bounds.has_opportunity_history
            then coalesce(bookings.actual_bookings_from_start_pipeline, 0) end
            as actual_bookings_from_start_pipeline
    from quarter_bounds
    left join start_pipeline on quarter_bounds.quarter = start_pipeline.quarter
    left join bookings on quarter_bounds.quarter = bookings.quarter
),

errors as (
    select
        backtest.*,
        actual_bookings - forecast_amount as forecast_error
    from backtest
)

select
    quarter,
    quarter_end_date,
    forecast_state_month,
    forecast_state_date,
    is_complete,
    is_current_quarter,
    forecast_open_deals,
    cast(forecast_pipeline_amount as numeric(38, 6)) as forecast_pipeline_amount,
    cast(forecast_amount as numeric(38, 14)) as forecast_amount,
    actual_won_deals,
    cast(actual_bookings as numeric(38, 6)) as actual_bookings,
    cast(actual_bookings_from_start_pipeline as numeric(38, 6)) as actual_bookings_from_start_pipeline,
    cast(forecast_error as numeric(38, 14)) as forecast_error,
    cast(abs(forecast_error) as numeric(38, 14)) as absolute_error,
    {{ safe_divide('forecast_error', 'forecast_amount') }} as pct_error,
    {{ safe_divide('abs(forecast_error)', 'forecast_amount') }} as absolute_pct_error
from errors
order by quarter
