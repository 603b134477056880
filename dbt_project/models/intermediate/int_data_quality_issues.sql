-- The contract violations the metrics depend on, one row per violation. The orchestrator
-- reads this table and fails the run on severity 'error' with these messages; dbt itself
-- only warns (the test on this model has severity warn).
--   unknown_stage          (error) a StageName in neither the data's OpportunityStage nor
--                          the shipped default (Opportunity or OpportunityHistory)
--   missing_currency_rate  (error) an amount in a currency other than the reporting
--                          currency with no covering DatedConversionRate
--   invalid_contract_term  (error) a won deal whose Contract_Term_Months__c is <= 0
--   negative_sales_cycle   (warn)  a won deal closing before it was created (excluded from
--                          the sales-cycle metrics)

with

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

history as (
    select * from {{ ref('int_opportunity_history') }}
),

conversions as (
    select * from {{ ref('int_currency_conversions') }}
),

unknown_opportunity_stages as (
    select
        'unknown_stage' as check_name,
        'error' as severity,
        'Opportunity' as object_name,
        opportunity_id as record_id,
        'StageName' as field_name,
        stage_name as field_value,
        'Opportunity ' || opportunity_id || ' has stage '
            || coalesce('''' || stage_name || '''', 'null')
            || ', which is neither in OpportunityStage nor in the default stage list' as message
    from opportunities
    where not is_stage_known
),

unknown_history_stages as (
    select
        'unknown_stage' as check_name,
        'error' as severity,
        'OpportunityHistory' as object_name,
        opportunity_history_id as record_id,
        'StageName' as field_name,
        stage_name as field_value,
        'OpportunityHistory ' || opportunity_history_id || ' (opportunity ' || opportunity_id
            || ') has stage ' || coalesce('''' || stage_name || '''', 'null')
            || ', which is neither in OpportunityStage nor in the default stage list' as message
    from history
    where not is_stage_known
),

missing_rate_records as (
    select
        'Opportunity' as object_name,
        opportunity_id as record_id
    from opportunities
    where is_conversion_rate_missing

    union all

    select
        'OpportunityHistory' as object_name,
        opportunity_history_id as record_id
    from history
    where is_conversion_rate_missing

    union all

    select object_name, record_id
    from conversions
    where object_name in ('ad_spend', 'sm_expenses')
        and is_conversion_rate_missing
),

missing_rates as (
    select
        'missing_currency_rate' as check_name,
        'error' as severity,
        missing_rate_records.object_name,
        missing_rate_records.record_id,
        'CurrencyIsoCode' as field_name,
        conversions.currency_code as field_value,
        missing_rate_records.object_name || ' ' || missing_rate_records.record_id
            || ': amount in ' || conversions.currency_code || ' cannot be converted to '
            || {{ reporting_currency() }} || ': no DatedConversionRate for '
            || case
                when conversions.source_rate is null and conversions.reporting_rate is null
                    then conversions.currency_code || ' nor ' || {{ reporting_currency() }}
                when conversions.source_rate is null then conversions.currency_code
                else {{ reporting_currency() }}
            end
            || ' covering ' || coalesce(cast(conversions.rate_date as {{ dbt.type_string() }}), 'a missing date')
            as message
    from missing_rate_records
    inner join conversions
        on missing_rate_records.object_name = conversions.object_name
        and missing_rate_records.record_id = conversions.record_id
),

invalid_contract_terms as (
    select
        'invalid_contract_term' as check_name,
        'error' as severity,
        'Opportunity' as object_name,
        opportunity_id as record_id,
        'Contract_Term_Months__c' as field_name,
        cast(contract_term_months as {{ dbt.type_string() }}) as field_value,
        'Opportunity ' || opportunity_id || ' is won with a contract term of '
            || cast(contract_term_months as {{ dbt.type_string() }})
            || ' months (must be > 0); it makes no contract' as message
    from opportunities
    where is_won
        and is_contract_term_invalid
),

negative_sales_cycles as (
    select
        'negative_sales_cycle' as check_name,
        'warn' as severity,
        'Opportunity' as object_name,
        opportunity_id as record_id,
        'CloseDate' as field_name,
        cast(close_date as {{ dbt.type_string() }}) as field_value,
        'Opportunity ' || opportunity_id || ' is won with CloseDate '
            || cast(close_date as {{ dbt.type_string() }}) || ' before its creation date '
            || cast(created_date as {{ dbt.type_string() }})
            || ' (sales cycle ' || cast(sales_cycle_days as {{ dbt.type_string() }})
            || ' days); excluded from the sales-cycle metrics' as message
    from opportunities
    where is_won
        and is_sales_cycle_negative
),

issues as (
    select * from unknown_opportunity_stages
    union all
    select * from unknown_history_stages
    union all
    select * from missing_rates
    union all
    select * from invalid_contract_terms
    union all
    select * from negative_sales_cycles
),

-- Where each record came from, so a message names the file, the row and the field.
record_sources as (
    select 'Opportunity' as object_name, opportunity_id as record_id, _file, _row_number
    from {{ ref('stg_crm__opportunities') }}
    union all
    select 'OpportunityHistory', opportunity_history_id, _file, _row_number
    from {{ ref('stg_crm__opportunity_history') }}
    union all
    select 'ad_spend', ad_spend_id, _file, _row_number
    from {{ ref('stg_marketing__ad_spend') }}
    union all
    select 'sm_expenses', sm_expense_id, _file, _row_number
    from {{ ref('stg_finance__sm_expenses') }}
)

select
    issues.check_name,
    issues.severity,
    issues.object_name,
    issues.record_id,
    issues.field_name,
    issues.field_value,
    record_sources._file as source_file,
    record_sources._row_number as source_row,
    issues.message
        || coalesce(
            ' [' || record_sources._file || ', row '
            || cast(record_sources._row_number as {{ dbt.type_string() }})
            || ', field ' || issues.field_name || ']',
            ''
        ) as message
from issues
left join record_sources
    on issues.object_name = record_sources.object_name
    and issues.record_id = record_sources.record_id
