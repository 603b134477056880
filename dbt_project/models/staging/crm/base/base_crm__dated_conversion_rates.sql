{{ config(**validated_rows_config('crm', 'crm_dated_conversion_rate')) }}

{{ validated_rows(
    source('crm', 'crm_dated_conversion_rate'),
    crm_common_rules() + [
        {'field': 'IsoCode', 'required': true, 'type': 'currency'},
        {'field': 'ConversionRate', 'required': true, 'type': 'rate', 'min': 0},
        {'field': 'StartDate', 'required': true, 'type': 'date'},
        {'field': 'NextStartDate', 'type': 'date'},
    ],
    key='Id',
) }}
