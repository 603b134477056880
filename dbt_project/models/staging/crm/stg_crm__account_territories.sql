with

source as (
    select * from {{ ref('base_crm__account_territories') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as account_territory_id,
        {{ clean_string('objectid') }} as account_id,
        {{ clean_string('territory2id') }} as territory_id,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['account_territory_id'], crm_current_row_order()) }}
)

select
    account_territory_id,
    account_id,
    territory_id,
    {{ crm_system_columns_out() }}
from current_rows
