-- The lead funnel by marketing channel: one row per month of the reporting range x channel
-- (every channel some lead, opportunity or ad spend row maps to; seed channel_mapping via
-- int_channel_mapping). Leads count in their LeadSource's channel, opportunities and deals in
-- the opportunity's own LeadSource's channel, ad spend in its platform's channel. Counts and
-- sums are 0 where there are no rows; ratios are null on a 0 or null denominator. Stage rates
-- are cohort rates (of the leads / opportunities created in the month, the share that reached
-- the next stage by the as-of date): recent months are immature.

with

activity as (
    select * from {{ ref('int_channel_activity_monthly') }}
),

with_previous_month as (
    select
        activity.*,
        lag(qualified_leads) over (partition by channel order by month) as qualified_leads_previous_month
    from activity
),

metrics as (
    select
        month,
        channel,
        is_paid_channel,
        leads_created,
        qualified_leads,
        converted_leads,
        cohort_qualified_leads,
        cohort_qualified_converted_leads,
        opportunities_created,
        cohort_won_opportunities,
        won_deals,
        won_amount,
        {{ safe_divide('cohort_qualified_leads', 'leads_created') }} as lead_to_qualified_rate,
        {{ safe_divide('cohort_qualified_converted_leads', 'cohort_qualified_leads') }} as qualified_to_converted_rate,
        {{ safe_divide('converted_leads', 'leads_created') }} as lead_conversion_rate,
        {{ safe_divide('cohort_won_opportunities', 'opportunities_created') }} as opportunity_to_won_rate,
        {{ lead_velocity_rate('qualified_leads', 'qualified_leads_previous_month') }}
            as lead_velocity_rate,
        paid_media_spend,
        case when is_paid_channel
            then {{ safe_divide('paid_media_spend', 'leads_created') }} end as cost_per_lead,
        case when is_paid_channel
            then {{ safe_divide('paid_media_spend', 'opportunities_created') }} end as cost_per_opportunity,
        is_in_range
    from with_previous_month
)

select
    month,
    channel,
    is_paid_channel,
    leads_created,
    qualified_leads,
    converted_leads,
    cohort_qualified_leads,
    cohort_qualified_converted_leads,
    opportunities_created,
    cohort_won_opportunities,
    won_deals,
    cast(won_amount as numeric(38, 6)) as won_amount,
    lead_to_qualified_rate,
    qualified_to_converted_rate,
    lead_conversion_rate,
    opportunity_to_won_rate,
    lead_velocity_rate,
    cast(paid_media_spend as numeric(38, 6)) as paid_media_spend,
    cost_per_lead,
    cost_per_opportunity
from metrics
where is_in_range
order by month, channel
