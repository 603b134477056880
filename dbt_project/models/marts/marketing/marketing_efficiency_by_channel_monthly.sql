-- Marketing efficiency by channel: one row per month of the reporting range x channel (the
-- channels of lead_funnel_by_channel_monthly). Media figures come from the ad spend whose
-- platform maps to the channel; leads, pipeline and bookings from the leads / opportunities
-- whose LeadSource maps to it (int_channel_mapping). Ratios are null on a 0 or null
-- denominator; cost_per_lead is null for a channel no ad spend maps to.

with

activity as (
    select * from {{ ref('int_channel_activity_monthly') }}
    where is_in_range
)

select
    month,
    channel,
    is_paid_channel,
    cast(paid_media_spend as numeric(38, 6)) as spend,
    impressions,
    clicks,
    platform_conversions,
    leads_created,
    opportunities_created,
    cast(pipeline_created_amount as numeric(38, 6)) as pipeline_created_amount,
    won_deals,
    cast(won_amount as numeric(38, 6)) as bookings,
    {{ safe_divide('won_amount', 'paid_media_spend') }} as return_on_ad_spend,
    {{ safe_divide('pipeline_created_amount', 'paid_media_spend') }} as pipeline_to_spend_ratio,
    case when is_paid_channel
        then {{ safe_divide('paid_media_spend', 'leads_created') }} end as cost_per_lead,
    {{ safe_divide('clicks', 'impressions') }} as click_through_rate,
    {{ safe_divide('paid_media_spend', 'clicks') }} as cost_per_click
from activity
order by month, channel
