-- Accuracy of the quarterly forecast over the complete quarters of the backtest (the
-- current, incomplete quarter is left out): one row.

with

complete_quarters as (
    select *
    from {{ ref('sales_forecast_backtest_quarterly') }}
    where is_complete
        and forecast_amount is not null
)

select
    count(*) as quarters_evaluated,
    count(absolute_pct_error) as quarters_with_pct_error,
    min(quarter) as first_quarter,
    max(quarter) as last_quarter,
    cast(sum(forecast_amount) as numeric(38, 14)) as total_forecast_amount,
    cast(sum(actual_bookings) as numeric(38, 6)) as total_actual_bookings,
    cast(avg(forecast_error) as {{ type_double() }}) as mean_error,
    cast(avg(absolute_error) as {{ type_double() }}) as mean_absolute_error,
    -- exact decimal average (order-independent, so re-runs give identical marts)
    cast(avg(cast(absolute_pct_error as numeric(38, 12))) as {{ type_double() }}) as mean_absolute_pct_error
from complete_quarters
