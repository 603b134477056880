{{ config(**current_rows_config('event_id', 'base_crm__events')) }}
{%- set base = ref('base_crm__events') %}
{%- set appending = current_rows_appending(base) %}

with

source as (
    select * from {{ base }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
    {{- only_new_files(appending) }}
),

typed as (
    select
        {{ clean_string('id') }} as event_id,
        {{ clean_string('ownerid') }} as owner_id,
        {{ clean_string('whoid') }} as who_id,
        {{ clean_string('whatid') }} as what_id,
        {{ clean_string('subject') }} as subject,
        {{ clean_string('type') }} as event_type,
        {{ clean_string('tasksubtype') }} as event_subtype,
        {{ to_timestamp_utc('startdatetime') }} as start_at,
        {{ clean_string('status') }} as status,
        {{ crm_system_columns() }}
    from source
    where {{ clean_string('id') }} is not null
),

current_rows as (
    {{ latest_row_per_key(current_row_candidates('typed', 'event_id', appending), ['event_id'], crm_current_row_order()) }}
)

select
    event_id,
    owner_id,
    who_id,
    what_id,
    subject,
    event_type,
    event_subtype,
    start_at,
    status,
    {{ crm_system_columns_out() }}
from current_rows
