{{ config(**validated_rows_config('marketing', 'ad_spend')) }}

{{ validated_rows(
    source('marketing', 'ad_spend'),
    [
        {'field': 'date', 'required': true, 'type': 'date'},
        {'field': 'platform', 'required': true},
        {'field': 'campaign_id', 'required': true},
        {'field': 'spend', 'required': true, 'type': 'decimal', 'min': 0},
        {'field': 'currency', 'type': 'currency'},
        {'field': 'impressions', 'type': 'integer', 'min': 0},
        {'field': 'clicks', 'type': 'integer', 'min': 0},
        {'field': 'conversions', 'type': 'integer', 'min': 0},
    ],
) }}
