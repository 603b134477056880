{{ config(**validated_rows_config('crm', 'crm_opportunity_history')) }}

{{ validated_rows(
    source('crm', 'crm_opportunity_history'),
    crm_common_rules() + [
        {'field': 'OpportunityId', 'required': true},
        {'field': 'StageName', 'required': true},
        {'field': 'Amount', 'type': 'decimal', 'min': 0},
        {'field': 'Probability', 'type': 'decimal', 'min': 0, 'max': 100},
        {'field': 'CloseDate', 'type': 'date'},
    ],
    key='Id',
) }}
