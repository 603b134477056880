{{ config(**current_rows_config('account_id', 'base_crm__accounts')) }}
{%- set base = ref('base_crm__accounts') %}
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
        {{ clean_string('id') }} as account_id,
        {{ clean_string('name') }} as account_name,
        {{ clean_string('ownerid') }} as owner_id,
        {{ clean_string('type') }} as account_type,
        {{ clean_string('industry') }} as industry,
        {{ to_integer('numberofemployees') }} as number_of_employees,
        {{ to_decimal('annualrevenue') }} as annual_revenue,
        {{ clean_string('billingcountry') }} as billing_country,
        {{ clean_string('billingstate') }} as billing_state,
        {{ clean_string('parentid') }} as parent_account_id,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key(current_row_candidates('typed', 'account_id', appending), ['account_id'], crm_current_row_order()) }}
)

select
    account_id,
    account_name,
    owner_id,
    account_type,
    industry,
    number_of_employees,
    annual_revenue,
    billing_country,
    billing_state,
    parent_account_id,
    {{ crm_system_columns_out() }}
from current_rows
