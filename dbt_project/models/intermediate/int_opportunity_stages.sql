-- The stage picklist in force: the data's OpportunityStage (current, non-deleted) over the
-- shipped default, matched by exact stage name (the data wins).

with

data_stages as (
    select
        stage_name,
        sort_order,
        default_probability,
        is_closed,
        is_won,
        forecast_category,
        opportunity_stage_id
    from {{ ref('stg_crm__opportunity_stages') }}
    where not is_deleted
        and stage_name is not null
),

-- One definition per stage name, should the org export hold two records with one label.
data_stage_per_name as (
    {{ latest_row_per_key('data_stages', ['stage_name'], ['sort_order asc nulls last', 'opportunity_stage_id asc']) }}
),

default_stages as (
    select
        stage_name,
        sort_order,
        default_probability,
        is_closed,
        is_won,
        forecast_category
    from {{ ref('default_opportunity_stages') }}
),

stages as (
    select
        stage_name,
        cast(sort_order as integer) as sort_order,
        cast(default_probability as {{ type_share() }}) as default_probability,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        forecast_category,
        'data' as stage_source
    from data_stage_per_name

    union all

    select
        default_stages.stage_name,
        cast(default_stages.sort_order as integer) as sort_order,
        cast(default_stages.default_probability as {{ type_share() }}) as default_probability,
        default_stages.is_closed,
        default_stages.is_won,
        default_stages.forecast_category,
        'default' as stage_source
    from default_stages
    where not exists (
        select 1
        from data_stage_per_name
        where data_stage_per_name.stage_name = default_stages.stage_name
    )
)

select * from stages
