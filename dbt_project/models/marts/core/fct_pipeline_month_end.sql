-- The pipeline as it stood at the end of each month of the reporting range: one row per
-- month and opportunity that existed then (see int_pipeline_month_end_state).
-- A view on DuckDB (projection_mart_config): a table here was a second copy of the largest
-- table every night.
-- The DuckDB publish updates its serving copy by the states' build stamps instead of copying it
-- whole (orchestration/followed_marts.py): keep it a projection of the states, one row per row.

{{ config(**projection_mart_config()) }}

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
