{{ config(**validated_rows_config('crm', 'crm_user')) }}

{{ validated_rows(
    source('crm', 'crm_user'),
    crm_common_rules() + [{'field': 'Name', 'required': true}, {'field': 'IsActive', 'type': 'boolean'}],
    key='Id',
) }}
