with

source as (
    select * from {{ ref('base_marketing__ad_spend') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ to_date('date') }} as spend_date,
        {{ clean_string('platform') }} as platform,
        {{ clean_string('campaign_id') }} as campaign_id,
        {{ clean_string('campaign_name') }} as campaign_name,
        {{ clean_string('crm_campaign_id') }} as crm_campaign_id,
        {{ to_decimal('spend') }} as spend,
        {{ to_currency_code('currency') }} as currency_code,
        {{ to_integer('impressions') }} as impressions,
        {{ to_integer('clicks') }} as clicks,
        {{ to_integer('conversions') }} as conversions,
        _file,
        _file_seq,
        _row_number,
        _loaded_at,
        _rules_hash
    from source
),

keyed as (
    select
        {{ surrogate_key(['spend_date', 'platform', 'campaign_id']) }} as ad_spend_id,
        typed.*
    from typed
    where spend_date is not null
        and platform is not null
        and campaign_id is not null
),

current_rows as (
    {{ latest_row_per_key('keyed', ['spend_date', 'platform', 'campaign_id'], later_row_first()) }}
)

select
    ad_spend_id,
    spend_date,
    platform,
    campaign_id,
    campaign_name,
    crm_campaign_id,
    spend,
    currency_code,
    impressions,
    clicks,
    conversions,
    _file,
    _file_seq,
    _row_number,
    _loaded_at,
    _rules_hash
from current_rows
