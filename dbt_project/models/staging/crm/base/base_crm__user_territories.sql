{{ config(**validated_rows_config('crm', 'crm_user_territory2_association')) }}

{{ validated_rows(
    source('crm', 'crm_user_territory2_association'),
    crm_common_rules() + [{'field': 'UserId', 'required': true}, {'field': 'Territory2Id', 'required': true}],
    key='Id',
) }}
