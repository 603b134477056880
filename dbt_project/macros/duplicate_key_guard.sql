{#- The key guard of the incremental intermediate models on DuckDB (the month-end states and
    status, the stage spells, the first activities, the pipeline movements).

    Their key is unique by construction: a pre-hook deletes what changed and the build inserts
    what is missing. A bug in that bookkeeping would show as a key held twice. A `unique` data
    test over the whole table catches it, but scans and groups every row every night (8.7 s
    for the 17.6M month-end states at 1M opportunities, 6.4 s for the status), almost all of
    them rows no build touched since they were last checked; and it runs after the build
    committed, so the bad rows stay in the table until someone mends it.

    This post-hook checks instead, inside the build's transaction, every key the build wrote
    (the rows stamped with this run's _built_at) against the whole table, and fails the build
    when one is held by more than one row. The failure rolls the build back, so the table keeps
    its last good rows, and a table whose every build passed holds no duplicate: the first
    build writes (and checks) every row, and each later build checks what it added. A full
    refresh checks every row. So the models' key tests are disabled on DuckDB (in their yml:
    `enabled: target.type != 'duckdb'`, the condition of month_end_states_incremental_enabled,
    which a yml test config cannot call) and run on other engines, where the models are plain
    tables rebuilt whole and have no guard. fct_pipeline_month_end, a view of the states on
    DuckDB, is covered by the states' guard. -#}
{% macro refuse_duplicate_keys(columns) -%}
    {%- set key = columns | join(', ') -%}
    {%- set shown = [] -%}
    {%- set matched = [] -%}
    {%- for column in columns -%}
        {%- do shown.append("cast(" ~ column ~ " as varchar)") -%}
        {%- do matched.append("written." ~ column ~ " = held." ~ column) -%}
    {%- endfor -%}
    -- a key this build wrote is held twice: fail, and roll the build back
    select error(
        '{{ this }}: ' || cast(row_count as varchar) || ' rows hold the key ({{ key }}) = ('
        || {{ shown | join(" || ', ' || ") }} || ') after this build; it was rolled back'
    )
    from (
        select {{ key }}, count(*) as row_count
        from {{ this }} as held
        where exists (
            select 1
            from {{ this }} as written
            where written._built_at = {{ build_started_at() }}
                and {{ matched | join(' and ') }}
        )
        group by {{ key }}
        having count(*) > 1
        limit 1
    ) as duplicated_keys
{%- endmacro %}

{#- The guard as a hook string for a model's config. -#}
{% macro refuse_duplicate_keys_hook(columns) -%}
    {{ return("{{ refuse_duplicate_keys(" ~ tojson(columns) ~ ") }}") }}
{%- endmacro %}
