-- Recurring revenue, active and churned customers and the expected customer lifetime for
-- every month of the spine (computed from the data before the range too, so previous-month
-- and trailing-window values are real numbers, usually 0, never missing):
--   churned_customers(M) = accounts active in M-1 and not in M
--   pooled_churn_rate(M) = sum of churned_customers over M-11..M
--                          / sum of active_customers over M-12..M-1
--   expected_lifetime_months = 1 / pooled_churn_rate capped at var max_lifetime_months;
--                          zero churn with a positive denominator gives the cap, a zero
--                          denominator gives null.

with

months as (
    select month from {{ ref('int_month_spine') }}
),

customer_months as (
    select * from {{ ref('int_customer_months') }}
),

activity as (
    select
        months.month,
        coalesce(sum(customer_months.mrr), 0) as mrr,
        count(customer_months.account_id) as active_customers
    from months
    left join customer_months
        on customer_months.month = months.month
    group by months.month
),

-- churned_customers counts int_customer_churn_events, the one place the churn rule lives.
churn_counts as (
    select month, count(*) as churned_customers
    from {{ ref('int_customer_churn_events') }}
    group by month
),

previous_month_activity as (
    select
        months.month,
        count(previous_customers.account_id) as active_customers_previous_month
    from months
    left join customer_months as previous_customers
        on previous_customers.month = {{ add_months('months.month', -1) }}
    group by months.month
),

monthly as (
    select
        activity.month,
        activity.mrr,
        activity.active_customers,
        previous_month_activity.active_customers_previous_month,
        coalesce(churn_counts.churned_customers, 0) as churned_customers
    from activity
    inner join previous_month_activity
        on activity.month = previous_month_activity.month
    left join churn_counts
        on activity.month = churn_counts.month
),

pooled as (
    select
        monthly.*,
        sum(churned_customers) over (
            order by month rows between 11 preceding and current row
        ) as churned_customers_trailing_12,
        sum(active_customers_previous_month) over (
            order by month rows between 11 preceding and current row
        ) as active_customers_previous_trailing_12
    from monthly
),

lifetime as (
    select
        pooled.*,
        {{ safe_divide('churned_customers_trailing_12', 'active_customers_previous_trailing_12') }}
            as pooled_churn_rate,
        case
            when coalesce(active_customers_previous_trailing_12, 0) = 0 then null
            when churned_customers_trailing_12 = 0
                then cast({{ var('max_lifetime_months') }} as {{ type_double() }})
            else least(
                cast(active_customers_previous_trailing_12 as {{ type_double() }})
                    / churned_customers_trailing_12,
                cast({{ var('max_lifetime_months') }} as {{ type_double() }})
            )
        end as expected_lifetime_months
    from pooled
)

select * from lifetime
