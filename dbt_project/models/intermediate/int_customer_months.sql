-- Active customers: one row per account and month with at least one active contract,
-- with the month's recurring revenue (sum of the monthly values of its active contracts).

with

contract_months as (
    select * from {{ ref('int_contract_months') }}
),

customer_months as (
    select
        account_id,
        month,
        sum(monthly_value) as mrr,
        count(*) as active_contracts
    from contract_months
    group by account_id, month
)

select * from customer_months
