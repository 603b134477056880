-- Each month-end pipeline state of int_pipeline_month_end_state with what the pipeline
-- marts need beyond it, defined once here:
--   * is_won_at_month_end / is_lost_at_month_end: the state's stage flags (the history
--     row's, as int_opportunity_history defines them; for a 'current' state, the deal-status
--     flags of int_opportunities);
--   * forecast_category: the state's ForecastCategory (the history row's, else its
--     stage's; for a 'current' state, the opportunity's ForecastCategoryName, else its
--     stage's), spelled canonically: Salesforce's API values ('BestCase') and labels
--     ('Best Case') in any case map to Pipeline / Best Case / Commit / Omitted / Closed;
--     any other value is kept as delivered;
--   * weighted_amount_reporting: amount x probability, both null -> 0, exactly as
--     sales_metrics_monthly weighs the open pipeline.
--
-- Incremental on DuckDB (macros/incremental_month_end_states.sql): only the state rows of
-- builds this table has not followed are read, and replace their rows.

{{ config(**month_end_state_followers_config()) }}

with

states as (
    select * from {{ ref('int_pipeline_month_end_state') }} as states
    where true
    {{- only_states_built_after_this() }}
),

history as (
    select opportunity_history_id, is_won, forecast_category
    from {{ ref('int_opportunity_history') }}
),

opportunities as (
    select opportunity_id, is_won, forecast_category
    from {{ ref('int_opportunities') }}
),

state_status as (
    select
        states.month,
        states.opportunity_id,
        states.state_source,
        states.opportunity_history_id,
        states.stage_name,
        states.amount_reporting,
        states.probability,
        states.close_date,
        states.close_month,
        states.is_open_at_month_end,
        case
            when states.state_source = 'current' then coalesce(opportunities.is_won, false)
            else coalesce(history.is_won, false)
        end as is_won_state,
        case
            when states.state_source = 'current' then opportunities.forecast_category
            else history.forecast_category
        end as forecast_category_delivered,
        states._built_at as _state_built_at
    from states
    left join history
        on states.opportunity_history_id = history.opportunity_history_id
    left join opportunities
        on states.opportunity_id = opportunities.opportunity_id
),

final as (
    select
        month,
        opportunity_id,
        state_source,
        opportunity_history_id,
        stage_name,
        amount_reporting,
        probability,
        close_date,
        close_month,
        is_open_at_month_end,
        not is_open_at_month_end and is_won_state as is_won_at_month_end,
        not is_open_at_month_end and not is_won_state as is_lost_at_month_end,
        case replace(lower(forecast_category_delivered), ' ', '')
            when 'pipeline' then 'Pipeline'
            when 'bestcase' then 'Best Case'
            when 'commit' then 'Commit'
            when 'omitted' then 'Omitted'
            when 'closed' then 'Closed'
            else forecast_category_delivered
        end as forecast_category,
        -- Declared type (DuckDB's own for amount x share): on PostgreSQL the product of an
        -- unconstrained numeric has no declared scale, so its values' scale would vary by row.
        cast(
            coalesce(amount_reporting, 0) * cast(coalesce(probability, 0) as {{ type_share() }})
            as numeric(38, 14)
        ) as weighted_amount_reporting,
        _state_built_at,
        '{{ build_hash() }}' as _build_hash,
        -- the rows this build wrote (macros/duplicate_key_guard.sql)
        {{ build_started_at() }} as _built_at
    from state_status
)

select * from final
