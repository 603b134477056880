with

source as (
    select * from {{ ref('base_crm__opportunity_stages') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as opportunity_stage_id,
        {{ clean_string('masterlabel') }} as stage_name,
        {{ percent_to_share('defaultprobability') }} as default_probability,
        {{ to_boolean('isclosed') }} as is_closed,
        {{ to_boolean('iswon') }} as is_won,
        {{ to_integer('sortorder') }} as sort_order,
        {{ clean_string('forecastcategoryname') }} as forecast_category,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['opportunity_stage_id'], crm_current_row_order()) }}
)

select
    opportunity_stage_id,
    stage_name,
    default_probability,
    is_closed,
    is_won,
    sort_order,
    forecast_category,
    {{ crm_system_columns_out() }}
from current_rows
