-- Rep performance per calendar quarter: one row per quarter and rep with a row in
-- rep_performance_monthly in any month of the quarter. Counts and sums are the sums of the
-- rep's monthly rows (months of the reporting range only: the first and the as-of quarter
-- may be partial, see months_in_range); every ratio is recomputed from those sums, never
-- averaged; the sales cycle average and median are recomputed over the quarter's deals.

with

calendar as (
    select as_of_month, range_start_month
    from {{ ref('int_reporting_calendar') }}
),

monthly as (
    select
        cast({{ dbt.date_trunc('quarter', 'month') }} as {{ type_date() }}) as quarter,
        rep_performance_monthly.*
    from {{ ref('rep_performance_monthly') }} as rep_performance_monthly
),

quarter_sums as (
    select
        quarter,
        rep_id,
        max(manager_id) as manager_id,
        max(case when is_active_rep then 1 else 0 end) = 1 as is_active_rep,
        count(*) as months_in_range,
        sum(won_deals) as won_deals,
        sum(lost_deals) as lost_deals,
        sum(won_amount) as won_amount,
        sum(pipeline_created_deals) as pipeline_created_deals,
        sum(pipeline_created_amount) as pipeline_created_amount,
        sum(quota_amount) as quota_amount,
        sum(calls) as calls,
        sum(emails) as emails,
        sum(meetings) as meetings,
        sum(other_activities) as other_activities
    from monthly
    group by quarter, rep_id
),

-- Won deals of the range's months, for the quarter's sales cycle (same exclusions as the
-- monthly mart: negative cycles are left out).
won_deal_cycles as (
    select
        cast({{ dbt.date_trunc('quarter', 'opportunities.close_month') }} as {{ type_date() }}) as quarter,
        {{ rep_key('opportunities.owner_id') }} as rep_id,
        cast(opportunities.sales_cycle_days as {{ type_double() }}) as sales_cycle_days
    from {{ ref('fct_opportunities') }} as opportunities
    cross join calendar
    where opportunities.is_won
        and not opportunities.is_sales_cycle_negative
        and opportunities.close_month >= calendar.range_start_month
        and opportunities.close_month <= calendar.as_of_month
),

quarter_cycles as (
    select
        quarter,
        rep_id,
        avg(sales_cycle_days) as sales_cycle_days_avg,
        {{ median('sales_cycle_days') }} as sales_cycle_days_median
    from won_deal_cycles
    group by quarter, rep_id
),

metrics as (
    select
        quarter_sums.quarter,
        quarter_sums.rep_id,
        quarter_sums.manager_id,
        quarter_sums.is_active_rep,
        quarter_sums.months_in_range,
        quarter_sums.won_deals,
        quarter_sums.lost_deals,
        quarter_sums.won_amount,
        {{ win_rate('quarter_sums.won_deals', 'quarter_sums.lost_deals') }} as win_rate,
        {{ avg_sale_value('quarter_sums.won_amount', 'quarter_sums.won_deals') }} as avg_sale_value,
        quarter_cycles.sales_cycle_days_avg,
        quarter_cycles.sales_cycle_days_median,
        quarter_sums.pipeline_created_deals,
        quarter_sums.pipeline_created_amount,
        quarter_sums.quota_amount,
        {{ quota_attainment('quarter_sums.won_amount', 'quarter_sums.quota_amount') }} as quota_attainment,
        quarter_sums.calls,
        quarter_sums.emails,
        quarter_sums.meetings,
        quarter_sums.other_activities
    from quarter_sums
    left join quarter_cycles
        on quarter_sums.quarter = quarter_cycles.quarter
        and quarter_sums.rep_id = quarter_cycles.rep_id
)

select
    quarter,
    rep_id,
    manager_id,
    is_active_rep,
    cast(months_in_range as {{ dbt.type_bigint() }}) as months_in_range,
    cast(won_deals as {{ dbt.type_bigint() }}) as won_deals,
    cast(lost_deals as {{ dbt.type_bigint() }}) as lost_deals,
    cast(won_amount as numeric(38, 6)) as won_amount,
    win_rate,
    avg_sale_value,
    sales_cycle_days_avg,
    sales_cycle_days_median,
    cast(pipeline_created_deals as {{ dbt.type_bigint() }}) as pipeline_created_deals,
    cast(pipeline_created_amount as numeric(38, 6)) as pipeline_created_amount,
    cast(quota_amount as numeric(38, 8)) as quota_amount,
    quota_attainment,
    cast(calls as {{ dbt.type_bigint() }}) as calls,
    cast(emails as {{ dbt.type_bigint() }}) as emails,
    cast(meetings as {{ dbt.type_bigint() }}) as meetings,
    cast(other_activities as {{ dbt.type_bigint() }}) as other_activities,
    coalesce(quota_attainment < {{ var('subpar_attainment_threshold', 0.7) }}, false)
        as is_subpar_performance,
    coalesce(quota_attainment >= {{ var('outstanding_attainment_threshold', 1.2) }}, false)
        as is_outstanding_performance
from metrics
order by quarter, rep_id
