with

source as (
    select * from {{ source('load', '_load_rejects') }}
)

select
    file as source_file,
    object_name,
    file_seq,
    row_number as source_row,
    field as field_name,
    reason,
    error_type,
    raw_line
from source
