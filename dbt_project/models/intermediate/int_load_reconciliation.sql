-- Per landing file, every record accounted for: read = loaded + unparseable, and
-- loaded = usable + invalid. The rows in raw and in the validation models are counted here,
-- independently of the loader's own counts, so a row lost between layers shows.

with

files as (
    select * from {{ ref('stg_load__files') }}
),

validated_rows as (
    {%- for object_name, model in validated_objects() %}
    select
        _file_seq as file_seq,
        count(*) as rows_in_raw,
        count(*) - count(_reject_rule) as rows_usable,
        count(_reject_rule) as rows_invalid
    from {{ ref(model) }}
    group by _file_seq
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

unparseable_rows as (
    select file_seq, count(*) as rows_unparseable
    from {{ ref('stg_load__rejects') }}
    group by file_seq
)

select
    files.source_file,
    files.object_name,
    files.file_seq,
    files.rows_read,
    files.rows_loaded,
    coalesce(validated_rows.rows_in_raw, 0) as rows_in_raw,
    coalesce(validated_rows.rows_usable, 0) as rows_usable,
    coalesce(validated_rows.rows_invalid, 0) as rows_invalid,
    coalesce(unparseable_rows.rows_unparseable, 0) as rows_unparseable,
    coalesce(validated_rows.rows_invalid, 0)
        + coalesce(unparseable_rows.rows_unparseable, 0) as rows_rejected,
    files.rows_read = coalesce(validated_rows.rows_usable, 0)
        + coalesce(validated_rows.rows_invalid, 0)
        + coalesce(unparseable_rows.rows_unparseable, 0)
        and files.rows_loaded = coalesce(validated_rows.rows_in_raw, 0) as is_reconciled
from files
left join validated_rows
    on files.file_seq = validated_rows.file_seq
left join unparseable_rows
    on files.file_seq = unparseable_rows.file_seq
