-- One fingerprint per opportunity of what its month-end states and stage spells are computed
-- from: every column of its history rows that int_pipeline_month_end_state,
-- int_pipeline_month_end_status and int_opportunity_stage_spells read (a new or changed
-- history row, a new conversion rate, a changed stage definition or reporting time zone each
-- change it). An incremental build recomputes the states and spells of the opportunities whose
-- fingerprint changed (macros/incremental_month_end_states.sql,
-- macros/incremental_stage_spells.sql).

select
    opportunity_id,
    {{ row_set_hash([
        'opportunity_history_id', 'created_at', 'created_date', '_file_seq', '_row_number',
        'stage_name', 'amount_reporting', 'probability', 'close_date', 'is_open', 'is_won',
        'forecast_category'
    ]) }} as inputs_hash,
    count(*) as history_rows
from {{ ref('int_opportunity_history') }}
group by opportunity_id
