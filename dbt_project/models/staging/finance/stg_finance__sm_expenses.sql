with

source as (
    select * from {{ ref('base_finance__sm_expenses') }}
    -- rows that failed validation are listed in int_rejected_rows instead
    where _reject_rule is null
),

typed as (
    select
        {{ to_month('month') }} as expense_month,
        lower({{ clean_string('department') }}) as department,
        {{ clean_string('category') }} as category,
        {{ to_decimal('amount') }} as amount,
        {{ to_currency_code('currency') }} as currency_code,
        _file,
        _file_seq,
        _row_number,
        _loaded_at,
        _rules_hash
    from source
),

keyed as (
    select
        {{ surrogate_key(['expense_month', 'department', 'category']) }} as sm_expense_id,
        typed.*
    from typed
    where expense_month is not null
        and department is not null
        and category is not null
),

current_rows as (
    {{ latest_row_per_key('keyed', ['expense_month', 'department', 'category'], later_row_first()) }}
)

select
    sm_expense_id,
    expense_month,
    department,
    category,
    amount,
    currency_code,
    _file,
    _file_seq,
    _row_number,
    _loaded_at,
    _rules_hash
from current_rows
