-- Sales reps and managers (non-deleted Users) with their territory. No personal data: the
-- name and email are not published; rep_name_hash is a stable one-way key of the name.

with

users as (
    select *
    from {{ ref('stg_crm__users') }}
    where not is_deleted
),

territories as (
    select subject_id as user_id, territory_id, territory_name
    from {{ ref('int_primary_territories') }}
    where subject_type = 'user'
)

select
    users.user_id as rep_id,
    {{ dbt.hash('users.user_name') }} as rep_name_hash,
    users.title,
    users.is_active,
    users.manager_id,
    users.user_role_id,
    territories.territory_id,
    coalesce(territories.territory_name, 'Unassigned') as territory_name,
    {{ to_reporting_date('users.created_at') }} as created_date
from users
left join territories
    on users.user_id = territories.user_id
