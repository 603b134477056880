with

source as (
    select * from {{ ref('base_plan__quotas') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ clean_string('user_id') }} as user_id,
        {{ to_date('period_start') }} as period_start,
        lower({{ clean_string('period') }}) as period,
        {{ to_decimal('quota_amount') }} as quota_amount,
        coalesce(lower({{ clean_string('quota_type') }}), 'individual') as quota_type,
        _file,
        _file_seq,
        _row_number
    from source
),

keyed as (
    select
        {{ surrogate_key(['user_id', 'period_start', 'period', 'quota_type']) }} as quota_id,
        typed.*
    from typed
    where user_id is not null
        and period_start is not null
        and period is not null
),

current_rows as (
    {{ latest_row_per_key('keyed', ['user_id', 'period_start', 'period', 'quota_type'], later_row_first()) }}
)

select
    quota_id,
    user_id,
    period_start,
    period,
    quota_amount,
    quota_type,
    _file,
    _file_seq,
    _row_number
from current_rows
