{#- Incremental currency conversions (int_currency_conversions): one row per money-bearing
    record (5.8M at 1M opportunities, most of them opportunity history), of which a nightly
    run changes few. Rebuilt whole, most of its time was writing every row again.

    A row is a function of (a) its record (amount, currency, rate date), for a history row
    also (b) its opportunity (currency, and close date when the row has none), (c) the rates,
    (d) the SQL of the model and of the models it reads, and the vars. Each row stores (c) as
    _rates_hash, (d) as _build_hash, and for (a) and (b) a watermark of the staging
    opportunities, history, ad spend and expenses it was read from
    (macros/staging_watermarks.sql).

    The pre-hook deletes every row that may no longer hold:
      * a staging row of a file after its watermark has the record's Id (an opportunity, a
        history row, an ad spend day or an expense month delivered again);
      * a history row whose opportunity has a row in a file after the opportunity watermark;
    and every row when the rates, the SQL or the vars changed, or the staging rows up to a
    watermark are no longer those the table was read from. The model then converts the
    records the table does not hold. So the table ends as a full build leaves it
    (tests/test_incremental_build.py), and a build that fails after the delete is mended by
    the next one. A plain table on other engines (rebuild_what_changed_config). -#}

{% macro currency_conversions_config() -%}
    {{ return(rebuild_what_changed_config(['object_name', 'record_id'], [
        "{{ delete_outdated_currency_conversions() }}",
    ])) }}
{%- endmacro %}

{#- A one-row query: a hash of the rates as the conversions read them. -#}
{% macro currency_rates_hash_query() -%}
    select {{ row_set_hash(['currency_code', 'conversion_rate', 'valid_from', 'valid_to']) }} as rates_hash
    from {{ ref('int_currency_rates') }}
{%- endmacro %}

{#- The records that are not deals' (ad spend and expenses): their object name, which is also
    their watermark's prefix, staging table and record Id. -#}
{% macro spend_stagings() -%}
    {{ return([
        ('ad_spend', ref('stg_marketing__ad_spend'), 'ad_spend_id'),
        ('sm_expenses', ref('stg_finance__sm_expenses'), 'sm_expense_id'),
    ]) }}
{%- endmacro %}

{#- The bookkeeping columns a conversion stores (see above). -#}
{% macro currency_conversion_bookkeeping_columns() -%}
    {{ deal_money_bookkeeping_columns() }},
    {{ staging_watermark_columns(spend_stagings()) }}
{%- endmacro %}

{#- The bookkeeping columns of a row priced from the deals' staging tables: the conversions',
    and int_opportunity_history's, whose rows are read from the same tables and priced with the
    same rates. -#}
{% macro deal_money_bookkeeping_columns() -%}
    {{ staging_watermark_columns([
        ('history', ref('stg_crm__opportunity_history')),
        ('opportunity', ref('stg_crm__opportunities')),
    ]) }},
    ({{ currency_rates_hash_query() }}) as _rates_hash,
    '{{ build_hash() }}' as _build_hash,
    {{ build_started_at() }} as _built_at
{%- endmacro %}

{#- A where-clause term for a money record's CTE (aliased `alias`): the table holds no row of
    it (`not in`, as int_opportunity_history: faster than `not exists` on DuckDB here). -#}
{% macro conversion_not_held(object_name, alias, id_column) -%}
    {{ alias }}.{{ id_column }} not in (
        select held.record_id
        from {{ this }} as held
        where held.object_name = '{{ object_name }}'
            and held.record_id is not null
    )
{%- endmacro %}

{% macro delete_outdated_currency_conversions() -%}
    {%- if is_incremental() -%}
    {%- set history = ref('stg_crm__opportunity_history') -%}
    {%- set opportunities = ref('stg_crm__opportunities') -%}
    delete from {{ this }}
    {%- if built_by_this_version() %}
    {%- set held = held_watermarks(['history', 'opportunity'] + spend_stagings() | map(attribute=0) | list) %}
    {%- set changed_opportunities = staged_after_watermark(held.opportunity, opportunities, 'opportunity_id') %}
    -- staging holds rows up to the watermark the table was not read from: every row goes
    where {{ staging_reread_since_watermark(held.history, history) }}
        or {{ staging_reread_since_watermark(held.opportunity, opportunities) }}
        {%- for prefix, staging, _ in spend_stagings() %}
        or {{ staging_reread_since_watermark(held[prefix], staging) }}
        {%- endfor %}
        or _rates_hash is distinct from ({{ currency_rates_hash_query() }})
        -- the record arrived again in a later file
        {%- for prefix, staging, id_column in spend_stagings() %}
        or (object_name = '{{ prefix }}'
            and record_id in ({{ staged_after_watermark(held[prefix], staging, id_column) }}))
        {%- endfor %}
        or (object_name = 'Opportunity' and record_id in ({{ changed_opportunities }}))
        or (object_name = 'OpportunityHistory' and (
            record_id in ({{ staged_after_watermark(held.history, history, 'opportunity_history_id') }})
            -- its opportunity did
            or record_id in (
                select history.opportunity_history_id
                from {{ history }} as history
                where history.opportunity_id in ({{ changed_opportunities }})
            )
        ))
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
