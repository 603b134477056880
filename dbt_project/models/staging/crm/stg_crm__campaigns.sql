with

source as (
    select * from {{ ref('base_crm__campaigns') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('id') }} as campaign_id,
        {{ clean_string('name') }} as campaign_name,
        {{ clean_string('type') }} as campaign_type,
        {{ clean_string('status') }} as status,
        {{ to_date('startdate') }} as start_date,
        {{ to_date('enddate') }} as end_date,
        {{ to_decimal('actualcost') }} as actual_cost,
        {{ to_decimal('budgetedcost') }} as budgeted_cost,
        {{ clean_string('parentid') }} as parent_campaign_id,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key('typed', ['campaign_id'], crm_current_row_order()) }}
)

select
    campaign_id,
    campaign_name,
    campaign_type,
    status,
    start_date,
    end_date,
    actual_cost,
    budgeted_cost,
    parent_campaign_id,
    {{ crm_system_columns_out() }}
from current_rows
