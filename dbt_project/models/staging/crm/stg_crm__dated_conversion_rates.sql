with

source as (
    select * from {{ ref('base_crm__dated_conversion_rates') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as conversion_rate_id,
        {{ to_currency_code('isocode') }} as currency_code,
        {{ to_rate('conversionrate') }} as conversion_rate,
        {{ to_date('startdate') }} as start_date,
        {{ to_date('nextstartdate') }} as next_start_date,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['conversion_rate_id'], crm_current_row_order()) }}
)

select
    conversion_rate_id,
    currency_code,
    conversion_rate,
    start_date,
    next_start_date,
    {{ crm_system_columns_out() }}
from current_rows
