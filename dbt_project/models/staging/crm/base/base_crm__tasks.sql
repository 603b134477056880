{{ config(materialized='table') }}

{{ validated_rows(
    source('crm', 'crm_task'),
    crm_common_rules() + [{'field': 'OwnerId', 'required': true}, {'field': 'ActivityDate', 'type': 'date'}],
    key='Id',
) }}
