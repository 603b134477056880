{{ config(**current_rows_config('opportunity_id', 'base_crm__opportunities')) }}
{%- set base = ref('base_crm__opportunities') %}
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
        {{ clean_string('id') }} as opportunity_id,
        {{ clean_string('accountid') }} as account_id,
        {{ clean_string('ownerid') }} as owner_id,
        {{ clean_string('name') }} as opportunity_name,
        {{ clean_string('stagename') }} as stage_name,
        {{ to_decimal('amount') }} as amount,
        {{ to_currency_code('currencyisocode') }} as currency_code,
        {{ percent_to_share('probability') }} as probability,
        {{ clean_string('forecastcategoryname') }} as forecast_category,
        {{ to_date('closedate') }} as close_date,
        {{ to_boolean('isclosed') }} as is_closed,
        {{ to_boolean('iswon') }} as is_won,
        {{ clean_string('type') }} as opportunity_type,
        {{ clean_string('leadsource') }} as lead_source,
        {{ clean_string('campaignid') }} as campaign_id,
        {{ to_integer('contract_term_months__c') }} as contract_term_months,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key(current_row_candidates('typed', 'opportunity_id', appending), ['opportunity_id'], crm_current_row_order()) }}
)

select
    opportunity_id,
    account_id,
    owner_id,
    opportunity_name,
    stage_name,
    amount,
    currency_code,
    probability,
    forecast_category,
    close_date,
    is_closed,
    is_won,
    opportunity_type,
    lead_source,
    campaign_id,
    contract_term_months,
    {{ crm_system_columns_out() }}
from current_rows
