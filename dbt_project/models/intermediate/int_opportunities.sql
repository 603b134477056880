-- Non-deleted opportunities with the deal-status flags, defined once for the project:
--   is_closed / is_won: the opportunity's IsClosed / IsWon when present, else the stage's
--   is_lost = is_closed and not is_won; is_open = not is_closed
-- plus probability (0-1: the opportunity's, else the stage default), the amount in the
-- reporting currency, dates bucketed in the reporting time zone, the contract term and the
-- sales cycle.

with

opportunities as (
    select *
    from {{ ref('stg_crm__opportunities') }}
    where not is_deleted
),

stages as (
    select * from {{ ref('int_opportunity_stages') }}
),

conversions as (
    select record_id, amount_reporting, is_conversion_rate_missing
    from {{ ref('int_currency_conversions') }}
    where object_name = 'Opportunity'
),

deal_status as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        opportunities.opportunity_type,
        opportunities.lead_source,
        opportunities.campaign_id,
        opportunities.stage_name,
        stages.stage_name is not null as is_stage_known,
        coalesce(opportunities.forecast_category, stages.forecast_category) as forecast_category,
        opportunities.created_at,
        {{ to_reporting_date('opportunities.created_at') }} as created_date,
        opportunities.close_date,
        opportunities.currency_code,
        opportunities.amount,
        conversions.amount_reporting,
        coalesce(conversions.is_conversion_rate_missing, false) as is_conversion_rate_missing,
        coalesce(opportunities.probability, stages.default_probability) as probability,
        coalesce(opportunities.is_closed, stages.is_closed, false) as is_closed,
        coalesce(opportunities.is_won, stages.is_won, false) as is_won,
        opportunities.contract_term_months as contract_term_months_delivered,
        coalesce(
            opportunities.contract_term_months,
            {{ var('default_contract_term_months') }}
        ) as contract_term_months
    from opportunities
    left join stages
        on opportunities.stage_name = stages.stage_name
    left join conversions
        on opportunities.opportunity_id = conversions.record_id
),

flagged as (
    select
        opportunity_id,
        account_id,
        owner_id,
        opportunity_type,
        lead_source,
        campaign_id,
        stage_name,
        is_stage_known,
        forecast_category,
        created_at,
        created_date,
        close_date,
        {{ month_start('close_date') }} as close_month,
        currency_code,
        amount,
        amount_reporting,
        is_conversion_rate_missing,
        probability,
        is_closed,
        is_won,
        is_closed and not is_won as is_lost,
        not is_closed as is_open,
        lower(coalesce(opportunity_type, '')) in {{ existing_business_types_list() }} as is_existing_business,
        contract_term_months,
        contract_term_months <= 0 as is_contract_term_invalid,
        {{ dbt.datediff('created_date', 'close_date', 'day') }} as sales_cycle_days
    from deal_status
)

select
    *,
    sales_cycle_days < 0 as is_sales_cycle_negative
from flagged
