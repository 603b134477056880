-- Accounts (non-deleted) with their territory and customer facts. No personal data.

with

accounts as (
    select *
    from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

territories as (
    select subject_id as account_id, territory_id, territory_name
    from {{ ref('int_primary_territories') }}
    where subject_type = 'account'
),

first_won as (
    select * from {{ ref('int_account_first_won_deal') }}
)

select
    accounts.account_id,
    accounts.account_name,
    accounts.account_type,
    accounts.industry,
    accounts.number_of_employees,
    accounts.annual_revenue,
    accounts.billing_country,
    accounts.billing_state,
    accounts.parent_account_id,
    accounts.owner_id,
    territories.territory_id,
    coalesce(territories.territory_name, 'Unassigned') as territory_name,
    {{ to_reporting_date('accounts.created_at') }} as created_date,
    first_won.first_won_opportunity_id,
    first_won.first_won_close_date,
    coalesce(first_won.is_new_customer, false) as is_acquired_in_data
from accounts
left join territories
    on accounts.account_id = territories.account_id
left join first_won
    on accounts.account_id = first_won.account_id
