{{ config(**validated_rows_config('plan', 'quotas')) }}

{{ validated_rows(
    source('plan', 'quotas'),
    [
        {'field': 'user_id', 'required': true},
        {'field': 'period_start', 'required': true, 'type': 'date'},
        {'field': 'period', 'required': true, 'values': ['month', 'quarter']},
        {'field': 'quota_amount', 'required': true, 'type': 'decimal', 'min': 0},
        {'field': 'quota_type', 'values': ['individual', 'team']},
    ],
) }}
