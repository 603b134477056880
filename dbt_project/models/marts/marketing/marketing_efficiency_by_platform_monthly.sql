-- Media efficiency by ad platform: one row per month of the reporting range x platform (every
-- platform of the ad spend data, as delivered), with the platform's channel. Leads and
-- bookings are not attributable to a platform (a lead carries a LeadSource, not a platform):
-- they are in marketing_efficiency_by_channel_monthly. Ratios are null on a 0 denominator.

with

spine as (
    select month
    from {{ ref('int_month_spine') }}
    where is_in_range
),

ad_spend as (
    select
        spend.ad_spend_id,
        spend.spend_month,
        spend.platform,
        spend.spend_reporting,
        spend.impressions,
        spend.clicks,
        spend.conversions,
        channels.channel
    from {{ ref('fct_marketing_spend') }} as spend
    inner join {{ ref('int_channel_mapping') }} as channels
        on channels.object_name = 'ad_spend'
        and channels.record_id = spend.ad_spend_id
),

platforms as (
    select distinct platform, channel
    from ad_spend
),

media as (
    select
        spend_month as month,
        platform,
        sum(coalesce(spend_reporting, 0)) as spend,
        cast(sum(coalesce(impressions, 0)) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(coalesce(clicks, 0)) as {{ dbt.type_bigint() }}) as clicks,
        cast(sum(coalesce(conversions, 0)) as {{ dbt.type_bigint() }}) as platform_conversions
    from ad_spend
    group by spend_month, platform
),

monthly as (
    select
        spine.month,
        platforms.platform,
        platforms.channel,
        coalesce(media.spend, 0) as spend,
        coalesce(media.impressions, 0) as impressions,
        coalesce(media.clicks, 0) as clicks,
        coalesce(media.platform_conversions, 0) as platform_conversions
    from spine
    cross join platforms
    left join media
        on media.month = spine.month
        and media.platform = platforms.platform
)

select
    month,
    platform,
    channel,
    cast(spend as numeric(38, 6)) as spend,
    impressions,
    clicks,
    platform_conversions,
    {{ safe_divide('clicks', 'impressions') }} as click_through_rate,
    {{ safe_divide('spend', 'clicks') }} as cost_per_click,
    {{ safe_divide('spend', 'platform_conversions') }} as cost_per_platform_conversion
from monthly
order by month, platform
