-- One row: the as-of date and the month range every monthly mart covers (metrics.md
-- "Conventions"), plus whether the landing holds any opportunity history.

with

opportunity_dates as (
    select
        {{ to_reporting_date('created_at') }} as created_date,
        {{ to_reporting_date('coalesce(last_modified_at, system_modstamp_at, created_at)') }} as last_modified_date
    from {{ ref('stg_crm__opportunities') }}
    where not is_deleted
),

lead_dates as (
    select
        {{ to_reporting_date('created_at') }} as created_date,
        {{ to_reporting_date('coalesce(last_modified_at, system_modstamp_at, created_at)') }} as last_modified_date
    from {{ ref('stg_crm__leads') }}
    where not is_deleted
),

ad_spend_dates as (
    select spend_date
    from {{ ref('stg_marketing__ad_spend') }}
),

activity_dates as (
    select created_date as activity_start_date, last_modified_date as activity_latest_date
    from opportunity_dates
    union all
    select created_date, last_modified_date
    from lead_dates
    union all
    select spend_date, spend_date
    from ad_spend_dates
),

data_bounds as (
    select
        min(activity_start_date) as first_activity_date,
        max(activity_latest_date) as latest_activity_date
    from activity_dates
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
