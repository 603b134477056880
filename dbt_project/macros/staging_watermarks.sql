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

{#- The columns a row stores, for each (prefix, staging relation). -#}
{% macro staging_watermark_columns(stagings) -%}
    {%- for prefix, staging in stagings %}
    {%- set file_seq, loaded_at, rules_hash = staging_watermark_column_names(prefix) %}
    (select max(_file_seq) from {{ staging }}) as {{ file_seq }},
    (select max(_loaded_at) from {{ staging }}) as {{ loaded_at }},
    (select max(_rules_hash) from {{ staging }}) as {{ rules_hash }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- What the held rows were read from, as a one-row subquery (file_seq, loaded_at, rules_hash). -#}
{% macro held_watermark(prefix) -%}
    {%- set file_seq, loaded_at, rules_hash = staging_watermark_column_names(prefix) -%}
    (
        select
            coalesce(max({{ file_seq }}), -1) as file_seq,
            max({{ loaded_at }}) as loaded_at,
            max({{ rules_hash }}) as rules_hash
        from {{ this }}
    )
{%- endmacro %}

{#- A where-clause term: the staging table holds rows up to the held watermark that the table
    was not read from (raw reloaded: a later load time; re-validated: other rules). -#}
{% macro staging_reread_since_watermark(prefix, staging) -%}
    exists (
        select 1
        from {{ staging }} as staged
        cross join {{ held_watermark(prefix) }} as held
        where staged._file_seq <= held.file_seq
            and (staged._loaded_at > held.loaded_at
                or staged._rules_hash is distinct from held.rules_hash)
    )
{%- endmacro %}

{#- A query of `column` over the staging rows of files after the held watermark. -#}
{% macro staged_after_watermark(prefix, staging, column) -%}
    select staged.{{ column }}
    from {{ staging }} as staged
    where staged._file_seq > (select file_seq from {{ held_watermark(prefix) }} as held)
{%- endmacro %}
