{{ config(materialized='table') }}

{{ validated_rows(
    source('crm', 'crm_contact'),
    crm_common_rules() + [{'field': 'LastName', 'required': true}],
    key='Id',
) }}
