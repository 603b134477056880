-- Rep performance per month: one row per month of the reporting range and rep (opportunity
-- owner). A rep has a row in a month when they are an active user (dim_reps.is_active, null
-- = active) created by the end of that month, or when they have anything in the month: a deal
-- closed or created, an activity, or an individual quota. The company's deal, booking and
-- quota figures therefore split exactly over the rep rows (a record without an owner goes to
-- the pseudo-rep '(no owner)', macro rep_key).
-- Deal status, amounts, sales cycle and reporting-zone dates come from fct_opportunities;
-- quotas from fct_quotas_monthly (individual only; a quarterly quota counts a third per
-- month); activity types and dates from int_activities (activities dated after the as-of
-- date, i.e. planned ones, are left out).
-- Trailing-quarter figures look at months M-2..M; the grid covers the month spine from 12
-- months before the range, so a window reaching before the range reads the data there too.

with

calendar as (
    select as_of_date, as_of_month, range_start_month
    from {{ ref('int_reporting_calendar') }}
),

months as (
    select spine.month, spine.is_in_range
    from {{ ref('int_month_spine') }} as spine
    cross join calendar
    where spine.month <= calendar.as_of_month
),

reps as (
    select
        rep_id,
        manager_id,
        coalesce(is_active, true) as is_active_rep,
        {{ month_start('created_date') }} as created_month
    from {{ ref('dim_reps') }}
),

opportunities as (
    select
        {{ rep_key('owner_id') }} as rep_id,
        close_month,
        {{ month_start('created_date') }} as created_month,
        is_won,
        is_lost,
        amount_reporting,
        sales_cycle_days,
        is_sales_cycle_negative
    from {{ ref('fct_opportunities') }}
),

deals_closed as (
    select
        rep_id,
        close_month as month,
        {{ closed_deal_measures() }}
    from opportunities
    where close_month is not null
    group by rep_id, close_month
),

pipeline_created as (
    select
        rep_id,
        created_month as month,
        count(*) as pipeline_created_deals,
        sum(coalesce(amount_reporting, 0)) as pipeline_created_amount
    from opportunities
    where created_month is not null
    group by rep_id, created_month
),

individual_quotas as (
    select rep_id, month, quota_amount from {{ ref('int_rep_quotas_monthly') }}
),

activities as (
    select
        {{ rep_key('owner_id') }} as rep_id,
        activity_month as month,
        count(case when activity_type = 'call' then 1 end) as calls,
        count(case when activity_type = 'email' then 1 end) as emails,
        count(case when activity_type = 'meeting' then 1 end) as meetings,
        count(case when activity_type = 'other' then 1 end) as other_activities
    from {{ ref('int_activities') }}
    cross join calendar
    -- An activity dated after the as-of date (planned, not yet done) does not count.
    where activity_month is not null
        and activity_date <= calendar.as_of_date
    group by {{ rep_key('owner_id') }}, activity_month
),

rep_months_with_records as (
    select rep_id, month from deals_closed
    union
    select rep_id, month from pipeline_created
    union
    select rep_id, month from individual_quotas
    union
    select rep_id, month from activities
),

candidate_reps as (
    select rep_id from reps where is_active_rep
    union
    select rep_months_with_records.rep_id
    from rep_months_with_records
    inner join months
        on rep_months_with_records.month = months.month
),

-- Dense rep x month grid, so that the trailing windows below are "2 rows back".
grid as (
    select
        candidate_reps.rep_id,
        months.month,
        months.is_in_range
    from candidate_reps
    cross join months
),

