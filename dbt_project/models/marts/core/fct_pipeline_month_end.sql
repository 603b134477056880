-- The pipeline as it stood at the end of each month of the reporting range: one row per
-- month and opportunity that existed then (see int_pipeline_month_end_state).

select
    month,
    opportunity_id,
    state_source,
    stage_name,
    amount_reporting,
    probability,
    close_date,
    close_month,
    is_open_at_month_end,
    is_high_probability,
    is_closing_next_3_months
from {{ ref('int_pipeline_month_end_state') }}
