-- One fingerprint per lead of what int_lead_first_activity computes its row from: the lead's
-- columns it reads and every activity naming the lead (object, Id, instant). A new, changed,
-- re-parented or deleted activity, or a changed lead, changes it. An incremental build
-- recomputes the leads whose fingerprint changed (macros/incremental_lead_first_activity.sql).
--
-- A table: read whole by the delete of changed leads and looked up by the build of the few
-- leads rebuilt; as a view, each read aggregated the 15M activities again (~3 s at 1M
-- opportunities).

with

leads as (
    select lead_id, owner_id, created_at, created_date, created_month
    from {{ ref('int_lead_qualification') }}
),

activities as (
    select activity_object, activity_id, who_id, activity_at
    from {{ ref('int_activities') }}
    where who_id is not null
),

-- the set of activities naming each record (leads and others), hashed before the join: one
-- aggregation over the activities, then a join of one row per record
activity_sets as (
    select
        who_id,
        {{ row_set_hash(['activity_object', 'activity_id', 'activity_at']) }} as activities_hash
    from activities
    group by who_id
)

select
    leads.lead_id,
    -- one row per lead: the hash of a set of one row
    {{ row_set_hash([
        'leads.owner_id', 'leads.created_at', 'leads.created_date', 'leads.created_month',
        'activity_sets.activities_hash'
    ]) }} as inputs_hash
from leads
left join activity_sets
    on leads.lead_id = activity_sets.who_id
group by leads.lead_id
