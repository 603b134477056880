-- The first activity on each non-deleted lead, for lead response time. An activity is a
-- non-deleted Task or Event whose WhoId is the lead's Id; its instant is the Task's
-- CreatedDate (a Task's ActivityDate is a date without a time, and is the due date rather
-- than when the rep acted) and the Event's StartDateTime (its CreatedDate when
-- StartDateTime is empty). Only activities at or after the lead's CreatedDate and on or
-- before the as-of date (reporting-zone date) count: an earlier one is no response to the
-- lead, a later one (a meeting scheduled in the future) has not happened yet.
--
-- Incremental on DuckDB (macros/incremental_lead_first_activity.sql): the pre-hooks delete the
-- leads whose inputs changed and re-date the rest; this builds the leads the table no longer
-- holds.

{{ config(**lead_first_activity_config()) }}
{%- set incremental = is_incremental() and month_end_states_incremental_enabled() %}

with

leads as (
    select lead_id, owner_id, created_at, created_date, created_month
    from {{ ref('int_lead_qualification') }} as leads
    {%- if incremental %}
    -- the leads the table no longer holds
    where not exists (
        select 1 from {{ this }} as held where held.lead_id = leads.lead_id
    )
    {%- endif %}
),

calendar as (
    select as_of_date
    from {{ ref('int_reporting_calendar') }}
),

task_activities as (
    select
        'Task' as activity_object,
        task_id as activity_id,
        who_id,
        created_at as activity_at
    from {{ ref('stg_crm__tasks') }}
    where not is_deleted
),

event_activities as (
    select
        'Event' as activity_object,
        event_id as activity_id,
        who_id,
        coalesce(start_at, created_at) as activity_at
    from {{ ref('stg_crm__events') }}
    where not is_deleted
),

activities as (
    select * from task_activities
    union all
    select * from event_activities
),

lead_activities as (
    select
        leads.lead_id,
        activities.activity_object,
        activities.activity_id,
        activities.activity_at
    from leads
    inner join activities
        on activities.who_id = leads.lead_id
    cross join calendar
    where activities.activity_at >= leads.created_at
        and {{ to_reporting_date('activities.activity_at') }} <= calendar.as_of_date
),

first_activities as (
    -- earliest first; a tie goes to the Task, then to the smaller Id
    {{ latest_row_per_key('lead_activities', ['lead_id'], ['activity_at asc', 'activity_object desc', 'activity_id asc']) }}
)

select
    leads.lead_id,
    leads.owner_id,
    leads.created_at,
    leads.created_date,
    leads.created_month,
    first_activities.activity_object as first_activity_object,
    first_activities.activity_id as first_activity_id,
    first_activities.activity_at as first_activity_at,
    first_activities.activity_id is not null as has_activity,
    {{ hours_between('leads.created_at', 'first_activities.activity_at') }} as hours_to_first_activity,
    {{ lead_columns_hash('leads') }} as _lead_hash,
    calendar.as_of_date as _as_of_date,
    {{ staging_watermark_columns(activity_stagings()) }},
    '{{ build_hash() }}' as _build_hash,
    {{ build_started_at() }} as _built_at
from leads
cross join calendar
left join first_activities
    on leads.lead_id = first_activities.lead_id
