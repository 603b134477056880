{#- Incremental current-row staging models: the large CRM objects (activities, opportunity
    history, leads, ...) are kept as tables that a nightly run updates from the new files only.

    Append (the nightly case): the loader appended files numbered after every loaded one, and
    their base rows carry the same (_loaded_at, _rules_hash) pairs as before plus new ones.
    Only rows of files numbered after the table's last are read; each key they touch is
    decided again between its current row in the table and its new rows (latest_row_per_key,
    the same order as a full build), and delete+insert on the key replaces it. A key can only
    move to a later row, so the result is what a full build gives.

    Rebuild: the table holds a row whose _loaded_at or _rules_hash the base model no longer
    gives. That happens after a full reload of raw (every row gets a new load time and the files
    may be renumbered), after the validation rules changed (base re-validated every file), or
    after an edit of the staging model's SQL, its base model's or a macro either calls: a
    staging row's _rules_hash is its base row's with the model's build_hash appended
    (staging_rules_hash). Then every base row is read, as in a full build, and the post-hook
    deletes the rows of keys that no longer exist. So a plain `dbt build` always equals `dbt
    build --full-refresh` (tests/test_incremental_build.py), unless an edit changes the
    model's columns: on_schema_change fails the build, and --full-refresh rebuilds it.

    Spark (no delete+insert on plain tables) keeps them as views. -#}

{% macro current_rows_config(key, base_model) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'view'}) }}
    {%- endif -%}
    {%- set post_hooks = ["{{ delete_stale_current_rows(ref('" ~ base_model ~ "')) }}"] -%}
    {%- if target.type == 'duckdb' -%}
        {#- the key's unique test runs on other engines only (macros/duplicate_key_guard.sql) -#}
        {%- do post_hooks.append(refuse_duplicate_keys_hook([key], 'refuse_duplicate_current_rows')) -%}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': key,
        'on_schema_change': 'fail',
        'post_hook': post_hooks,
    }) }}
{%- endmacro %}

{#- The rules a staging row was made under: its base row's validation rules (`rules_hash`)
    and what build_hash covers (this model's SQL, its base model's, the macros they call, the
    vars). Rows made under others are rebuilt (stale_current_rows_condition). -#}
{% macro staging_rules_hash(rules_hash='_rules_hash') -%}
    {{ dbt.concat([rules_hash, "'/" ~ build_hash() ~ "'"]) }}
{%- endmacro %}

{#- Rows of the table built from a load or under rules the base model no longer holds. -#}
{% macro stale_current_rows_condition(base) -%}
    _loaded_at not in (select distinct _loaded_at from {{ base }})
    or _rules_hash not in (
        select {{ staging_rules_hash('base_rules_hash') }}
        from (select distinct _rules_hash as base_rules_hash from {{ base }}) as base_rules
    )
{%- endmacro %}

{#- True when this build appends: the table exists and holds nothing stale. A model asks once
    and passes the answer to only_new_files and current_row_candidates. -#}
{% macro current_rows_appending(base) -%}
    {%- if not execute or not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- set stale = run_query(
        'select 1 from ' ~ this ~ ' where ' ~ stale_current_rows_condition(base) ~ ' limit 1'
    ) -%}
    {{ return(stale.rows | length == 0) }}
{%- endmacro %}

{% macro delete_stale_current_rows(base) -%}
    delete from {{ this }}
    where {{ stale_current_rows_condition(base) }}
{%- endmacro %}

{#- A filter on the base rows (append to a where clause): the files after the table's last. -#}
{% macro only_new_files(appending) -%}
    {%- if appending %}
    -- appended files only (see macros/incremental_current_rows.sql)
    and _file_seq > (select coalesce(max(_file_seq), -1) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- The rows latest_row_per_key chooses from: the typed new rows, plus, when appending, the
    current rows the table holds for the keys they touch. -#}
{% macro current_row_candidates(typed, key, appending) -%}
    {%- if not appending -%}
        {{ return(typed) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(this) -%}
        {%- do columns.append(column.name) -%}
    {%- endfor -%}
    {%- set candidates -%}
    (
        select {{ columns | join(', ') }}, _last_modified_at
        from {{ typed }}
        union all
        select
            {{ columns | join(', ') }},
            {{ crm_last_modified_at('last_modified_at', 'system_modstamp_at', 'created_at') }} as _last_modified_at
        from {{ this }}
        where {{ key }} in (select {{ key }} from {{ typed }})
    )
    {%- endset -%}
    {{ return(candidates) }}
{%- endmacro %}
