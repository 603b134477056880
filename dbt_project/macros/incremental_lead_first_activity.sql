{#- Incremental first activities (int_lead_first_activity): one row per lead, found by
    matching the activities (tens of millions at a large company) to their leads, of which a
    nightly run changes few.

    A lead's row is a function of (a) the lead's own columns, (b) the activities naming it,
    (c) the as-of date (an activity counts once its date is reached) and (d) the model's SQL
    and vars. Each row stores (a) as _lead_hash, (c) as _as_of_date, (d) as _build_hash, and
    for (b) a watermark of the staging tasks and events it was read from
    (macros/staging_watermarks.sql: the last file read, the latest load time and the row rules
    then; a staging row carries the sequence number of its file, and a new or changed record
    arrives in a later file).

    The pre-hook deletes every lead whose row may no longer hold:
      * the lead is gone or its columns changed;
      * an activity row from a file after the watermark names the lead (an activity added,
        changed, re-parented to it or deleted), or is the activity the row holds as the
        lead's first (that activity moved away, was deleted or re-dated); an activity that
        neither names the lead now nor was its first cannot change its first activity;
      * the lead has an activity dated between the as-of date the row was built at and
        today's (either way: the as-of date can move back);
    and every row when the SQL or vars changed, or when the staging activities up to the
    watermark are no longer the rows the table was read from: a later load time (raw was
    reloaded, and staging rebuilt from it) or other row rules (staging re-validated every
    file). A second pre-hook stamps the rows left with today's as-of date and watermark, at
    which they still hold, and the model builds the leads the table no longer holds. So the
    table ends as a full build leaves it (tests/test_incremental_build.py), and a build that
    fails after the delete is mended by the next one.

    Unlike a fingerprint of every lead's activities (tried and measured: docs/performance.md),
    finding what changed reads only the activity rows of new files, plus the instants near the
    two as-of dates.

    On other engines than DuckDB it stays a plain table, like the month-end states
    (macros/incremental_month_end_states.sql: rebuild_what_changed_config, build_hash and
    built_by_this_version). -#}

{% macro lead_first_activity_config() -%}
    {{ return(rebuild_what_changed_config(['lead_id'], [
        "{{ delete_outdated_lead_first_activities() }}",
        "{{ redate_lead_first_activities() }}",
    ])) }}
{%- endmacro %}

{#- What a lead's row is built from among the lead's own columns, as one value (DuckDB's
    hash: half the time of an md5 of the text over millions of leads). -#}
{% macro lead_columns_hash(leads) -%}
    {{ return(adapter.dispatch('lead_columns_hash', 'salesops')(leads)) }}
{%- endmacro %}

{% macro default__lead_columns_hash(leads) -%}
    {{ surrogate_key([
        leads ~ '.owner_id', leads ~ '.created_at', leads ~ '.created_date', leads ~ '.created_month'
    ]) }}
{%- endmacro %}

{% macro duckdb__lead_columns_hash(leads) -%}
    hash({{ leads }}.owner_id, {{ leads }}.created_at, {{ leads }}.created_date, {{ leads }}.created_month)
{%- endmacro %}

{#- The staging activities: their watermark's prefix, staging table and record Id. -#}
{% macro activity_stagings() -%}
    {{ return([
        ('task', ref('stg_crm__tasks'), 'task_id'),
        ('event', ref('stg_crm__events'), 'event_id'),
    ]) }}
{%- endmacro %}

{% macro delete_outdated_lead_first_activities() -%}
    {%- if is_incremental() -%}
    {#- The as-of dates the held rows were built at (every row holds the same, once stamped). -#}
    {%- set held_as_of_dates -%}
        (select min(_as_of_date) as earliest, max(_as_of_date) as latest from {{ this }})
    {%- endset -%}
    delete from {{ this }}
    {%- if built_by_this_version() %}
    {%- set held = held_watermarks(activity_stagings() | map(attribute=0) | list) %}
    -- staging holds activity rows up to the watermark the table was not read from: reloaded
    -- (a later load time) or re-validated (other rules); every row goes
    where
        {%- for prefix, staging, _ in activity_stagings() %}
        {{ 'or ' if not loop.first }}{{ staging_reread_since_watermark(held[prefix], staging) }}
        {%- endfor %}
        -- the lead is gone or its columns changed
        or not exists (
            select 1
            from {{ ref('int_lead_qualification') }} as leads
            where leads.lead_id = {{ this }}.lead_id
                and {{ lead_columns_hash('leads') }} = {{ this }}._lead_hash
        )
        -- an activity row of a later file names the lead, or is the one it holds as its first
        {%- for prefix, staging, id_column in activity_stagings() %}
        or lead_id in ({{ staged_after_watermark(held[prefix], staging, 'who_id') }})
        or first_activity_id in ({{ staged_after_watermark(held[prefix], staging, id_column) }})
        {%- endfor %}
        -- an activity dated between the as-of date the rows were built at and today's
        -- (either way: the as-of date can move back)
        or lead_id in (
            select activities.who_id
            -- every instant an activity has: the model counts one of them (its SQL says
            -- which); a lead deleted for another is only rebuilt
            from (
                select who_id, created_at as activity_at from {{ ref('stg_crm__tasks') }}
                union all
                select who_id, start_at from {{ ref('stg_crm__events') }}
                union all
                select who_id, created_at from {{ ref('stg_crm__events') }}
            ) as activities
            cross join (
                select
                    least(held.earliest, calendar.as_of_date) as earliest,
                    greatest(held.latest, calendar.as_of_date) as latest
                from {{ held_as_of_dates }} as held
                cross join {{ ref('int_reporting_calendar') }} as calendar
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
    in between) and at today's watermark (no activity row of a later file concerns them):
    stamp them with both, as a full build would. -#}
{% macro redate_lead_first_activities() -%}
    {%- if is_incremental() -%}
    {%- set columns = [] -%}
    {%- for prefix, _, _ in activity_stagings() -%}
        {%- do columns.extend(staging_watermark_column_names(prefix)) -%}
    {%- endfor -%}
    {#- A table of a version with other bookkeeping columns has had every row deleted: after
        the delete it is empty, so built_by_this_version() holds, but its columns are not yet
        these (the build syncs them after the hooks). -#}
    {%- if this_has_columns(columns + ['_as_of_date']) and built_by_this_version() %}
    update {{ this }}
    set
        _as_of_date = now_.as_of_date
        {%- for column in columns %},
        {{ column }} = now_.{{ column }}
        {%- endfor %}
    from (
        select
            calendar.as_of_date,
            {{ staging_watermark_columns(activity_stagings()) }}
        from {{ ref('int_reporting_calendar') }} as calendar
    ) as now_
    where {{ this }}._as_of_date is distinct from now_.as_of_date
        {%- for column in columns %}
        or {{ this }}.{{ column }} is distinct from now_.{{ column }}
        {%- endfor %}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
