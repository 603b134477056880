-- One row per non-deleted opportunity, with the deal-status flags and amounts of
-- int_opportunities (where every definition lives).

select
    opportunity_id,
    account_id,
    owner_id,
    opportunity_type,
    lead_source,
    campaign_id,
    stage_name,
    forecast_category,
    created_date,
    close_date,
    close_month,
    currency_code,
    amount,
    amount_reporting,
    probability,
    is_closed,
    is_won,
    is_lost,
    is_open,
    is_existing_business,
    contract_term_months,
    sales_cycle_days,
    is_sales_cycle_negative,
    is_stage_known,
    is_conversion_rate_missing
from {{ ref('int_opportunities') }}
