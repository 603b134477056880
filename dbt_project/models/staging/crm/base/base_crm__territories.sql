{{ config(materialized='table') }}

{{ validated_rows(
    source('crm', 'crm_territory2'),
    crm_common_rules() + [{'field': 'Name', 'required': true}],
    key='Id',
) }}
