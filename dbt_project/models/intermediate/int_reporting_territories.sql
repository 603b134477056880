-- The territories a by-territory mart reports on: every non-deleted Territory2, plus one
-- 'Unassigned' row (territory_id null) for accounts, deals and reps without a territory
-- (sources.md: "None: territory Unassigned").

with

territories as (
    select territory_id, territory_name
    from {{ ref('stg_crm__territories') }}
    where not is_deleted
),

unassigned as (
    select
        cast(null as {{ dbt.type_string() }}) as territory_id,
        cast('Unassigned' as {{ dbt.type_string() }}) as territory_name
)

select territory_id, territory_name, false as is_unassigned
from territories

union all

select territory_id, territory_name, true as is_unassigned
from unassigned
