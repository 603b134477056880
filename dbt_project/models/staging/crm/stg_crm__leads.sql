{{ config(**current_rows_config('lead_id', 'base_crm__leads')) }}
{%- set base = ref('base_crm__leads') %}
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
        {{ clean_string('id') }} as lead_id,
        {{ clean_string('firstname') }} as first_name,
        {{ clean_string('lastname') }} as last_name,
        {{ clean_string('company') }} as company,
        {{ clean_string('email') }} as email,
        {{ clean_string('phone') }} as phone,
        {{ clean_string('status') }} as status,
        {{ clean_string('leadsource') }} as lead_source,
        {{ clean_string('industry') }} as industry,
        {{ clean_string('country') }} as country,
        {{ clean_string('ownerid') }} as owner_id,
        {{ to_boolean('isconverted') }} as is_converted,
        {{ to_date('converteddate') }} as converted_date,
        {{ clean_string('convertedaccountid') }} as converted_account_id,
        {{ clean_string('convertedcontactid') }} as converted_contact_id,
        {{ clean_string('convertedopportunityid') }} as converted_opportunity_id,
        {{ to_date('mql_date__c') }} as mql_date,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key(current_row_candidates('typed', 'lead_id', appending), ['lead_id'], crm_current_row_order()) }}
)

select
    lead_id,
    first_name,
    last_name,
    company,
    email,
    phone,
    status,
    lead_source,
    industry,
    country,
    owner_id,
    is_converted,
    converted_date,
    converted_account_id,
    converted_contact_id,
    converted_opportunity_id,
    mql_date,
    {{ crm_system_columns_out() }}
from current_rows
