{#- Incremental pipeline movements (int_pipeline_movements_monthly): one row per month and
    opportunity open at either end of the month, paired from int_pipeline_month_end_status
    (17.6M rows at 1M opportunities) by a full outer join of the status with itself, of which
    a nightly run changes few.

    A movement row of month M is a function of (a) its opportunity's status rows at the ends of
    M-1 and M, (b) whether M-1 is in the range (M's calendar end, which is_pushed_out reads,
    never moves), (c) the model's SQL and vars. A status row carries the build stamp of its
    state (_state_built_at: the start of the run that built it), so the status rows a movement
    table has not followed are those stamped after the run that built it last: each row stores
    that run's start (_followed_through; a post-hook stamps the rows kept, in the build's
    transaction, so a failed build leaves the old value) and the status's build hash.

    The pre-hook deletes, and the model then rebuilds:
      * every month of the opportunities with a status row stamped after _followed_through
        (a state rebuilt: new history, a new rate, the as-of date moved past a history row,
        a month that became or stopped being the as-of month);
      * the range's first month (when the range starts later, the month before it leaves:
        its rows have no previous state any more; few rows, so rebuilt every night);
    and deletes the rows of months that left the range and of opportunities without a status
    row any more (their states were deleted and none rebuilt: no stamp tells). Every row goes
    when the SQL or vars changed, the status was rebuilt by other SQL (its rows changed without
    new stamps), or the clock is at or before _followed_through (the stamps would not order).
    With no row left, the model builds everything. So the table ends as a full build leaves it
    (tests/test_incremental_build.py).

    On other engines than DuckDB it stays a plain table, like the month-end states
    (macros/incremental_month_end_states.sql: rebuild_what_changed_config, build_hash and
    built_by_this_version). -#}

{% macro pipeline_movements_config() -%}
    {{ return(rebuild_what_changed_config(
        ['month', 'opportunity_id'],
        ["{{ delete_outdated_pipeline_movements() }}"],
        ["{{ confirm_pipeline_movements_followed() }}"],
    )) }}
{%- endmacro %}

{#- The status's build hash (every row holds the same once its build succeeded). -#}
{% macro status_build_hash_query() -%}
    (select _build_hash from {{ ref('int_pipeline_month_end_status') }} limit 1)
{%- endmacro %}

{#- The opportunities with a status row stamped after the run `followed_through` (a one-value
    query; null: every opportunity). -#}
{% macro opportunities_with_status_after(followed_through) -%}
    select status.opportunity_id
    from {{ ref('int_pipeline_month_end_status') }} as status
    where {{ followed_through }} is null
        or status._state_built_at > {{ followed_through }}
{%- endmacro %}

{% macro delete_outdated_pipeline_movements() -%}
    {%- if is_incremental() -%}
    {%- set status = ref('int_pipeline_month_end_status') -%}
    {%- set calendar = ref('int_reporting_calendar') -%}
    delete from {{ this }}
    {%- if built_by_this_version() and this_has_column('_followed_through') %}
    -- the clock is at or before the last build: stamps after it would not tell; every row
    where {{ build_started_at() }} <= (select max(_followed_through) from {{ this }})
        -- the status was rebuilt by other SQL or vars: every row
        or _status_build_hash is distinct from {{ status_build_hash_query() }}
        -- months out of the range; the range's first month
        or month not in (select month from {{ ref('int_month_spine') }} where is_in_range)
        or month = (select range_start_month from {{ calendar }})
        -- opportunities with status rows the table has not followed
        or opportunity_id in ({{ opportunities_with_status_after(
            '(select min(_followed_through) from ' ~ this ~ ')'
        ) }})
        -- opportunities without status rows any more
        or not exists (
            select 1 from {{ status }} as status where status.opportunity_id = {{ this }}.opportunity_id
        )
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- After the build, every row left follows the status through this run. (The rows kept
    already hold the status's build hash: the pre-hook deleted every row when it changed.) -#}
{% macro confirm_pipeline_movements_followed() -%}
    {%- if is_incremental() -%}
    update {{ this }}
    set _followed_through = {{ build_started_at() }}
    where _followed_through is distinct from {{ build_started_at() }}
    {%- endif -%}
{%- endmacro %}