rep_months as (
    select
        grid.month,
        grid.rep_id,
        grid.is_in_range,
        reps.manager_id,
        coalesce(reps.is_active_rep, false) as is_active_rep,
        (
            coalesce(reps.is_active_rep, false)
            and (reps.created_month is null or reps.created_month <= grid.month)
        ) or rep_months_with_records.rep_id is not null as is_reported,
        coalesce(deals_closed.won_deals, 0) as won_deals,
        coalesce(deals_closed.lost_deals, 0) as lost_deals,
        coalesce(deals_closed.won_amount, 0) as won_amount,
        deals_closed.sales_cycle_days_avg,
        deals_closed.sales_cycle_days_median,
        coalesce(pipeline_created.pipeline_created_deals, 0) as pipeline_created_deals,
        coalesce(pipeline_created.pipeline_created_amount, 0) as pipeline_created_amount,
        coalesce(individual_quotas.quota_amount, 0) as quota_amount,
        coalesce(activities.calls, 0) as calls,
        coalesce(activities.emails, 0) as emails,
        coalesce(activities.meetings, 0) as meetings,
        coalesce(activities.other_activities, 0) as other_activities
    from grid
    left join reps
        on grid.rep_id = reps.rep_id
    left join rep_months_with_records
        on grid.rep_id = rep_months_with_records.rep_id
        and grid.month = rep_months_with_records.month
    left join deals_closed
        on grid.rep_id = deals_closed.rep_id
        and grid.month = deals_closed.month
    left join pipeline_created
        on grid.rep_id = pipeline_created.rep_id
        and grid.month = pipeline_created.month
    left join individual_quotas
        on grid.rep_id = individual_quotas.rep_id
        and grid.month = individual_quotas.month
    left join activities
        on grid.rep_id = activities.rep_id
        and grid.month = activities.month
),

with_trailing as (
    select
        rep_months.*,
        sum(won_amount) over (
            partition by rep_id order by month rows between 2 preceding and current row
        ) as won_amount_trailing_3_months,
        sum(quota_amount) over (
            partition by rep_id order by month rows between 2 preceding and current row
        ) as quota_amount_trailing_3_months
    from rep_months
),

metrics as (
    select
        month,
        rep_id,
        manager_id,
        is_active_rep,
        won_deals,
        lost_deals,
        won_amount,
        {{ win_rate('won_deals', 'lost_deals') }} as win_rate,
        {{ avg_sale_value('won_amount', 'won_deals') }} as avg_sale_value,
        sales_cycle_days_avg,
        sales_cycle_days_median,
        pipeline_created_deals,
        pipeline_created_amount,
        quota_amount,
        {{ quota_attainment('won_amount', 'quota_amount') }} as quota_attainment,
        calls,
        emails,
        meetings,
        other_activities,
        won_amount_trailing_3_months,
        quota_amount_trailing_3_months,
        {{ quota_attainment('won_amount_trailing_3_months', 'quota_amount_trailing_3_months') }}
            as trailing_quarter_attainment,
        is_in_range,
        is_reported
    from with_trailing
)

select
    month,
    rep_id,
    manager_id,
    is_active_rep,
    won_deals,
    lost_deals,
    cast(won_amount as numeric(38, 6)) as won_amount,
    win_rate,
    avg_sale_value,
    sales_cycle_days_avg,
    sales_cycle_days_median,
    pipeline_created_deals,
    cast(pipeline_created_amount as numeric(38, 6)) as pipeline_created_amount,
    cast(quota_amount as numeric(38, 8)) as quota_amount,
    quota_attainment,
    calls,
    emails,
    meetings,
    other_activities,
    cast(won_amount_trailing_3_months as numeric(38, 6)) as won_amount_trailing_3_months,
    cast(quota_amount_trailing_3_months as numeric(38, 8)) as quota_amount_trailing_3_months,
    trailing_quarter_attainment,
    coalesce(
        trailing_quarter_attainment < {{ var('subpar_attainment_threshold', 0.7) }},
        false
    ) as is_subpar_performance,
    coalesce(
        trailing_quarter_attainment >= {{ var('outstanding_attainment_threshold', 1.2) }},
        false
    ) as is_outstanding_performance
from metrics
where is_in_range and is_reported
order by month, rep_id
