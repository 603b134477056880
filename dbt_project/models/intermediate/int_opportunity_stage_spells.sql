-- Stage spells: each uninterrupted stay of an opportunity in one stage, from its
-- OpportunityHistory (int_opportunity_history: non-deleted rows of non-deleted deals) up to
-- the as-of date. History rows are taken in change order (the instant, then the later row,
-- then the Id: the order of int_pipeline_month_end_state); consecutive rows in the same
-- stage (amount or close-date changes) belong to one spell. A spell is entered on the
-- reporting-zone date of its first row and left on the date of the next row with a
-- different stage (the next spell's first row). The opportunity's last spell has no end
-- (is_last_spell): it is the stage the deal was in at the end of the as-of date.
-- Rows dated after the as-of date are ignored, like the pipeline state ignores them.
--
-- Incremental on DuckDB (macros/incremental_stage_spells.sql): the pre-hooks delete the
-- opportunities whose inputs changed and re-date the rest; this builds the opportunities the
-- table no longer holds.

{{ config(**stage_spells_config()) }}
{%- set incremental = is_incremental() and month_end_states_incremental_enabled() %}

with

calendar as (
    select as_of_date from {{ ref('int_reporting_calendar') }}
),

stages as (
    select stage_name, sort_order from {{ ref('int_opportunity_stages') }}
),

stage_picklist as (
    {{ stage_picklist_hash_query() }}
),

inputs as (
    select opportunity_id, inputs_hash from {{ ref('int_opportunity_state_inputs') }}
),

{%- if incremental %}

-- The deals with history the table holds no row of.
opportunities_to_build as (
    {{ opportunities_with_history_not_held() }}
),
{%- endif %}

history as (
    select history.*
    from {{ ref('int_opportunity_history') }} as history
    cross join calendar
    where history.created_date <= calendar.as_of_date
    {%- if incremental %}
        -- whole opportunities only, those the table no longer holds
        and history.opportunity_id in (select opportunity_id from opportunities_to_build)
    {%- endif %}
),

ordered_rows as (
    select
        opportunity_id,
        opportunity_history_id,
        created_at,
        created_date,
        stage_name,
        is_stage_known,
        is_open,
        is_won,
        row_number() over (
            partition by opportunity_id
            order by created_at asc nulls first, _file_seq asc, _row_number asc, opportunity_history_id asc
        ) as change_number
    from history
),

stage_changes as (
    select
        ordered_rows.*,
        case
            when change_number = 1 then 1
            when lag(stage_name) over (partition by opportunity_id order by change_number)
                is distinct from stage_name then 1
            else 0
        end as is_spell_start
    from ordered_rows
),

numbered as (
    select
        stage_changes.*,
        sum(is_spell_start) over (
            partition by opportunity_id
            order by change_number
            rows between unbounded preceding and current row
        ) as spell_number
    from stage_changes
),

spell_starts as (
    select
        numbered.opportunity_id,
        numbered.spell_number,
        numbered.opportunity_history_id as entered_history_id,
        numbered.created_at as entered_at,
        numbered.created_date as entered_date,
        numbered.stage_name,
        stages.sort_order,
        numbered.is_stage_known,
        numbered.is_open,
        numbered.is_won
    from numbered
    left join stages
        on numbered.stage_name = stages.stage_name
    where numbered.is_spell_start = 1
),

spells as (
    select
        spell_starts.*,
        lead(entered_date) over (partition by opportunity_id order by spell_number) as left_date,
        lead(stage_name) over (partition by opportunity_id order by spell_number) as next_stage_name,
        -- What stage_conversion counts, kept per spell: the whole opportunity is rebuilt together,
        -- so the flags follow its history incrementally instead of a nightly pass over all spells.
        stage_name is not null and row_number() over (
            partition by opportunity_id, stage_name order by spell_number
        ) = 1 as is_first_spell_in_stage,
        -- An advance: a later spell in a won stage, or in an open picklist stage further on.
        coalesce(max(case when is_won then 1 else 0 end) over later_spells = 1, false)
        or coalesce(
            max(case when is_open and is_stage_known then sort_order end) over later_spells > sort_order,
            false
        ) as has_advanced_after
    from spell_starts
    window later_spells as (
        partition by opportunity_id order by spell_number
        rows between 1 following and unbounded following
    )
)

select
    spells.opportunity_id,
    spells.spell_number,
    spells.stage_name,
    spells.sort_order,
    spells.is_stage_known,
    spells.is_open as is_open_stage,
    spells.is_won as is_won_stage,
    spells.entered_history_id,
    spells.entered_at,
    spells.entered_date,
    spells.left_date,
    spells.next_stage_name,
    spells.left_date is null as is_last_spell,
    spells.is_first_spell_in_stage,
    spells.has_advanced_after,
    {{ dbt.datediff('spells.entered_date', 'spells.left_date', 'day') }} as days_in_stage,
    {{ days_in_stage_to_as_of_date('spells.entered_date', 'spells.left_date', 'calendar.as_of_date') }}
        as days_in_stage_to_as_of_date,
    calendar.as_of_date as _as_of_date,
    inputs.inputs_hash as _inputs_hash,
    stage_picklist.stages_hash as _stages_hash,
    '{{ build_hash() }}' as _build_hash,
    {{ build_started_at() }} as _built_at
from spells
cross join calendar
cross join stage_picklist
left join inputs
    on spells.opportunity_id = inputs.opportunity_id
