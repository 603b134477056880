{#- Layers land in schemas named exactly after them (raw, staging, intermediate, marts),
    not dbt's default "<target schema>_<custom schema>", so BI and the publish step can
    address `marts` by name on every engine.
    On a server warehouse BI reads `marts` in the same database, so the marts are built into
    a private schema (var marts_build_schema, default marts__build), audited there and then
    swapped in by orchestration/publish_postgres.py (../shared/spec/serving.md). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' and target.type == 'postgres' -%}{{ var('marts_build_schema', 'marts__build') }}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
