{#- Small helpers shared by the models. -#}

{#- A ratio: null (never 0, never an error) when the denominator is 0 or null
    (metrics.md "Conventions"). Computed in double precision on every engine. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}

{#- Continuous median (mean of the two middle values for an even count). -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    quantile_cont({{ expression }}, 0.5)
{%- endmacro %}

{#- The reporting currency code as a SQL literal (upper-case). -#}
{% macro reporting_currency() -%}
    '{{ var("reporting_currency") | upper }}'
{%- endmacro %}

{#- A SQL list literal of the lower-cased var existing_business_types. -#}
{% macro existing_business_types_list() -%}
    {%- set types = var('existing_business_types') -%}
    {%- if types is string -%}{%- set types = [types] -%}{%- endif -%}
    ({%- for t in types -%}'{{ t | lower | replace("'", "''") }}'{%- if not loop.last -%}, {% endif -%}{%- endfor -%})
{%- endmacro %}

{#- A stable one-way key for a natural key made of several columns (ad spend, expenses)
    or for personal text that marts must not show in clear. -#}
{% macro surrogate_key(columns) -%}
    {{ dbt.hash(dbt.concat(columns_with_separators(columns))) }}
{%- endmacro %}

{% macro columns_with_separators(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(cast(" ~ c ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}
