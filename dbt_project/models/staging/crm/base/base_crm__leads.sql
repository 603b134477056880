{{ config(**validated_rows_config('crm', 'crm_lead')) }}

{{ validated_rows(
    source('crm', 'crm_lead'),
    crm_common_rules() + [
        {'field': 'LastName', 'required': true},
        {'field': 'Company', 'required': true},
        {'field': 'Status', 'required': true},
        {'field': 'IsConverted', 'type': 'boolean'},
        {'field': 'ConvertedDate', 'type': 'date'},
        {'field': 'MQL_Date__c', 'type': 'date'},
    ],
    key='Id',
) }}
