-- Sales and marketing operating expenses, one row per month x department x category, in
-- the reporting currency (converted at the rate of the month's first day).

with

expenses as (
    select * from {{ ref('stg_finance__sm_expenses') }}
),

conversions as (
    select record_id, amount_reporting, is_conversion_rate_missing
    from {{ ref('int_currency_conversions') }}
    where object_name = 'sm_expenses'
)

select
    expenses.sm_expense_id,
    expenses.expense_month,
    expenses.department,
    expenses.category,
    coalesce(expenses.currency_code, {{ reporting_currency() }}) as currency_code,
    expenses.amount,
    conversions.amount_reporting,
    coalesce(conversions.is_conversion_rate_missing, false) as is_conversion_rate_missing
from expenses
left join conversions
    on expenses.sm_expense_id = conversions.record_id
