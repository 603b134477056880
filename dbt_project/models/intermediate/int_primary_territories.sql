-- The territory of each rep and each account (sources.md): from UserTerritory2Association
-- / ObjectTerritory2Association (current, non-deleted, pointing to a non-deleted
-- territory); where there are several, the one with the smallest Territory2 Id. Reps and
-- accounts without one are 'Unassigned' in the dims.

with

territories as (
    select territory_id, territory_name
    from {{ ref('stg_crm__territories') }}
    where not is_deleted
),

assignments as (
    select 'user' as subject_type, user_id as subject_id, territory_id
    from {{ ref('stg_crm__user_territories') }}
    where not is_deleted and user_id is not null

    union all

    select 'account' as subject_type, account_id as subject_id, territory_id
    from {{ ref('stg_crm__account_territories') }}
    where not is_deleted and account_id is not null
),

valid_assignments as (
    select assignments.*
    from assignments
    inner join territories
        on assignments.territory_id = territories.territory_id
),

primary_assignment as (
    {{ latest_row_per_key('valid_assignments', ['subject_type', 'subject_id'], ['territory_id asc']) }}
)

select
    primary_assignment.subject_type,
    primary_assignment.subject_id,
    primary_assignment.territory_id,
    territories.territory_name
from primary_assignment
inner join territories
    on primary_assignment.territory_id = territories.territory_id
