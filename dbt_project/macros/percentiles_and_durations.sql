{#- Continuous percentile (linear interpolation between the two nearest values, as the
    `median` macro for p = 0.5) of `expression`, p in [0, 1], as an aggregate. -#}
{% macro percentile_cont(expression, p) -%}
    {{ return(adapter.dispatch('percentile_cont')(expression, p)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expression, p) -%}
    quantile_cont({{ expression }}, {{ p }})
{%- endmacro %}

{#- Elapsed hours between two instants (timestamp with time zone), fractions kept, never
    shifted by a daylight-saving change of the session time zone (DuckDB's interval
    arithmetic on timestamptz and dbt.datediff both are). -#}
{% macro hours_between(start_instant, end_instant) -%}
    {{ return(adapter.dispatch('hours_between')(start_instant, end_instant)) }}
{%- endmacro %}

{% macro default__hours_between(start_instant, end_instant) -%}
    ((cast(extract(epoch from {{ end_instant }}) as {{ type_double() }})
        - cast(extract(epoch from {{ start_instant }}) as {{ type_double() }})) / 3600.0)
{%- endmacro %}

{% macro duckdb__hours_between(start_instant, end_instant) -%}
    ((epoch({{ end_instant }}) - epoch({{ start_instant }})) / 3600.0)
{%- endmacro %}
