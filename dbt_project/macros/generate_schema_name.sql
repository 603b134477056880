{#- Layers land in schemas named exactly after them (raw, staging, intermediate, marts),
    not dbt's default "<target schema>_<custom schema>", so BI and the publish step can
    address `marts` by name on every engine. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
