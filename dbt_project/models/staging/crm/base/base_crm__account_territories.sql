{{ config(**validated_rows_config('crm', 'crm_object_territory2_association')) }}

{{ validated_rows(
    source('crm', 'crm_object_territory2_association'),
    crm_common_rules() + [{'field': 'ObjectId', 'required': true}, {'field': 'Territory2Id', 'required': true}],
    key='Id',
) }}
