{{ config(**validated_rows_config('finance', 'sm_expenses')) }}

{{ validated_rows(
    source('finance', 'sm_expenses'),
    [
        {'field': 'month', 'required': true, 'type': 'month'},
        {'field': 'department', 'required': true, 'values': ['sales', 'marketing']},
        {'field': 'category', 'required': true},
        {'field': 'amount', 'required': true, 'type': 'decimal'},
        {'field': 'currency', 'type': 'currency'},
    ],
) }}
