-- Stage-to-stage conversion from OpportunityHistory: one row per stage of the picklist in
-- force (int_opportunity_stages, in SortOrder), plus any stage found in history but not in
-- the picklist (sort_order null, listed last). Built on the stage spells of
-- int_opportunity_stage_spells (history up to the as-of date; opportunities without any
-- history row are not counted).
--   opportunities_reached   opportunities with a history row in the stage (a stage skipped
--                           on the way is not reached)
--   opportunities_advanced  of those, the ones that later (after first entering the stage)
--                           moved to a stage further on: an open stage with a greater
--                           SortOrder, or a won stage (has_advanced_after of the first
--                           spell). Closed Lost is not an advance. Null for closed and
--                           unknown stages.
--   opportunities_won / _lost / _open   of those reached, the deal status now
--                           (int_opportunities: IsWon/IsClosed, else the stage's)

with

stages as (
    select stage_name, sort_order, is_closed, is_won, forecast_category
    from {{ ref('int_opportunity_stages') }}
),

spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

unknown_stages as (
    select distinct
        spells.stage_name,
        cast(null as integer) as sort_order,
        false as is_closed,
        false as is_won,
        cast(null as {{ dbt.type_string() }}) as forecast_category
    from spells
    where not spells.is_stage_known
        and spells.stage_name is not null
),

all_stages as (
    select stage_name, sort_order, is_closed, is_won, forecast_category, true as is_stage_known
    from stages
    union all
    select stage_name, sort_order, is_closed, is_won, forecast_category, false as is_stage_known
    from unknown_stages
),

-- An opportunity reaches a stage at its first spell there; whether it advanced from there is
-- the spell's has_advanced_after (int_opportunity_stage_spells).
reached as (
    select
        first_spells.opportunity_id,
        first_spells.stage_name,
        first_spells.has_advanced_after as has_advanced,
        opportunities.is_won,
        opportunities.is_lost,
        opportunities.is_open
    from spells as first_spells
    inner join all_stages
        on first_spells.stage_name = all_stages.stage_name
    inner join {{ ref('int_opportunities') }} as opportunities
        on first_spells.opportunity_id = opportunities.opportunity_id
    where first_spells.is_first_spell_in_stage
),

per_stage as (
    select
        stage_name,
        count(*) as opportunities_reached,
        count(case when has_advanced then opportunity_id end) as opportunities_advanced,
        count(case when is_won then opportunity_id end) as opportunities_won,
        count(case when is_lost then opportunity_id end) as opportunities_lost,
        count(case when is_open then opportunity_id end) as opportunities_open
    from reached
    group by stage_name
),

conversion as (
    select
        all_stages.stage_name,
        all_stages.sort_order,
        all_stages.is_stage_known,
        all_stages.is_closed,
        all_stages.is_won,
        all_stages.forecast_category,
        coalesce(per_stage.opportunities_reached, 0) as opportunities_reached,
        case when not all_stages.is_closed and all_stages.is_stage_known
            then coalesce(per_stage.opportunities_advanced, 0) end as opportunities_advanced,
        coalesce(per_stage.opportunities_won, 0) as opportunities_won,
        coalesce(per_stage.opportunities_lost, 0) as opportunities_lost,
        coalesce(per_stage.opportunities_open, 0) as opportunities_open
    from all_stages
    left join per_stage
        on all_stages.stage_name = per_stage.stage_name
)

select
    stage_name,
    sort_order,
    is_stage_known,
    is_closed,
    is_won,
    forecast_category,
    opportunities_reached,
    opportunities_advanced,
    {{ safe_divide('opportunities_advanced', 'opportunities_reached') }} as advance_rate,
    opportunities_won,
    opportunities_lost,
    opportunities_open,
    {{ safe_divide('opportunities_won', 'opportunities_reached') }} as won_rate,
    {{ win_rate('opportunities_won', 'opportunities_lost') }} as closed_won_rate
from conversion
order by sort_order nulls last, stage_name
