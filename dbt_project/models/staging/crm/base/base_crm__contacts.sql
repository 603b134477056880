{{ config(**validated_rows_config('crm', 'crm_contact')) }}

{{ validated_rows(
    source('crm', 'crm_contact'),
    crm_common_rules() + [{'field': 'LastName', 'required': true}],
    key='Id',
) }}
