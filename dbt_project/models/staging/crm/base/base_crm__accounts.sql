{{ config(**validated_rows_config('crm', 'crm_account')) }}

{{ validated_rows(
    source('crm', 'crm_account'),
    crm_common_rules() + [
        {'field': 'Name', 'required': true},
        {'field': 'NumberOfEmployees', 'type': 'integer', 'min': 0},
        {'field': 'AnnualRevenue', 'type': 'decimal'},
    ],
    key='Id',
) }}
