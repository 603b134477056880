-- Time in stage from OpportunityHistory: one row per stage (as stage_conversion), over the
-- stage spells of int_opportunity_stage_spells (history up to the as-of date).
--   completed spells: a stay in the stage that ended with a change to another stage;
--     days = reporting-zone date of that change - date of entering the stage. Each spell
--     counts (a deal back in a stage it left earlier has two spells). These give the
--     average and median.
--   current spells: the stage an open deal is in at the end of the as-of date (its last
--     spell, in an open stage). Excluded from the average and median (the stay is not
--     over); reported apart, measured to the as-of date.
-- The last spell in a closed stage (won/lost: the deal's end) is not a time in stage and
-- counts nowhere.

with

stages as (
    select stage_name, sort_order, is_closed, true as is_stage_known
    from {{ ref('int_opportunity_stages') }}
),

spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

unknown_stages as (
    select distinct
        stage_name,
        cast(null as integer) as sort_order,
        false as is_closed,
        false as is_stage_known
    from spells
    where not is_stage_known
        and stage_name is not null
),

all_stages as (
    select * from stages
    union all
    select * from unknown_stages
),

completed as (
    select
        stage_name,
        count(*) as completed_spells,
        count(distinct opportunity_id) as opportunities_with_completed_spells,
        avg(cast(days_in_stage as {{ type_double() }})) as days_in_stage_avg,
        {{ median('cast(days_in_stage as ' ~ type_double() ~ ')') }} as days_in_stage_median,
        min(days_in_stage) as days_in_stage_min,
        max(days_in_stage) as days_in_stage_max
    from spells
    where not is_last_spell
    group by stage_name
),

in_progress as (
    select
        stage_name,
        count(*) as current_spells,
        avg(cast(days_in_stage_to_as_of_date as {{ type_double() }})) as current_days_in_stage_avg,
        {{ median('cast(days_in_stage_to_as_of_date as ' ~ type_double() ~ ')') }}
            as current_days_in_stage_median
    from spells
    where is_last_spell
        and is_open_stage
    group by stage_name
)

select
    all_stages.stage_name,
    all_stages.sort_order,
    all_stages.is_stage_known,
    all_stages.is_closed,
    coalesce(completed.completed_spells, 0) as completed_spells,
    coalesce(completed.opportunities_with_completed_spells, 0) as opportunities_with_completed_spells,
    completed.days_in_stage_avg,
    completed.days_in_stage_median,
    completed.days_in_stage_min,
    completed.days_in_stage_max,
    coalesce(in_progress.current_spells, 0) as current_spells,
    in_progress.current_days_in_stage_avg,
    in_progress.current_days_in_stage_median
from all_stages
left join completed
    on all_stages.stage_name = completed.stage_name
left join in_progress
    on all_stages.stage_name = in_progress.stage_name
order by all_stages.sort_order nulls last, all_stages.stage_name
