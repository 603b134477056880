{#- Fails (or warns, with severity warn) for every row of the model matching `condition`.
    Used on int_data_quality_issues: dbt reports the issues without failing the build; the
    orchestrator decides. -#}
{% test no_rows_matching(model, condition) %}
select *
from {{ model }}
where {{ condition }}
{% endtest %}
