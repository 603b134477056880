-- The one month spine: every month from 12 months before the reporting range (trailing
-- windows, previous months) to 3 months after the as-of month (coverage needs the quota
-- of M+1..M+3), with no gaps, and where each month sits relative to the range.

with recursive

calendar as (
    select
        as_of_date,
        as_of_month,
        range_start_month,
        {{ add_months('range_start_month', -12) }} as spine_start_month,
        {{ add_months('as_of_month', 3) }} as spine_end_month
    from {{ ref('int_reporting_calendar') }}
),

months as (
    select spine_start_month as month
    from calendar

    union all

    select {{ add_months('months.month', 1) }} as month
    from months
    cross join calendar
    where months.month < calendar.spine_end_month
),

spine as (
    select
        months.month,
        {{ month_end('months.month') }} as month_end_date,
        -- The last day whose events count as "by the end of the month": the as-of date
        -- for the as-of month (metrics.md, pipeline state).
        case
            when months.month = calendar.as_of_month then calendar.as_of_date
            else {{ month_end('months.month') }}
        end as month_cutoff_date,
        months.month >= calendar.range_start_month
            and months.month <= calendar.as_of_month as is_in_range,
        months.month = calendar.as_of_month as is_as_of_month
    from months
    cross join calendar
)

select * from spine
