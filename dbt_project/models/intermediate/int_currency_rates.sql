-- Conversion-rate periods: each DatedConversionRate (current, non-deleted) applies on
-- [valid_from, valid_to): valid_to = NextStartDate, else the next StartDate of the same
-- currency, else open-ended (null). Salesforce's rate = units of the currency per one unit
-- of the org's corporate currency (whose rate is 1).
--
-- If the reporting currency never appears among the rates, it is taken to be the corporate
-- currency: one open-ended period with rate 1 is added for it.

with

rates as (
    select
        conversion_rate_id,
        currency_code,
        conversion_rate,
        start_date,
        next_start_date,
        {{ crm_last_modified_at('last_modified_at', 'system_modstamp_at', 'created_at') }} as _last_modified_at,
        _file_seq,
        _row_number
    from {{ ref('stg_crm__dated_conversion_rates') }}
    where not is_deleted
        and currency_code is not null
        and start_date is not null
        and conversion_rate > 0
),

-- One rate per currency and start date (the latest modified, then the later row).
rate_per_start as (
    {{ latest_row_per_key('rates', ['currency_code', 'start_date'], crm_current_row_order()) }}
),

rate_periods as (
    select
        currency_code,
        conversion_rate,
        start_date as valid_from,
        coalesce(
            next_start_date,
            lead(start_date) over (partition by currency_code order by start_date)
        ) as valid_to,
        'DatedConversionRate' as rate_source
    from rate_per_start
),

corporate_reporting_currency as (
    select
        {{ reporting_currency() }} as currency_code,
        cast(1 as {{ type_double() }}) as conversion_rate,
        cast(null as {{ type_date() }}) as valid_from,
        cast(null as {{ type_date() }}) as valid_to,
        'reporting currency taken as corporate' as rate_source
    where not exists (
        select 1 from rate_periods where currency_code = {{ reporting_currency() }}
    )
)

select * from rate_periods
union all
select * from corporate_reporting_currency
