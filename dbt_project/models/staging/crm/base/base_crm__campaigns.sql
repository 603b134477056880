{{ config(**validated_rows_config('crm', 'crm_campaign')) }}

{{ validated_rows(
    source('crm', 'crm_campaign'),
    crm_common_rules() + [
        {'field': 'Name', 'required': true},
        {'field': 'StartDate', 'type': 'date'},
        {'field': 'EndDate', 'type': 'date'},
        {'field': 'ActualCost', 'type': 'decimal'},
        {'field': 'BudgetedCost', 'type': 'decimal'},
    ],
    key='Id',
) }}
