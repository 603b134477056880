{{ config(**validated_rows_config('crm', 'crm_opportunity_stage')) }}

{{ validated_rows(
    source('crm', 'crm_opportunity_stage'),
    crm_common_rules() + [
        {'field': 'MasterLabel', 'required': true},
        {'field': 'DefaultProbability', 'required': true, 'type': 'decimal', 'min': 0, 'max': 100},
        {'field': 'IsClosed', 'required': true, 'type': 'boolean'},
        {'field': 'IsWon', 'required': true, 'type': 'boolean'},
        {'field': 'SortOrder', 'required': true, 'type': 'integer'},
    ],
    key='Id',
) }}
