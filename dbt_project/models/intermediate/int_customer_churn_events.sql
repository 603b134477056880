-- One row per account and month in which the account churned: it was an active customer
-- (int_customer_months) in the previous month and is not in this one (metrics.md
-- churned_customers). Counting these rows per month gives the company-wide
-- churned_customers of int_customer_churn_monthly; grouping them by an attribute of the
-- account (its territory) slices it. An account that becomes active again later churns
-- again on each new lapse.

with

-- int_customer_months holds one row per account and month (tested), so "the next month is
-- not active" is "the account's next active month is not the next month": one sorted pass
-- instead of an anti-join of the 4M+ customer months with themselves.
customer_months as (
    select
        account_id,
        month,
        {{ add_months('month', 1) }} as following_month,
        lead(month) over (partition by account_id order by month) as next_active_month
    from {{ ref('int_customer_months') }}
),

churn_events as (
    select
        account_id,
        following_month as month,
        month as last_active_month
    from customer_months
    where next_active_month is null
        or next_active_month <> following_month
)

select * from churn_events
