-- Lead response time: one row per month of the reporting range (the month of the lead's
-- creation) x lead owner (every OwnerId some non-deleted lead has; a lead without an owner
-- counts under owner_id null). Hours from the lead's CreatedDate to its first activity
-- (int_lead_first_activity: the first Task, by its CreatedDate, or Event, by its
-- StartDateTime, whose WhoId is the lead, at or after the lead's creation and by the as-of
-- date). Percentiles are continuous (interpolated); null where no lead has an activity.

with

spine as (
    select month
    from {{ ref('int_month_spine') }}
    where is_in_range
),

leads as (
    select * from {{ ref('int_lead_first_activity') }}
    where created_month is not null
),

owners as (
    select distinct owner_id
    from leads
),

response as (
    select
        created_month as month,
        owner_id,
        count(*) as leads,
        count(case when has_activity then lead_id end) as leads_with_activity,
        count(case when has_activity and hours_to_first_activity <= 24 then lead_id end)
            as leads_with_activity_within_24_hours,
        -- Averaged as an exact decimal: a double sum depends on row order, and a re-run on
        -- the same landing must give identical marts.
        cast(avg(cast(hours_to_first_activity as numeric(38, 9))) as {{ type_double() }})
            as avg_hours_to_first_activity,
        {{ percentile_cont('hours_to_first_activity', 0.5) }} as median_hours_to_first_activity,
        {{ percentile_cont('hours_to_first_activity', 0.9) }} as p90_hours_to_first_activity
    from leads
    group by created_month, owner_id
)

select
    spine.month,
    owners.owner_id,
    coalesce(response.leads, 0) as leads,
    coalesce(response.leads_with_activity, 0) as leads_with_activity,
    coalesce(response.leads_with_activity_within_24_hours, 0) as leads_with_activity_within_24_hours,
    {{ safe_divide('response.leads_with_activity', 'response.leads') }} as activity_rate,
    response.avg_hours_to_first_activity,
    response.median_hours_to_first_activity,
    response.p90_hours_to_first_activity
from spine
cross join owners
left join response
    on response.month = spine.month
    and (response.owner_id = owners.owner_id
        or (response.owner_id is null and owners.owner_id is null))
order by spine.month, owners.owner_id
