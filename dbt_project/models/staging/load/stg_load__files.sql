with

source as (
    select * from {{ source('load', '_load_files') }}
)

select
    file as source_file,
    object_name,
    raw_table,
    file_seq,
    size_bytes,
    rows_read,
    rows_loaded,
    rows_rejected as rows_unparseable,
    extra_columns,
    loaded_at
from source
