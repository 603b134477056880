-- One row per account and month in which the account churned: it was an active customer
-- (int_customer_months) in the previous month and is not in this one (metrics.md
-- churned_customers). Counting these rows per month gives the company-wide
-- churned_customers of int_customer_churn_monthly; grouping them by an attribute of the
-- account (its territory) slices it. An account that becomes active again later churns
-- again on each new lapse.

with

customer_months as (
    select account_id, month
    from {{ ref('int_customer_months') }}
),

churn_events as (
    select
        previous_month.account_id,
        {{ add_months('previous_month.month', 1) }} as month,
        previous_month.month as last_active_month
    from customer_months as previous_month
    where not exists (
        select 1
        from customer_months as current_month
        where current_month.account_id = previous_month.account_id
            and current_month.month = {{ add_months('previous_month.month', 1) }}
    )
)

select * from churn_events
