-- MetricFlow's time spine (dbt `time_spine:` config in _semantic__time_spine.yml): one row
-- per day of int_month_spine, from the first day of its first month (12 months before the
-- reporting range) to the last day of its last month (3 months after the as-of month), so
-- previous-month offsets and zero-filled months reach as far as the marts' own inputs.
-- Each month fans out to its days (offsets 0-30) rather than through a recursive CTE: Spark
-- caps recursion at 100 levels, and the spine spans years.

with

months as (
    select
        month,
        month_end_date
    from {{ ref('int_month_spine') }}
),

day_offsets as (
    {%- for offset in range(31) %}
    select {{ offset }} as day_offset
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

days as (
    select cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'months.month') }} as {{ type_date() }}) as date_day,
        months.month_end_date
    from months
    cross join day_offsets
)

select date_day
from days
where date_day <= month_end_date
