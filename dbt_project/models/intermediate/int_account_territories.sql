-- The territory of every account the data knows: the non-deleted accounts, and the
-- accounts non-deleted opportunities point to (a deal may point to an account that is
-- missing from Account or deleted there; its contracts still make a customer in the
-- company-wide metrics, so it needs a territory too). The territory is the one of
-- int_primary_territories (smallest Territory2 Id), else 'Unassigned' (territory_id null),
-- exactly as dim_accounts shows it.

with

account_ids as (
    select account_id
    from {{ ref('stg_crm__accounts') }}
    where not is_deleted

    union

    select account_id
    from {{ ref('int_opportunities') }}
    where account_id is not null
),

non_deleted_accounts as (
    select account_id
    from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

territories as (
    select subject_id as account_id, territory_id, territory_name
    from {{ ref('int_primary_territories') }}
    where subject_type = 'account'
)

select
    account_ids.account_id,
    territories.territory_id,
    coalesce(territories.territory_name, 'Unassigned') as territory_name,
    non_deleted_accounts.account_id is not null as is_account_in_crm
from account_ids
left join territories
    on account_ids.account_id = territories.account_id
left join non_deleted_accounts
    on account_ids.account_id = non_deleted_accounts.account_id
