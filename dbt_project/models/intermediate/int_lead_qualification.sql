-- Non-deleted leads with their creation date in the reporting time zone, conversion, and
-- qualified date = the earlier of MQL_Date__c and ConvertedDate (either may be null).

with

leads as (
    select *
    from {{ ref('stg_crm__leads') }}
    where not is_deleted
),

qualified as (
    select
        lead_id,
        owner_id,
        status,
        lead_source,
        industry,
        country,
        created_at,
        {{ to_reporting_date('created_at') }} as created_date,
        coalesce(is_converted, false) as is_converted,
        converted_date,
        converted_account_id,
        converted_contact_id,
        converted_opportunity_id,
        mql_date,
        case
            when mql_date is null then converted_date
            when converted_date is null then mql_date
            when converted_date < mql_date then converted_date
            else mql_date
        end as qualified_date
    from leads
)

select
    *,
    {{ month_start('created_date') }} as created_month,
    {{ month_start('qualified_date') }} as qualified_month
from qualified
