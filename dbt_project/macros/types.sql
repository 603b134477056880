{#- Column types used across the project, spelled the same on DuckDB and PostgreSQL. -#}

{#- Money and other exact decimals as delivered (Amount, spend, quota, rates). Spelled out
    rather than dbt.type_numeric(): that is numeric(28,6) on DuckDB but an unscaled numeric on
    PostgreSQL, where a division cast to it keeps every digit and the engines would disagree. -#}
{% macro type_amount() -%}
    numeric(28, 6)
{%- endmacro %}

{#- A share 0-1 (probabilities): exact, so amount x probability sums the same on every
    engine (numeric(28,6) x numeric(10,8) stays within 38 digits). -#}
{% macro type_share() -%}
    numeric(10, 8)
{%- endmacro %}

{#- Money computed by division (monthly contract values, thirds of quarterly quotas):
    8 decimals, exact decimal sums on every engine. -#}
{% macro type_amount_precise() -%}
    numeric(38, 8)
{%- endmacro %}

{#- Rates, ratios and other results of division: IEEE double on
    both engines (dbt.type_float() is a 4-byte real on DuckDB, so it is not used). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{#- An instant (Salesforce datetimes). -#}
{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}
    timestamp with time zone
{%- endmacro %}

{#- A calendar date (dbt ships no type_date macro). -#}
{% macro type_date() -%}
    date
{%- endmacro %}
