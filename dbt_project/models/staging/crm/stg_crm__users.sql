with

source as (
    select * from {{ ref('base_crm__users') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as user_id,
        {{ clean_string('name') }} as user_name,
        {{ clean_string('email') }} as email,
        {{ to_boolean('isactive') }} as is_active,
        {{ clean_string('managerid') }} as manager_id,
        {{ clean_string('title') }} as title,
        {{ clean_string('userroleid') }} as user_role_id,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['user_id'], crm_current_row_order()) }}
)

select
    user_id,
    user_name,
    email,
    is_active,
    manager_id,
    title,
    user_role_id,
    {{ crm_system_columns_out() }}
from current_rows
