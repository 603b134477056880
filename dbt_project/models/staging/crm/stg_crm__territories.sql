with

source as (
    select * from {{ ref('base_crm__territories') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as territory_id,
        {{ clean_string('name') }} as territory_name,
        {{ clean_string('parentterritory2id') }} as parent_territory_id,
        {{ clean_string('territory2typeid') }} as territory_type_id,
        {{ clean_string('developername') }} as developer_name,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['territory_id'], crm_current_row_order()) }}
)

select
    territory_id,
    territory_name,
    parent_territory_id,
    territory_type_id,
    developer_name,
    {{ crm_system_columns_out() }}
from current_rows
