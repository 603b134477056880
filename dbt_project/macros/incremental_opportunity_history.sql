{#- Incremental opportunity state rows (int_opportunity_history): one row per history row,
    tens of millions at a large company, of which a nightly run changes few. Rebuilt whole, it
    was one of the largest models of a nightly run (most of it writing every row again).

    A row is a function of (a) its history row, (b) its opportunity (whether it exists, and its
    currency and close date, which pick the conversion), (c) the stage picklist, (d) the
    conversion rates, (e) the SQL of the model and of the models it reads, and the vars. Rows
    do not depend on each other or on the as-of date. Each row stores (c) as _stages_hash, (d)
    as _rates_hash, (e) as _build_hash, and for (a) and (b) a watermark of the staging tables
    it was read from (macros/staging_watermarks.sql). The rates hash is the conversions' own
    (macros/incremental_currency_conversions.sql).

    The pre-hook deletes every row that may no longer hold:
      * a row of a file after the history watermark has its Id (the row changed, was deleted
        or moved to another opportunity);
      * a row of a file after the opportunity watermark has its opportunity (the deal was
        deleted, or its currency or close date changed);
    and every row when the picklist, the rates, the SQL or the vars changed, or when the
    staging rows up to a watermark are no longer those the table was read from (raw reloaded:
    a later load time; re-validated: other rules). The model then builds the history rows the
    table does not hold. So the table ends as a full build leaves it
    (tests/test_incremental_build.py), and a build that fails after the delete is mended by
    the next one.

    On other engines than DuckDB it stays a plain table, like the month-end states
    (macros/incremental_month_end_states.sql: rebuild_what_changed_config, build_hash and
    built_by_this_version). -#}

{% macro opportunity_history_config() -%}
    {{ return(rebuild_what_changed_config(['opportunity_history_id'], [
        "{{ delete_outdated_opportunity_history() }}",
    ])) }}
{%- endmacro %}

{#- A one-row query: a hash of the stage picklist as the rows read it. -#}
{% macro opportunity_history_stages_hash_query() -%}
    select {{ row_set_hash([
        'stage_name', 'is_closed', 'is_won', 'default_probability', 'forecast_category'
    ]) }} as stages_hash
    from {{ ref('int_opportunity_stages') }}
{%- endmacro %}

{% macro delete_outdated_opportunity_history() -%}
    {%- if is_incremental() -%}
    {%- set history = ref('stg_crm__opportunity_history') -%}
    {%- set opportunities = ref('stg_crm__opportunities') -%}
    delete from {{ this }}
    {%- if built_by_this_version() %}
    {%- set held = held_watermarks(['history', 'opportunity']) %}
    -- staging holds rows up to the watermark the table was not read from: every row goes
    where {{ staging_reread_since_watermark(held.history, history) }}
        or {{ staging_reread_since_watermark(held.opportunity, opportunities) }}
        or _stages_hash is distinct from ({{ opportunity_history_stages_hash_query() }})
        or _rates_hash is distinct from ({{ currency_rates_hash_query() }})
        -- the history row arrived again in a later file
        or opportunity_history_id in ({{ staged_after_watermark(held.history, history, 'opportunity_history_id') }})
        -- its opportunity arrived again in a later file
        or opportunity_id in ({{ staged_after_watermark(held.opportunity, opportunities, 'opportunity_id') }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
