-- MetricFlow's time spine (dbt `time_spine:` config in _semantic__time_spine.yml): one row
-- per day of int_month_spine, from the first day of its first month (12 months before the
-- reporting range) to the last day of its last month (3 months after the as-of month), so
-- previous-month offsets and zero-filled months reach as far as the marts' own inputs.

with recursive

bounds as (
    select
        min(month) as first_day,
        max(month_end_date) as last_day
    from {{ ref('int_month_spine') }}
),

days as (
    select cast(first_day as {{ type_date() }}) as date_day
    from bounds

    union all

    select cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as {{ type_date() }}) as date_day
    from days
    cross join bounds
    where days.date_day < bounds.last_day
)

select date_day from days
