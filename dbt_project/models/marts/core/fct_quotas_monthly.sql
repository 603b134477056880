-- Quotas per user, month and quota type (individual or team). A monthly quota counts in
-- its month; a quarterly quota counts one third in each of the three months starting with
-- period_start's month. Company-wide figures sum individual quotas only.

with

quotas as (
    select * from {{ ref('stg_plan__quotas') }}
),

period_months as (
    select 0 as month_offset, 'month' as period
    union all select 0, 'quarter'
    union all select 1, 'quarter'
    union all select 2, 'quarter'
),

quota_months as (
    select
        quotas.user_id,
        {{ add_months(month_start('quotas.period_start'), 'period_months.month_offset') }} as month,
        quotas.quota_type,
        cast(
            quotas.quota_amount / case when quotas.period = 'quarter' then 3 else 1 end
            as {{ type_amount_precise() }}
        ) as quota_amount
    from quotas
    inner join period_months
        on quotas.period = period_months.period
)

select
    user_id,
    month,
    quota_type,
    quota_type = 'individual' as is_individual,
    sum(quota_amount) as quota_amount
from quota_months
group by user_id, month, quota_type
