{#- The current row per key: the one place where "later wins" is decided.

    relation:  a CTE or relation name
    key:       list of key expressions
    order_by:  list of "latest first" order expressions

    Returns every column of `relation` plus `_row_rank`, only the rank-1 rows;
    callers select the columns they keep explicitly. -#}
{% macro latest_row_per_key(relation, key, order_by) -%}
    select ranked.*
    from (
        select
            candidate.*,
            row_number() over (
                partition by {{ key | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as _row_rank
        from {{ relation }} as candidate
    ) as ranked
    where ranked._row_rank = 1
{%- endmacro %}

{#- "Later row" in the contract = greater (_file_seq, _row_number). -#}
{% macro later_row_first() -%}
    {{ return(['_file_seq desc', '_row_number desc']) }}
{%- endmacro %}

{#- CRM current row: greatest last-modified instant, then the later row. -#}
{% macro crm_current_row_order() -%}
    {{ return(['_last_modified_at desc nulls last'] + later_row_first()) }}
{%- endmacro %}

{#- The system columns every CRM object has, typed. The record's last-modified instant
    is LastModifiedDate, else SystemModstamp, else CreatedDate (sources.md). -#}
{% macro crm_system_columns() -%}
    {{ to_timestamp_utc('createddate') }} as created_at,
    {{ to_timestamp_utc('lastmodifieddate') }} as last_modified_at,
    {{ to_timestamp_utc('systemmodstamp') }} as system_modstamp_at,
    {{ crm_last_modified_at(
        to_timestamp_utc('lastmodifieddate'),
        to_timestamp_utc('systemmodstamp'),
        to_timestamp_utc('createddate'),
    ) }} as _last_modified_at,
    coalesce({{ to_boolean('isdeleted') }}, false) as is_deleted,
    _file,
    _file_seq,
    _row_number,
    _loaded_at,
    {{ staging_rules_hash() }} as _rules_hash
{%- endmacro %}

{% macro crm_last_modified_at(last_modified, system_modstamp, created) -%}
    coalesce({{ last_modified }}, {{ system_modstamp }}, {{ created }})
{%- endmacro %}

{#- The columns staging models keep after the current row is chosen. -#}
{% macro crm_system_columns_out() -%}
    created_at,
    last_modified_at,
    system_modstamp_at,
    is_deleted,
    _file,
    _file_seq,
    _row_number,
    _loaded_at,
    _rules_hash
{%- endmacro %}
