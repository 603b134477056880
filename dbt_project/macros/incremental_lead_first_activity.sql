{#- Incremental first activities (int_lead_first_activity): one row per lead, built by matching
    every activity (tens of millions at a large company) to its lead, of which a nightly run
    changes few.

    A lead's row is a function of (a) the lead's columns and the activities naming it (the
    fingerprint of int_lead_activity_inputs: a new, changed, re-parented or deleted activity, a
    changed lead all change it), (b) which of those activities are dated on or before the as-of
    date, and (c) the model's SQL and vars. Each row stores them: _inputs_hash, _as_of_date and
    _build_hash. The pre-hook deletes every lead whose row no longer matches: its fingerprint
    changed or the lead is gone, it has an activity dated between the as-of date its row was
    built at and today's (either way), or the SQL or vars changed (every row). A second pre-hook
    stamps the rows left with today's as-of date, at which they still hold. The model then
    builds every lead the table no longer holds, so the table always ends as a full build leaves
    it (tests/test_incremental_build.py), and a build that fails after the delete is mended by
    the next one.

    An activity that moves from lead A to lead B changes both fingerprints: A's set loses it, B's
    gains it.

    On other engines than DuckDB it stays a plain table, like the month-end states
    (macros/incremental_month_end_states.sql, whose config, build_hash and built_by_this_version
    this reuses). -#}

{% macro lead_first_activity_config() -%}
    {{ return(rebuild_what_changed_config([
        "{{ delete_outdated_lead_first_activities() }}",
        "{{ redate_lead_first_activities() }}",
    ])) }}
{%- endmacro %}

{% macro delete_outdated_lead_first_activities() -%}
    {%- if is_incremental() -%}
    {%- set calendar = ref('int_reporting_calendar') -%}
    delete from {{ this }}
    {%- if built_by_this_version() %}
    where not exists (
            select 1
            from {{ ref('int_lead_activity_inputs') }} as inputs
            where inputs.lead_id = {{ this }}.lead_id
                and inputs.inputs_hash = {{ this }}._inputs_hash
        )
        -- an activity dated between the as-of date the rows were built at and today's
        -- (either way: the as-of date can move back)
        or lead_id in (
            select activities.who_id
            from {{ ref('int_activities') }} as activities
            cross join (
                select
                    least(held.earliest, calendar.as_of_date) as earliest,
                    greatest(held.latest, calendar.as_of_date) as latest
                from (
                    select min(_as_of_date) as earliest, max(_as_of_date) as latest
                    from {{ this }}
                ) as held
                cross join {{ calendar }} as calendar
            ) as bounds
            -- a cheap filter on the instant first: a zone is less than a day from UTC, so
            -- only instants within two days of the bounds can fall between them in the zone
            where activities.activity_at > {{ dbt.dateadd('day', -2, 'bounds.earliest') }}
                and activities.activity_at < {{ dbt.dateadd('day', 2, 'bounds.latest') }}
                and {{ to_reporting_date('activities.activity_at') }} > bounds.earliest
                and {{ to_reporting_date('activities.activity_at') }} <= bounds.latest
        )
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- After the delete, the rows left hold at today's as-of date (no activity of theirs is dated
    in between): stamp them with it. -#}
{% macro redate_lead_first_activities() -%}
    {%- if is_incremental() and built_by_this_version() -%}
    update {{ this }}
    set _as_of_date = calendar.as_of_date
    from {{ ref('int_reporting_calendar') }} as calendar
    where {{ this }}._as_of_date is distinct from calendar.as_of_date
    {%- endif -%}
{%- endmacro %}
