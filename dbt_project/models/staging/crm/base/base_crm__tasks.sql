{{ config(**validated_rows_config('crm', 'crm_task')) }}

{{ validated_rows(
    source('crm', 'crm_task'),
    crm_common_rules() + [{'field': 'OwnerId', 'required': true}, {'field': 'ActivityDate', 'type': 'date'}],
    key='Id',
) }}
