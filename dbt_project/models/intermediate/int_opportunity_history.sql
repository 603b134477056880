-- Opportunity state rows: the non-deleted history rows of non-deleted opportunities, each
-- with its change date in the reporting time zone, the stage's flags, probability (the
-- row's, else the stage default) and amount in the reporting currency. close_date is the
-- row's own (nullable: such a row counts in no coverage numerator); the opportunity's close
-- date is used only to pick the conversion rate (int_currency_conversions).
--
-- Incremental on DuckDB (macros/incremental_opportunity_history.sql): the pre-hook deletes the
-- rows whose inputs changed; this builds the rows the table does not hold.

{{ config(**opportunity_history_config()) }}
{%- set incremental = is_incremental() and month_end_states_incremental_enabled() %}

with

history as (
    select *
    from {{ ref('stg_crm__opportunity_history') }} as history
    where not is_deleted
    {%- if incremental %}
        -- the rows the table does not hold (`not in`: DuckDB planned `not exists` here as a
        -- grouping of every Id, 3x slower at 4.6M rows; the Ids are never null)
        and opportunity_history_id not in (
            select held.opportunity_history_id
            from {{ this }} as held
            where held.opportunity_history_id is not null
        )
    {%- endif %}
),

opportunities as (
    select opportunity_id
    from {{ ref('int_opportunities') }}
),

stages as (
    select * from {{ ref('int_opportunity_stages') }}
),

conversions as (
    select record_id, amount_reporting, is_conversion_rate_missing
    from {{ ref('int_currency_conversions') }}
    where object_name = 'OpportunityHistory'
),

state_rows as (
    select
        history.opportunity_history_id,
        history.opportunity_id,
        history.created_at,
        {{ to_reporting_date('history.created_at') }} as created_date,
        history.stage_name,
        stages.stage_name is not null as is_stage_known,
        coalesce(stages.is_closed, false) as is_closed,
        coalesce(stages.is_won, false) as is_won,
        not coalesce(stages.is_closed, false) as is_open,
        coalesce(history.probability, stages.default_probability) as probability,
        history.amount,
        conversions.amount_reporting,
        coalesce(conversions.is_conversion_rate_missing, false) as is_conversion_rate_missing,
        history.close_date,
        coalesce(history.forecast_category, stages.forecast_category) as forecast_category,
        history._file_seq,
        history._row_number,
        ({{ opportunity_history_stages_hash_query() }}) as _stages_hash,
        {{ deal_money_bookkeeping_columns() | indent(8) }}
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    left join stages
        on history.stage_name = stages.stage_name
    left join conversions
        on history.opportunity_history_id = conversions.record_id
)

select * from state_rows
