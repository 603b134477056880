-- Commission per calendar quarter and rep, from the plan in seed commission_plan.
--
--   commission = base_rate x min(bookings, quota) + accelerator_rate x max(bookings - quota, 0)
--   no quota (none, or 0) -> base_rate x bookings, no accelerator
--
-- computed per plan period (the plan's quota_period): for a 'quarter' plan once on the
-- quarter's bookings and quota; for a 'month' plan on each month's bookings and quota, the
-- quarter being the sum of its months. Bookings = won_amount of rep_performance_monthly
-- (months of the reporting range). The quota is the rep's individual quota of the WHOLE
-- plan period (fct_quotas_monthly), also for a quarter still in progress: commission of an
-- incomplete quarter is provisional (is_quarter_complete = false).
-- The rep's plan row: the first that matches, in this order: user (match_value = the rep's
-- User Id), role (= UserRoleId), title (= Title, trimmed, case-insensitive), default.

with

calendar as (
    select as_of_date, as_of_month
    from {{ ref('int_reporting_calendar') }}
),

plan as (
    select
        lower(trim(match_type)) as match_type,
        trim(match_value) as match_value,
        cast(base_rate as numeric(10, 6)) as base_rate,
        cast(accelerator_rate as numeric(10, 6)) as accelerator_rate,
        lower(trim(quota_period)) as quota_period
    from {{ ref('commission_plan') }}
),

rep_quarters as (
    select quarter, rep_id, manager_id
    from {{ ref('rep_performance_quarterly') }}
),

reps as (
    select rep_id, title, user_role_id
    from {{ ref('dim_reps') }}
),

plan_candidates as (
    select
        rep_quarters.rep_id,
        plan.match_type,
        plan.base_rate,
        plan.accelerator_rate,
        plan.quota_period,
        case plan.match_type
            when 'user' then 1
            when 'role' then 2
            when 'title' then 3
            when 'default' then 4
        end as match_priority
    from (select distinct rep_id from rep_quarters) as rep_quarters
    left join reps
        on rep_quarters.rep_id = reps.rep_id
    inner join plan
        on (plan.match_type = 'user' and plan.match_value = rep_quarters.rep_id)
        or (plan.match_type = 'role' and plan.match_value = reps.user_role_id)
        or (plan.match_type = 'title' and lower(plan.match_value) = lower(trim(reps.title)))
        or plan.match_type = 'default'
),

rep_plans as (
    {{ latest_row_per_key('plan_candidates', ['rep_id'], ['match_priority asc']) }}
),

-- Individual quota per rep and month, every month of the quarter (also beyond the as-of
-- month).
quota_months as (
    select rep_id, month, quota_amount from {{ ref('int_rep_quotas_monthly') }}
),

booking_months as (
    select rep_id, month, won_amount as bookings
    from {{ ref('rep_performance_monthly') }}
),

-- Every month of each reported quarter: bookings (0 outside the range) and quota.
period_months as (
    select
        rep_quarters.quarter,
        rep_quarters.rep_id,
        {{ add_months('rep_quarters.quarter', 'month_offsets.month_offset') }} as month
    from rep_quarters
    cross join (
        select 0 as month_offset
        union all select 1
        union all select 2
    ) as month_offsets
),

months as (
    select
        period_months.quarter,
        period_months.rep_id,
        period_months.month,
        coalesce(booking_months.bookings, 0) as bookings,
        coalesce(quota_months.quota_amount, 0) as quota_amount
    from period_months
    left join booking_months
        on period_months.rep_id = booking_months.rep_id
        and period_months.month = booking_months.month
    left join quota_months
        on period_months.rep_id = quota_months.rep_id
        and period_months.month = quota_months.month
),

quarters as (
    select
        quarter,
        rep_id,
        sum(bookings) as bookings,
        sum(quota_amount) as quota_amount
    from months
    group by quarter, rep_id
),

-- The commission split of each plan period: the quarter (quarterly plans) or each month
-- (monthly plans). Both sides at the quota's 8 decimals, so least/greatest never round.
plan_periods as (
    select
        quarters.quarter,
        quarters.rep_id,
        cast(quarters.bookings as {{ type_amount_precise() }}) as bookings,
        cast(quarters.quota_amount as {{ type_amount_precise() }}) as quota_amount
    from quarters
    inner join rep_plans
        on quarters.rep_id = rep_plans.rep_id
    where rep_plans.quota_period = 'quarter'

    union all

    select
        months.quarter,
        months.rep_id,
        cast(months.bookings as {{ type_amount_precise() }}) as bookings,
        cast(months.quota_amount as {{ type_amount_precise() }}) as quota_amount
    from months
    inner join rep_plans
        on months.rep_id = rep_plans.rep_id
    where rep_plans.quota_period = 'month'
),

period_splits as (
    select
        quarter,
        rep_id,
        case
            when quota_amount = 0 then bookings
            else least(bookings, quota_amount)
        end as bookings_at_base_rate,
        case
            when quota_amount = 0 then 0
            else greatest(bookings - quota_amount, 0)
        end as bookings_above_quota
    from plan_periods
),

quarter_splits as (
    select
        quarter,
        rep_id,
        sum(bookings_at_base_rate) as bookings_at_base_rate,
        sum(bookings_above_quota) as bookings_above_quota
    from period_splits
    group by quarter, rep_id
),

commission as (
    select
        rep_quarters.quarter,
        rep_quarters.rep_id,
        rep_quarters.manager_id,
        rep_plans.match_type as plan_match_type,
        rep_plans.quota_period,
        rep_plans.base_rate,
        rep_plans.accelerator_rate,
        quarters.bookings,
        quarters.quota_amount,
        {{ quota_attainment('quarters.bookings', 'quarters.quota_amount') }} as quota_attainment,
        quarter_splits.bookings_at_base_rate,
        quarter_splits.bookings_above_quota,
        rep_plans.base_rate * quarter_splits.bookings_at_base_rate as base_commission,
        rep_plans.accelerator_rate * quarter_splits.bookings_above_quota as accelerator_commission,
        {{ add_months('rep_quarters.quarter', 2) }} < calendar.as_of_month
            or calendar.as_of_date = {{ month_end(add_months('rep_quarters.quarter', 2)) }}
            as is_quarter_complete
    from rep_quarters
    cross join calendar
    inner join quarters
        on rep_quarters.quarter = quarters.quarter
        and rep_quarters.rep_id = quarters.rep_id
    left join rep_plans
        on rep_quarters.rep_id = rep_plans.rep_id
    left join quarter_splits
        on rep_quarters.quarter = quarter_splits.quarter
        and rep_quarters.rep_id = quarter_splits.rep_id
)

select
    quarter,
    rep_id,
    manager_id,
    plan_match_type,
    quota_period,
    base_rate,
    accelerator_rate,
    cast(bookings as numeric(38, 6)) as bookings,
    cast(quota_amount as numeric(38, 8)) as quota_amount,
    quota_attainment,
    cast(bookings_at_base_rate as numeric(38, 8)) as bookings_at_base_rate,
    cast(bookings_above_quota as numeric(38, 8)) as bookings_above_quota,
    cast(base_commission as numeric(38, 14)) as base_commission,
    cast(accelerator_commission as numeric(38, 14)) as accelerator_commission,
    cast(base_commission + accelerator_commission as numeric(38, 14)) as total_commission,
    is_quarter_complete
from commission
order by quarter, rep_id
