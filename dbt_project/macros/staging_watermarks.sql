{#- Watermarks of the incremental current-row staging tables, for the derived models that
    rebuild only the records of new files (int_opportunity_history, int_currency_conversions,
    int_lead_first_activity).

    A staging row carries the sequence number of its file, its load time and the row rules it
    was validated by; a new, changed or deleted record arrives in a later file. A derived row
    stores, per staging table it reads (a prefix: 'history', 'task'), the last file, the
    latest load time and the rules at its build (_<prefix>_file_seq, _<prefix>_loaded_at,
    _<prefix>_rules_hash). The watermark a table holds is the latest build's (the maximum over
    its rows): a build that inserts nothing leaves an older one, so the next build looks at
    more files than it needs to, never fewer. -#}

{#- The names of the watermark columns of a prefix, as staging_watermark_columns names them. -#}
{% macro staging_watermark_column_names(prefix) -%}
    {{ return(['_' ~ prefix ~ '_file_seq', '_' ~ prefix ~ '_loaded_at', '_' ~ prefix ~ '_rules_hash']) }}
{%- endmacro %}

{#- The columns a row stores, for each (prefix, staging relation, ...): a tuple may carry more
    (activity_stagings' and spend_stagings' record Id column). -#}
{% macro staging_watermark_columns(stagings) -%}
    {%- for entry in stagings %}
    {%- set prefix, staging = entry[0], entry[1] %}
    {%- set file_seq, loaded_at, rules_hash = staging_watermark_column_names(prefix) %}
    (select max(_file_seq) from {{ staging }}) as {{ file_seq }},
    (select max(_loaded_at) from {{ staging }}) as {{ loaded_at }},
    (select max(_rules_hash) from {{ staging }}) as {{ rules_hash }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- A value as an SQL string literal. -#}
{% macro quoted_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- What the held rows were read from, per prefix: {'file_seq', 'loaded_at', 'rules_hash'} as
    SQL literals, read from the table in one query when the pre-hook renders. As literals the
    staging filters on _file_seq are known when DuckDB plans the delete, so its scans skip the
    row groups of earlier files; as subqueries each filter recomputed its aggregate over the
    whole table (six of them in the first activities' delete, one scan each). -#}
{% macro held_watermarks(prefixes) -%}
    {%- set held = {} -%}
    {%- if not execute -%}
        {%- for prefix in prefixes -%}
            {%- do held.update({prefix: {'file_seq': '-1', 'loaded_at': 'null', 'rules_hash': 'null'}}) -%}
        {%- endfor -%}
        {{ return(held) }}
    {%- endif -%}
    {%- set aggregates = [] -%}
    {%- for prefix in prefixes -%}
        {%- set file_seq, loaded_at, rules_hash = staging_watermark_column_names(prefix) -%}
        {%- do aggregates.extend([
            'coalesce(max(' ~ file_seq ~ '), -1)',
            'cast(max(' ~ loaded_at ~ ') as ' ~ dbt.type_string() ~ ')',
            'max(' ~ rules_hash ~ ')',
        ]) -%}
    {%- endfor -%}
    {%- set row = run_query('select ' ~ aggregates | join(', ') ~ ' from ' ~ this).rows[0] -%}
    {%- for prefix in prefixes -%}
        {%- set file_seq, loaded_at, rules_hash = row[loop.index0 * 3: loop.index0 * 3 + 3] -%}
        {%- do held.update({prefix: {
            'file_seq': file_seq | int | string,
            'loaded_at': 'null' if loaded_at is none
                else 'cast(' ~ quoted_literal(loaded_at) ~ ' as ' ~ dbt.type_timestamp() ~ ')',
            'rules_hash': 'null' if rules_hash is none else quoted_literal(rules_hash),
        }}) -%}
    {%- endfor -%}
    {{ return(held) }}
{%- endmacro %}

{#- A where-clause term: the staging table holds rows up to the held watermark (one of
    held_watermarks) that the table was not read from (raw reloaded: a later load time;
    re-validated: other rules). -#}
{% macro staging_reread_since_watermark(held, staging) -%}
    exists (
        select 1
        from {{ staging }} as staged
        where staged._file_seq <= {{ held.file_seq }}
            and (staged._loaded_at > {{ held.loaded_at }}
                or staged._rules_hash is distinct from {{ held.rules_hash }})
    )
{%- endmacro %}

{#- A query of `column` over the staging rows of files after the held watermark (one of
    held_watermarks). -#}
{% macro staged_after_watermark(held, staging, column) -%}
    select staged.{{ column }}
    from {{ staging }} as staged
    where staged._file_seq > {{ held.file_seq }}
{%- endmacro %}
