-- Every delivered row the warehouse could not use, one row each, with where it came from and
-- why. Two kinds:
--   unparseable  the CSV reader could not read the record (stg_load__rejects)
--   invalid      read, but a value breaks the contract (the base_* validation models)
-- Rejected rows are left out of every staging model; the orchestrator's rejected_rows check
-- compares their number with the run's threshold (SALESOPS_MAX_REJECTS, default 0).

with

unparseable as (
    select
        'unparseable' as reject_kind,
        object_name,
        source_file,
        file_seq,
        source_row,
        cast(null as {{ dbt.type_string() }}) as record_id,
        field_name,
        cast(null as {{ dbt.type_string() }}) as field_value,
        reason
    from {{ ref('stg_load__rejects') }}
),

invalid as (
    {%- for object_name, model in validated_objects() %}
    select
        'invalid' as reject_kind,
        '{{ object_name }}' as object_name,
        _file as source_file,
        _file_seq as file_seq,
        _row_number as source_row,
        {% if model.startswith('base_crm__') -%}
        {{ clean_string('id') }}
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as record_id,
        _reject_field as field_name,
        _reject_value as field_value,
        _reject_reason as reason
    from {{ ref(model) }}
    where _reject_rule is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

rejected as (
    select * from unparseable
    union all
    select * from invalid
)

select
    reject_kind,
    object_name,
    source_file,
    file_seq,
    source_row,
    record_id,
    field_name,
    field_value,
    reason,
    object_name || ' row rejected'
        || coalesce(' (Id ' || record_id || ')', '')
        || ': '
        || coalesce(field_name || ' ', '')
        || coalesce('''' || field_value || ''' ', '')
        || reason
        || ' [' || source_file || ', row ' || cast(source_row as {{ dbt.type_string() }})
        || coalesce(', field ' || field_name, '') || ']' as message
from rejected
