-- Paid media spend, one row per day x platform x campaign, in the reporting currency.

with

ad_spend as (
    select * from {{ ref('stg_marketing__ad_spend') }}
),

conversions as (
    select record_id, amount_reporting, is_conversion_rate_missing
    from {{ ref('int_currency_conversions') }}
    where object_name = 'ad_spend'
)

select
    ad_spend.ad_spend_id,
    ad_spend.spend_date,
    {{ month_start('ad_spend.spend_date') }} as spend_month,
    ad_spend.platform,
    ad_spend.campaign_id,
    ad_spend.campaign_name,
    ad_spend.crm_campaign_id,
    coalesce(ad_spend.currency_code, {{ reporting_currency() }}) as currency_code,
    ad_spend.spend,
    conversions.amount_reporting as spend_reporting,
    coalesce(conversions.is_conversion_rate_missing, false) as is_conversion_rate_missing,
    ad_spend.impressions,
    ad_spend.clicks,
    ad_spend.conversions
from ad_spend
left join conversions
    on ad_spend.ad_spend_id = conversions.record_id
