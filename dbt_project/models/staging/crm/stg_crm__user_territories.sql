with

source as (
    select * from {{ ref('base_crm__user_territories') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as user_territory_id,
        {{ clean_string('userid') }} as user_id,
        {{ clean_string('territory2id') }} as territory_id,
        {{ clean_string('roleinterritory2') }} as role_in_territory,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['user_territory_id'], crm_current_row_order()) }}
)

select
    user_territory_id,
    user_id,
    territory_id,
    role_in_territory,
    {{ crm_system_columns_out() }}
from current_rows
