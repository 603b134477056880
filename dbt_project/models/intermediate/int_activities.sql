-- Sales activities: every current, non-deleted Task and Event (the one place deleted
-- activities are dropped), with one normalised activity type and one activity date.
--
-- Activity type (values trimmed, case-insensitive): the type the Type field maps to, else
-- the one TaskSubtype maps to (a Type that maps to nothing, such as 'Other', defers to
-- TaskSubtype):
--   'call', 'phone call'                          -> call
--   'email', 'e-mail', 'listemail', 'list email'  -> email
--   'meeting'                                     -> meeting
-- A Task that maps to nothing (Other, Task, To Do, empty) is 'other'. An Event is a
-- 'meeting' unless it maps to call or email (an Event typed Meeting, Event, Other or
-- nothing is a meeting).
-- Activity date: Task ActivityDate (a date, no time zone); Event StartDateTime as a date in
-- the reporting time zone. Where that is empty, the reporting-zone date of CreatedDate
-- (the day the activity was logged). Status is not filtered: a planned (not started)
-- activity dated in a month counts in that month.
--
-- A view: one row per current activity (tens of millions at a large company) read by one
-- mart, so writing it as a table cost more than any reader saves (28 s of a 1M-opportunity
-- nightly run; docs/performance.md).

{{ config(materialized='view') }}

with

tasks as (
    select
        task_id as activity_id,
        'Task' as activity_object,
        owner_id,
        who_id,
        what_id,
        task_type as type_delivered,
        task_subtype as subtype_delivered,
        status,
        activity_date as dated_on,
        created_at
    from {{ ref('stg_crm__tasks') }}
    where not is_deleted
),

events as (
    select
        event_id as activity_id,
        'Event' as activity_object,
        owner_id,
        who_id,
        what_id,
        event_type as type_delivered,
        event_subtype as subtype_delivered,
        status,
        {{ to_reporting_date('start_at') }} as dated_on,
        created_at
    from {{ ref('stg_crm__events') }}
    where not is_deleted
),

activities as (
    select * from tasks
    union all
    select * from events
),

classified as (
    select
        activities.*,
        case
            when lower(trim(type_delivered)) in ('call', 'phone call') then 'call'
            when lower(trim(type_delivered)) in ('email', 'e-mail', 'listemail', 'list email') then 'email'
            when lower(trim(type_delivered)) = 'meeting' then 'meeting'
        end as type_from_type,
        case
            when lower(trim(subtype_delivered)) in ('call', 'phone call') then 'call'
            when lower(trim(subtype_delivered)) in ('email', 'e-mail', 'listemail', 'list email') then 'email'
            when lower(trim(subtype_delivered)) = 'meeting' then 'meeting'
        end as type_from_subtype
    from activities
)

select
    activity_id,
    activity_object,
    owner_id,
    who_id,
    what_id,
    type_delivered,
    subtype_delivered,
    status,
    case
        when activity_object = 'Event'
            and coalesce(type_from_type, type_from_subtype) in ('call', 'email')
            then coalesce(type_from_type, type_from_subtype)
        when activity_object = 'Event' then 'meeting'
        else coalesce(type_from_type, type_from_subtype, 'other')
    end as activity_type,
    coalesce(dated_on, {{ to_reporting_date('created_at') }}) as activity_date,
    case when dated_on is null then 'created_date'
        when activity_object = 'Task' then 'activity_date'
        else 'start_datetime' end as activity_date_source,
    {{ month_start('coalesce(dated_on, ' ~ to_reporting_date('created_at') ~ ')') }} as activity_month
from classified
