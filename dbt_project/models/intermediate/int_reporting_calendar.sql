-- One row: the as-of date and the month range every monthly mart covers (metrics.md
-- "Conventions"), plus whether the landing holds any opportunity history.

with

record_instants as (
    select
        created_at as start_at,
        coalesce(last_modified_at, system_modstamp_at, created_at) as latest_at
    from {{ ref('stg_crm__opportunities') }}
    where not is_deleted
    union all
    select
        created_at,
        coalesce(last_modified_at, system_modstamp_at, created_at)
    from {{ ref('stg_crm__leads') }}
    where not is_deleted
),

instant_bounds as (
    select min(start_at) as earliest_at, max(latest_at) as latest_at
    from record_instants
),

-- The reporting-zone dates of only the instants within two days of the bounds: a zone's
-- offset moves by hours, not days, so an instant two days later (earlier) than the bound
-- falls on a later (earlier) date in any zone. Every model waits for this one, and
-- converting each of millions of instants to a date in the zone was most of its time.
first_record_date as (
    select min({{ to_reporting_date('record_instants.start_at') }}) as first_activity_date
    from record_instants
    cross join instant_bounds
    where record_instants.start_at < {{ instant_plus_days('instant_bounds.earliest_at', 2) }}
),

latest_record_date as (
    select max({{ to_reporting_date('record_instants.latest_at') }}) as latest_activity_date
    from record_instants
    cross join instant_bounds
    where record_instants.latest_at > {{ instant_plus_days('instant_bounds.latest_at', -2) }}
),

data_bounds as (
    select
        min(first_activity_date) as first_activity_date,
        max(latest_activity_date) as latest_activity_date
    from (
        select first_record_date.first_activity_date, latest_record_date.latest_activity_date
        from first_record_date
        cross join latest_record_date
        union all
        select min(spend_date), max(spend_date)
        from {{ ref('stg_marketing__ad_spend') }}
    ) as bounds
),

history_presence as (
    select count(*) as opportunity_history_rows
    from {{ ref('int_opportunity_history') }}
),

as_of as (
    select
        {%- if var('as_of_date') %}
        cast('{{ var("as_of_date") }}' as {{ type_date() }}) as as_of_date,
        'var' as as_of_date_source,
        {%- else %}
        latest_activity_date as as_of_date,
        'data' as as_of_date_source,
        {%- endif %}
        first_activity_date
    from data_bounds
),

calendar as (
    select
        as_of.as_of_date,
        as_of.as_of_date_source,
        {{ month_start('as_of.as_of_date') }} as as_of_month,
        case
            when as_of.first_activity_date is null or as_of.first_activity_date > as_of.as_of_date
                then {{ month_start('as_of.as_of_date') }}
            else {{ month_start('as_of.first_activity_date') }}
        end as range_start_month,
        history_presence.opportunity_history_rows > 0 as has_opportunity_history
    from as_of
    cross join history_presence
    where as_of.as_of_date is not null
)

select * from calendar
