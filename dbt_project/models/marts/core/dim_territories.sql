-- Sales territories (Territory2), non-deleted.

select
    territory_id,
    territory_name,
    parent_territory_id,
    territory_type_id,
    developer_name
from {{ ref('stg_crm__territories') }}
where not is_deleted
