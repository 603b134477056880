{#- dbt.safe_cast compiles to a plain cast on DuckDB, which errors on a bad value.
    try_cast turns a bad value into null instead (stack.md). Other engines keep dbt's
    default; the typed parsers in parse_values.sql guard them with a pattern first. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
