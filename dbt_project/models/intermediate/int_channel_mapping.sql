-- THE channel of every record that has one (seed channel_mapping): one row per non-deleted
-- lead (its LeadSource), non-deleted opportunity (its LeadSource) and ad spend row (its
-- platform). Matching is case-insensitive on trimmed values; a value the seed does not list
-- is 'Other'; a null or blank value is 'Unknown'. Consumers join on (object_name, record_id),
-- like int_currency_conversions; no other model reads the seed.

with

mapping as (
    select
        source_type,
        lower(trim(source_value)) as source_key,
        trim(channel) as channel
    from {{ ref('channel_mapping') }}
    where {{ clean_string('source_value') }} is not null
),

lead_records as (
    select
        'Lead' as object_name,
        lead_id as record_id,
        'lead_source' as source_type,
        lead_source as source_value
    from {{ ref('int_lead_qualification') }}
),

opportunity_records as (
    select
        'Opportunity' as object_name,
        opportunity_id as record_id,
        'lead_source' as source_type,
        lead_source as source_value
    from {{ ref('int_opportunities') }}
),

ad_spend_records as (
    select
        'ad_spend' as object_name,
        ad_spend_id as record_id,
        'ad_platform' as source_type,
        platform as source_value
    from {{ ref('stg_marketing__ad_spend') }}
),

records as (
    select * from lead_records
    union all
    select * from opportunity_records
    union all
    select * from ad_spend_records
),

mapped as (
    select
        records.object_name,
        records.record_id,
        records.source_type,
        records.source_value,
        case
            when {{ clean_string('records.source_value') }} is null then 'Unknown'
            when mapping.channel is not null then mapping.channel
            else 'Other'
        end as channel,
        mapping.channel is not null as is_mapped
    from records
    left join mapping
        on mapping.source_type = records.source_type
        and mapping.source_key = lower(trim(records.source_value))
)

select * from mapped
