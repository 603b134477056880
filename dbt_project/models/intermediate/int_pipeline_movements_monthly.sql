-- How each deal moved the open pipeline during each month M of the range: its state at the
-- end of M-1 (previous) next to its state at the end of M (int_pipeline_month_end_status;
-- the end of the as-of month is the end of the as-of date). One row per month and
-- opportunity open at either end. For the first month of the range the previous month lies
-- before the range, where no opportunity existed yet (the range starts at the earliest
-- CreatedDate): no previous state.
--   movement = 'continuing' open at both ends; amount_change = amount now - amount then
--              'created'    open now, no state at the previous end (did not exist yet; in
--                           the as-of month this includes deals without any history, which
--                           have a state only then)
--              'reopened'   open now, closed at the previous end
--              'won'        open at the previous end, closed won now
--              'lost'       open at the previous end, not open now and not won (closed
--                           lost, or, should it ever happen, no state now)
-- Amounts: null counts as 0, as in open_pipeline_amount. So, summed over a month,
--   open then + created + reopened - won - lost + amount_change = open now
-- with won and lost taken at the previous (month-end) amount and created and reopened at
-- the current one.
-- is_pushed_out (information, not a term of the identity): open at both ends, the close
-- date at the previous end fell on or before the end of M (due this month) and the close
-- date now falls after the end of M.
--
-- Incremental on DuckDB (macros/incremental_pipeline_movements.sql): the pre-hook deletes the
-- opportunities with status rows this table has not followed and the range's first month;
-- this builds them again.

{{ config(**pipeline_movements_config()) }}
{#- A table without the bookkeeping columns had every row deleted: build it whole. -#}
{%- set incremental = is_incremental() and month_end_states_incremental_enabled()
    and this_has_column('_followed_through') %}

with

calendar as (
    select range_start_month
    from {{ ref('int_reporting_calendar') }}
),

months as (
    select month, month_end_date
    from {{ ref('int_month_spine') }}
    where is_in_range
),
{%- if incremental %}

-- the opportunities whose status rows this table has not followed (every one when the table
-- is empty: the pre-hook deleted every row)
rebuilt_opportunities as (
    {{ opportunities_with_status_after('(select min(_followed_through) from ' ~ this ~ ')') }}
),
{%- endif %}

states as (
    select * from {{ ref('int_pipeline_month_end_status') }} as status
    {%- if incremental %}
    -- what the rebuilt rows read: every month of the rebuilt opportunities, and the first
    -- month of the range (with no month before it)
    where status.opportunity_id in (select opportunity_id from rebuilt_opportunities)
        or status.month = (select range_start_month from calendar)
    {%- endif %}
),

current_states as (
    select
        months.month,
        months.month_end_date,
        states.opportunity_id,
        states.is_open_at_month_end,
        states.is_won_at_month_end,
        coalesce(states.amount_reporting, 0) as amount,
        states.close_date
    from months
    inner join states
        on states.month = months.month
),

previous_states as (
    select
        months.month,
        months.month_end_date,
        states.opportunity_id,
        states.is_open_at_month_end,
        coalesce(states.amount_reporting, 0) as amount,
        states.close_date
    from months
    inner join states
        on states.month = {{ add_months('months.month', -1) }}
),

paired as (
    select
        coalesce(current_states.month, previous_states.month) as month,
        coalesce(current_states.month_end_date, previous_states.month_end_date) as month_end_date,
        coalesce(current_states.opportunity_id, previous_states.opportunity_id) as opportunity_id,
        previous_states.opportunity_id is not null as has_previous_state,
        coalesce(previous_states.is_open_at_month_end, false) as was_open_at_previous_month_end,
        coalesce(current_states.is_open_at_month_end, false) as is_open_at_month_end,
        coalesce(current_states.is_won_at_month_end, false) as is_won_at_month_end,
        previous_states.amount as previous_amount,
        current_states.amount as amount,
        previous_states.close_date as previous_close_date,
        current_states.close_date as close_date
    from current_states
    full outer join previous_states
        on current_states.month = previous_states.month
        and current_states.opportunity_id = previous_states.opportunity_id
),

classified as (
    select
        month,
        opportunity_id,
        was_open_at_previous_month_end,
        is_open_at_month_end,
        case
            when was_open_at_previous_month_end and is_open_at_month_end then 'continuing'
            when is_open_at_month_end and not has_previous_state then 'created'
            when is_open_at_month_end then 'reopened'
            when is_won_at_month_end then 'won'
            else 'lost'
        end as movement,
        case when was_open_at_previous_month_end then previous_amount end as previous_amount,
        case when is_open_at_month_end then amount end as amount,
        case when was_open_at_previous_month_end and is_open_at_month_end
            then amount - previous_amount end as amount_change,
        previous_close_date,
        close_date,
        coalesce(
            was_open_at_previous_month_end
                and is_open_at_month_end
                and previous_close_date <= month_end_date
                and close_date > month_end_date,
            false
        ) as is_pushed_out
    from paired
    where (was_open_at_previous_month_end or is_open_at_month_end)
    {%- if incremental %}
        -- the rows the pre-hook deleted
        and (
            opportunity_id in (select opportunity_id from rebuilt_opportunities)
            or month = (select range_start_month from calendar)
        )
    {%- endif %}
)

select
    classified.*,
    {{ build_started_at() }} as _followed_through,
    {{ status_build_hash_query() }} as _status_build_hash,
    '{{ build_hash() }}' as _build_hash,
    {{ build_started_at() }} as _built_at
from classified
