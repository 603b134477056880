{{ config(**validated_rows_config('crm', 'crm_territory2')) }}

{{ validated_rows(
    source('crm', 'crm_territory2'),
    crm_common_rules() + [{'field': 'Name', 'required': true}],
    key='Id',
) }}
