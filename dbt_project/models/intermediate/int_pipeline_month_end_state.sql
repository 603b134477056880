-- Each opportunity's state at the end of each month of the reporting range (metrics.md,
-- "Pipeline state at the end of a month"):
--   * the latest history row created at or before the month's cutoff (the last day of the
--     month in the reporting time zone; for the as-of month, the as-of date) gives stage,
--     amount, probability and close date; an opportunity with no such row did not exist yet;
--   * for the as-of month only, an opportunity with no history row at all is taken in its
--     current state if it was created (reporting-zone date) by the as-of date.
-- Closed states are kept (is_open_at_month_end = false) so the model answers "what was
-- the pipeline then" in full. Without any history in the landing only the as-of month has
-- rows (has_opportunity_history = false), and the monthly pipeline columns are null for
-- every other month.
--
-- Incremental on DuckDB (macros/incremental_month_end_states.sql): the pre-hook deletes the
-- rows whose inputs changed, and this builds the rows missing: every month of the
-- opportunities with no row left, and every opportunity in the months with no row left.
-- _cutoff_date records the cutoff a row holds at, so that when the as-of date moves within
-- its month only the deals with history dated in between are rebuilt.

{{ config(**month_end_states_config()) }}
{%- set incremental = is_incremental() and month_end_states_incremental_enabled() %}

with

months as (
    select month, month_cutoff_date, is_as_of_month
    from {{ ref('int_month_spine') }}
    where is_in_range
),

calendar as (
    select has_opportunity_history from {{ ref('int_reporting_calendar') }}
),

history as (
    select
        opportunity_id,
        opportunity_history_id,
        created_at,
        created_date,
        _file_seq,
        _row_number,
        stage_name,
        amount_reporting,
        probability,
        close_date,
        is_open
    from {{ ref('int_opportunity_history') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

inputs as (
    select opportunity_id, inputs_hash from {{ ref('int_opportunity_state_inputs') }}
),

{%- if incremental %}

-- What the table still holds after the pre-hook: those rows are kept as they are.
kept_opportunities as (
    select distinct opportunity_id from {{ this }}
),

kept_months as (
    select distinct month from {{ this }}
),

-- The deals with history the table holds no row of.
opportunities_to_build as (
    {{ opportunities_with_history_not_held('kept_opportunities') }}
),

-- The history the rows to build need: the deals with no row left, or every deal when a
-- month has no row left. (Whole deals only: the window below is per deal.)
history_to_build as (
    select history.*
    from history
    where history.opportunity_id in (select opportunity_id from opportunities_to_build)
        or exists (select 1 from months where months.month not in (select month from kept_months))
),
{%- endif %}

-- Each history row is the opportunity's state from its change date until the next row's
-- change date (rows in change order: instant, then the later row, then the Id). A row
-- followed by another on the same date is never a month-end state.
history_validity as (
    select
        history.*,
        lead(history.created_date) over (
            partition by history.opportunity_id
            order by
                history.created_at asc nulls first,
                history._file_seq asc,
                history._row_number asc,
                history.opportunity_history_id asc
        ) as superseded_on_date
    from {{ 'history_to_build' if incremental else 'history' }} as history
),

{%- if incremental %}

-- The rows to build: the months the table no longer holds with every history row, and the
-- months it holds with the rows of the opportunities it no longer holds. The join pairs rows
-- with equal pairs_with_rebuilt_only, so it never tries every month with every row.
months_to_pair as (
    select
        months.*,
        months.month in (select month from kept_months) as pairs_with_rebuilt_only
    from months
),

history_to_pair as (
    select history_validity.*, false as pairs_with_rebuilt_only
    from history_validity

    union all

    select history_validity.*, true as pairs_with_rebuilt_only
    from history_validity
    where history_validity.opportunity_id in (select opportunity_id from opportunities_to_build)
),
{%- endif %}

state_from_history as (
    select
        months.month,
        months.month_cutoff_date,
        months.is_as_of_month,
        history_validity.opportunity_id,
        history_validity.opportunity_history_id,
        history_validity.stage_name,
        history_validity.amount_reporting,
        history_validity.probability,
        history_validity.close_date,
        history_validity.is_open
    from {{ 'months_to_pair' if incremental else 'months' }} as months
    inner join {{ 'history_to_pair' if incremental else 'history_validity' }} as history_validity
        on history_validity.created_date <= months.month_cutoff_date
        and (
            history_validity.superseded_on_date is null
            or history_validity.superseded_on_date > months.month_cutoff_date
        )
        {%- if incremental %}
        and history_validity.pairs_with_rebuilt_only = months.pairs_with_rebuilt_only
        {%- endif %}
),

-- inputs holds one row per deal with history: a smaller anti-join than the history itself.
opportunities_without_history as (
    select opportunities.*
    from opportunities
    where not exists (
        select 1 from inputs where inputs.opportunity_id = opportunities.opportunity_id
    )
),

state_from_current as (
    select
        months.month,
        months.month_cutoff_date,
        months.is_as_of_month,
        opportunities_without_history.opportunity_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_history_id,
        opportunities_without_history.stage_name,
        opportunities_without_history.amount_reporting,
        opportunities_without_history.probability,
        opportunities_without_history.close_date,
        opportunities_without_history.is_open
    from months
    inner join opportunities_without_history
        on opportunities_without_history.created_date <= months.month_cutoff_date
    where months.is_as_of_month
    {%- if incremental %}
        and (
            months.month not in (select month from kept_months)
            or opportunities_without_history.opportunity_id not in (select opportunity_id from kept_opportunities)
        )
    {%- endif %}
),

states as (
    select
        month, month_cutoff_date, is_as_of_month, opportunity_id, opportunity_history_id, stage_name,
        amount_reporting, probability, close_date, is_open,
        'history' as state_source
    from state_from_history

    union all

    select
        month, month_cutoff_date, is_as_of_month, opportunity_id, opportunity_history_id, stage_name,
        amount_reporting, probability, close_date, is_open,
        'current' as state_source
    from state_from_current
),

flagged as (
    select
        states.month,
        states.opportunity_id,
        states.state_source,
        states.opportunity_history_id,
        states.stage_name,
        states.amount_reporting,
        states.probability,
        states.close_date,
        {{ month_start('states.close_date') }} as close_month,
        states.is_open as is_open_at_month_end,
        states.is_open
            and coalesce(states.probability, 0) >= {{ var('high_probability_threshold') }}
            as is_high_probability,
        states.close_date is not null
            and {{ month_start('states.close_date') }} >= {{ add_months('states.month', 1) }}
            and {{ month_start('states.close_date') }} <= {{ add_months('states.month', 3) }}
            as is_closing_next_3_months,
        states.is_as_of_month,
        calendar.has_opportunity_history,
        states.month_cutoff_date as _cutoff_date,
        inputs.inputs_hash as _inputs_hash,
        '{{ build_hash() }}' as _build_hash,
        {{ build_started_at() }} as _built_at
    from states
    cross join calendar
    left join inputs
        on states.opportunity_id = inputs.opportunity_id
)

select * from flagged
