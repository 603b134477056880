{#- None of `columns` holds a null in the model. One test and one scan per model, where a
    `not_null` test per column cost a dbt node each: ~400 nodes at ~50 ms of dbt's own
    overhead apiece, the largest fixed cost of every build (docs/performance.md). Returns
    one row per column that holds nulls, with how many, so the failure says which column. -#}
{% test not_null_columns(model, columns) %}

with

null_rows as (
    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

checked_columns as (
    {%- for column in columns %}
    select {{ loop.index }} as position, '{{ column }}' as column_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

null_counts as (
    select
        checked_columns.column_name,
        case checked_columns.position
            {%- for column in columns %}
            when {{ loop.index }} then null_rows.nulls_{{ loop.index }}
            {%- endfor %}
        end as null_count
    from checked_columns
    cross join null_rows
)

select column_name, null_count
from null_counts
where null_count > 0

{% endtest %}
