-- The territory of every non-deleted opportunity: its account's territory
-- (int_account_territories). A deal with no account is 'Unassigned' (territory_id null),
-- like a deal whose account has no territory.

with

opportunities as (
    select opportunity_id, account_id
    from {{ ref('int_opportunities') }}
),

account_territories as (
    select account_id, territory_id, territory_name
    from {{ ref('int_account_territories') }}
)

select
    opportunities.opportunity_id,
    opportunities.account_id,
    account_territories.territory_id,
    coalesce(account_territories.territory_name, 'Unassigned') as territory_name
from opportunities
left join account_territories
    on opportunities.account_id = account_territories.account_id
