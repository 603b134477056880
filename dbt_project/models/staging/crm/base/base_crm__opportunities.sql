{{ config(**validated_rows_config('crm', 'crm_opportunity')) }}

{{ validated_rows(
    source('crm', 'crm_opportunity'),
    crm_common_rules() + [
        {'field': 'OwnerId', 'required': true},
        {'field': 'StageName', 'required': true},
        {'field': 'CloseDate', 'required': true, 'type': 'date'},
        {'field': 'Amount', 'type': 'decimal', 'min': 0},
        {'field': 'CurrencyIsoCode', 'type': 'currency'},
        {'field': 'Probability', 'type': 'decimal', 'min': 0, 'max': 100},
        {'field': 'IsClosed', 'type': 'boolean'},
        {'field': 'IsWon', 'type': 'boolean'},
        {'field': 'Contract_Term_Months__c', 'type': 'integer'},
    ],
    key='Id',
) }}
