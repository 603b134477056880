{#- Parsers from the raw layer's VARCHAR values to typed values (sources.md "Booleans,
    Dates, Datetimes, Numbers"). Every parser turns blank, '' and malformed values into
    null (never an error): data-quality reporting of bad values happens elsewhere. -#}

{#- Text: trimmed, blank/'' -> null. -#}
{% macro clean_string(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Booleans: true/false in any case, 1/0. Anything else -> null. -#}
{% macro to_boolean(column) -%}
    case lower(trim({{ column }}))
        when 'true' then true
        when '1' then true
        when 'false' then false
        when '0' then false
    end
{%- endmacro %}

{#- The shape of a calendar date, YYYY-MM-DD with a plausible month and day (an
    impossible date such as 2024-02-30 still reaches the cast: null on DuckDB). -#}
{% macro date_pattern() -%}
    {{ return('\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])') }}
{%- endmacro %}

{#- Dates: YYYY-MM-DD. -#}
{% macro to_date(column) -%}
    case
        when {{ regex_full_match('trim(' ~ column ~ ')', date_pattern()) }}
            then {{ dbt.safe_cast('trim(' ~ column ~ ')', type_date()) }}
    end
{%- endmacro %}

{#- Datetimes: ISO 8601 as Salesforce writes them (2024-03-05T14:22:10.000+0000,
    ...Z, or no offset = UTC; a 'T' or a space between date and time; a bare date is
    midnight UTC) -> timestamp with time zone. The no-offset case gets an explicit
    +00:00 so the result never depends on the session time zone. -#}
{% macro to_timestamp_utc(column) -%}
    {%- set value = 'trim(' ~ column ~ ')' -%}
    {%- set date_part = date_pattern() -%}
    {%- set time_part = '[T ]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?' -%}
    {%- set offset_part = '([Zz]|[+-]\\d{2}(:?\\d{2})?)' -%}
    case
        when {{ regex_full_match(value, date_part) }}
            then {{ dbt.safe_cast(value ~ " || ' 00:00:00+00:00'", type_timestamptz()) }}
        when {{ regex_full_match(value, date_part ~ time_part) }}
            then {{ dbt.safe_cast(value ~ " || '+00:00'", type_timestamptz()) }}
        when {{ regex_full_match(value, date_part ~ time_part ~ offset_part) }}
            then {{ dbt.safe_cast(value, type_timestamptz()) }}
    end
{%- endmacro %}

{#- Numbers: plain decimal with '.', optional sign and exponent-free. -#}
{% macro to_decimal(column, type=none) -%}
    case
        when {{ regex_full_match('trim(' ~ column ~ ')', '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)') }}
            then {{ dbt.safe_cast('trim(' ~ column ~ ')', type or type_amount()) }}
    end
{%- endmacro %}

{#- Whole numbers (counts, terms, sort orders); '12.0' is accepted as 12. -#}
{% macro to_integer(column) -%}
    case
        when {{ regex_full_match('trim(' ~ column ~ ')', '[+-]?\\d+(\\.0*)?') }}
            then {{ dbt.safe_cast(dbt.safe_cast('trim(' ~ column ~ ')', type_amount()), dbt.type_bigint()) }}
    end
{%- endmacro %}

{#- Salesforce percentages (0-100) -> the warehouse's 0-1 share. -#}
{% macro percent_to_share(column) -%}
    {{ dbt.safe_cast('(' ~ to_decimal(column) ~ ' / 100)', type_share()) }}
{%- endmacro %}

{#- A month given as YYYY-MM or as any date inside it -> the month's first day. -#}
{% macro to_month(column) -%}
    case
        when {{ regex_full_match('trim(' ~ column ~ ')', '\\d{4}-(0[1-9]|1[0-2])') }}
            then {{ to_date('trim(' ~ column ~ ") || '-01'") }}
        else {{ month_start(to_date(column)) }}
    end
{%- endmacro %}

{#- Currency codes compare upper-case. -#}
{% macro to_currency_code(column) -%}
    upper({{ clean_string(column) }})
{%- endmacro %}

{#- Conversion rates (Salesforce keeps up to 9 decimals): double precision. -#}
{% macro to_rate(column) -%}
    {{ to_decimal(column, type_double()) }}
{%- endmacro %}
