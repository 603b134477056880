-- The one place money is converted to the reporting currency (sources.md "Money").
-- One row per money-bearing record (deleted or not; consumers exclude deletes):
--   amount_reporting = amount / rate(currency) * rate(reporting currency), both rates the
--   ones whose [valid_from, valid_to) holds the record's rate date. A record in the
--   reporting currency (or with no currency) converts with factor 1 and needs no rate.
--   A record needing a rate that no period covers gets a null amount_reporting and
--   is_conversion_rate_missing (reported by int_data_quality_issues).
-- Rate dates: Opportunity CloseDate; OpportunityHistory row CloseDate, else the
-- opportunity's (in the opportunity's currency); ad spend its date; sm_expenses the first
-- day of its month.
--
-- Incremental on DuckDB (macros/incremental_currency_conversions.sql): the pre-hook deletes the
-- rows whose inputs changed; this converts the records the table does not hold.

{{ config(**currency_conversions_config()) }}
{%- set incremental = is_incremental() and month_end_states_incremental_enabled() %}

with

opportunities as (
    select opportunity_id, amount, currency_code, close_date
    from {{ ref('stg_crm__opportunities') }}
),

opportunity_records as (
    select
        'Opportunity' as object_name,
        opportunity_id as record_id,
        amount,
        currency_code,
        close_date as rate_date
    from opportunities
    {%- if incremental %}
    where {{ conversion_not_held('Opportunity', 'opportunities', 'opportunity_id') }}
    {%- endif %}
),

opportunity_history_records as (
    select
        'OpportunityHistory' as object_name,
        history.opportunity_history_id as record_id,
        history.amount,
        opportunities.currency_code,
        coalesce(history.close_date, opportunities.close_date) as rate_date
    from {{ ref('stg_crm__opportunity_history') }} as history
    left join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    {%- if incremental %}
    where {{ conversion_not_held('OpportunityHistory', 'history', 'opportunity_history_id') }}
    {%- endif %}
),

ad_spend_records as (
    select
        'ad_spend' as object_name,
        ad_spend_id as record_id,
        spend as amount,
        currency_code,
        spend_date as rate_date
    from {{ ref('stg_marketing__ad_spend') }} as ad_spend
    {%- if incremental %}
    where {{ conversion_not_held('ad_spend', 'ad_spend', 'ad_spend_id') }}
    {%- endif %}
),

sm_expense_records as (
    select
        'sm_expenses' as object_name,
        sm_expense_id as record_id,
        amount,
        currency_code,
        expense_month as rate_date
    from {{ ref('stg_finance__sm_expenses') }} as expenses
    {%- if incremental %}
    where {{ conversion_not_held('sm_expenses', 'expenses', 'sm_expense_id') }}
    {%- endif %}
),

money_records as (
    select * from opportunity_records
    union all
    select * from opportunity_history_records
    union all
    select * from ad_spend_records
    union all
    select * from sm_expense_records
),

records as (
    select
        object_name,
        record_id,
        amount,
        coalesce(currency_code, {{ reporting_currency() }}) as currency_code,
        rate_date,
        -- The key the rate lookups join on (any date: the flag keeps a null date apart).
        coalesce(rate_date, cast('1900-01-01' as {{ type_date() }})) as rate_date_key,
        rate_date is null as is_rate_date_null,
        coalesce(currency_code, {{ reporting_currency() }}) <> {{ reporting_currency() }} as needs_conversion
    from money_records
),

rate_periods as (
    select currency_code, conversion_rate, valid_from, valid_to
    from {{ ref('int_currency_rates') }}
),

-- A record's rates depend only on its currency and rate date: they are looked up once per
-- (currency, rate date) that occurs (thousands), not once per record (millions, each paired
-- with every period of its currency). The lookups join on rate_date_key and a null flag, plain
-- equality (hash joins on every engine, where `is not distinct from` is not).
rate_dates as (
    select distinct
        currency_code,
        rate_date,
        rate_date_key,
        is_rate_date_null
    from records
    where needs_conversion
),

-- The covering rate of the record's currency (latest start should periods overlap).
source_rate_candidates as (
    select
        rate_dates.currency_code,
        rate_dates.rate_date_key,
        rate_dates.is_rate_date_null,
        rate_periods.conversion_rate,
        rate_periods.valid_from
    from rate_dates
    inner join rate_periods
        on rate_periods.currency_code = rate_dates.currency_code
        and (rate_periods.valid_from is null or rate_periods.valid_from <= rate_dates.rate_date)
        and (rate_periods.valid_to is null or rate_dates.rate_date < rate_periods.valid_to)
),

source_rates as (
    {{ latest_row_per_key(
        'source_rate_candidates',
        ['currency_code', 'rate_date_key', 'is_rate_date_null'],
        ['valid_from desc nulls last']
    ) }}
),

-- The covering rate of the reporting currency at the record's date.
reporting_rate_candidates as (
    select
        rate_dates.rate_date_key,
        rate_dates.is_rate_date_null,
        rate_periods.conversion_rate,
        rate_periods.valid_from
    from (
        select distinct rate_date, rate_date_key, is_rate_date_null from rate_dates
    ) as rate_dates
    inner join rate_periods
        on rate_periods.currency_code = {{ reporting_currency() }}
        and (rate_periods.valid_from is null or rate_periods.valid_from <= rate_dates.rate_date)
        and (rate_periods.valid_to is null or rate_dates.rate_date < rate_periods.valid_to)
),

reporting_rates as (
    {{ latest_row_per_key(
        'reporting_rate_candidates',
        ['rate_date_key', 'is_rate_date_null'],
        ['valid_from desc nulls last']
    ) }}
),

conversions as (
    select
        records.object_name,
        records.record_id,
        records.amount,
        records.currency_code,
        records.rate_date,
        records.needs_conversion,
        source_rates.conversion_rate as source_rate,
        reporting_rates.conversion_rate as reporting_rate,
        case
            when not records.needs_conversion then records.amount
            when source_rates.conversion_rate is null or reporting_rates.conversion_rate is null then null
            else cast(
                cast(records.amount as {{ type_double() }})
                / source_rates.conversion_rate
                * reporting_rates.conversion_rate
                as {{ type_amount() }}
            )
        end as amount_reporting,
        records.amount is not null
            and records.needs_conversion
            and (source_rates.conversion_rate is null or reporting_rates.conversion_rate is null)
            as is_conversion_rate_missing,
        {{ currency_conversion_bookkeeping_columns() | indent(8) }}
    from records
    left join source_rates
        on records.needs_conversion
        and records.currency_code = source_rates.currency_code
        and records.rate_date_key = source_rates.rate_date_key
        and records.is_rate_date_null = source_rates.is_rate_date_null
    left join reporting_rates
        on records.needs_conversion
        and records.rate_date_key = reporting_rates.rate_date_key
        and records.is_rate_date_null = reporting_rates.is_rate_date_null
)

select * from conversions
