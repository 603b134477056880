{#- Incremental stage spells (int_opportunity_stage_spells): a few rows per opportunity, built
    from the whole OpportunityHistory by three window passes (the largest model a nightly run
    rebuilt, ~10 s at 1M opportunities), of which a nightly run changes few.

    An opportunity's spells are a function of (a) its history rows (the columns fingerprinted
    by int_opportunity_state_inputs: a new or changed row, a new time zone all change it), (b)
    the stage picklist (sort order, which stages are known), (c) which of its rows are dated
    on or before the as-of date, and (d) the model's SQL and vars. Each row stores them:
    _inputs_hash, _stages_hash, _as_of_date and _build_hash. The pre-hook deletes every
    opportunity whose rows no longer match: its fingerprint changed or is gone, it has a history
    row dated between the as-of date its rows were built at and today's, the picklist changed
    (every row), or the SQL or vars changed (every row). The as-of date also dates the last
    spell (days_in_stage_to_as_of_date): a second pre-hook re-dates the rows that are left. The
    model then builds every opportunity the table no longer holds, so the table always ends as a
    full build leaves it (tests/test_incremental_build.py), and a build that fails after the
    delete is mended by the next one.

    On other engines than DuckDB it stays a plain table, like the month-end states
    (macros/incremental_month_end_states.sql, whose config, build_hash, built_by_this_version
    and delete terms this reuses). -#}

{% macro stage_spells_config() -%}
    {{ return(rebuild_what_changed_config(['opportunity_id', 'spell_number'], [
        "{{ delete_outdated_stage_spells() }}",
        "{{ redate_stage_spells() }}",
    ])) }}
{%- endmacro %}

{#- Days from entering the last spell to the as-of date (null for a spell that ended). -#}
{% macro days_in_stage_to_as_of_date(entered_date, left_date, as_of_date) -%}
    case when {{ left_date }} is null
        then {{ dbt.datediff(entered_date, as_of_date, 'day') }}
    end
{%- endmacro %}

{#- One hash of the stage picklist as the spells read it (a one-row query). -#}
{% macro stage_picklist_hash_query() -%}
    select {{ row_set_hash(['stage_name', 'sort_order']) }} as stages_hash
    from {{ ref('int_opportunity_stages') }}
{%- endmacro %}

{% macro delete_outdated_stage_spells() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    {%- if built_by_this_version() %}
    where _stages_hash is distinct from ({{ stage_picklist_hash_query() }})
        or {{ opportunity_fingerprint_changed() }}
        -- a history row dated between the as-of date the rows were built at and today's
        -- (either way: the as-of date can move back)
        or opportunity_id in ({{ opportunities_with_history_dated_between(
            "select least(held.earliest, calendar.as_of_date) as earliest,
                greatest(held.latest, calendar.as_of_date) as latest
            from (
                select min(_as_of_date) as earliest, max(_as_of_date) as latest from " ~ this ~ "
            ) as held
            cross join " ~ ref('int_reporting_calendar') ~ " as calendar"
        ) }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- After the delete, the rows left hold at today's as-of date but for the age of the last
    spell: date them again. -#}
{% macro redate_stage_spells() -%}
    {#- A table from before _as_of_date has had every row deleted (built_by_this_version). -#}
    {%- if is_incremental() and this_has_column('_as_of_date') and built_by_this_version() -%}
    update {{ this }}
    set
        days_in_stage_to_as_of_date = {{ days_in_stage_to_as_of_date(
            this ~ '.entered_date', this ~ '.left_date', 'calendar.as_of_date') }},
        _as_of_date = calendar.as_of_date
    from {{ ref('int_reporting_calendar') }} as calendar
    where {{ this }}._as_of_date is distinct from calendar.as_of_date
    {%- endif -%}
{%- endmacro %}
