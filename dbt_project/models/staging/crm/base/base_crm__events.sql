{{ config(**validated_rows_config('crm', 'crm_event')) }}

{{ validated_rows(
    source('crm', 'crm_event'),
    crm_common_rules() + [{'field': 'OwnerId', 'required': true}, {'field': 'StartDateTime', 'type': 'timestamp'}],
    key='Id',
) }}
