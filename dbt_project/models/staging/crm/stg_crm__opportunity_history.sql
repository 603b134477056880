{{ config(**current_rows_config('opportunity_history_id', 'base_crm__opportunity_history')) }}
{%- set base = ref('base_crm__opportunity_history') %}
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
        {{ clean_string('id') }} as opportunity_history_id,
        {{ clean_string('opportunityid') }} as opportunity_id,
        {{ clean_string('stagename') }} as stage_name,
        {{ to_decimal('amount') }} as amount,
        {{ percent_to_share('probability') }} as probability,
        {{ to_date('closedate') }} as close_date,
        {{ clean_string('forecastcategory') }} as forecast_category,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key(current_row_candidates('typed', 'opportunity_history_id', appending), ['opportunity_history_id'], crm_current_row_order()) }}
)

select
    opportunity_history_id,
    opportunity_id,
    stage_name,
    amount,
    probability,
    close_date,
    forecast_category,
    {{ crm_system_columns_out() }}
from current_rows
