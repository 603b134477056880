{{ config(**current_rows_config('contact_id', 'base_crm__contacts')) }}
{%- set base = ref('base_crm__contacts') %}
{%- set appending = current_rows_appending(base) %}

with

source as (
    select * from {{ base }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
    {{- only_new_files(appending) }}
),

typed as (
    select
        {{ clean_string('id') }} as contact_id,
        {{ clean_string('accountid') }} as account_id,
        {{ clean_string('firstname') }} as first_name,
        {{ clean_string('lastname') }} as last_name,
        {{ clean_string('email') }} as email,
        {{ clean_string('phone') }} as phone,
        {{ clean_string('title') }} as title,
        {{ clean_string('leadsource') }} as lead_source,
        {{ clean_string('ownerid') }} as owner_id,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key(current_row_candidates('typed', 'contact_id', appending), ['contact_id'], crm_current_row_order()) }}
)

select
    contact_id,
    account_id,
    first_name,
    last_name,
    email,
    phone,
    title,
    lead_source,
    owner_id,
    {{ crm_system_columns_out() }}
from current_rows
