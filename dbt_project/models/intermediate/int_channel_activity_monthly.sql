-- Marketing-funnel counts and sums per month x channel, over every month of the spine (so
-- previous-month figures exist for the first month of the range) x every channel that some
-- lead, opportunity or ad spend row maps to (int_channel_mapping). Counts and sums are 0
-- where there are no rows. Ratios are left to the marts.
--   lead side, by the lead's LeadSource channel:
--     leads_created                     leads with CreatedDate in the month
--     qualified_leads                   leads whose qualified date is in the month
--     converted_leads                   leads created in the month with IsConverted (cohort)
--     cohort_qualified_leads            leads created in the month with a qualified date (cohort)
--     cohort_qualified_converted_leads  ... of which converted (cohort)
--   opportunity side, by the opportunity's own LeadSource channel:
--     opportunities_created             opportunities with CreatedDate in the month
--     pipeline_created_amount           their amount (current, reporting currency; null = 0)
--     cohort_won_opportunities          opportunities created in the month that are won (cohort)
--     won_deals, won_amount             won opportunities with CloseDate in the month
--   ad spend, by the platform's channel, dated in the month:
--     paid_media_spend (reporting currency; unconvertible = 0), impressions, clicks,
--     platform_conversions, ad_spend_rows
-- is_paid_channel: some ad spend row (any month) maps to the channel.

with

spine as (
    select month, is_in_range
    from {{ ref('int_month_spine') }}
),

channels_of_records as (
    select object_name, record_id, channel
    from {{ ref('int_channel_mapping') }}
),

channels as (
    select
        channel,
        max(case when object_name = 'ad_spend' then 1 else 0 end) = 1 as is_paid_channel
    from channels_of_records
    group by channel
),

leads as (
    select
        leads.lead_id,
        leads.created_month,
        leads.qualified_month,
        leads.qualified_date,
        leads.is_converted,
        channels_of_records.channel
    from {{ ref('int_lead_qualification') }} as leads
    inner join channels_of_records
        on channels_of_records.object_name = 'Lead'
        and channels_of_records.record_id = leads.lead_id
),

leads_created as (
    select
        created_month as month,
        channel,
        count(*) as leads_created,
        count(case when is_converted then lead_id end) as converted_leads,
        count(case when qualified_date is not null then lead_id end) as cohort_qualified_leads,
        count(case when qualified_date is not null and is_converted then lead_id end)
            as cohort_qualified_converted_leads
    from leads
    where created_month is not null
    group by created_month, channel
),

leads_qualified as (
    select
        qualified_month as month,
        channel,
        count(*) as qualified_leads
    from leads
    where qualified_month is not null
    group by qualified_month, channel
),

opportunities as (
    select
        opportunities.opportunity_id,
        {{ month_start('opportunities.created_date') }} as created_month,
        opportunities.close_month,
        opportunities.is_won,
        opportunities.amount_reporting,
        channels_of_records.channel
    from {{ ref('int_opportunities') }} as opportunities
    inner join channels_of_records
        on channels_of_records.object_name = 'Opportunity'
        and channels_of_records.record_id = opportunities.opportunity_id
),

opportunities_created as (
    select
        created_month as month,
        channel,
        count(*) as opportunities_created,
        sum(coalesce(amount_reporting, 0)) as pipeline_created_amount,
        count(case when is_won then opportunity_id end) as cohort_won_opportunities
    from opportunities
    where created_month is not null
    group by created_month, channel
),

deals_won as (
    select
        close_month as month,
        channel,
        count(*) as won_deals,
        sum(coalesce(amount_reporting, 0)) as won_amount
    from opportunities
    where is_won and close_month is not null
    group by close_month, channel
),

ad_spend as (
    select
        ad_spend.ad_spend_id,
        {{ month_start('ad_spend.spend_date') }} as spend_month,
        conversions.amount_reporting as spend_reporting,
        ad_spend.impressions,
        ad_spend.clicks,
        ad_spend.conversions,
        channels_of_records.channel
    from {{ ref('stg_marketing__ad_spend') }} as ad_spend
    inner join channels_of_records
        on channels_of_records.object_name = 'ad_spend'
        and channels_of_records.record_id = ad_spend.ad_spend_id
    left join {{ ref('int_currency_conversions') }} as conversions
        on conversions.object_name = 'ad_spend'
        and conversions.record_id = ad_spend.ad_spend_id
),

media as (
    select
        spend_month as month,
        channel,
        sum(coalesce(spend_reporting, 0)) as paid_media_spend,
        cast(sum(coalesce(impressions, 0)) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(coalesce(clicks, 0)) as {{ dbt.type_bigint() }}) as clicks,
        cast(sum(coalesce(conversions, 0)) as {{ dbt.type_bigint() }}) as platform_conversions,
        count(*) as ad_spend_rows
    from ad_spend
    group by spend_month, channel
)

select
    spine.month,
    spine.is_in_range,
    channels.channel,
    channels.is_paid_channel,
    coalesce(leads_created.leads_created, 0) as leads_created,
    coalesce(leads_qualified.qualified_leads, 0) as qualified_leads,
    coalesce(leads_created.converted_leads, 0) as converted_leads,
    coalesce(leads_created.cohort_qualified_leads, 0) as cohort_qualified_leads,
    coalesce(leads_created.cohort_qualified_converted_leads, 0) as cohort_qualified_converted_leads,
    coalesce(opportunities_created.opportunities_created, 0) as opportunities_created,
    coalesce(opportunities_created.pipeline_created_amount, 0) as pipeline_created_amount,
    coalesce(opportunities_created.cohort_won_opportunities, 0) as cohort_won_opportunities,
    coalesce(deals_won.won_deals, 0) as won_deals,
    coalesce(deals_won.won_amount, 0) as won_amount,
    coalesce(media.paid_media_spend, 0) as paid_media_spend,
    coalesce(media.impressions, 0) as impressions,
    coalesce(media.clicks, 0) as clicks,
    coalesce(media.platform_conversions, 0) as platform_conversions,
    coalesce(media.ad_spend_rows, 0) as ad_spend_rows
from spine
cross join channels
left join leads_created
    on leads_created.month = spine.month and leads_created.channel = channels.channel
left join leads_qualified
    on leads_qualified.month = spine.month and leads_qualified.channel = channels.channel
left join opportunities_created
    on opportunities_created.month = spine.month and opportunities_created.channel = channels.channel
left join deals_won
    on deals_won.month = spine.month and deals_won.channel = channels.channel
left join media
    on media.month = spine.month and media.channel = channels.channel
