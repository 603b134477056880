-- The contract model (metrics.md): every won opportunity with an account is a
-- subscription contract starting in the month of its CloseDate and running its term
-- (Contract_Term_Months__c, else var default_contract_term_months) months, worth
-- amount_reporting / term each month (a null amount is a contract worth 0: the account is
-- active all the same). One row per contract and active month
-- [start month, start month + term - 1]. A term <= 0 is a data error (reported by
-- int_data_quality_issues) and makes no contract.

with recursive

contracts as (
    select
        opportunity_id,
        account_id,
        close_month as contract_start_month,
        contract_term_months,
        cast(coalesce(amount_reporting, 0) / contract_term_months as {{ type_amount_precise() }})
            as monthly_value
    from {{ ref('int_opportunities') }}
    where is_won
        and account_id is not null
        and close_month is not null
        and contract_term_months > 0
),

month_offsets as (
    select 0 as month_offset
    union all
    select month_offset + 1
    from month_offsets
    where month_offset + 1 < (select max(contract_term_months) from contracts)
),

contract_months as (
    select
        contracts.opportunity_id,
        contracts.account_id,
        {{ add_months('contracts.contract_start_month', 'month_offsets.month_offset') }} as month,
        month_offsets.month_offset + 1 as contract_month_number,
        contracts.contract_start_month,
        contracts.contract_term_months,
        contracts.monthly_value
    from contracts
    inner join month_offsets
        on month_offsets.month_offset < contracts.contract_term_months
)

select * from contract_months
