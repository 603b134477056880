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
    {%- set written -%}
    (select {{ columns | join(', ') }} from {{ this }} where _built_at = {{ build_started_at() }})
    {%- endset -%}
    {{ duplicate_key_error(columns, written) }}
{%- endmacro %}

{#- The same guard for the incremental current-row staging models on DuckDB
    (macros/incremental_current_rows.sql). Their delete+insert writes no build stamp, but an
    incremental build writes exactly the rows of dbt-duckdb's temporary table, which lives on
    the build's connection until it closes: the keys found there are checked against the
    whole table. A first build or a full refresh has no such table, and so checks every row.
    The table's name is dbt-duckdb's (<model>__dbt_tmp<time>): should it ever change, the
    guard finds nothing and checks every row, slower but still correct. -#}
{% macro refuse_duplicate_current_rows(columns) -%}
    {%- set written = none -%}
    {%- if execute -%}
        {%- set temporary_tables = run_query(
            "select table_name from duckdb_tables() where temporary"
            ~ " and starts_with(table_name, '" ~ this.identifier ~ "__dbt_tmp')"
            ~ " order by table_name desc limit 1"
        ) -%}
        {%- if temporary_tables.rows | length > 0 -%}
            {%- set written = adapter.quote(temporary_tables.rows[0][0]) -%}
        {%- endif -%}
    {%- endif -%}
    {{ duplicate_key_error(columns, written) }}
{%- endmacro %}

{#- A select that fails with error() when a key of the rows `written` (a relation or subquery
    holding the key columns; none: every row) is held by more than one row of the table. -#}
{% macro duplicate_key_error(columns, written) -%}
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
        {%- if written is not none %}
        where exists (
            select 1
            from {{ written }} as written
            where {{ matched | join(' and ') }}
        )
        {%- endif %}
        group by {{ key }}
        having count(*) > 1
        limit 1
    ) as duplicated_keys
{%- endmacro %}

{#- The guard as a hook string for a model's config. -#}
{% macro refuse_duplicate_keys_hook(columns, guard='refuse_duplicate_keys') -%}
    {{ return("{{ " ~ guard ~ "(" ~ tojson(columns) ~ ") }}") }}
{%- endmacro %}
