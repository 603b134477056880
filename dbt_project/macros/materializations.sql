{#- A mart that is a projection of one intermediate table, row for row: a view on DuckDB, where
    the publish step copies every mart into the serving file BI reads, so a table here would be
    a second copy written every night; a table elsewhere (on PostgreSQL the marts schema itself
    is what BI reads, swapped in whole, so it must hold its own rows). -#}
{% macro projection_mart_config() -%}
    {{ return({'materialized': 'view' if target.type == 'duckdb' else 'table'}) }}
{%- endmacro %}
